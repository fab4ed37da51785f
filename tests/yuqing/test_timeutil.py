"""Durations as written in config, and time helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from foundation.timeutil import floor_time, format_duration, isoformat_z, parse_duration, to_utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        ("1h30m", timedelta(minutes=90)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
        (90, timedelta(seconds=90)),
        ("1.5h", timedelta(minutes=90)),
        ("250ms", timedelta(milliseconds=250)),
    ],
)
def test_parse_duration(text: str | int, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "15x", "h", "1h 2", "-5", True, "1h-30m"])
def test_parse_duration_errors(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)  # type: ignore[arg-type]


def test_format_and_floor() -> None:
    assert format_duration(timedelta(days=1, minutes=30)) == "1d30m"
    assert format_duration(timedelta(0)) == "0s"
    moment = datetime(2026, 11, 23, 10, 47, 13, tzinfo=UTC)
    assert floor_time(moment, timedelta(hours=1)) == datetime(2026, 11, 23, 10, tzinfo=UTC)
    assert isoformat_z(datetime(2026, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))) == "2026-01-01T00:00:00Z"
    assert to_utc(datetime(2026, 1, 1)) == datetime(2026, 1, 1, tzinfo=UTC)
