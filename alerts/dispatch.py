"""Delivery of the notification outbox to channels, at least once, with retries.

Everything that must reach people (alerts, escalations, revisit reminders) is first written to the
``notifications`` table in the same database as the state it is about, then delivered by :class:`Dispatcher`:
a row is claimed with a conditional update and a lease, so two workers never send it twice and a worker that
dies mid-send leaves it to be retried when the lease runs out. Transient failures back off exponentially;
refusals (a bad token, a blocked target) fail at once and say why.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from alerts.channels import BlockedTarget, Channel, ChannelError, ChannelRejected, Message
from alerts.channels.message import Attachment
from foundation.db import Database
from foundation.pii import mask_deep, mask_pii
from foundation.timeutil import isoformat_z, utcnow
from tickets.models import Notification
from tickets.report_archive import CONTENT_TYPES, report_files

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
LEASE = timedelta(minutes=5)
BACKOFF = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    logged: list[int] = field(default_factory=list)


class Dispatcher:
    """Writes notifications to the outbox and delivers them to channels."""

    def __init__(self, db: Database, channels: dict[str, Channel[Any]], escalation_channels: Sequence[str] = ()):
        self.db = db
        self.channels = channels
        self.escalation_channels = list(escalation_channels)

    def enqueue(
        self, message: Message, channels: Sequence[str], *, ticket_id: int | None = None, at: datetime | None = None
    ) -> list[int]:
        """One outbox row per channel (none: nothing to deliver, the alert history still records it)."""
        at = at or utcnow()
        ids = []
        with self.db.transaction() as s:
            for name in channels:
                row = Notification(
                    at=at,
                    ticket_id=ticket_id,
                    kind=message.kind,
                    # Notifications leave for chat rooms and mailboxes: personal data masked, stored masked.
                    message=mask_pii(message.summary) or "",
                    status="pending",
                    attempts=0,
                    channel=name,
                    payload=mask_deep(message.payload()),
                )
                s.add(row)
                s.flush()
                ids.append(row.id)
        return ids

    def deliver(self, now: datetime | None = None, limit: int = 100) -> DeliveryReport:
        """Deliver what is due; safe to call from several workers at once."""
        now = now or utcnow()
        report = DeliveryReport()
        with self.db.session() as s:
            due = list(
                s.scalars(
                    select(Notification)
                    .where(
                        Notification.status.in_(("pending", "sending")),
                        or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
                    )
                    .order_by(Notification.id)
                    .limit(limit)
                )
            )
        for row in due:
            if not self._claim(row, now):
                continue
            if row.channel is None:
                self._fan_out(row, now, report)
                continue
            channel = self.channels.get(row.channel)
            if channel is None:
                self._finish(row.id, "failed", now, f"no channel named {row.channel!r} is configured")
                report.failed[row.id] = "unknown channel"
                continue
            message = Message.from_payload(row.payload) if row.payload else Message(kind=row.kind, summary=row.message)
            if message.report_id is not None and channel.takes_attachments:
                message.attachments = report_attachments(self.db, message.report_id)
            try:
                channel.send(message)
            except (ChannelRejected, BlockedTarget) as exc:
                self._finish(row.id, "failed", now, str(exc))
                report.failed[row.id] = str(exc)
                log.error("notification %d to %s refused: %s", row.id, row.channel, exc)
            except ChannelError as exc:
                attempts = row.attempts + 1
                if attempts >= MAX_ATTEMPTS:
                    self._finish(row.id, "failed", now, f"gave up after {attempts} attempts: {exc}")
                    report.failed[row.id] = str(exc)
                else:
                    wait = min(BACKOFF_MAX, BACKOFF * 2 ** (attempts - 1))
                    self._retry_later(row.id, attempts, now + wait, str(exc))
                    report.retrying.append(row.id)
                log.warning("notification %d to %s failed (attempt %d): %s", row.id, row.channel, attempts, exc)
            else:
                self._finish(row.id, "sent", now, None)
                report.sent.append(row.id)
        return report

    def _claim(self, row: Notification, now: datetime) -> bool:
        # pending, or a lease that ran out (the worker holding it died): take it for LEASE.
        with self.db.transaction() as s:
            result = s.execute(
                update(Notification)
                .where(
                    Notification.id == row.id,
                    Notification.status.in_(("pending", "sending")),
                    or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
                )
                .values(status="sending", next_attempt_at=now + LEASE)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def _fan_out(self, row: Notification, now: datetime, report: DeliveryReport) -> None:
        """A ticket notification (escalation, warning, revisit) goes to the escalation channels."""
        if not self.escalation_channels:
            log.warning("notify %s@%s: %s", row.level or "-", row.department or "-", row.message)
            self._finish(row.id, "logged", now, None)
            report.logged.append(row.id)
            return
        audience = f"{row.level or ''}@{row.department or ''}".strip("@")
        message = Message(kind=row.kind, summary=row.message, key=audience or None, at=isoformat_z(row.at))
        self.enqueue(message, self.escalation_channels, ticket_id=row.ticket_id, at=row.at)
        self._finish(row.id, "dispatched", now, None)

    def _finish(self, row_id: int, status: str, now: datetime, error: str | None) -> None:
        with self.db.transaction() as s:
            s.execute(
                update(Notification)
                .where(Notification.id == row_id)
                .values(
                    status=status,
                    sent_at=now if status in ("sent", "logged", "dispatched") else None,
                    last_error=error,
                    next_attempt_at=None,
                    attempts=Notification.attempts + 1,
                )
            )

    def _retry_later(self, row_id: int, attempts: int, when: datetime, error: str) -> None:
        with self.db.transaction() as s:
            s.execute(
                update(Notification)
                .where(Notification.id == row_id)
                .values(status="pending", attempts=attempts, next_attempt_at=when, last_error=error)
            )


def report_attachments(db: Database, report_id: int) -> list[Attachment]:
    """The XLSX and PDF of a stored report (none if it was deleted since the message was queued)."""
    return [Attachment(name, CONTENT_TYPES[fmt], data) for fmt, name, data in report_files(db, report_id)]
