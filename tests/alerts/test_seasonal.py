"""The seasonal count model of ``volume_spike``: known answers on small hand-made cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.backtest import Point, SeriesStore
from alerts.rules.base import EvaluationContext
from alerts.rules.volume_spike import VolumeSpikeConfig, VolumeSpikeRule, firing_count, floor_time
from alerts.seasonal import Lag, SeasonalParams, assess, tail
from foundation.health import SourceHealth, SourceState

PARAMS = SeasonalParams()
STEADY = [Lag(12, 290), Lag(11, 300), Lag(13, 310), Lag(12, 305), Lag(10, 295), Lag(12, 300), Lag(14, 298)]


def test_sparse_counts_are_judged_by_a_count_model_not_a_ratio() -> None:
    quiet = [Lag(2, 40), Lag(1, 38), Lag(3, 42), Lag(2, 41), Lag(2, 39), Lag(1, 40), Lag(2, 40)]
    # Two to six is three times the usual, and nothing unusual for counts this small.
    assert tail(6, 2.0, 0.0) > 0.01 and not assess(6, 40, quiet, [], PARAMS).firing
    thirty = assess(30, 40, quiet, [], PARAMS)
    assert thirty.firing and thirty.p_value < 1e-10 and thirty.expected == pytest.approx(2.0, abs=0.3)


def test_the_expectation_follows_the_level_of_the_last_day() -> None:
    usual = assess(12, 300, STEADY, [], PARAMS)
    doubled = assess(24, 600, STEADY, [], PARAMS)  # the whole day has been twice as busy: 24 is now normal
    assert usual.expected == pytest.approx(12, rel=0.05) and doubled.expected == pytest.approx(24, rel=0.1)
    assert not doubled.firing and doubled.level == pytest.approx(2.0, rel=0.05)
    assert assess(60, 300, STEADY, [], PARAMS).firing  # a jump within the hour, against a normal day


def test_weeks_are_used_once_there_are_enough() -> None:
    weekend = [Lag(4, 100), Lag(5, 105)]  # the same hour on past Saturdays: quieter than weekdays
    a = assess(5, 100, STEADY, weekend, PARAMS)
    assert a.basis == "weekly" and a.expected == pytest.approx(4.5, rel=0.1) and not a.firing
    assert assess(5, 100, STEADY, weekend[:1], PARAMS).basis == "daily"


def test_warm_up_says_so_and_never_fires() -> None:
    a = assess(500, 10, [Lag(3, 10)], [], PARAMS)
    assert a.warming_up and not a.firing and a.basis == "warm-up" and a.history == 1


def test_firing_count_is_the_smallest_count_that_fires() -> None:
    for expected, spread in ((2.0, 0.1), (12.0, 0.1), (400.0, 0.3), (0.2, 0.1)):
        bar = firing_count(expected, spread, PARAMS)
        assert tail(bar, expected, spread) < PARAMS.max_p and bar >= PARAMS.min_count
        assert (
            bar == PARAMS.min_count
            or tail(bar - 1, expected, spread) >= PARAMS.max_p
            or (bar - 1 < PARAMS.min_ratio * expected)
        )


HOUR = timedelta(hours=1)
START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday


def rule(**options: object) -> VolumeSpikeRule:
    return VolumeSpikeRule(VolumeSpikeConfig.model_validate({"name": "v", "type": "volume_spike", **options}))


def series(days: int, burst_at: int | None = None) -> list[Point]:
    """Hourly counts with a day/night rhythm (10 by day, 2 by night), and 60 more in one hour."""
    out = []
    for h in range(days * 24):
        count = 10 if 8 <= h % 24 < 22 else 2
        out.append(Point(START + h * HOUR, count + (60 if h == burst_at else 0)))
    return out


def test_the_rule_explains_what_was_seen_and_expected_in_chinese_first() -> None:
    burst = 15 * 24 + 14  # Tuesday 14:00 of the third week
    points = series(16, burst)
    [obs] = rule().evaluate(EvaluationContext(SeriesStore(points, HOUR), START + (burst + 1) * HOUR, ["b"], "UTC"))
    assert obs.firing and obs.numbers["count"] == 70 and obs.numbers["expected"] == pytest.approx(10, rel=0.1)
    assert obs.summary.startswith("b：最近1h 70 条提及；按周二 14:00的常态预计 10 条（99% 分位")
    assert "70 mentions in the last 1h; expected 10 for a Tuesday 14:00 (99th pct" in obs.summary
    assert obs.numbers["threshold"] <= 70 and obs.numbers["basis"] == "weekly"


def test_the_rule_warms_up_on_a_new_brand() -> None:
    points = series(1, 20)
    [obs] = rule().evaluate(EvaluationContext(SeriesStore(points, HOUR), START + 21 * HOUR, ["b"], "UTC"))
    assert not obs.firing and "warming up: 0 of 2 days" in obs.summary and obs.numbers["threshold"] is None


def test_only_complete_buckets_are_judged() -> None:
    now = datetime(2026, 11, 20, 10, 7, 30, tzinfo=UTC)
    assert floor_time(now, timedelta(minutes=5)) == datetime(2026, 11, 20, 10, 5, tzinfo=UTC)
    ctx = EvaluationContext(SeriesStore(series(2), HOUR), now, ["b"], "UTC")
    assert rule().judged_end(ctx) == datetime(2026, 11, 20, 10, 5, tzinfo=UTC)
    assert rule(settle="10m").judged_end(ctx) == datetime(2026, 11, 20, 9, 55, tzinfo=UTC)
    # A source crawled up to 09:58 has not brought in the posts of 09:58–10:05 yet; one that has not
    # succeeded for hours is source_silent's business and holds nothing back.
    behind = SourceHealth("weibo", SourceState.ok, last_success_at=now - timedelta(minutes=9, seconds=30))
    broken = SourceHealth("zhihu", SourceState.failing, last_success_at=now - timedelta(hours=5))
    ctx.sources = [(behind, timedelta(minutes=5)), (broken, timedelta(minutes=5))]
    assert rule().judged_end(ctx) == datetime(2026, 11, 20, 9, 55, tzinfo=UTC)


FIVE = timedelta(minutes=5)


def five_minute_series(days: int, burst: dict[int, int]) -> list[Point]:
    """Ten mentions every five minutes for ``days`` days, plus ``burst`` (bucket index → extra mentions)."""
    return [Point(START + i * FIVE, 10 + burst.get(i, 0)) for i in range(days * 288)]


def verdict(points: list[Point], at: int, **options: object) -> bool:
    """Whether the rule fires at the end of bucket ``at``."""
    ctx = EvaluationContext(SeriesStore(points, FIVE), START + (at + 1) * FIVE, ["b"], "UTC")
    [obs] = rule(**options).evaluate(ctx)
    return obs.firing


def test_a_sharp_start_shows_in_the_half_hour_before_the_hour() -> None:
    start = 3 * 288 + 150  # day four, 12:30
    points = five_minute_series(4, {start + k: 15 for k in range(4)})
    # Twenty minutes into a burst the hour is 180 against 120 (diluted), the half hour 120 against 60.
    assert verdict(points, start + 3, short_window=None, confirm_buckets=1) is False
    assert verdict(points, start + 3, confirm_buckets=1) is True
    # With the default persistence it fires a bucket later, and says which stretch stood out.
    [obs] = rule().evaluate(EvaluationContext(SeriesStore(points, FIVE), START + (start + 5) * FIVE, ["b"], "UTC"))
    assert obs.firing and obs.numbers["window"] == "30m" and obs.numbers["count"] == 120


def test_one_unusual_bucket_end_is_confirmed_by_the_next() -> None:
    at = 3 * 288 + 150
    points = five_minute_series(4, {at: 80, at + 1: 80})
    # The stretch ending with the first burst bucket is unusual, the one a bucket before it is not: with
    # persistence nothing fires yet; a bucket later both ending stretches hold the burst and it fires.
    assert verdict(points, at, confirm_buckets=1) is True
    assert verdict(points, at, confirm_buckets=2) is False
    assert verdict(points, at + 1, confirm_buckets=2) is True
