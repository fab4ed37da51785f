"""The type cues: asking for a remedy without 请问 or "？", and concrete proposals without 建议."""

from __future__ import annotations

import pytest

from tickets.understanding.kind import ASK_AT, cues, decide


@pytest.mark.parametrize(
    "text",
    [
        "码数比正常少两个码，能换吗",
        "货已收到，买大了，能换不？",
        "用了几天就开不了机了是怎么回事 可以换货吗",
        "头痒，咋退货啊",
    ],
)
def test_asking_for_a_remedy_is_a_question(text: str) -> None:
    assert cues(text)[0]


@pytest.mark.parametrize("text", ["能换个心情也好", "可以退货，很方便", "换了新的就好了"])
def test_remedy_words_without_asking_are_no_question(text: str) -> None:
    assert not cues(text)[0]


@pytest.mark.parametrize(
    "text",
    [
        "价格适中，如果有送耳机就好了",
        "送的瑞星改成别的就好了！",
        "建议厂家提供贴膜，避免划痕",
        "浴袍比较旧了，建议更换",
    ],
)
def test_one_named_thing_to_add_or_change_is_a_proposal(text: str) -> None:
    assert cues(text)[1]


@pytest.mark.parametrize("text", ["建议大家别买", "收到就好了，放心", "如果不满意可以退"])
def test_advice_and_relief_are_no_proposal(text: str) -> None:
    assert not cues(text)[1]


def test_a_cue_turns_a_likely_type_into_enquiry_or_suggestion() -> None:
    # The head gives the rarer class just the share its cue needs (ASK_AT was re-chosen 0.3 -> 0.35 on the
    # held-out-domain folds; the test is about the cue turning the type, not about one threshold's value).
    scores = {"complaint": 0.85 - ASK_AT, "suggestion": 0.05, "enquiry": ASK_AT, "praise": 0.05, "other": 0.05}
    assert decide("码数比正常少两个码，能换吗", scores, aspects=True, commercial=True) == "enquiry"
    scores = {"complaint": 0.1, "suggestion": 0.3, "enquiry": 0.0, "praise": 0.55, "other": 0.05}
    assert decide("电池一般，如果有送耳机就好了", scores, aspects=True, commercial=True) == "suggestion"
    # Without the cue the head's rarer class does not win.
    assert decide("电池一般，耳机没送", scores, aspects=True, commercial=True) == "praise"
