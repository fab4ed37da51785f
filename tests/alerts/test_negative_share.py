"""The negative-share rule on a real index, with known answers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from alerts.rules.base import EvaluationContext
from alerts.rules.negative_share import NegativeShareConfig, NegativeShareRule
from index.sqlite import SQLiteMentionStore
from tests.factories import NOW, make_mention


def rule(**options: object) -> NegativeShareRule:
    base: dict[str, object] = {"name": "neg", "type": "negative_share", "threshold": 0.5, "min_count": 4}
    return NegativeShareRule(NegativeShareConfig.model_validate({**base, **options}))


def store_with(
    tmp_path: Path, labels: list[str], *, brand: str = "鲜达外卖", ago: timedelta = timedelta(hours=1)
) -> SQLiteMentionStore:
    store = SQLiteMentionStore.at(tmp_path / "m.sqlite3")
    store.ensure_schema()
    store.upsert(
        [
            make_mention(
                f"鲜达 {i}",
                label=label,
                score={"negative": 0.1, "positive": 0.9}.get(label, 0.5),
                brands=[brand],
                ago=ago,
            )
            for i, label in enumerate(labels)
        ]
    )
    return store


def test_fires_at_threshold_with_numbers_and_top_posts(tmp_path: Path) -> None:
    store = store_with(tmp_path, ["negative", "negative", "positive", "neutral", "unscored"])
    [obs] = rule(top_posts=2).evaluate(EvaluationContext(store, NOW, ["鲜达外卖"]))
    assert obs.firing
    assert obs.numbers == {
        "scored": 4,
        "negative": 2,
        "share": 0.5,
        "threshold": 0.5,
        "min_count": 4,
        "unscored": 1,
        "window": "1d",
    }
    assert obs.window_end == NOW and obs.window_start == NOW - timedelta(hours=24)
    assert len(obs.mention_ids) == 2
    assert all(m.sentiment_label == "negative" for m in store.get_many(obs.mention_ids))
    assert "2/4" in obs.summary


def test_quiet_below_threshold_or_minimum(tmp_path: Path) -> None:
    store = store_with(tmp_path, ["negative", "positive", "positive", "neutral"])
    assert not rule().evaluate(EvaluationContext(store, NOW, ["鲜达外卖"]))[0].firing
    few = store_with(tmp_path / "b", ["negative", "negative", "negative"])
    [obs] = rule().evaluate(EvaluationContext(few, NOW, ["鲜达外卖"]))
    assert not obs.firing and obs.numbers["share"] == 1.0 and obs.mention_ids == []


def test_window_excludes_old_mentions_and_other_brands(tmp_path: Path) -> None:
    store = store_with(tmp_path, ["negative"] * 5, ago=timedelta(hours=30))
    store.upsert([make_mention("光屿 差", label="negative", score=0.1, brands=["光屿手机"]) for _ in range(5)])
    results = {o.key: o for o in rule().evaluate(EvaluationContext(store, NOW, ["鲜达外卖", "光屿手机"]))}
    assert not results["鲜达外卖"].firing and results["鲜达外卖"].numbers["scored"] == 0
    assert results["光屿手机"].firing
    scoped = rule(brands=["光屿手机"]).evaluate(EvaluationContext(store, NOW, ["鲜达外卖", "光屿手机"]))
    assert [o.key for o in scoped] == ["光屿手机"]


def test_platform_and_query_scope(tmp_path: Path) -> None:
    store = store_with(tmp_path, [])
    store.upsert([make_mention("鲜达 退款 难", platform="forum", label="negative", score=0.1) for _ in range(4)])
    store.upsert([make_mention("鲜达 好评", platform="news", label="positive", score=0.9) for _ in range(4)])
    ctx = EvaluationContext(store, NOW, ["鲜达外卖"])
    assert rule().evaluate(ctx)[0].firing  # 4 of 8 negative: the threshold is inclusive
    assert not rule(threshold=0.6).evaluate(ctx)[0].firing
    assert rule(platforms=["forum"]).evaluate(ctx)[0].firing
    assert rule(query="退款").evaluate(ctx)[0].numbers["scored"] == 4
