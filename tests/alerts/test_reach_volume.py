"""Reach-weighted volume: the SQLite store's one-query sum agrees with the generic page-by-page one, and a
volume_spike with ``weight: reach`` fires on a few posts by large accounts that a plain count does not see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from alerts.rules.base import EvaluationContext
from alerts.rules.volume_spike import VolumeSpikeConfig, VolumeSpikeRule
from index.base import MentionFilter, MentionStore
from index.sqlite import SQLiteMentionStore
from tests.factories import make_mention

BRAND = "鲜达外卖"
NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = SQLiteMentionStore.at(tmp_path / "m.sqlite3")
    s.ensure_schema()
    yield s
    s.close()


def at(when: datetime, n: int, reach: float | None = None) -> list[Any]:
    return [
        make_mention(published_at=when - timedelta(minutes=5 + i), reach=reach, updated_at=NOW, collected_at=NOW)
        for i in range(n)
    ]


def test_sqlite_sum_matches_the_generic_one(store: MentionStore) -> None:
    store.upsert(at(NOW, 4) + at(NOW, 3, reach=80.0) + at(NOW, 2, reach=12.5))
    flt = MentionFilter(brands=[BRAND])
    assert store.reach_weighted_count(flt) == pytest.approx(9 + (3 * 80 + 2 * 12.5) / 25)
    assert store.reach_weighted_count(flt) == pytest.approx(MentionStore.reach_weighted_count(store, flt))
    assert store.reach_weighted_count(MentionFilter(brands=["nobody"])) == 0


def test_reach_weighted_spike_sees_big_accounts(store: MentionStore) -> None:
    # Fourteen ordinary days: 10 anonymous mentions in the hour before 08:00. Today: the same 10, half of them
    # by accounts with reach 95.
    for day in range(1, 15):
        store.upsert(at(NOW - timedelta(days=day), 10, reach=5.0))
    store.upsert(at(NOW, 5, reach=5.0) + at(NOW, 5, reach=95.0))
    # The robust (mad) detector: this test is about the weighting, not about the seasonal count model.
    options: dict[str, Any] = {
        "name": "vol",
        "type": "volume_spike",
        "method": "mad",
        "min_count": 5,
        "sensitivity": 3.0,
    }
    plain = VolumeSpikeRule(VolumeSpikeConfig(**options))
    weighted = VolumeSpikeRule(VolumeSpikeConfig(**options, weight="reach"))
    ctx = EvaluationContext(store=store, now=NOW, brands=[BRAND])
    [count_obs] = plain.evaluate(ctx)
    [reach_obs] = weighted.evaluate(ctx)
    assert not count_obs.firing and count_obs.numbers["count"] == 10
    assert reach_obs.firing and reach_obs.numbers["weight"] == "reach"
    assert reach_obs.numbers["count"] == pytest.approx(5 * 1.2 + 5 * 4.8)
    assert "reach-weighted" in reach_obs.summary
