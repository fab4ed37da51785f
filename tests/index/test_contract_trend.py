"""The mention store contract, trends: day and hour buckets in a time zone, on every backend (``mention_store``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from foundation.errors import InvalidQuery
from index.base import MentionFilter, MentionStore, TrendBucket
from index.buckets import bucket_starts
from tests.index.test_contract import NEG, T0, mk, write


def buckets(trend: list[TrendBucket]) -> list[tuple[datetime, int, int]]:
    return [(b.start, b.count, b.negative) for b in trend]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_trend_days_in_shanghai_and_utc(mention_store: MentionStore) -> None:
    write(
        mention_store,
        [
            mk("early", published=utc(2024, 3, 9, 15, 59), label=NEG),  # before since
            mk("a", published=utc(2024, 3, 9, 16, 0), label=NEG),  # Shanghai 03-10 00:00
            mk("b", published=utc(2024, 3, 9, 23, 59, 59)),  # Shanghai 03-10 07:59
            mk("c", published=utc(2024, 3, 10, 16, 30), label=NEG),  # Shanghai 03-11 00:30
            mk("d", published=utc(2024, 3, 12, 17, 0)),  # Shanghai 03-13 01:00
            mk("e", published=utc(2024, 3, 13, 16, 0), label=NEG),  # == until: excluded
            mk("other-brand", published=utc(2024, 3, 10, 1, 0), brands=["globex"]),
        ],
    )
    flt = MentionFilter(brands=["acme"], since=utc(2024, 3, 9, 16), until=utc(2024, 3, 13, 16))
    assert buckets(mention_store.trend(flt, "day", "Asia/Shanghai")) == [
        (utc(2024, 3, 9, 16), 2, 1),
        (utc(2024, 3, 10, 16), 1, 1),
        (utc(2024, 3, 11, 16), 0, 0),
        (utc(2024, 3, 12, 16), 1, 0),
    ]
    assert buckets(mention_store.trend(flt, "day", "UTC")) == [
        (utc(2024, 3, 9), 2, 1),
        (utc(2024, 3, 10), 1, 1),
        (utc(2024, 3, 11), 0, 0),
        (utc(2024, 3, 12), 1, 0),
        (utc(2024, 3, 13), 0, 0),
    ]
    assert sum(b.count for b in mention_store.trend(flt.model_copy(update={"brands": []}), "day")) == 5


def test_trend_hours_with_a_half_hour_zone(mention_store: MentionStore) -> None:
    write(
        mention_store,
        [
            mk("h0", published=utc(2024, 3, 10, 0, 0)),
            mk("h1", published=utc(2024, 3, 10, 0, 59, 59)),
            mk("h2", published=utc(2024, 3, 10, 2, 30), label=NEG),
            mk("h3", published=utc(2024, 3, 10, 4, 0)),  # == until
        ],
    )
    flt = MentionFilter(since=utc(2024, 3, 10), until=utc(2024, 3, 10, 4))
    assert buckets(mention_store.trend(flt, "hour")) == [
        (utc(2024, 3, 10, 0), 2, 0),
        (utc(2024, 3, 10, 1), 0, 0),
        (utc(2024, 3, 10, 2), 1, 1),
        (utc(2024, 3, 10, 3), 0, 0),
    ]
    # India is UTC+5:30: local hours start at half past in UTC, the first one before 'since'.
    assert buckets(mention_store.trend(flt, "hour", "Asia/Kolkata")) == [
        (utc(2024, 3, 9, 23, 30), 1, 0),
        (utc(2024, 3, 10, 0, 30), 1, 0),
        (utc(2024, 3, 10, 1, 30), 0, 0),
        (utc(2024, 3, 10, 2, 30), 1, 1),
        (utc(2024, 3, 10, 3, 30), 0, 0),
    ]
    with_text = MentionFilter(text="普通", since=flt.since, until=flt.until)
    assert [b.count for b in mention_store.trend(with_text, "hour")] == [2, 0, 1, 0]


def test_trend_days_across_a_daylight_saving_change(mention_store: MentionStore) -> None:
    # New York switched to daylight time on 2024-03-10, whose local day is 23 hours long.
    write(
        mention_store,
        [
            mk("sat-late", published=utc(2024, 3, 10, 4, 59)),  # 03-09 23:59 EST
            mk("sun-noon", published=utc(2024, 3, 10, 16, 0)),  # 03-10 12:00 EDT
            mk("mon-early", published=utc(2024, 3, 11, 4, 30)),  # 03-11 00:30 EDT (a 24 h step would miss it)
        ],
    )
    flt = MentionFilter(since=utc(2024, 3, 9, 5), until=utc(2024, 3, 12, 4))
    trend = mention_store.trend(flt, "day", "America/New_York")
    assert flt.since is not None and flt.until is not None
    assert [b.start for b in trend] == bucket_starts(flt.since, flt.until, "day", ZoneInfo("America/New_York"))
    assert buckets(trend) == [
        (utc(2024, 3, 9, 5), 1, 0),
        (utc(2024, 3, 10, 5), 1, 0),
        (utc(2024, 3, 11, 4), 1, 0),
    ]


def test_trend_needs_a_range_and_a_known_zone(mention_store: MentionStore) -> None:
    with pytest.raises(InvalidQuery):
        mention_store.trend(MentionFilter(since=T0), "day")
    with pytest.raises(InvalidQuery):
        mention_store.trend(MentionFilter(until=T0), "hour")
    with pytest.raises(InvalidQuery):
        mention_store.trend(MentionFilter(since=T0, until=T0 + timedelta(days=1)), "day", "Mars/Olympus_Mons")
    with pytest.raises(InvalidQuery):  # too many buckets
        mention_store.trend(MentionFilter(since=T0, until=T0 + timedelta(days=400)), "hour")
