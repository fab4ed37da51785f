"""The cyclic collector paused for a batch: off inside, back on after, also when the batch fails."""

from __future__ import annotations

import gc

import pytest

from foundation.gcpause import cycle_collection_paused


def test_the_collector_is_off_inside_and_on_again_after() -> None:
    assert gc.isenabled()
    with cycle_collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_failing_batch_still_turns_it_back_on() -> None:
    with pytest.raises(ValueError), cycle_collection_paused():
        raise ValueError("a bad batch")
    assert gc.isenabled()


def test_nested_pauses_resume_only_at_the_outermost() -> None:
    with cycle_collection_paused():
        with cycle_collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block found it off and left it so
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_caller_stays_off() -> None:
    gc.disable()
    try:
        with cycle_collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_sentiment_and_category_batches_run_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    from sentiment import SentimentService
    from tickets.classify import ModelClassifier

    service = SentimentService.default()
    seen: list[bool] = []
    scorer = service._by_language["zh"]
    real = scorer.score_batch

    def spy(texts: list[str]) -> list[float | None]:
        seen.append(gc.isenabled())
        return real(texts)

    monkeypatch.setattr(scorer, "score_batch", spy)
    results = service.analyze_batch(["质量太差了，一用就坏", "很好用，推荐"])
    assert seen == [False] and gc.isenabled()
    assert results[0].score is not None and results[1].score is not None

    classifier = ModelClassifier()
    reader = classifier._default
    seen.clear()
    real_many = reader.categories_many

    def spy_many(texts: list[str], sentiments: list[float | None] | None = None) -> list[tuple[object, ...]]:
        seen.append(gc.isenabled())
        return real_many(texts, sentiments)

    monkeypatch.setattr(reader, "categories_many", spy_many)
    assert len(classifier.categories(["快递太慢了，等了一周"], [0.1])) == 1
    assert seen == [False] and gc.isenabled()
