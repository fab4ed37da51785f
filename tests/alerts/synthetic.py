"""Synthetic mention-count series with known answers: a daily rhythm, noise, bursts, drifts and gaps."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from alerts.backtest import Point

START = datetime(2026, 9, 7, 0, 0, tzinfo=UTC)  # a Monday
# Mentions per hour of a typical brand day (UTC hours): quiet nights, a lunch and an evening peak.
DAILY = [3, 2, 2, 2, 2, 3, 6, 10, 14, 16, 18, 26, 30, 24, 18, 16, 18, 26, 36, 40, 38, 30, 16, 8]


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (Knuth for small means, a normal approximation for large ones)."""
    if lam <= 0:
        return 0
    if lam > 60:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


@dataclass
class Scenario:
    days: int = 28
    seed: int = 7
    scale: float = 1.0
    weekend_factor: float = 0.8
    negative_share: float = 0.15
    #: (day, hour, extra mentions, negative share of the extra)
    bursts: Sequence[tuple[int, int, int, float]] = ()
    #: (first day, last day) of an outage: nothing collected
    gaps: Sequence[tuple[int, int]] = ()
    #: (from day, extra negative share per day) a slow drift of the negative share
    drift: tuple[int, float] | None = None
    points: list[Point] = field(default_factory=list)

    def build(self) -> list[Point]:
        rng = random.Random(self.seed)
        out = []
        for day in range(self.days):
            weekend = (START + timedelta(days=day)).weekday() >= 5
            share = self.negative_share
            if self.drift and day >= self.drift[0]:
                share = min(0.95, share + self.drift[1] * (day - self.drift[0] + 1))
            for hour in range(24):
                at = START + timedelta(days=day, hours=hour)
                if any(a <= day <= b for a, b in self.gaps):
                    out.append(Point(at, 0, 0))
                    continue
                lam = DAILY[hour] * self.scale * (self.weekend_factor if weekend else 1.0)
                count = poisson(rng, lam)
                negative = sum(1 for _ in range(count) if rng.random() < share)
                for b_day, b_hour, extra, b_share in self.bursts:
                    if (b_day, b_hour) == (day, hour):
                        count += extra
                        negative += round(extra * b_share)
                out.append(Point(at, count, negative))
        self.points = out
        return out


def burst_rows(scenario: Scenario) -> list[int]:
    """Row index of each burst (hourly rows)."""
    return [day * 24 + hour for day, hour, _, _ in scenario.bursts]


def detections(alerts: Sequence[int], expected: Sequence[int], tolerance: int = 1) -> tuple[int, int]:
    """(bursts caught within ``tolerance`` rows, alerts that match no burst)."""
    fired = [i for i, a in enumerate(alerts) if a]
    caught = sum(1 for e in expected if any(e <= f <= e + tolerance for f in fired))
    false = sum(1 for f in fired if not any(e <= f <= e + tolerance for e in expected))
    return caught, false
