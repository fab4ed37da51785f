"""The type cues the model reads beside the n-grams: an asking form, a concrete proposal, a plain complaint word."""

from __future__ import annotations

import pytest

from tickets.enums import Category
from tickets.understanding.features import extract, praised_aspects
from tickets.understanding.folding import fold
from tickets.understanding.lexicon import ASPECT_WORDS, DEFECT_WORDS


def _cues(text: str) -> set[str]:
    return {name for name in extract(text, sentiment=0.5) if name in ("t:ask", "t:offer", "t:complains")}


def test_the_type_cues_are_features() -> None:
    assert _cues("码数比正常少两个码，能换吗") == {"t:ask"}
    assert _cues("价格适中，如果有送耳机就好了") == {"t:offer"}
    assert _cues("差评，垃圾") == {"t:complains"}
    assert _cues("今天天气很好") == set()


def test_a_pointer_at_the_item_and_a_verdict_on_it_are_features() -> None:
    # A review that judges its item without naming an aspect still reads as one (issue 13: product reviews left
    # for "other"); a personal post carries neither sign.
    assert {"t:item", "t:verdict"} <= set(extract("这本书很平淡，不值这个价", sentiment=0.2))
    assert extract("看了几页，失望", sentiment=0.2)["t:verdict"] == 0.25
    assert not {"t:item", "t:verdict"} & set(extract("今天和朋友去爬山了", sentiment=0.8))


@pytest.mark.parametrize(
    ("text", "praised"),
    [
        ("快递很快，就是质量太差", {"快递"}),
        ("快递服务特别好，就是这拿铁太差劲", {"快递", "服务"}),
        ("包装完好无损，苹果就是坏的", {"包装"}),
        ("各种烂 还贵 和快递无关", {"快递"}),
        ("送的挺快、饭量有些少", {"送的"}),
        ("快递好慢", set()),
        ("快递不是很快", set()),  # negated praise
        ("快递好几天才到", set()),
        ("收到很快就坏了", set()),
        ("物流很快但包装破了", {"物流"}),  # the turn ends the praise: 包装 is complained of
        ("质量很好", set()),  # product words are never set apart (praise reviews are labelled by them)
    ],
)
def test_a_delivery_or_service_word_named_to_praise_it_is_set_apart(text: str, praised: set[str]) -> None:
    assert praised_aspects(fold(text)) == praised


def test_praised_aspects_count_apart() -> None:
    features = extract("快递很快，就是质量太差", sentiment=0.2)
    assert "a:logistics" not in features
    assert features["a:praised_logistics"] == 0.25
    assert "a:product_quality" in features
    assert "a:logistics" in extract("快递太慢，三天才到", sentiment=0.2)


def test_a_fault_named_is_a_feature_and_a_fault_denied_is_none() -> None:
    assert extract("买的新车开了一个月发动机就异响", sentiment=0.5)["t:defect"] == 0.25
    assert "t:defect" not in extract("开了一个月，没有异响", sentiment=0.5)
    assert "t:defect" not in extract("屏幕很大，味道不错", sentiment=0.9)  # parts and properties are no fault


def test_every_fault_word_is_a_product_quality_aspect_word() -> None:
    assert set(ASPECT_WORDS[Category.product_quality]) >= DEFECT_WORDS
