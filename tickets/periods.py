"""Report periods: a day, an ISO week or a calendar month in the business time zone, written as labels
(``2026-12-02``, ``2026-W47``, ``2026-11``), with the periods before it that make a report's baseline."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from foundation.errors import InvalidQuery

ReportKind = Literal["daily", "weekly", "monthly"]
REPORT_KINDS: tuple[ReportKind, ...] = ("daily", "weekly", "monthly")
#: How many earlier periods make the baseline: two weeks of days, four weeks, a quarter of months.
BASELINE_PERIODS: dict[ReportKind, int] = {"daily": 14, "weekly": 4, "monthly": 3}
_EXAMPLES: dict[ReportKind, str] = {"daily": "2026-12-02", "weekly": "2026-W47", "monthly": "2026-11"}
_PATTERNS: dict[ReportKind, re.Pattern[str]] = {
    "daily": re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
    "weekly": re.compile(r"^(\d{4})-[Ww](\d{1,2})$"),
    "monthly": re.compile(r"^(\d{4})-(\d{2})$"),
}


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in the business time zone, and its label."""

    kind: ReportKind
    label: str
    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return (self.end.date() - self.start.date()).days


def _first_day(kind: ReportKind, day: date) -> date:
    if kind == "weekly":
        return day - timedelta(days=day.weekday())
    if kind == "monthly":
        return day.replace(day=1)
    return day


def _next_day(kind: ReportKind, first: date) -> date:
    if kind == "daily":
        return first + timedelta(days=1)
    if kind == "weekly":
        return first + timedelta(days=7)
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def _label(kind: ReportKind, first: date) -> str:
    if kind == "weekly":
        iso = first.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if kind == "monthly":
        return f"{first.year}-{first.month:02d}"
    return first.isoformat()


def period_starting(kind: ReportKind, first: date, zone: ZoneInfo) -> Period:
    """The period of ``kind`` that begins on ``first`` (already its first day)."""
    start = datetime.combine(first, time(0), zone)
    return Period(kind, _label(kind, first), start, datetime.combine(_next_day(kind, first), time(0), zone))


def parse_period(kind: ReportKind, label: str | None, zone: ZoneInfo, today: date) -> Period:
    """The period ``label`` names (default: the last complete one before ``today``); :class:`InvalidQuery`
    naming the expected form when the label is not one."""
    if not label:
        return previous(period_starting(kind, _first_day(kind, today), zone), 1)
    match = _PATTERNS[kind].match(label.strip())
    try:
        if match is None:
            raise ValueError("no match")
        numbers = [int(g) for g in match.groups()]
        if kind == "daily":
            first = date(*numbers)
        elif kind == "weekly":
            first = date.fromisocalendar(numbers[0], numbers[1], 1)
        else:
            first = date(numbers[0], numbers[1], 1)
        if not 1970 <= first.year <= 2999:
            raise ValueError("out of range")
    except ValueError as exc:
        if kind == "weekly":  # the message the weekly report has always given
            raise InvalidQuery(f"invalid week {label!r}; write it like 2026-W47") from exc
        raise InvalidQuery(f"invalid {kind} period {label!r}; write it like {_EXAMPLES[kind]}") from exc
    return period_starting(kind, first, zone)


def previous(period: Period, count: int) -> Period:
    """The period ``count`` periods before ``period``."""
    first = period.start.date()
    for _ in range(count):
        first = _first_day(period.kind, first - timedelta(days=1))
    return period_starting(period.kind, first, ZoneInfo(str(period.start.tzinfo)))


def last_complete(kind: ReportKind, now: datetime, zone: ZoneInfo) -> Period:
    """The newest period of ``kind`` that has ended at ``now``."""
    return parse_period(kind, None, zone, now.astimezone(zone).date())
