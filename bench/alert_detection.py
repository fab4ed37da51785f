"""Spike detection quality on real labelled count series, beside two baselines computed in the same run.

The series and labels are ``../shared/data/spikes`` (NAB: New York taxi demand, an AWS load balancer's
requests, artificial daily patterns with a jump or spikes, and one without any anomaly; see its
PROVENANCE.md). Scoring (``alerts.evaluation``): an alert event is a flagged step more than 60 minutes after
the previous event; a window is caught when an event falls inside it; events outside every window are false
alerts, per week of data; delay is from the labelled point to the first event in the window. The rule under
test is scored on its notifications (incident openings and reminders), the baselines on every step where
their condition holds.

    .venv/bin/python bench/alert_detection.py                 # volume_spike defaults vs the baselines
    .venv/bin/python bench/alert_detection.py --leave-one-out # choose the knobs on five files, score the sixth

``--leave-one-out`` runs a small grid of the knobs that matter (``max_p``, ``short_window``,
``confirm_buckets``): for
each file it picks the setting that catches the most windows, then has the fewest false alerts per week, on
the *other* files, and reports that setting's score on the held-out file. Those held-out figures are the
honest ones; the table of the defaults is scored on data the defaults were chosen on.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alerts.evaluation import (
    Labelled,
    Score,
    default_spike_rule,
    evaluate,
    format_table,
    load_labelled,
    rule_detector,
    score,
    total,
    with_baselines,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "spikes"
GRID: dict[str, tuple[Any, ...]] = {
    "max_p": (1e-4, 1e-5, 1e-6),
    "short_window": (None, "30m"),
    "confirm_buckets": (1, 2),
}


def defaults_table(series: list[Labelled]) -> None:
    detectors = with_baselines({"volume_spike (defaults)": rule_detector(default_spike_rule())})
    results = evaluate(series, detectors)
    real = [s.name for s in series if not s.name.startswith("art_")]
    print(format_table(results, real))


def _key(scores: dict[str, Score], names: list[str]) -> tuple[int, float]:
    t = total(scores, names)
    return (-t.caught, t.false_per_week)


def leave_one_out(series: list[Labelled]) -> None:
    settings = [dict(zip(GRID, values, strict=True)) for values in itertools.product(*GRID.values())]
    print(f"scoring {len(settings)} settings on {len(series)} files…", file=sys.stderr)
    table: list[tuple[dict[str, Any], dict[str, Score]]] = []
    for options in settings:
        rule = default_spike_rule(**options)
        table.append((options, {s.name: score(s, rule_detector(rule)(s.points, s.step)) for s in series}))
        print(f"  {options}: {total(table[-1][1]).caught} caught", file=sys.stderr)
    names = [s.name for s in series]
    held: dict[str, Score] = {}
    print(f"\n{'held-out file':<32} {'chosen on the other five':<48} {'caught':>7} {'false/wk':>9} {'delay':>6}")
    for name in names:
        others = [n for n in names if n != name]
        options, scores = min(table, key=lambda row: _key(row[1], others))
        held[name] = s = scores[name]
        delay = "-" if s.median_delay is None else f"{s.median_delay:.0f}"
        chosen = ", ".join(f"{k}={v}" for k, v in options.items())
        print(f"{name:<32} {chosen:<48} {f'{s.caught}/{s.windows}':>7} {s.false_per_week:>9.2f} {delay:>6}")
    t = total(held)
    delay = "-" if t.median_delay is None else f"{t.median_delay:.0f}"
    print(f"{'ALL (held out)':<32} {'':<48} {f'{t.caught}/{t.windows}':>7} {t.false_per_week:>9.2f} {delay:>6}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED, help="folder with windows.json and the CSV series")
    parser.add_argument("--leave-one-out", action="store_true", help="also tune on five files, score the sixth")
    args = parser.parse_args()
    if not (args.data / "windows.json").is_file():
        sys.exit(f"no labelled series at {args.data} (expected windows.json and the CSV files)")
    series = load_labelled(args.data / "windows.json", args.data)
    defaults_table(series)
    if args.leave_one_out:
        leave_one_out(series)


if __name__ == "__main__":
    main()
