"""The SLA clock: deadlines per grade, business hours with holidays and make-up days, time zones, pauses."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from tickets.enums import Priority
from tickets.sla import BusinessCalendar, Calendar, SlaPolicy

SH = "Asia/Shanghai"
FRIDAY_5PM_SH = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC) - timedelta(hours=8)  # wall-clock Shanghai → UTC


def test_clock_time_is_plain_arithmetic() -> None:
    assert Calendar().add(FRIDAY_5PM_SH, timedelta(hours=3)) == FRIDAY_5PM_SH + timedelta(hours=3)
    assert Calendar().elapsed(FRIDAY_5PM_SH, FRIDAY_5PM_SH - timedelta(hours=1)) == timedelta(0)


def test_business_hours_skip_nights_weekends_and_holidays() -> None:
    cal = BusinessCalendar(SH, holidays=frozenset({date(2026, 11, 23)}))  # Monday off
    # Friday 17:00 + 2 working hours: 1 h on Friday, Monday is a holiday, 1 h on Tuesday → Tuesday 10:00.
    assert cal.add(FRIDAY_5PM_SH, timedelta(hours=2)) == sh(2026, 11, 24, 10, 0)
    assert cal.elapsed(FRIDAY_5PM_SH, sh(2026, 11, 24, 10, 0)) == timedelta(hours=2)
    # A start at night counts from the next opening.
    assert cal.add(sh(2026, 11, 24, 22, 0), timedelta(minutes=30)) == sh(2026, 11, 25, 9, 30)


def test_make_up_working_day_counts() -> None:
    cal = BusinessCalendar(SH, workdays=frozenset({date(2026, 11, 22)}))  # Sunday worked (调休)
    assert cal.add(FRIDAY_5PM_SH, timedelta(hours=2)) == sh(2026, 11, 22, 10, 0)


def test_business_hours_follow_the_zone_across_daylight_saving() -> None:
    cal = BusinessCalendar("America/New_York", start=time(9), end=time(17))
    # 2026-11-01 is the end of DST in New York: Monday's 9:00 is 14:00 UTC, not 13:00.
    friday_4pm = datetime(2026, 10, 30, 20, 0, tzinfo=UTC)  # 16:00 EDT
    assert cal.add(friday_4pm, timedelta(hours=2)) == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def test_bad_calendars_are_refused() -> None:
    with pytest.raises(ValueError):
        BusinessCalendar(SH, start=time(18), end=time(9))
    with pytest.raises(ValueError):
        BusinessCalendar(SH, weekdays=frozenset())


def test_default_targets_follow_the_process() -> None:
    policy = SlaPolicy(zone=SH)
    urgent = policy.deadlines(Priority.urgent, FRIDAY_5PM_SH)
    assert (urgent.respond, urgent.mobilise, urgent.resolve) == (
        FRIDAY_5PM_SH + timedelta(hours=1),
        FRIDAY_5PM_SH + timedelta(hours=2),
        FRIDAY_5PM_SH + timedelta(hours=24),
    )
    general = policy.deadlines(Priority.general, FRIDAY_5PM_SH)
    assert general.respond == FRIDAY_5PM_SH + timedelta(hours=24) and general.mobilise is None
    suggestion = policy.deadlines(Priority.suggestion, FRIDAY_5PM_SH)
    assert suggestion.respond is None and suggestion.resolve == sh(2026, 12, 1, 0, 0)  # the month's plan


def test_urgent_runs_on_the_clock_even_with_business_hours() -> None:
    policy = SlaPolicy(business=BusinessCalendar(SH), business_grades=frozenset({Priority.general}), zone=SH)
    assert policy.deadlines(Priority.urgent, FRIDAY_5PM_SH).respond == FRIDAY_5PM_SH + timedelta(hours=1)
    assert policy.deadlines(Priority.general, FRIDAY_5PM_SH).respond == sh(2026, 11, 25, 14, 0)  # 24 working h


def test_pauses_push_deadlines_by_the_counted_time() -> None:
    policy = SlaPolicy(business=BusinessCalendar(SH), business_grades=frozenset({Priority.general}), zone=SH)
    # Paused over the weekend: only Friday's last hour counts.
    paused = policy.paused_time(Priority.general, FRIDAY_5PM_SH, sh(2026, 11, 23, 9, 0))
    assert paused == timedelta(hours=1)
    moved = policy.deadlines(Priority.general, FRIDAY_5PM_SH, paused)
    assert moved.respond == sh(2026, 11, 25, 15, 0)
