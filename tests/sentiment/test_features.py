"""Text normalisation for social media, tokens, negation and complaint cues."""

from __future__ import annotations

import pytest

from sentiment.features import complaint_cues, featurize, normalize, to_simplified, tokens


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("物流太慢了 https://t.cn/A6abcd 大家注意", "物流太慢了 大家注意"),
        ("@鲜达客服 @Acme_CN 我的退款呢", "我的退款呢"),
        ("@小米手机太卡了", "@小米手机太卡了"),  # no end to the name: it may be the whole complaint, so it stays
        ("同感//@小王:配送太慢//@鲜达外卖: 我们会改进", "同感 配送太慢 我们会改进"),
        ("回复@小王:已经解决了", "已经解决了"),
        ("转发微博", ""),
        ("{%#鲜达外卖#%} 又超时了", "鲜达外卖 又超时了"),
        ("#鲜达外卖# 又超时了 {%北京·朝阳%}", "鲜达外卖 又超时了 北京·朝阳"),
        ("笑死我了[允悲][允悲]", "笑死我了[允悲][允悲]"),  # emoji codes carry opinion: kept
        ("鮮達外賣配送太慢了", "鲜达外卖配送太慢了"),  # traditional → simplified
        ("ＡＰＰ闪退１００次！！", "app闪退100次!!"),  # full-width → ASCII, lower-cased
        ("好\u200b评\ufeff", "好评"),
        ("   ", ""),
    ],
)
def test_normalize(raw: str, normalized: str) -> None:
    assert normalize(raw) == normalized


def test_traditional_and_simplified_give_the_same_tokens() -> None:
    assert to_simplified("這個產品質量很差，客服態度也不好") == "这个产品质量很差，客服态度也不好"
    assert tokens("這個產品質量很差") == tokens("这个产品质量很差")


def test_to_simplified_translates_every_character_of_the_table() -> None:
    # The fast path returns texts its search finds no traditional character in: it must find each one.
    from sentiment.features import _t2s_table

    table = _t2s_table()
    assert table
    for code, simplified in table.items():
        assert to_simplified(f"好{chr(code)}a") == f"好{simplified}a"
    assert to_simplified("简体字 plain") == "简体字 plain"


def test_tokens_are_words_characters_bigrams_without_duplicates() -> None:
    toks = tokens("质量很好，质量很好")
    assert {"质量", "很", "好", "质", "量很"} <= set(toks)
    assert len(toks) == len(set(toks))
    assert tokens("") == [] and tokens("转发微博") == []


def test_negation_marks_the_words_it_governs_within_the_clause() -> None:
    toks = tokens("不太满意，推荐")
    assert "不|满意" in toks  # 不太 governs the next words of its clause
    assert "不|推荐" not in toks  # the comma ends the clause
    assert "不|好吃" in tokens("一点也不好吃")


@pytest.mark.parametrize(
    ("text", "cues"),
    [
        ("客服态度很好，希望尽快退款", ["demand"]),  # polite, still a complaint
        ("麻烦给个说法", ["demand"]),
        ("退款一直没到账", ["unresolved"]),
        ("客服至今不回复", ["unresolved"]),
        ("已经向12315投诉了", ["escalation"]),
        ("虚假宣传，骗子", ["fraud"]),
        ("没有什么可投诉的，很满意", []),  # a negated cue is no complaint
        ("退款很快，好评", []),  # a refund that came is no complaint
        ("味道不错，下次再来", []),
    ],
)
def test_complaint_cues(text: str, cues: list[str]) -> None:
    assert complaint_cues(normalize(text)) == cues


def test_cues_become_tokens() -> None:
    toks, cues = featurize("希望尽快退款")
    assert cues == ["demand"] and "⟨demand⟩" in toks
