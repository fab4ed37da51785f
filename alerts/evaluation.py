"""Scoring spike detectors on labelled count series (``yuqing alerts eval``, ``bench/alert_detection.py``).

The series are CSV files (``timestamp,value`` as in the Numenta Anomaly Benchmark, or ``timestamp,count``);
the labels are a ``windows.json`` mapping each file name to its anomaly windows ``[start, end]`` and, when a
``labels.json`` lies beside it, the labelled anomaly point of each window (otherwise the window's middle).

The scoring is the alerting view of NAB used in the field (see ``shared/data/spikes/PROVENANCE.md``):

- an *alert event* is a flagged step that is not within 60 minutes of the previous event;
- a window is *caught* when at least one event falls inside it;
- every event outside all windows is a *false alert*, reported per week of data;
- the *delay* of a caught window is the time from its labelled point to its first event (negative when the
  detector flagged the build-up before the labelled point, which is still inside the window).

A flagged step is dated at the *end* of its row, when its count is complete and a detector can first see it.
For the rule under test, the flagged steps are its notifications (an incident opening, or a reminder after
the quiet period), as replayed by :func:`alerts.backtest.notifications`: what a person is sent. The baselines
flag every step where their condition holds, as those tools do.
"""

from __future__ import annotations

import csv
import json
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from alerts.backtest import Point, notifications
from alerts.baselines import elastalert_spike, same_hour_of_week_z
from alerts.rules.base import RuleType
from alerts.rules.volume_spike import VolumeSpikeConfig, VolumeSpikeRule
from foundation.errors import InvalidQuery
from foundation.timeutil import to_utc

#: Flagged steps closer than this to the previous event are the same event.
EVENT_GAP = timedelta(minutes=60)
WEEK = timedelta(days=7)

#: A detector: the rows of a series and their step → the moments (row ends) it flags.
Detector = Callable[[Sequence[Point], timedelta], list[datetime]]


@dataclass(frozen=True)
class Labelled:
    """One labelled series: its rows, their step, its anomaly windows and the labelled point of each."""

    name: str
    points: list[Point]
    step: timedelta
    windows: list[tuple[datetime, datetime]]
    anchors: list[datetime]

    @property
    def weeks(self) -> float:
        span = self.points[-1].timestamp + self.step - self.points[0].timestamp
        return span / WEEK


@dataclass
class Score:
    """How one detector did on one series (or, summed, on several)."""

    caught: int = 0
    windows: int = 0
    false: int = 0
    weeks: float = 0.0
    delays: list[float] = field(default_factory=list)  # minutes, one per caught window
    missed: list[str] = field(default_factory=list)  # the labelled points of missed windows

    @property
    def false_per_week(self) -> float:
        return self.false / self.weeks if self.weeks else 0.0

    @property
    def median_delay(self) -> float | None:
        return statistics.median(self.delays) if self.delays else None

    def __add__(self, other: Score) -> Score:
        return Score(
            self.caught + other.caught,
            self.windows + other.windows,
            self.false + other.false,
            self.weeks + other.weeks,
            self.delays + other.delays,
            self.missed + other.missed,
        )


def _stamp(text: str) -> datetime:
    try:
        return to_utc(datetime.fromisoformat(str(text).strip().replace("Z", "+00:00")))
    except ValueError as exc:
        raise InvalidQuery(f"not a timestamp: {text!r}") from exc


