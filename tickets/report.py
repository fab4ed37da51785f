"""The complaint report of a day, week or month: top issues, volumes, SLA compliance, satisfaction, and the
complaint rate against its baseline (the average of the periods before), so a rise is seen when it happens."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import select

from foundation.access import Principal
from index.base import MentionFilter, MentionStore
from tickets.enums import Satisfaction
from tickets.models import Ticket
from tickets.periods import BASELINE_PERIODS, Period, ReportKind, parse_period, previous
from tickets.store import TicketStore

#: Mentions of a brand (or of every brand, for ``None``) published in ``[start, end)``.
MentionCounter = Callable[[str | None, datetime, datetime], int]


def mention_counter(store: MentionStore) -> MentionCounter:
    """Counts of ``store``'s mentions for a report's complaint rate (the roll-ups answer them)."""

    def count(brand: str | None, start: datetime, end: datetime) -> int:
        return store.count(MentionFilter(brands=[brand] if brand else [], since=start, until=end))

    return count


class Issue(BaseModel):
    category: str
    product: str | None
    tickets: int


class WeekRate(BaseModel):
    week: str  # the period's label (a day, week or month; the name is older than daily and monthly reports)
    tickets: int
    mentions: int | None
    rate: float | None  # complaints per 1,000 mentions; tickets per period when mentions are unknown


class WeeklyReport(BaseModel):
    """A complaint report of one period (the name is older than daily and monthly reports)."""

    week: str  # the period's label: 2026-12-02, 2026-W47 or 2026-11
    kind: ReportKind = "weekly"
    start: datetime
    end: datetime
    brand: str | None
    received: int
    by_category: dict[str, int]
    by_grade: dict[str, int]
    by_department: dict[str, int]
    top_issues: list[Issue]
    top_words: list[tuple[str, int]]
    respond_on_time: float | None  # share of tickets due to respond this week that did in time
    resolve_on_time: float | None
    overdue_open: int
    satisfaction: dict[str, int]
    satisfaction_rate: float | None  # satisfied or basically satisfied
    reopened: int  # revisits this week that found the customer unsatisfied (a second round)
    rate: WeekRate
    baseline: list[WeekRate]
    baseline_rate: float | None  # None until at least one full period of data precedes the report's period
    #: ``None`` when there is no baseline to compare with (never "within baseline" by default).
    rate_above_baseline: bool | None
    baseline_status: Literal["none", "partial", "ready"]
    baseline_days: int  # days of data before the period, within the baseline window
    baseline_days_needed: int
    #: The report as sentences in the reader's language (filled by the API and the CLI: tickets.report_text).
    summary: list[str] = []


def week_bounds(week: str | None, zone: ZoneInfo, today: date) -> tuple[str, datetime, datetime]:
    """``2026-W47`` (ISO week, default: the last complete one) as a label and its [start, end) in ``zone``."""
    period = parse_period("weekly", week, zone, today)
    return period.label, period.start, period.end


#: Any report by its period; the older name for the weekly one is kept for its callers.
PeriodReport = WeeklyReport


def weekly_report(
    store: TicketStore,
    actor: Principal,
    *,
    week: str | None = None,
    brand: str | None = None,
    mentions: MentionCounter | None = None,
    baseline_weeks: int = 4,
    now: datetime | None = None,
) -> WeeklyReport:
    """The report for ``week`` over the tickets ``actor`` may see."""
    zone = ZoneInfo(store.policy.timezone)
    now = now or datetime.now(zone)
    period = parse_period("weekly", week, zone, now.astimezone(zone).date())
    return complaint_report(
        store, actor, period, brand=brand, mentions=mentions, baseline_periods=baseline_weeks, now=now
    )


def complaint_report(
    store: TicketStore,
    actor: Principal,
    period: Period,
    *,
    brand: str | None = None,
    mentions: MentionCounter | None = None,
    baseline_periods: int | None = None,
    now: datetime | None = None,
) -> WeeklyReport:
    """The report for ``period`` over the tickets ``actor`` may see, against the ``baseline_periods`` before it
    (default :data:`tickets.periods.BASELINE_PERIODS`: 14 days, 4 weeks, 3 months)."""
    zone = ZoneInfo(store.policy.timezone)
    now = now or datetime.now(zone)
    label, start, end = period.label, period.start, period.end
    count_back = baseline_periods if baseline_periods is not None else BASELINE_PERIODS[period.kind]

    def scoped() -> Any:
        stmt = store._scoped(select(Ticket), actor).where(Ticket.merged_into_id.is_(None))
        return stmt.where(Ticket.brand == brand) if brand else stmt

    with store.db.session() as s:
        received = list(s.scalars(scoped().where(Ticket.received_at >= start, Ticket.received_at < end)))
        due_respond = list(s.scalars(scoped().where(Ticket.respond_due_at >= start, Ticket.respond_due_at < end)))
        due_resolve = list(s.scalars(scoped().where(Ticket.resolve_due_at >= start, Ticket.resolve_due_at < end)))
        revisited = list(s.scalars(scoped().where(Ticket.revisited_at >= start, Ticket.revisited_at < end)))
        open_now = list(s.scalars(scoped().where(Ticket.status.in_(["new", "assigned", "in_progress", "reopened"]))))

    check = now.astimezone(zone)

    def on_time(tickets: list[Ticket], due: str, done: str) -> float | None:
        # A deadline still ahead and not yet met is undecided, not missed.
        decided = [t for t in tickets if getattr(t, done) is not None or getattr(t, due) < check]
        if not decided:
            return None
        ok = sum(1 for t in decided if getattr(t, done) is not None and getattr(t, done) <= getattr(t, due))
        return round(ok / len(decided), 4)

    issues = Counter((t.category, t.product) for t in received)
    words: Counter[str] = Counter()
    for t in received:
        for found in ((t.classification or {}).get("matched") or {}).values():
            words.update(found)
    verdicts = Counter(t.satisfaction for t in revisited if t.satisfaction)
    judged = sum(verdicts.values())
    good = verdicts[Satisfaction.satisfied.value] + verdicts[Satisfaction.basically_satisfied.value]
    overdue = sum(
        1
        for t in open_now
        if (t.responded_at is None and t.respond_due_at and t.respond_due_at < check)
        or (t.resolve_due_at and t.resolve_due_at < check)
    )

    def rate_of(of: Period) -> WeekRate:
        with store.db.session() as s:
            count = len(list(s.scalars(scoped().where(Ticket.received_at >= of.start, Ticket.received_at < of.end))))
        total = mentions(brand, of.start, of.end) if mentions else None
        rate = (round(count / total * 1000, 3) if total else None) if mentions else float(count)
        return WeekRate(week=of.label, tickets=count, mentions=total, rate=rate)

    current = rate_of(period)
    earlier = [previous(period, i) for i in range(1, count_back + 1)]
    needed = (start.date() - earlier[-1].start.date()).days if earlier else 0
    days = _days_of_data(store, scoped, mentions, brand, start, needed) if needed else 0
    # Only periods wholly after the data began count: a week that had data for two days is not a baseline week.
    data_from = start - timedelta(days=days)
    baseline = [rate_of(p) for p in earlier if p.start >= data_from]
    rates = [b.rate for b in baseline if b.rate is not None]
    base = round(statistics.fmean(rates), 3) if rates else None
    spread = statistics.pstdev(rates) if len(rates) > 1 else 0.0
    above = None if current.rate is None or base is None else bool(current.rate > base + max(spread, base * 0.2))
    status: Literal["none", "partial", "ready"] = "none" if base is None else "ready" if days >= needed else "partial"
    return WeeklyReport(
        week=label,
        kind=period.kind,
        start=start,
        end=end,
        brand=brand,
        received=len(received),
        by_category=dict(Counter(t.category for t in received).most_common()),
        by_grade=dict(Counter(t.priority for t in received).most_common()),
        by_department=dict(Counter(t.department or "" for t in received).most_common()),
        top_issues=[Issue(category=c, product=p, tickets=n) for (c, p), n in issues.most_common(10)],
        top_words=words.most_common(10),
        respond_on_time=on_time(due_respond, "respond_due_at", "responded_at"),
        resolve_on_time=on_time(due_resolve, "resolve_due_at", "completed_at"),
        overdue_open=overdue,
        satisfaction={k: v for k, v in verdicts.items() if k},
        satisfaction_rate=round(good / judged, 4) if judged else None,
        reopened=sum(1 for t in revisited if t.satisfaction == Satisfaction.unsatisfied.value),
        rate=current,
        baseline=baseline,
        baseline_rate=base,
        rate_above_baseline=above,
        baseline_status=status,
        baseline_days=days,
        baseline_days_needed=needed,
    )


def _days_of_data(
    store: TicketStore,
    scoped: Callable[[], Any],
    mentions: MentionCounter | None,
    brand: str | None,
    start: datetime,
    window_days: int,
) -> int:
    """How many days of the ``window_days`` before ``start`` lie after the first ticket or mention in them."""
    window_start = start - timedelta(days=window_days)
    with store.db.session() as s:
        first = s.scalars(
            scoped()
            .where(Ticket.received_at >= window_start, Ticket.received_at < start)
            .order_by(Ticket.received_at)
            .limit(1)
        ).first()
    first_day = window_days - (first.received_at - window_start).days if first is not None else 0
    if mentions is not None:
        # The oldest day with mentions, looking from the start of the window forwards.
        for offset in range(window_days - first_day):
            day = window_start + timedelta(days=offset)
            if mentions(brand, day, day + timedelta(days=1)):
                return window_days - offset
    return first_day
