"""The SLA clock: deadlines per grade, on the clock or in business hours, paused while waiting on the customer.

Defaults follow the complaint process: urgent — respond within 1 hour, mobilise within 2, resolve within
24; major — respond within 4 hours, resolve within 3 days; general — respond within 24 hours, resolve within
7 days; suggestion — no clock, planned into the month's improvement plan (due at the end of the month).
Urgent tickets always run on the clock, nights and holidays included; a business-hours calendar applies to
the grades configured for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tickets.enums import Priority


@dataclass(frozen=True)
class Targets:
    """How long a grade allows for each step; ``None``: no deadline for that step."""

    respond: timedelta | None
    resolve: timedelta | None
    mobilise: timedelta | None = None
    monthly_plan: bool = False  # suggestions go into the month's improvement plan instead


DEFAULT_TARGETS: dict[Priority, Targets] = {
    Priority.urgent: Targets(respond=timedelta(hours=1), mobilise=timedelta(hours=2), resolve=timedelta(hours=24)),
    Priority.major: Targets(respond=timedelta(hours=4), resolve=timedelta(days=3)),
    Priority.general: Targets(respond=timedelta(hours=24), resolve=timedelta(days=7)),
    Priority.suggestion: Targets(respond=None, resolve=None, monthly_plan=True),
}


class Calendar:
    """Clock time: every second counts. Subclasses count only working time."""

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment ``duration`` of counted time after ``start``."""
        return start + duration

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Counted time between two moments (zero if ``end`` is not after ``start``)."""
        return max(timedelta(0), end - start)


class BusinessCalendar(Calendar):
    """Working hours on working days in a time zone, with holidays off and make-up working days on.

    ``holidays`` are dates off even on a working weekday; ``workdays`` are dates on even on a weekend (the
    Chinese 调休 make-up days).
    """

    def __init__(
        self,
        zone: str,
        weekdays: frozenset[int] = frozenset(range(5)),
        start: time = time(9, 0),
        end: time = time(18, 0),
        holidays: frozenset[date] = frozenset(),
        workdays: frozenset[date] = frozenset(),
    ):
        if end <= start:
            raise ValueError("business hours must end after they start")
        self.zone = ZoneInfo(zone)
        self.weekdays = weekdays
        self.start = start
        self.end = end
        self.holidays = holidays
        self.workdays = workdays
        if not weekdays and not workdays:
            raise ValueError("a business calendar needs at least one working day")

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() in self.weekdays and day not in self.holidays

    def _window(self, day: date) -> tuple[datetime, datetime]:
        opens = datetime.combine(day, self.start, self.zone).astimezone(UTC)
        closes = datetime.combine(day, self.end, self.zone).astimezone(UTC)
        return opens, closes

    def _days_from(self, moment: datetime) -> list[date]:
        first = moment.astimezone(self.zone).date()
        return [first + timedelta(days=i) for i in range(3700)]  # ten years: a bound, never reached in practice

    def add(self, start: datetime, duration: timedelta) -> datetime:
        remaining = duration
        for day in self._days_from(start):
            if not self.is_working_day(day):
                continue
            opens, closes = self._window(day)
            begin = max(opens, start)
            if begin >= closes:
                continue
            available = closes - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise ValueError("deadline beyond the calendar's range")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        total = timedelta(0)
        if end <= start:
            return total
        for day in self._days_from(start):
            opens, _ = self._window(day)
            if opens >= end:
                break
            if not self.is_working_day(day):
                continue
            opens, closes = self._window(day)
            begin, finish = max(opens, start), min(closes, end)
            if finish > begin:
                total += finish - begin
        return total


@dataclass(frozen=True)
class Deadlines:
    respond: datetime | None
    mobilise: datetime | None
    resolve: datetime | None


class SlaPolicy:
    """Targets per grade and which calendar each grade runs on."""

    def __init__(
        self,
        targets: dict[Priority, Targets] | None = None,
        business: BusinessCalendar | None = None,
        business_grades: frozenset[Priority] = frozenset({Priority.general, Priority.suggestion}),
        zone: str = "Asia/Shanghai",
    ):
        self.targets = {**DEFAULT_TARGETS, **(targets or {})}
        self.business = business
        self.business_grades = business_grades
        self.zone = ZoneInfo(zone)

    def calendar(self, grade: Priority) -> Calendar:
        # Safety does not wait for Monday: urgent tickets always run on the clock.
        if self.business is not None and grade in self.business_grades and grade is not Priority.urgent:
            return self.business
        return Calendar()

    def deadlines(self, grade: Priority, start: datetime, paused: timedelta = timedelta(0)) -> Deadlines:
        """Deadlines of a ticket received (or reopened) at ``start`` whose clock was paused for ``paused``."""
        target = self.targets[grade]
        calendar = self.calendar(grade)

        def due(span: timedelta | None) -> datetime | None:
            return None if span is None else calendar.add(start, span + paused)

        resolve = due(target.resolve)
        if target.monthly_plan:
            local = start.astimezone(self.zone)
            next_month = date(local.year + local.month // 12, local.month % 12 + 1, 1)
            resolve = datetime.combine(next_month, time(0), self.zone).astimezone(UTC) + paused
        return Deadlines(respond=due(target.respond), mobilise=due(target.mobilise), resolve=resolve)

    def paused_time(self, grade: Priority, since: datetime, until: datetime) -> timedelta:
        """How much counted time a pause from ``since`` to ``until`` took off the clock."""
        return self.calendar(grade).elapsed(since, until)
