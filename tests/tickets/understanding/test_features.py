"""The type cues the model reads beside the n-grams: an asking form, a concrete proposal, a plain complaint word."""

from __future__ import annotations

from tickets.understanding.features import extract


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
