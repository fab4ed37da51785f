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
from itertools import accumulate, pairwise
from typing import Any

from alerts.incidents import Action, Clock, advance
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
        # Running totals: a count over any span is two look-ups (replays count thousands of spans).
        self._total = [0, *accumulate(p.count for p in self.points)]
        self._negative = [0, *accumulate(p.negative for p in self.points)]

    def _bounds(self, flt: MentionFilter) -> tuple[int, int]:
        lo = 0 if flt.since is None else bisect_left(self._starts, flt.since)
        hi = len(self.points) if flt.until is None else bisect_left(self._starts, flt.until)
        return lo, max(lo, hi)

    def _slice(self, flt: MentionFilter) -> list[Point]:
        lo, hi = self._bounds(flt)
        return self.points[lo:hi]

    def count(self, flt: MentionFilter) -> int:
        lo, hi = self._bounds(flt)
        totals = self._negative if flt.labels and set(flt.labels) == {SentimentLabel.negative} else self._total
        return totals[hi] - totals[lo]

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
    kind: str  # fired | reminded | resolved
    summary: str
    numbers: dict[str, Any] = field(default_factory=dict)


def replay(
    rule: RuleType[Any],
    store: MentionStore,
    moments: Iterable[datetime],
    brands: Sequence[str],
    timezone: str = "UTC",
    *,
    saved_query: str | None = None,
) -> list[Replayed]:
    """Evaluate ``rule`` at each moment in order, as the engine would, and list what would have fired,
    reminded (still firing after the quiet period) and resolved: the engine's incident policy
    (:mod:`alerts.incidents`) decides, on a state kept in memory.

    A rule scoped by a saved search needs that search's query as ``saved_query`` (the engine's
    ``alerts.engine.resolve_saved_query`` looks it up); without it the rule raises
    :class:`~alerts.rules.base.RuleScopeError`."""
    clocks: dict[str, Clock] = {}
    policy = rule.config.policy()
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
            clock = clocks.setdefault(obs.key, Clock())
            if rule.kind == "event":
                # An event fires once per mention (its key) and never resolves.
                if obs.firing and not clock.open:
                    clock.open = True
                    events.append(Replayed(moment, obs.key, "fired", obs.summary, obs.numbers))
                continue
            action = advance(clock, obs.firing, moment, policy)
            kind = _KINDS.get(action)
            if kind:
                events.append(Replayed(moment, obs.key, kind, obs.summary, obs.numbers))
    return events


_KINDS = {Action.open: "fired", Action.remind: "reminded", Action.resolve: "resolved"}


def notifications(
    rule: RuleType[Any],
    points: Sequence[Point],
    step: timedelta,
    timezone: str = "UTC",
    kinds: tuple[str, ...] = ("fired", "reminded"),
) -> list[datetime]:
    """The moments (row ends) at which ``rule``, evaluated at the end of each row, notifies someone: an
    incident opening or a reminder (``kinds``)."""
    if rule.kind != "window":
        raise InvalidQuery(
            f"{rule.type_name} looks at single mentions; backtests run count-based rules "
            "(negative_share, volume_spike, sustained_rise)"
        )
    store = SeriesStore(points, step)
    brands = list(rule.config.brands) or ["series"]
    ends = [p.timestamp + step for p in points]
    return [e.at for e in replay(rule, store, ends, brands, timezone) if e.kind in kinds]


def backtest(rule: RuleType[Any], points: Sequence[Point], step: timedelta, timezone: str = "UTC") -> list[int]:
    """One 0/1 per row: 1 where an incident opens when the rule is evaluated at the end of that row."""
    opened = set(notifications(rule, points, step, timezone, kinds=("fired",)))
    return [1 if p.timestamp + step in opened else 0 for p in points]


def write_backtest(points: Sequence[Point], alerts: Sequence[int]) -> str:
    """CSV ``timestamp,count,alert``, one row per input row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["timestamp", "count", "alert"])
    for point, alert in zip(points, alerts, strict=True):
        writer.writerow([point.timestamp.astimezone(UTC).isoformat().replace("+00:00", "Z"), point.count, alert])
    return out.getvalue()
