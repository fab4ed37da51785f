"""The complaint reader's fast paths give the readings of the plain ones, on real texts of the shared corpora.

Ingest reads every mention, so the reader scores its three heads with one gather and one column sum over a numpy
matrix (:class:`~tickets.understanding.model.Table`), finds aspect and business words among the text's n-grams,
skips the urgent rules for a text holding no cue, and skips the evidence when only the category is stored. Each
test puts a fast path beside the computation it replaced on real texts.
"""

from __future__ import annotations

import math
import random
import re

import pytest

from tests.conftest import corpus_texts
from tickets.classify import ModelClassifier
from tickets.enums import Category
from tickets.understanding.features import (
    CHAR_ORDERS,
    _aspect_hits,
    _aspect_patterns,
    _count,
    _negated,
    _verdict_index,
    business_count,
    business_words,
    cues,
    extract,
    finish,
    grams,
    verdict_words,
)
from tickets.understanding.folding import fold
from tickets.understanding.model import Head, shipped_model
from tickets.understanding.urgency import Urgency, UrgencyDetector


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Corpus texts with long runs of one character, and a random sample."""
    every = [t for t in corpus_texts() if t.strip()]
    runs = [t for t in every if re.search(r"(.)\1{19}", t)]
    rng = random.Random(17)
    return runs + rng.sample(every, 1500)


def _plain(head: Head, x: dict[str, float]) -> list[float]:
    """A head's scores as training defines them: bias plus weight times value, feature by feature."""
    pairs = zip(head.bias, head.weights, strict=True)
    return [b + sum(w.get(name, 0.0) * v for name, v in x.items()) for b, w in pairs]


def test_the_table_scores_every_head_as_the_named_features_do(texts: list[str]) -> None:
    model = shipped_model()
    heads = (model.applies, model.primary, model.kind)
    for text in texts[-400:]:
        folded = fold(text)
        fast = model._table.scores(grams(folded), cues(text, folded, 0.3))
        x = finish(extract(text, 0.3), model.vocabulary)
        for got, head in zip(fast, heads, strict=True):
            want = _plain(head, x)
            assert all(math.isclose(g, w, abs_tol=1e-9) for g, w in zip(got, want, strict=True)), text


def _aspects_walking_every_list(folded: str) -> tuple[tuple[Category, tuple[str, ...]], ...]:
    """The aspect words as found before the index: every list, every word, in order."""
    out: dict[Category, list[str]] = {}
    for cat, patterns in _aspect_patterns().items():
        for word, key, pattern in patterns:
            if key in folded and any(not _negated(folded, m.start()) for m in pattern.finditer(folded)):
                out.setdefault(cat, []).append(word)
    return tuple((cat, tuple(words)) for cat, words in out.items())


def test_aspect_and_business_words_found_through_the_grams_are_those_of_every_list(texts: list[str]) -> None:
    found = 0
    for text in texts:
        folded = fold(text)
        hits = _aspect_hits(folded)
        assert hits == _aspects_walking_every_list(folded), text
        assert business_count(folded) == sum(1 for word in business_words() if word in folded), text
        assert _count(folded, _verdict_index()) == sum(1 for word in verdict_words() if word in folded), text
        found += bool(hits)
    assert found > len(texts) / 3


