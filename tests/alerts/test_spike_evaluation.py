"""Scoring spike detectors on labelled series: the scoring's known answers, the baselines, and the default
``volume_spike`` on real NAB series from ``../shared/data/spikes`` (skipped without it)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alerts.backtest import Point
from alerts.baselines import elastalert_spike, same_hour_of_week_z
from alerts.evaluation import Labelled, default_spike_rule, events, load_labelled, rule_detector, score
from yuqing.cli import app

T0 = datetime(2026, 11, 2, tzinfo=UTC)
M = timedelta(minutes=1)


def labelled(windows: list[tuple[int, int]], anchors: list[int], days: int = 7) -> Labelled:
    step = timedelta(minutes=5)
    points = [Point(T0 + i * step, 1) for i in range(days * 288)]
    return Labelled(
        "x.csv",
        points,
        step,
        [(T0 + a * M, T0 + b * M) for a, b in windows],
        [T0 + a * M for a in anchors],
    )


def test_scoring_known_answers() -> None:
    # Flagged steps 30 minutes apart are one event; 61 minutes apart, two.
    assert events([T0, T0 + 30 * M, T0 + 60 * M, T0 + 121 * M]) == [T0, T0 + 121 * M]
    series = labelled([(600, 900), (3000, 3300)], [700, 3100])
    s = score(series, [T0 + 650 * M, T0 + 680 * M, T0 + 760 * M, T0 + 2000 * M, T0 + 5000 * M])
    assert (s.caught, s.windows, s.false) == (1, 2, 2) and s.missed == ["2026-11-04 03:40"]
    assert s.delays == [-50.0] and s.weeks == 1.0 and s.false_per_week == 2.0  # the first event in the window


def test_baselines_known_answers() -> None:
    hour = timedelta(hours=1)
    flat = [Point(T0 + i * hour, 10) for i in range(24 * 16)]
    spiked = [*flat[:368], Point(flat[368].timestamp, 40), *flat[369:]]  # two weeks of the same hour before
    assert elastalert_spike(flat, hour) == [] and same_hour_of_week_z(flat, hour) == []
    at = flat[368].timestamp + hour
    assert elastalert_spike(spiked, hour) == [at] and same_hour_of_week_z(spiked, hour) == [at]


@pytest.fixture
def spikes(shared_dir: Path) -> Path:
    folder = shared_dir / "data" / "spikes"
    if not (folder / "windows.json").is_file():
        pytest.skip(f"labelled spike series not found in {folder}")
    return folder


def series_named(spikes: Path, name: str) -> Labelled:
    [found] = [s for s in load_labelled(spikes / "windows.json", spikes) if s.name == name]
    return found


def test_default_rule_stays_silent_on_the_series_without_anomaly(spikes: Path) -> None:
    quiet = series_named(spikes, "art_daily_small_noise.csv")
    assert rule_detector(default_spike_rule())(quiet.points, quiet.step) == []


def test_default_rule_reports_a_level_shift_once(spikes: Path) -> None:
    jump = series_named(spikes, "art_daily_jumpsup.csv")
    sent = rule_detector(default_spike_rule())(jump.points, jump.step)
    s = score(jump, sent)
    # The jump lasts to the end of the file (three days): one notification, inside the window, within the hour.
    assert len(sent) == 1 and s.caught == 1 and s.false == 0 and s.delays[0] <= 60


def test_eval_command_prints_the_rule_beside_the_baselines(spikes: Path, tmp_path: Path) -> None:
    windows = json.loads((spikes / "windows.json").read_text(encoding="utf-8"))
    subset = tmp_path / "windows.json"
    subset.write_text(
        json.dumps({k: windows[k] for k in ("art_daily_small_noise.csv", "art_load_balancer_spikes.csv")})
    )
    result = CliRunner().invoke(app, ["alerts", "eval", "--windows", str(subset), str(spikes)])
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines()]
    ours = [r for r in rows if r[:2] == ["volume_spike", "(volume_spike)"]]
    assert [r[2] for r in ours] == ["art_daily_small_noise.csv", "art_load_balancer_spikes.csv", "ALL"]
    assert ours[0][3:6] == ["0/0", "0.00", "0"] and ours[1][3] == "1/1"
    assert any(r[:3] == ["baseline:", "ElastAlert", "spike"] for r in rows)
    assert any(r[:3] == ["baseline:", "hour-of-week", "z>3"] for r in rows)
    subset.write_text(json.dumps({"nowhere.csv": []}))
    bad = CliRunner().invoke(app, ["alerts", "eval", "--windows", str(subset), str(spikes)])
    assert bad.exit_code == 2 and "nowhere.csv" in bad.output
