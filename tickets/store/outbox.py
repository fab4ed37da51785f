"""The notification outbox: messages for people are written as rows in the same database as the tickets, and a
sender (the worker) delivers them later and marks each one; nothing is sent from inside a ticket change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from foundation.pii import mask_pii
from tickets.enums import Level
from tickets.models import Notification, Ticket
from tickets.store.core import StoreCore


class Outbox(StoreCore):
    """Queueing notifications, listing them, and recording how their delivery went."""

    def _notify(self, ticket: Ticket, kind: str, level: Level, now: datetime, message: str) -> None:
        """Queue ``message`` about ``ticket`` for ``level`` of its department (for the agent level: its
        assignee)."""
        with self.db.transaction() as s:
            user_id = ticket.assignee_id if level is Level.agent else None
            s.add(
                Notification(
                    at=now,
                    ticket_id=ticket.id,
                    kind=kind,
                    department=ticket.department,
                    level=level.value,
                    user_id=user_id,
                    message=mask_pii(message) or "",  # it leaves for chat rooms and mailboxes
                    status="pending",
                    attempts=0,
                )
            )

    def mark_notification(self, notification_id: int, status: str, at: datetime) -> None:
        with self.db.transaction() as s:
            note = s.get(Notification, notification_id)
            if note is not None:
                note.status = status
                note.attempts += 1
                note.sent_at = at if status in ("sent", "logged") else note.sent_at

    def notifications(self, status: str | None = None, limit: int = 100) -> list[Notification]:
        with self.db.session() as s:
            stmt = select(Notification).order_by(Notification.id.desc()).limit(limit)
            if status:
                stmt = stmt.where(Notification.status == status)
            return list(s.scalars(stmt))
