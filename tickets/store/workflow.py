"""Workflow and transitions: a ticket is worked on — edited, assigned, noted, replied to, revisited — and every
status change follows the transition table of :mod:`tickets.workflow`, with its effect on the SLA clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from foundation.access import SYSTEM, Principal
from foundation.errors import Conflict, InvalidQuery
from foundation.timeutil import utcnow
from tickets.enums import Satisfaction
from tickets.enums import TicketStatus as S
from tickets.models import Ticket, TicketComment, User
from tickets.schemas import CommentIn, CommentOut, Customer, ReplyIn, SatisfactionIn, TicketOut, TicketUpdate
from tickets.store.assignment import pick_assignee
from tickets.store.clock import reschedule, resume
from tickets.store.core import StoreCore
from tickets.store.delivery import queue_delivery
from tickets.store.present import comment_out
from tickets.workflow import ProcessIncomplete, check_transition, process_gaps


class Workflow(StoreCore):
    """Changing a ticket: its fields, its status, its conversation."""

    def update(
        self,
        ticket_id: int,
        patch: TicketUpdate,
        *,
        actor: Principal = SYSTEM,
        expected_version: int | None = None,
        now: datetime | None = None,
    ) -> TicketOut:
        """Apply ``patch``; the status must follow the workflow. ``expected_version`` guards against lost
        updates: a stale version raises :class:`Conflict`."""
        now = now or utcnow()
        with self.db.transaction() as s:
            ticket = self._writable(s, ticket_id, actor)
            if expected_version is not None and ticket.version != expected_version:
                raise Conflict(
                    f"ticket {ticket.number} changed since version {expected_version} (now {ticket.version}); "
                    "reload it and apply the change again"
                )
            changes: dict[str, list[Any]] = {}
            fields = patch.model_fields_set - {"status", "customer", "confirm_classification"}
            if "department" in fields and patch.department not in self.policy.config.departments:
                raise InvalidQuery(
                    f"unknown department {patch.department!r}; departments: {', '.join(self.policy.config.departments)}"
                )
            if "assignee_id" in fields and patch.assignee_id is not None:
                self._check_assignee(s, patch.assignee_id, patch.department or ticket.department)
            for name in sorted(fields):
                new = getattr(patch, name)
                new_value = new.value if hasattr(new, "value") else new
                if new_value != getattr(ticket, name):
                    changes[name] = [_plain(getattr(ticket, name)), _plain(new_value)]
                    setattr(ticket, name, new_value)
            if patch.customer is not None:
                self._set_customer(ticket, patch.customer, changes)
            if patch.confirm_classification and ticket.needs_confirmation:
                ticket.needs_confirmation = False
                changes["needs_confirmation"] = [True, False]
            if "priority" in changes:
                reschedule(ticket, self.policy.sla)
            if patch.status is not None and patch.status.value != ticket.status:
                changes.update(self._move(s, ticket, patch.status, now))
            if changes:
                self._touch(s, ticket, actor, "updated", now, changes)
            return self._out(s, ticket, actor)

    def _check_assignee(self, s: Session, user_id: int, department: str | None) -> None:
        user = s.get(User, user_id)
        if user is None or not user.active or department not in (user.departments or []):
            raise InvalidQuery(f"user {user_id} is not an active member of department {department!r}")

    @staticmethod
    def _set_customer(ticket: Ticket, customer: Customer, changes: dict[str, list[Any]]) -> None:
        values = {
            "customer_name": customer.name,
            "customer_gender": customer.gender.value,
            "customer_nickname": customer.nickname,
            "customer_phone": customer.phone,
            "customer_email": str(customer.email) if customer.email else None,
            "customer_type": customer.type.value,
        }
        for name, value in values.items():
            if getattr(ticket, name) != value:
                # Personal data stays out of the history: it records that it changed, not what to.
                changes[name] = (
                    ["(changed)", "(changed)"] if name != "customer_type" else [getattr(ticket, name), value]
                )
                setattr(ticket, name, value)

    def _move(self, s: Session, ticket: Ticket, target: S, now: datetime) -> dict[str, list[Any]]:
        """Change status with its side effects on the clock and the follow-up."""
        current = S(ticket.status)
        problem = check_transition(current, target)
        if problem:
            raise Conflict(problem)
        gaps = process_gaps(
            current,
            target,
            measures=ticket.actions_taken,
            replied=s.scalar(
                select(TicketComment.id).where(TicketComment.ticket_id == ticket.id, TicketComment.kind == "reply")
            )
            is not None,
            satisfaction=ticket.satisfaction,
            remarks=ticket.remarks,
        )
        if gaps:
            raise ProcessIncomplete("; ".join(gaps))
        changes: dict[str, list[Any]] = {"status": [current.value, target.value]}
        if current is S.waiting_customer:
            resume(ticket, self.policy.sla, now)
        if target is S.assigned and ticket.assignee_id is None:
            department = ticket.department or self.policy.config.home_department()
            assignee = pick_assignee(s, department, self.policy.config.assignment)
            if assignee is None:
                raise Conflict(
                    f"nobody in department {ticket.department!r} can take the ticket; "
                    "add an agent to it or set assignee_id"
                )
            ticket.assignee_id = assignee.id
            changes["assignee_id"] = [None, assignee.id]
        if target in (S.in_progress, S.waiting_customer, S.resolved) and ticket.responded_at is None:
            ticket.responded_at = now
            changes["responded_at"] = [None, now.isoformat()]
        if target is S.waiting_customer:
            ticket.paused_since = now
        if target is S.resolved:
            ticket.completed_at = now
            ticket.revisit_due_at = now + self.policy.revisit_after
        if target is S.closed:
            ticket.closed_at = now
        if target is S.reopened:
            # A second round: a new clock, the history and the first round's figures kept in the events.
            ticket.round += 1
            ticket.completed_at = None
            ticket.closed_at = None
            ticket.revisit_due_at = None
            ticket.revisited_at = None
            ticket.responded_at = None
            ticket.escalation_level = 0
            ticket.escalated_at = None
            ticket.warned_at = None
            ticket.paused_seconds = 0.0
            ticket.clock_started_at = now
            reschedule(ticket, self.policy.sla)
            changes["round"] = [ticket.round - 1, ticket.round]
        ticket.status = target.value
        return changes

    # -- conversation ---------------------------------------------------------------------------------------
    def comment(
        self, ticket_id: int, body: CommentIn, *, actor: Principal = SYSTEM, now: datetime | None = None
    ) -> CommentOut:
        """An internal note."""
        now = now or utcnow()
        with self.db.transaction() as s:
            ticket = self._writable(s, ticket_id, actor)
            row = TicketComment(ticket_id=ticket.id, at=now, author=actor.name, kind="note", body=body.body)
            s.add(row)
            s.flush()
            self._touch(s, ticket, actor, "commented", now, {"comment_id": [None, row.id]})
            return comment_out(row)

    def reply(
        self, ticket_id: int, body: ReplyIn, *, actor: Principal = SYSTEM, now: datetime | None = None
    ) -> TicketOut:
        """Reply to the customer: the first reply stops the response clock; the ticket is then in progress, or
        waiting for the customer (clock paused) when ``wait_for_customer``."""
        now = now or utcnow()
        with self.db.transaction() as s:
            ticket = self._writable(s, ticket_id, actor)
            if S(ticket.status) in (S.closed, S.resolved):
                raise Conflict(f"ticket {ticket.number} is {ticket.status}; reopen it to reply")
            comment = TicketComment(ticket_id=ticket.id, at=now, author=actor.name, kind="reply", body=body.body)
            s.add(comment)
            changes: dict[str, Any] = {"reply": [None, body.body[:200]]}
            if body.channel != "none":
                # Queued with the reply in one transaction: a reply is never recorded as sent-to-be and lost.
                changes.update(queue_delivery(s, self, ticket, comment, body, now))
            target = S.waiting_customer if body.wait_for_customer else S.in_progress
            if S(ticket.status) is S.new and target is S.waiting_customer:
                changes.update(self._move(s, ticket, S.in_progress, now))
            if S(ticket.status) is not target:
                changes.update(self._move(s, ticket, target, now))
            if ticket.responded_at is None:
                ticket.responded_at = now
            self._touch(s, ticket, actor, "replied", now, changes)
            return self._out(s, ticket, actor)

    def record_satisfaction(
        self, ticket_id: int, body: SatisfactionIn, *, actor: Principal = SYSTEM, now: datetime | None = None
    ) -> TicketOut:
        """The revisit: satisfied or basically satisfied closes the ticket; unsatisfied reopens it."""
        now = now or utcnow()
        with self.db.transaction() as s:
            ticket = self._writable(s, ticket_id, actor)
            if S(ticket.status) is not S.resolved:
                raise Conflict(
                    f"ticket {ticket.number} is {ticket.status}; satisfaction is recorded on a "
                    "resolved ticket, at the revisit"
                )
            previous = ticket.satisfaction
            ticket.satisfaction = body.satisfaction.value
            ticket.revisited_at = now
            changes: dict[str, Any] = {"satisfaction": [previous, body.satisfaction.value]}
            if body.comment:
                s.add(
                    TicketComment(
                        ticket_id=ticket.id,
                        at=now,
                        author=actor.name,
                        kind="note",
                        body=f"回访 revisit: {body.comment}",
                    )
                )
            target = S.reopened if body.satisfaction is Satisfaction.unsatisfied else S.closed
            changes.update(self._move(s, ticket, target, now))
            self._touch(s, ticket, actor, "revisited", now, changes)
            return self._out(s, ticket, actor)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
