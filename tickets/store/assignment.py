"""Who takes a ticket: an active front-line member of its department, chosen round-robin or by least load."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tickets.enums import Level, Role
from tickets.models import AssignmentCursor, Ticket, User
from tickets.store.core import OPEN_VALUES


def pick_assignee(s: Session, department: str, assignment: str) -> User | None:
    """The member of ``department`` to give the next ticket, or ``None`` when it has nobody.

    Agents at the front-line level go first; supervisors and above take tickets only when no agent can.
    ``assignment`` is ``round_robin`` (a cursor per department, locked so concurrent intakes take turns) or
    anything else for the least open tickets (ties to the lowest id).
    """
    candidates = [
        u
        for u in s.scalars(select(User).where(User.active.is_(True)).order_by(User.id))
        if department in (u.departments or []) and u.role in (Role.agent.value, Role.admin.value)
    ]
    front = [u for u in candidates if u.level == Level.agent.value] or candidates
    if not front:
        return None
    if assignment == "round_robin":
        cursor = s.get(AssignmentCursor, department, with_for_update=True)
        ids = [u.id for u in front]
        after = [u for u in front if cursor is None or u.id > cursor.last_user_id]
        chosen = after[0] if after else front[0]
        if cursor is None:
            s.add(AssignmentCursor(department=department, last_user_id=chosen.id))
        else:
            cursor.last_user_id = chosen.id if chosen.id in ids else ids[0]
        return chosen
    load = dict(
        s.execute(
            select(Ticket.assignee_id, func.count())
            .where(Ticket.status.in_(OPEN_VALUES), Ticket.assignee_id.in_([u.id for u in front]))
            .group_by(Ticket.assignee_id)
        ).all()
    )
    return min(front, key=lambda u: (load.get(u.id, 0), u.id))
