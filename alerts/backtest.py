"""Replaying rules without side effects: over a count series (``yuqing alerts backtest``) or over the stored
history (``yuqing alerts test``), to tune thresholds before they wake anyone at 3 a.m.

The replay follows the engine's own rules (an incident fires on the way from ok to firing, not again while it
holds, resolves when it clears, and respects ``realert``) but keeps its state in memory, opens no ticket and
sends nothing.
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from alerts.rules.base import EvaluationContext, RuleType
from foundation.errors import InvalidQuery
from foundation.timeutil import to_utc
from foundation.vocabulary import SentimentLabel
from index.base import (
    MentionFilter,
    MentionStore,
    SearchPage,
    SearchRequest,
    TrendBucket,
    TrendInterval,
    WriteResult,
    resolve_zone,
)
from index.buckets import bucket_starts


@dataclass(frozen=True)
class Point:
    """One row of a count series: mentions (and negative ones) in ``[timestamp, timestamp + step)``."""

    timestamp: datetime
    count: int
    negative: int = 0


def read_series(text: str) -> tuple[list[Point], timedelta]:
    """A CSV with columns ``timestamp,count`` and optionally ``negative``; rows evenly spaced.

    Raises :class:`InvalidQuery` naming the row and the problem.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = set(reader.fieldnames or [])
    if not {"timestamp", "count"} <= columns:
        raise InvalidQuery(f"the series needs columns timestamp,count (and optionally negative); got {sorted(columns)}")
    points = []
    for line, row in enumerate(reader, start=2):
        try:
            stamp = datetime.fromisoformat(row["timestamp"].strip().replace("Z", "+00:00"))
            count = int(row["count"])
            negative = int(row["negative"]) if row.get("negative") not in (None, "") else 0
        except (ValueError, TypeError) as exc:
            raise InvalidQuery(f"line {line}: {exc}") from exc
        if count < 0 or negative < 0 or negative > count:
            raise InvalidQuery(f"line {line}: counts must satisfy 0 <= negative <= count")
        points.append(Point(to_utc(stamp), count, negative))
    if len(points) < 2:
        raise InvalidQuery("the series needs at least two rows")
    points.sort(key=lambda p: p.timestamp)
    step = points[1].timestamp - points[0].timestamp
    for a, b in pairwise(points):
        if b.timestamp - a.timestamp != step:
            raise InvalidQuery(f"rows must be evenly spaced ({step} apart); {a.timestamp} → {b.timestamp} is not")
    if step <= timedelta(0):
        raise InvalidQuery("timestamps must increase")
    return points, step


class SeriesStore(MentionStore):
    """A read-only "mention store" that knows only counts per time step: what window rules need.

    Brand and platform filters are ignored (a series is about one thing); words match nothing.
    """

    backend = "series"

    def __init__(self, points: Sequence[Point], step: timedelta):
        self.points = list(points)
        self.step = step
        self._starts = [p.timestamp for p in self.points]

    def _slice(self, flt: MentionFilter) -> list[Point]:
        lo = 0 if flt.since is None else bisect_left(self._starts, flt.since)
        hi = len(self.points) if flt.until is None else bisect_left(self._starts, flt.until)
        return self.points[lo:hi]

    def count(self, flt: MentionFilter) -> int:
        rows = self._slice(flt)
        if flt.labels and set(flt.labels) == {SentimentLabel.negative}:
            return sum(p.negative for p in rows)
        return sum(p.count for p in rows)

    def label_counts(self, flt: MentionFilter) -> dict[SentimentLabel, int]:
        rows = self._slice(flt)
        negative = sum(p.negative for p in rows)
        counts = dict.fromkeys(SentimentLabel, 0)
        counts[SentimentLabel.negative] = negative
        counts[SentimentLabel.positive] = sum(p.count for p in rows) - negative
        return counts

    def trend(self, flt: MentionFilter, interval: TrendInterval, tz: str = "UTC") -> list[TrendBucket]:
        if flt.since is None or flt.until is None:
            raise InvalidQuery("a trend needs both 'since' and 'until'")
        starts = bucket_starts(flt.since, flt.until, interval, resolve_zone(tz))
        buckets = [TrendBucket(start=s, count=0, negative=0) for s in starts]
        for point in self._slice(flt):
            index = bisect_left(starts, point.timestamp + timedelta(microseconds=1)) - 1
            if 0 <= index < len(buckets):
                buckets[index].count += point.count
                buckets[index].negative += point.negative
        return buckets

    def search(self, request: SearchRequest) -> SearchPage:
        return SearchPage(hits=[], total=0)

    def get(self, mention_id: str) -> None:
        return None

    def get_many(self, mention_ids: Sequence[str]) -> list[Any]:
        return []

    def upsert(self, mentions: Sequence[Any]) -> WriteResult:
        raise InvalidQuery("a series store is read-only")

    def ensure_schema(self) -> None:
        return None

    def refresh(self) -> None:
        return None

    def ping(self) -> bool:
        return True

    def close(self) -> None:
        return None


