"""Alert detection quality: bursts caught and false alerts per week on synthetic series with known answers.

The series (``tests/alerts/synthetic.py``, the same generator the detection tests use) are four weeks of
hourly mention counts with a daily rhythm (quiet nights, lunch and evening peaks), quieter weekends, Poisson
noise and injected bursts. Each seed is one brand-month. Three detectors run over the same series, hour by
hour, through :func:`alerts.backtest.backtest` (the engine's own decision code):

- ``volume_spike``: the shipped rule (same hour on the previous days, median + sensitivity × MAD, a minimum
  ratio and count);
- ``naive previous hour``: the rule most tools start with (fire when this hour is at least ``ratio`` × the
  previous one and at least ``min_count``), as the baseline;
- ``naive daily mean``: fire when this hour is ``ratio`` × the mean hourly count of the previous 7 days.

Prints, per detector: bursts caught (within one hour), false alerts per week after the warm-up week, and the
first-hour detection rate. A second table runs ``sustained_rise`` over slow drifts of the negative share and
reports after how many days it fires, and whether it fires on noise.

    .venv/bin/python bench/alert_detection.py [--seeds 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alerts.backtest import Point, backtest
from alerts.rules.sustained_rise import SustainedRiseConfig, SustainedRiseRule
from alerts.rules.volume_spike import VolumeSpikeConfig, VolumeSpikeRule
from tests.alerts.synthetic import Scenario, burst_rows, detections

HOUR = timedelta(hours=1)
DAYS = 28
WARM_UP_DAYS = 7  # nothing can fire before a week of history exists; false alerts are counted after it
# (day, hour, extra mentions, negative share of the extra): a night burst, an evening one on top of the
# daily peak, a lunch one and a small morning one.
BURSTS = [(16, 3, 40, 0.5), (18, 19, 70, 0.5), (21, 12, 50, 0.5), (25, 9, 45, 0.3)]

Detector = Callable[[Sequence[Point]], list[bool]]


def shipped_spike(points: Sequence[Point]) -> list[bool]:
    rule = VolumeSpikeRule(
        VolumeSpikeConfig.model_validate(
            {
                "name": "spike",
                "type": "volume_spike",
                "brands": ["b"],
                "window": "1h",
                "baseline_days": 14,
                "sensitivity": 3,
                "min_count": 20,
                "min_ratio": 2,
                "realert": "2h",
            }
        )
    )
    return backtest(rule, points, HOUR)


def naive_previous_hour(points: Sequence[Point], ratio: float = 2.0, min_count: int = 20) -> list[bool]:
    out = [False]
    for prev, cur in pairwise(points):
        out.append(cur.count >= min_count and cur.count >= ratio * max(prev.count, 1))
    return out


def naive_daily_mean(points: Sequence[Point], ratio: float = 2.0, min_count: int = 20) -> list[bool]:
    out = []
    for i, cur in enumerate(points):
        history = points[max(0, i - 7 * 24) : i]
        if len(history) < 24:
            out.append(False)
            continue
        mean = statistics.fmean(p.count for p in history)
        out.append(cur.count >= min_count and cur.count >= ratio * mean)
    return out


def spikes(seeds: Sequence[int]) -> None:
    detectors: dict[str, Detector] = {
        "volume_spike (shipped)": shipped_spike,
        "naive previous hour (2x)": naive_previous_hour,
        "naive 7-day mean (2x)": naive_daily_mean,
    }
    weeks = (DAYS - WARM_UP_DAYS) / 7 * len(seeds)
    expected = len(BURSTS) * len(seeds)
    print(
        f"volume: {len(seeds)} synthetic brand-months ({DAYS} days, hourly), {len(BURSTS)} bursts each, "
        f"false alerts counted over {weeks:g} weeks after a {WARM_UP_DAYS}-day warm-up\n"
    )
    print(f"{'detector':<28} {'caught':>9} {'first hour':>10} {'false/week':>11} {'worst seed':>11}")
    for name, detect in detectors.items():
        caught = same_hour = false = worst = 0
        for seed in seeds:
            scenario = Scenario(days=DAYS, seed=seed, bursts=BURSTS)
            points = scenario.build()
            alerts = detect(points)
            rows = burst_rows(scenario)
            c, _ = detections(alerts, rows)
            _, f = detections(alerts[WARM_UP_DAYS * 24 :], [r - WARM_UP_DAYS * 24 for r in rows])
            caught += c
            same_hour += sum(1 for r in rows if alerts[r])
            false += f
            worst = max(worst, f)
        print(
            f"{name:<28} {f'{caught}/{expected}':>9} {same_hour / expected:>10.0%} {false / weeks:>11.2f} {worst:>11}"
        )


def drifts(seeds: Sequence[int]) -> None:
    rule_options = {
        "name": "rise",
        "type": "sustained_rise",
        "brands": ["b"],
        "days": 3,
        "baseline_days": 14,
        "margin": 0.25,
        "min_daily_count": 50,
        "realert": "1d",
    }
    print(f"\nsustained_rise (3 days above the 14-day baseline × 1.25): {len(seeds)} brand-months each\n")
    print(f"{'series':<40} {'fired':>7} {'days after drift start (median)':>32}")
    cases = [
        ("drift +4 points/day from day 20", (20, 0.04), ()),
        ("drift +2 points/day from day 18", (18, 0.02), ()),
        ("noise only", None, ()),
        ("one bad day (day 22)", None, ((22, 12, 80, 0.9),)),
    ]
    for label, drift, bursts in cases:
        fired = 0
        delays: list[float] = []
        for seed in seeds:
            scenario = Scenario(days=30, seed=seed, drift=drift, bursts=bursts)
            points = scenario.build()
            rule = SustainedRiseRule(SustainedRiseConfig.model_validate(rule_options))
            rows = [i for i, a in enumerate(backtest(rule, points, HOUR)) if a]
            if rows:
                fired += 1
                if drift:
                    moment = points[rows[0]].timestamp + HOUR
                    delays.append((moment - points[0].timestamp).total_seconds() / 86400 - drift[0])
        delay = f"{statistics.median(delays):.1f}" if delays else "-"
        print(f"{label:<40} {f'{fired}/{len(seeds)}':>7} {delay:>32}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20, help="synthetic brand-months per detector")
    args = parser.parse_args()
    seeds = list(range(1, args.seeds + 1))
    spikes(seeds)
    drifts(seeds)


if __name__ == "__main__":
    main()
