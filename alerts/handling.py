"""People handling an incident: acknowledge it, give it to someone, comment on it, link it to its ticket.

Each act is one more row of the incident's history (``alert_events``, beside ``fired``, ``reminded``,
``resolved`` and ``ticket``), so the history of an incident reads in one place, oldest first, and the current
handling is read back from it (:func:`handling_of`): who acknowledged it and when, who has it now, what was
said. A ticket linked by hand is a ``ticket`` row like the one the engine writes, and it becomes the open
incident's ticket in its state too, so the engine does not create a second one: an incident has exactly one
ticket.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from alerts.state import AlertEvent, AlertState, AlertStateStore
from foundation.errors import Conflict, NotFound

ACKNOWLEDGED = "acknowledged"
ASSIGNED = "assigned"
COMMENTED = "commented"
TICKET = "ticket"
#: The kinds a person writes (the engine writes the others).
HANDLING_KINDS = (ACKNOWLEDGED, ASSIGNED, COMMENTED)
MAX_COMMENT = 2000


@dataclass(frozen=True)
class Comment:
    at: datetime
    by: str
    text: str


@dataclass(frozen=True)
class Handling:
    """Where the people handling an incident stand, read from its history."""

    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    assignee_id: int | None = None
    assignee_name: str | None = None
    comments: list[Comment] = field(default_factory=list)
    ticket_number: str | None = None
    ticket_id: int | None = None
    resolved_at: datetime | None = None


def handling_of(events: Sequence[AlertEvent]) -> Handling:
    """The handling of one incident from its events, oldest first (the latest assignment wins; the first
    acknowledgement and the first ticket count)."""
    acked_at: datetime | None = None
    acked_by: str | None = None
    assignee: tuple[int | None, str | None] = (None, None)
    comments: list[Comment] = []
    ticket: tuple[str | None, int | None] = (None, None)
    resolved_at: datetime | None = None
    for e in events:
        numbers = e.numbers or {}
        if e.kind == ACKNOWLEDGED and acked_at is None:
            acked_at, acked_by = e.at, str(numbers.get("by") or "")
        elif e.kind == ASSIGNED:
            assignee = (numbers.get("assignee_id"), numbers.get("assignee_name"))
        elif e.kind == COMMENTED:
            comments.append(Comment(e.at, str(numbers.get("by") or ""), e.summary or ""))
        elif e.kind == TICKET and ticket[0] is None and e.ticket_number:
            ticket = (e.ticket_number, e.ticket_id)
        elif e.kind == "resolved" and resolved_at is None:
            resolved_at = e.at
    return Handling(acked_at, acked_by, assignee[0], assignee[1], comments, ticket[0], ticket[1], resolved_at)


class IncidentDesk:
    """Records what people do with incidents. Callers check who may see the incident (its brand) first."""

    def __init__(self, states: AlertStateStore):
        self.states = states

    def history(self, incident: str) -> list[AlertEvent]:
        """Every event of ``incident``, oldest first; :class:`NotFound` when it never fired."""
        events = self.states.incident_events([incident]) if len(incident) <= 64 else []
        if not any(e.kind == "fired" for e in events):
            raise NotFound(f"incident {incident} does not exist")
        return events

    def _add(self, fired: AlertEvent, kind: str, at: datetime, by: str, **fields: Any) -> AlertEvent:
        numbers = {"by": by, **fields.pop("numbers", {})}
        event = AlertEvent(
            rule=fired.rule,
            rule_type=fired.rule_type,
            key=fired.key,
            brand=fired.brand,
            incident=fired.incident,
            kind=kind,
            at=at,
            numbers=numbers,
            **fields,
        )
        self.states.add_event(event)
        return event

    @staticmethod
    def _fired(events: Sequence[AlertEvent]) -> AlertEvent:
        return next(e for e in events if e.kind == "fired")

    def acknowledge(self, incident: str, by: str, at: datetime) -> AlertEvent | None:
        """Mark ``incident`` as seen and being handled; ``None`` when it already was (nothing written).
        A resolved incident needs no acknowledging: :class:`Conflict`."""
        events = self.history(incident)
        handling = handling_of(events)
        if handling.resolved_at is not None:
            raise Conflict(f"incident {incident} is already resolved")
        if handling.acknowledged_at is not None:
            return None
        return self._add(self._fired(events), ACKNOWLEDGED, at, by, summary=f"acknowledged by {by}")

    def assign(self, incident: str, by: str, at: datetime, user_id: int | None, name: str | None) -> AlertEvent:
        """Give ``incident`` to a user (``None``: to nobody). Giving it to someone acknowledges it."""
        events = self.history(incident)
        fired = self._fired(events)
        handling = handling_of(events)
        if handling.acknowledged_at is None and handling.resolved_at is None and user_id is not None:
            self._add(fired, ACKNOWLEDGED, at, by, summary=f"acknowledged by {by}")
        numbers = {"assignee_id": user_id, "assignee_name": name}
        summary = f"assigned to {name}" if name else "unassigned"
        return self._add(fired, ASSIGNED, at, by, numbers=numbers, summary=summary)

    def comment(self, incident: str, by: str, at: datetime, text: str) -> AlertEvent:
        """Add a comment (the caller has checked its length)."""
        return self._add(self._fired(self.history(incident)), COMMENTED, at, by, summary=text)

    def link_ticket(self, incident: str, by: str, at: datetime, ticket_id: int, number: str) -> AlertEvent:
        """Make ticket ``number`` the incident's ticket. An incident has exactly one: :class:`Conflict` when it
        has one already (or the engine gives it one at the same moment)."""
        events = self.history(incident)
        fired = self._fired(events)
        if handling_of(events).ticket_number is not None:
            raise Conflict(f"incident {incident} already has a ticket")
        with self.states.db.transaction() as s:
            # The open incident's state holds its ticket: the engine reads it before creating one, and this
            # conditional update is the one place two writers can race, so only one of them wins.
            state = s.scalars(
                select(AlertState).where(AlertState.rule == fired.rule, AlertState.key == fired.key)
            ).first()
            if state is not None and state.incident == incident:
                claimed = s.execute(
                    update(AlertState)
                    .where(
                        AlertState.rule == fired.rule,
                        AlertState.key == fired.key,
                        AlertState.incident == incident,
                        AlertState.ticket_number.is_(None),
                    )
                    .values(ticket_number=number, ticket_id=ticket_id)
                )
                if getattr(claimed, "rowcount", 1) != 1:
                    raise Conflict(f"incident {incident} already has a ticket")
        return self._add(
            fired,
            TICKET,
            at,
            by,
            summary=f"ticket {number} linked by {by}",
            ticket_number=number,
            ticket_id=ticket_id,
            numbers={"linked": True},
        )