def test_the_urgent_prefilter_changes_no_reading(texts: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    detector = UrgencyDetector(extra=["异物卡喉"])
    sample = [*texts, "喝了这牛奶全家拉肚子", "再不退款我就打12315", "差点被砸到", "打不着火"]
    fast = [detector.detect(t) for t in sample]
    monkeypatch.setattr(UrgencyDetector, "may_be_urgent", lambda self, folded: True)
    plain = [detector.detect(t) for t in sample]
    assert fast == plain
    assert sum(u.urgent for u in plain) >= 4  # the sample holds urgent readings, not only skipped ones
    assert fast[-1] == Urgency(False)


def test_the_category_alone_is_the_classifications(texts: list[str]) -> None:
    classifier = ModelClassifier(critical_words={"*": ["异物卡喉"]})
    categories = set()
    for i, text in enumerate(texts[-300:]):
        sentiment = None if i % 10 == 0 else (i % 7) / 7
        category = classifier.category(text, sentiment=sentiment)
        assert category == classifier.classify(text, sentiment=sentiment).category
        categories.add(category)
    assert len(categories) >= 4


def _grams_by_slices(folded: str) -> tuple[str, ...]:
    """The n-grams as defined: a slice per gram of every Han run, then the Latin and digit runs, each once."""
    out: list[str] = []
    for run in re.findall(r"[\u4e00-\u9fff]+", folded):
        out += [run[i : i + n] for n in CHAR_ORDERS for i in range(len(run) - n + 1)]
    out += re.findall(r"[a-z0-9]+", folded)
    return tuple(dict.fromkeys(out))


def test_grams_built_by_joining_are_the_slices(texts: list[str]) -> None:
    edge = ["", "a", "好", "好的", "好的呀", "很好 很好很好ab12 中", "一一一一一"]
    for text in [*edge, *texts]:
        folded = fold(text)
        assert grams.__wrapped__(folded) == _grams_by_slices(folded), text


def test_first_characters_of_patterns() -> None:
    from tickets.understanding.firstchars import first_chars

    assert first_chars(re.compile(r"(?<!\d)(12315|12345)(?!\d)")) == frozenset("1")
    assert first_chars(re.compile(r"(要|去)?(马上)*举报|上新闻")) == frozenset("要去马举上")
    assert first_chars(re.compile(r"[a-c]x|y")) == frozenset("abcy")
    for unlisted in (r"@?\S+", r".{0,3}x", r"(?i)ab", r"x?", r"[^a]b", r"\d+"):
        assert first_chars(re.compile(unlisted)) is None, unlisted


def test_strings_every_match_contains() -> None:
    from tickets.understanding.firstchars import required

    assert required(re.compile(r"(找|向|去)(当地)?(相关|有关)部门|(相关|有关)部门(投诉|举报)")) == frozenset(["部门"])
    assert required(re.compile(r"(我|要)(经)?报(警|案)|报警处理|报案")) == frozenset("报")
    assert required(re.compile(r"(?<!帮你)维权")) == frozenset(["维权"])
    assert required(re.compile(r"拉(了)?(一|两)?(个)?(晚上|夜)?(的)?肚子")) == frozenset(["肚子"])
    assert required(re.compile(r"(ab)+x|[cd]{2}")) == frozenset(["ab", "c", "d"])
    for unknown in (r"x*", r"(?i)ab", r"a|.", r"(?=ab)", r"[^a]", r"\d+|b"):
        assert required(re.compile(unknown)) is None, unknown


def test_urgent_patterns_searched_by_first_character_answer_as_all_searched_on_corpus_texts() -> None:
    """``may_be_urgent`` searches only the cause, threat and illness patterns whose match can start with a character
    of the text (:class:`~tickets.understanding.firstchars.FirstChars`): the same answer as searching them all."""
    from tickets.understanding.understand import Understander
    from tickets.understanding.urgency import simplified

    detector = Understander().urgency
    texts = [*random.Random(8).sample(corpus_texts(), 5000), "12315投诉", "3.15晚会见", "@央视 曝光", "三一五", ""]
    hits = 0
    for text in texts:
        folded = simplified(fold(text))
        every = any(pattern.search(folded) is not None for pattern in detector._any_patterns)
        assert detector._any_index.any_match(folded) == every, text
        # Found through the text's n-grams (Han keys by their first characters), as may_be_urgent does.
        assert detector._any_index.any_match_in(folded, grams(folded)) == every, text
        hits += every
        # Every match holds one of the strings the index requires of its pattern before searching it.
        for pattern, needs in zip(detector._any_patterns, detector._any_index.needs, strict=True):
            if needs is not None and pattern.search(folded) is not None:
                assert any(s in folded for s in needs), (pattern.pattern, text)
    assert hits > 10  # the sample holds texts that match


def test_may_be_urgent_finds_the_cue_words_among_the_grams_as_a_walk_through_them_does() -> None:
    """``may_be_urgent`` looks the cue words up among the text's n-grams (a longer word by its first trigram): the
    same answer as testing every cue word, brand words too."""
    from tickets.understanding.urgency import simplified

    for detector in (UrgencyDetector(), UrgencyDetector(extra=["爆屏", "电池爆炸了a", "iphone着火", "屏幕碎成渣"])):
        keys = [key for _, key, _ in (*detector._hazard, *detector._injury, *detector._illness)]
        texts = [*random.Random(9).sample(corpus_texts(), 3000), "屏幕碎成渣了", "iphone着火了", "电池爆炸了a", "爆屏"]
        urgent = 0
        for text in texts:
            folded = simplified(fold(text))
            walked = any(key in folded for key in keys) or detector._any_index.any_match(folded)
            assert detector.may_be_urgent(folded) == walked, text
            urgent += walked
        assert urgent > 20


def test_nfkc_gives_unicodedata_nfkc_on_corpus_texts_and_mixed_compatibility_characters(texts: list[str]) -> None:
    """:func:`foundation.unicode.nfkc` replaces the common compatibility characters by their NFKD forms before
    NFKC: the same strings, also beside combining marks, Hangul jamo and kana that compose across them."""
    import unicodedata

    from foundation.unicode import nfkc

    for text in texts:
        assert nfkc.__wrapped__(text) == unicodedata.normalize("NFKC", text), text
    codes = (*range(0xFF01, 0xFF5F), 0x3000, 0x2026, 0xA0, 0x301, 0x308, 0x327, 0x3099, 0x309A, 0x1100, 0x1161)
    pool = [chr(c) for c in (*codes, 0x11A8, 0xAC00, 0x65, 0x41, 0x304B, 0xFF76, 0xFF9E, 0x2E, 0x4E00, 0xFB01, 0x323)]
    rng = random.Random(11)
    for _ in range(20000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(1, 6)))
        assert nfkc.__wrapped__(text) == unicodedata.normalize("NFKC", text), ascii(text)


def test_the_type_cue_patterns_gated_by_their_required_strings_answer_as_searched(texts: list[str]) -> None:
    """The asking and proposal patterns are searched only in texts holding a string every match contains."""
    from tickets.understanding import kind

    edge = ["请问这个怎么用?", "能换吗", "建议增加一个按钮", "不建议购买", "如果有送耳机就好了", "", "希望"]
    found = 0
    for text in [*edge, *texts]:
        folded = fold(text)
        for gated, pattern in ((kind._ASK_GATED, kind._ASK), (kind._PROPOSAL_GATED, kind._PROPOSAL)):
            assert gated.search(folded) == (pattern.search(folded) is not None), text
            found += gated.search(folded)
    assert found > 20