def read_counts(path: Path) -> tuple[list[Point], timedelta]:
    """Rows of a ``timestamp,value`` (NAB) or ``timestamp,count`` CSV, evenly spaced; values are rounded to
    whole counts (the artificial NAB series have fractions). Raises :class:`InvalidQuery` naming the problem."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        column = "value" if "value" in columns else "count"
        if "timestamp" not in columns or column not in columns:
            raise InvalidQuery(f"{path.name}: needs columns timestamp,value (or timestamp,count); got {columns}")
        points = []
        for line, row in enumerate(reader, start=2):
            try:
                value = float(row[column])
            except (TypeError, ValueError) as exc:
                raise InvalidQuery(f"{path.name} line {line}: {exc}") from exc
            if not math.isfinite(value) or value < 0:
                raise InvalidQuery(f"{path.name} line {line}: a count must be a number >= 0, not {row[column]!r}")
            points.append(Point(_stamp(row["timestamp"]), round(value)))
    if len(points) < 2:
        raise InvalidQuery(f"{path.name}: needs at least two rows")
    points.sort(key=lambda p: p.timestamp)
    step = points[1].timestamp - points[0].timestamp
    if step <= timedelta(0):
        raise InvalidQuery(f"{path.name}: timestamps must increase")
    return points, step


def load_labelled(windows_file: Path, directory: Path) -> list[Labelled]:
    """Every series of ``windows_file`` found in ``directory``, with its windows and labelled points."""
    try:
        windows = json.loads(windows_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidQuery(f"{windows_file}: {exc}") from exc
    if not isinstance(windows, dict):
        raise InvalidQuery(f"{windows_file}: expected an object mapping file names to lists of [start, end]")
    labels_file = windows_file.with_name("labels.json")
    labels = json.loads(labels_file.read_text(encoding="utf-8")) if labels_file.is_file() else {}
    out = []
    for name in sorted(windows):
        path = directory / name
        if not path.is_file():
            raise InvalidQuery(f"{windows_file}: lists {name!r}, which is not in {directory}")
        spans = [(_stamp(a), _stamp(b)) for a, b in windows[name]]
        points_of = [_stamp(x) for x in labels.get(name, [])]
        anchors = []
        for start, end in spans:
            inside = [p for p in points_of if start <= p <= end]
            anchors.append(inside[0] if inside else start + (end - start) / 2)
        points, step = read_counts(path)
        out.append(Labelled(name, points, step, spans, anchors))
    return out


def events(flagged: Sequence[datetime]) -> list[datetime]:
    """Alert events: flagged moments not within :data:`EVENT_GAP` of the previous event."""
    out: list[datetime] = []
    for moment in sorted(flagged):
        if not out or moment - out[-1] > EVENT_GAP:
            out.append(moment)
    return out


def score(series: Labelled, flagged: Sequence[datetime]) -> Score:
    """Windows caught, false alerts and delays of one detector's flagged moments on one series."""
    found = events(flagged)
    result = Score(windows=len(series.windows), weeks=series.weeks)
    for (start, end), anchor in zip(series.windows, series.anchors, strict=True):
        inside = [e for e in found if start <= e <= end]
        if inside:
            result.caught += 1
            result.delays.append((inside[0] - anchor).total_seconds() / 60)
        else:
            result.missed.append(anchor.strftime("%Y-%m-%d %H:%M"))
    result.false = sum(1 for e in found if not any(a <= e <= b for a, b in series.windows))
    return result


def evaluate(series: Sequence[Labelled], detectors: dict[str, Detector]) -> dict[str, dict[str, Score]]:
    """``{detector: {file: score}}`` for every detector on every series."""
    return {name: {s.name: score(s, detect(s.points, s.step)) for s in series} for name, detect in detectors.items()}


def total(scores: dict[str, Score], names: Sequence[str] | None = None) -> Score:
    """The scores of ``names`` (default: all) summed: windows and false alerts add up, weeks too."""
    out = Score()
    for name, value in scores.items():
        if names is None or name in names:
            out = out + value
    return out


def format_table(results: dict[str, dict[str, Score]], real: Sequence[str] = ()) -> str:
    """A plain-text table: one row per detector and file, then the totals (and the real series' totals)."""
    lines = [f"{'detector':<30} {'series':<32} {'caught':>7} {'false/wk':>9} {'false':>6} {'delay min':>10}"]
    for detector, scores in results.items():
        rows = [*scores.items(), ("ALL", total(scores))]
        if real:
            rows.append(("REAL (" + ", ".join(real) + ")", total(scores, real)))
        for name, s in rows:
            delay = "-" if s.median_delay is None else f"{s.median_delay:.0f}"
            caught = f"{s.caught}/{s.windows}"
            lines.append(
                f"{detector:<30} {name[:32]:<32} {caught:>7} {s.false_per_week:>9.2f} {s.false:>6} {delay:>10}"
            )
        lines.append("")
    return "\n".join(lines)


def rule_detector(rule: RuleType[Any]) -> Detector:
    """A window rule as a detector: the moments it notifies when replayed at the end of each row."""

    def detect(points: Sequence[Point], step: timedelta) -> list[datetime]:
        return notifications(rule, points, step)

    return detect


def default_spike_rule(**options: Any) -> RuleType[Any]:
    """``volume_spike`` with its defaults (and ``options``), for one series."""
    config = VolumeSpikeConfig.model_validate({"name": "volume_spike", "type": "volume_spike", **options})
    return VolumeSpikeRule(config)


def with_baselines(detectors: dict[str, Detector]) -> dict[str, Detector]:
    """``detectors`` and the two baselines, computed in the same run."""
    return {
        **detectors,
        "baseline: ElastAlert spike x3": elastalert_spike,
        "baseline: hour-of-week z>3": same_hour_of_week_z,
    }


def evaluation_table(windows: Path, directory: Path, rule: RuleType[Any] | None = None) -> str:
    """``yuqing alerts eval``: ``rule`` (default: ``volume_spike`` with its defaults) and the baselines on
    every series of ``windows`` in ``directory``, as a table; the real (non-artificial) series summed apart."""
    series = load_labelled(windows, directory)
    rule = rule or default_spike_rule()
    results = evaluate(series, with_baselines({f"{rule.name} ({rule.type_name})": rule_detector(rule)}))
    real = [s.name for s in series if not s.name.startswith("art_")]
    return format_table(results, real)
