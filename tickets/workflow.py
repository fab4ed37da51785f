"""Which status may follow which: the complaint process as a transition table."""

from __future__ import annotations

from tickets.enums import TicketStatus as S

#: Allowed next statuses. Closing a ``new`` ticket covers spam and duplicates; a closed or resolved ticket
#: comes back as ``reopened`` when the customer is not satisfied, keeping its history.
TRANSITIONS: dict[S, frozenset[S]] = {
    S.new: frozenset({S.assigned, S.in_progress, S.closed}),
    S.assigned: frozenset({S.in_progress, S.waiting_customer, S.resolved}),
    S.in_progress: frozenset({S.waiting_customer, S.resolved}),
    S.waiting_customer: frozenset({S.in_progress, S.resolved}),
    S.resolved: frozenset({S.closed, S.reopened}),
    S.closed: frozenset({S.reopened}),
    S.reopened: frozenset({S.assigned, S.in_progress, S.resolved}),
}

#: Statuses in which a ticket still needs work.
OPEN = frozenset({S.new, S.assigned, S.in_progress, S.waiting_customer, S.reopened})


def check_transition(current: S, target: S) -> str | None:
    """``None`` when ``current`` → ``target`` is allowed, else a message saying what is."""
    if current == target:
        return None
    allowed = TRANSITIONS[current]
    if target in allowed:
        return None
    options = ", ".join(sorted(s.value for s in allowed)) or "none"
    return f"a ticket in status '{current.value}' cannot move to '{target.value}'; allowed: {options}"
