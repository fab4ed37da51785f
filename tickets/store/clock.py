"""The SLA clock running on stored tickets: deadlines that move when the clock pauses or the grade changes,
warnings before a deadline, escalation one level per step after it, and the revisit that falls due once a
ticket is resolved (the deadline arithmetic itself is :mod:`tickets.sla`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select, update

from foundation.access import SYSTEM
from foundation.timeutil import utcnow
from tickets.enums import Level, Priority
from tickets.enums import TicketStatus as S
from tickets.models import Notification, Ticket, TicketComment, TicketEvent
from tickets.schemas import TicketOut
from tickets.sla import SlaPolicy
from tickets.store.core import OPEN_VALUES
from tickets.store.outbox import Outbox


@dataclass
class Escalation:
    """What the escalation scan did to one ticket."""

    ticket_id: int
    number: str
    kind: str  # warning | escalated
    level: str
    deadline: str  # respond | resolve
    due_at: datetime


def reschedule(ticket: Ticket, sla: SlaPolicy) -> None:
    """Set the deadlines from the ticket's grade, clock start and time paused so far."""
    deadlines = sla.deadlines(
        Priority(ticket.priority), ticket.clock_started_at, timedelta(seconds=ticket.paused_seconds)
    )
    ticket.respond_due_at = deadlines.respond
    ticket.mobilise_due_at = deadlines.mobilise
    ticket.resolve_due_at = deadlines.resolve


def resume(ticket: Ticket, sla: SlaPolicy, now: datetime) -> None:
    """Leave "waiting for the customer": the wait is taken off the clock, the deadlines move."""
    if ticket.paused_since is not None:
        grade = Priority(ticket.priority)
        ticket.paused_seconds += sla.paused_time(grade, ticket.paused_since, now).total_seconds()
        ticket.paused_since = None
        reschedule(ticket, sla)


def _next_deadline(ticket: Ticket) -> tuple[str, datetime | None]:
    """The deadline the ticket is racing now: the response until someone responded, then the resolution."""
    if ticket.responded_at is None and ticket.respond_due_at is not None:
        return "respond", ticket.respond_due_at
    return "resolve", ticket.resolve_due_at


class SlaClock(Outbox):
    """The scans the worker runs: escalation and due revisits."""

    def escalate(self, now: datetime | None = None) -> list[Escalation]:
        """Warn before deadlines and escalate overdue tickets one level per step along the chain.

        Safe to run from several workers and after restarts: the state (level reached, warning sent) is in
        the ticket, and each change is a conditional update that only one runner wins.
        """
        now = now or utcnow()
        chain = self.policy.chain
        actions: list[Escalation] = []
        with self.db.session() as s:
            candidates = list(
                s.scalars(
                    select(Ticket).where(
                        Ticket.status.in_(OPEN_VALUES), Ticket.paused_since.is_(None), Ticket.merged_into_id.is_(None)
                    )
                )
            )
        for ticket in candidates:
            deadline, due = _next_deadline(ticket)
            if due is None:
                continue
            if now < due:
                warn = ticket.warned_at is None and now >= due - self.policy.warn_before
                if warn and self._conditional(ticket, Ticket.warned_at.is_(None), {"warned_at": now}):
                    self._notify(
                        ticket,
                        "sla_warning",
                        chain[0],
                        now,
                        f"{ticket.number} is due to {deadline} by {due.isoformat()}: {ticket.title}",
                    )
                    actions.append(Escalation(ticket.id, ticket.number, "warning", chain[0].value, deadline, due))
                continue
            steps = 1 + int((now - due) / self.policy.escalation_step)
            level = min(steps, len(chain) - 1)
            if level <= ticket.escalation_level:
                continue
            if self._conditional(
                ticket, Ticket.escalation_level < level, {"escalation_level": level, "escalated_at": now}
            ):
                overdue = now - due
                self._record_escalation(ticket, level, deadline, due, overdue, now)
                actions.append(Escalation(ticket.id, ticket.number, "escalated", chain[level].value, deadline, due))
        return actions

    def _conditional(self, ticket: Ticket, condition: Any, values: dict[str, Any]) -> bool:
        with self.db.transaction() as s:
            result = s.execute(update(Ticket).where(Ticket.id == ticket.id, condition).values(**values))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def _record_escalation(
        self, ticket: Ticket, level: int, deadline: str, due: datetime, overdue: timedelta, now: datetime
    ) -> None:
        rung = self.policy.chain[level]
        with self.db.transaction() as s:
            s.add(
                TicketEvent(
                    ticket_id=ticket.id,
                    at=now,
                    actor="system",
                    action="escalated",
                    changes={
                        "escalation_level": [ticket.escalation_level, level],
                        "to": [None, rung.value],
                        "deadline": [None, deadline],
                        "due_at": [None, due.isoformat()],
                        "overdue_minutes": [None, int(overdue.total_seconds() // 60)],
                    },
                )
            )
            s.add(
                TicketComment(
                    ticket_id=ticket.id,
                    at=now,
                    author="system",
                    kind="system",
                    body=f"escalated to {rung.value}: {deadline} deadline {due.isoformat()} missed by "
                    f"{int(overdue.total_seconds() // 60)} min",
                )
            )
        self._notify(
            ticket,
            "escalation",
            rung,
            now,
            f"{ticket.number} escalated to {rung.value}: {deadline} overdue since {due.isoformat()} "
            f"({ticket.priority}, {ticket.department}): {ticket.title}",
        )

    def due_revisits(self, now: datetime | None = None) -> list[TicketOut]:
        """Resolved tickets whose revisit is due; each is announced once (a ``revisit_due`` notification)."""
        now = now or utcnow()
        with self.db.session() as s:
            already = exists().where(
                Notification.ticket_id == Ticket.id,
                Notification.kind == "revisit_due",
                Notification.at >= Ticket.completed_at,
            )
            rows = list(
                s.scalars(
                    select(Ticket).where(Ticket.status == S.resolved.value, Ticket.revisit_due_at <= now, ~already)
                )
            )
            outs = [self._out(s, t, SYSTEM) for t in rows]
        for ticket in rows:
            self._notify(
                ticket,
                "revisit_due",
                Level.agent,
                now,
                f"revisit {ticket.number}: ask the customer whether they are satisfied",
            )
        return outs