@dataclass
class Replayed:
    """An alert event of a replay."""

    at: datetime
    key: str
    kind: str  # fired | resolved
    summary: str
    numbers: dict[str, Any] = field(default_factory=dict)


@dataclass
class _KeyState:
    firing: bool = False
    last_fired: datetime | None = None


def replay(
    rule: RuleType[Any],
    store: MentionStore,
    moments: Iterable[datetime],
    brands: Sequence[str],
    timezone: str = "UTC",
    *,
    saved_query: str | None = None,
) -> list[Replayed]:
    """Evaluate ``rule`` at each moment in order, as the engine would, and list what would have fired.

    A rule scoped by a saved search needs that search's query as ``saved_query`` (the engine's
    ``alerts.engine.resolve_saved_query`` looks it up); without it the rule raises
    :class:`~alerts.rules.base.RuleScopeError`."""
    states: dict[str, _KeyState] = {}
    events: list[Replayed] = []
    previous: datetime | None = None
    for moment in moments:
        # Event rules look at what was stored since the previous moment (an hour before the first one).
        since = (previous or moment - timedelta(hours=1)) if rule.kind == "event" else None
        previous = moment
        ctx = EvaluationContext(
            store=store, now=moment, brands=brands, timezone=timezone, since=since, saved_query=saved_query
        )
        for obs in rule.evaluate(ctx):
            state = states.setdefault(obs.key, _KeyState())
            if obs.firing and not state.firing:
                if state.last_fired is not None and moment - state.last_fired < rule.config.realert:
                    continue
                state.firing, state.last_fired = True, moment
                events.append(Replayed(moment, obs.key, "fired", obs.summary, obs.numbers))
            elif not obs.firing and state.firing and rule.kind == "window":
                state.firing = False
                events.append(Replayed(moment, obs.key, "resolved", obs.summary, obs.numbers))
    return events


def backtest(rule: RuleType[Any], points: Sequence[Point], step: timedelta, timezone: str = "UTC") -> list[int]:
    """One 0/1 per row: 1 where an alert event fires when the rule is evaluated at the end of that row."""
    if rule.kind != "window":
        raise InvalidQuery(
            f"{rule.type_name} looks at single mentions; backtests run count-based rules "
            "(negative_share, volume_spike, sustained_rise)"
        )
    store = SeriesStore(points, step)
    brands = list(rule.config.brands) or ["series"]
    ends = [p.timestamp + step for p in points]
    fired = {e.at for e in replay(rule, store, ends, brands, timezone) if e.kind == "fired"}
    return [1 if end in fired else 0 for end in ends]


def write_backtest(points: Sequence[Point], alerts: Sequence[int]) -> str:
    """CSV ``timestamp,count,alert``, one row per input row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["timestamp", "count", "alert"])
    for point, alert in zip(points, alerts, strict=True):
        writer.writerow([point.timestamp.astimezone(UTC).isoformat().replace("+00:00", "Z"), point.count, alert])
    return out.getvalue()
