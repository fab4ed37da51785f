"""The two baseline spike rules every evaluation runs beside ours, as people configure them in common tools.

- :func:`elastalert_spike`: ElastAlert's ``spike`` rule type (``spike_height: 3``, ``spike_type: up``,
  ``timeframe: 1h``): the last hour's count against the hour before it; it fires when the current hour is at
  least three times the reference (and not zero).
- :func:`same_hour_of_week_z`: a z-score of each step against the earlier steps in the same hour of the week
  (Monday 14:00–15:00 against past Mondays 14:00–15:00); it fires above 3 standard deviations once a week of
  history exists.

Both flag every step where their condition holds (no incident logic): that is how those rules alert.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from alerts.backtest import Point

HOUR = timedelta(hours=1)


def elastalert_spike(points: Sequence[Point], step: timedelta, height: float = 3.0) -> list[datetime]:
    """Row ends where the trailing hour is at least ``height`` times the hour before it."""
    per = max(1, HOUR // step)
    totals = [0]
    for p in points:
        totals.append(totals[-1] + p.count)
    out = []
    for i in range(2 * per, len(points) + 1):
        current = totals[i] - totals[i - per]
        reference = totals[i - per] - totals[i - 2 * per]
        if current > 0 and current >= height * reference:
            out.append(points[i - 1].timestamp + step)
    return out


def same_hour_of_week_z(points: Sequence[Point], step: timedelta, z: float = 3.0) -> list[datetime]:
    """Row ends whose value is more than ``z`` standard deviations above the earlier values in the same hour
    of the week (at least a week of history and two earlier values)."""
    slots: dict[tuple[int, int], list[int]] = defaultdict(list)
    start = points[0].timestamp
    out = []
    for p in points:
        slot = (p.timestamp.weekday(), p.timestamp.hour)
        past = slots[slot]
        if p.timestamp - start >= timedelta(days=7) and len(past) >= 2:
            mean = sum(past) / len(past)
            sd = math.sqrt(sum((v - mean) ** 2 for v in past) / (len(past) - 1))
            if p.count > mean + z * max(sd, 1e-9):
                out.append(p.timestamp + step)
        past.append(p.count)
    return out
