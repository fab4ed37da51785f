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
