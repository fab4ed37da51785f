"""Which status may follow which: the complaint process as a transition table."""

from __future__ import annotations

from foundation.errors import Conflict
from foundation.i18n import N_
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


class ProcessIncomplete(Conflict):
    """A move the complaint process does not allow yet: a step before it was skipped (no measures, no reply)."""


def process_gaps(
    current: S, target: S, *, measures: str | None, replied: bool, satisfaction: str | None, remarks: str | None
) -> list[str]:
    """What must be done before ``current`` → ``target`` (empty: nothing). The seeds' process: a complaint is
    resolved only with the measures taken recorded and an answer sent to the customer; it is closed after the
    revisit, or with a reason when there was nothing to handle (spam, a duplicate) or nobody to revisit."""
    gaps = []
    if target is S.resolved:
        if not (measures or "").strip():
            gaps.append(N_("record the measures taken (actions_taken) before resolving"))
        if not replied:
            gaps.append(N_("reply to the customer before resolving"))
    elif target is S.closed and current is S.new and not (remarks or "").strip():
        gaps.append(N_("say in remarks why a new ticket is closed without handling (spam, duplicate…)"))
    elif target is S.closed and current is S.resolved and not satisfaction and not (remarks or "").strip():
        gaps.append(N_("record the revisit (satisfaction) or say in remarks why the ticket closes without one"))
    return gaps
