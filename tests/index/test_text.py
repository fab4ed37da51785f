"""Segmentation and highlighting shared by both backends."""

from __future__ import annotations

from index.highlight import highlight
from index.text import index_fields, query_terms, segment, sub_words


def test_segment_splits_chinese_words_and_folds_case_and_width() -> None:
    assert segment("鲜达外卖申请退款") == ["鲜达", "外卖", "申请", "退款"]
    assert segment("ＸｉａｎＤａ Delivery!") == ["xianda", "delivery"]
    assert segment("!!! ...") == []


def test_sub_words_add_words_hidden_in_long_ones() -> None:
    assert "人民" in sub_words("中华人民共和国")
    fields = index_fields("标题", "中华人民共和国成立")
    assert "中华人民共和国" in fields["text_seg"].split() and "人民" in fields["text_sub"].split()


def test_query_terms_are_distinct_in_order() -> None:
    assert query_terms("退款 退款 快递") == ("退款", "快递")
    assert query_terms('"NEAR" -x *') == ("near", "x")


def test_highlight_escapes_then_marks() -> None:
    text = "<script>alert(1)</script> 鲜达外卖申请退款很慢"
    fragment = highlight(text, ["退款"])
    assert fragment == "&lt;script&gt;alert(1)&lt;/script&gt; 鲜达外卖申请<mark>退款</mark>很慢"


def test_highlight_latin_matches_whole_words_case_insensitively() -> None:
    assert highlight("The category of CAT food", ["cat"]) == "The category of <mark>CAT</mark> food"
    assert highlight("no match here", ["cat"]) is None
    assert highlight(None, ["cat"]) is None


def test_highlight_windows_long_text() -> None:
    text = "前" * 200 + "退款" + "后" * 200
    fragment = highlight(text, ["退款"], context=10)
    assert fragment == "…" + "前" * 10 + "<mark>退款</mark>" + "后" * 10 + "…"


def test_highlight_prefixes_run_to_the_end_of_the_word() -> None:
    text = "Refunded twice, refund policy, prefund"
    assert highlight(text, [], prefixes=["refun"]) == "<mark>Refunded</mark> twice, <mark>refund</mark> policy, prefund"
    marked = highlight("申请退款和退货", ["申请"], prefixes=["退"])
    assert marked == "<mark>申请</mark><mark>退</mark>款和<mark>退</mark>货"


def _index_fields_cleaning_every_word(title: str | None, text: str) -> dict[str, str]:
    """:func:`index_fields` as it was: the whole search-mode cut cleaned, then the new tokens kept."""
    import rjieba

    from index.text import _clean, _search_grams, normalize

    raw_title: list[str] = rjieba.cut(normalize(title), True) if title else []
    raw_text: list[str] = rjieba.cut(normalize(text), True) if text else []
    title_tokens, text_tokens = _clean(raw_title), _clean(raw_text)
    have = {*title_tokens, *text_tokens}
    extra: list[str] = []
    for token in _clean(_search_grams([*raw_title, *raw_text], rjieba.has_word)):
        if token not in have:
            have.add(token)
            extra.append(token)
    return {"title_seg": " ".join(title_tokens), "text_seg": " ".join(text_tokens), "text_sub": " ".join(extra)}


def test_index_fields_are_those_of_the_whole_search_cut_on_corpus_texts() -> None:
    import random

    from tests.conftest import corpus_texts

    texts = corpus_texts()
    rng = random.Random(11)
    subs = 0
    for text in rng.sample(texts, 3000):
        title = rng.choice(texts)[:16] if rng.random() < 0.3 else None
        fields = index_fields(title, text)
        assert fields == _index_fields_cleaning_every_word(title, text), text
        assert fields["text_sub"].split() == sub_words(f"{title}\n{text}" if title else text)
        subs += bool(fields["text_sub"])
    assert subs > 300  # many texts have words hidden in longer ones


def test_clean_keeps_what_the_word_pattern_finds() -> None:
    """``_clean`` takes whole alphanumeric tokens without the regex: that needs ``str.isalnum`` to hold for exactly
    the characters the pattern matches, over every code point, and mixed tokens to still be split by it."""
    import sys

    from index.text import _WORD, _clean

    differ = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isalnum() != (_WORD.fullmatch(c) is not None)]
    assert differ == []
    for tokens in (
        ["鲜达", "，", "外卖", " ", "5kg", "！"],
        ["iphone_x", "好用", "a_b", "__", ""],
        ["x²", "½", "杯", "①②", "café", "ⅷ", "a-b"],
        [],
    ):
        assert _clean(tokens) == _WORD.findall(" ".join(tokens)), tokens
        assert _clean(iter(tokens)) == _WORD.findall(" ".join(tokens)), tokens


def test_plain_characters_have_no_accent_to_fold() -> None:
    # The fold's fast path returns texts of these characters as they are: NFKD must leave each alone and none
    # may be a combining mark, or the slow path would have changed the text.
    import unicodedata

    from index.text import _NOT_PLAIN, _fold_latin_accents

    plain = [chr(c) for c in range(0x110000) if _NOT_PLAIN.match(chr(c)) is None]
    assert len(plain) > 20_000
    for char in plain:
        assert unicodedata.normalize("NFKD", char) == char and not unicodedata.combining(char), hex(ord(char))
    assert _fold_latin_accents("café 中文") == "cafe 中文"
    assert _fold_latin_accents("中文,“引号”·—") == "中文,“引号”·—"
