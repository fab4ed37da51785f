"""Replies on their way to the customer: queued with the reply, sent through the configured channel, retried
with a growing wait when the channel fails, and their status kept beside the reply.

An attempt claims its delivery first (a conditional update pushing ``next_attempt_at`` ahead by a lease), so
the API sending a fresh reply and the worker's retry round never send the same reply twice; the network call
happens outside any transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from foundation.access import SYSTEM, Principal
from foundation.errors import Conflict, InvalidQuery, NotFound
from foundation.timeutil import utcnow
from tickets.models import ReplyDelivery, Ticket, TicketComment, TicketMention
from tickets.schemas import ReplyIn
from tickets.sending import DeliveryError, Outgoing, ReplySender
from tickets.store.core import StoreCore

#: How long a claimed attempt may take before another process may try the delivery again.
LEASE = timedelta(minutes=2)
_DUE = ("queued", "failed")


@dataclass(frozen=True)
class Attempt:
    """What one attempt sends, read while claiming it."""

    delivery_id: int
    ticket_id: int
    attempts: int
    outgoing: Outgoing


#: What a recipient given by hand must look like, per channel (the ticket's own were checked when recorded).
_RECIPIENT = {
    "email": (re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), "an e-mail address"),
    "sms": (re.compile(r"^\+?[0-9][0-9\- ]{2,30}$"), "a phone number"),
    "platform": (re.compile(r"^https?://\S+$"), "the post's http(s) link"),
}


def recipient_for(s: Session, ticket: Ticket, body: ReplyIn) -> str:
    """Where the reply goes: the address given, else the ticket's; a clear error when there is none."""
    if body.to and body.to.strip():
        pattern, what = _RECIPIENT[body.channel]
        if not pattern.match(body.to.strip()):
            raise InvalidQuery(f"'to' must be {what} for a reply by {body.channel}")
        return body.to.strip()
    if body.channel == "email":
        if not ticket.customer_email:
            raise InvalidQuery("the ticket has no customer e-mail address: give one in 'to' or record it first")
        return ticket.customer_email
    if body.channel == "sms":
        if not ticket.customer_phone:
            raise InvalidQuery("the ticket has no customer phone number: give one in 'to' or record it first")
        return ticket.customer_phone
    link = s.scalar(
        select(TicketMention.url)
        .where(TicketMention.ticket_id == ticket.id, TicketMention.url.is_not(None))
        .order_by(TicketMention.position)
        .limit(1)
    )
    if not link:
        raise InvalidQuery("the ticket has no post to answer on a platform: give the post's link in 'to'")
    return link


def queue_delivery(
    s: Session, store: StoreCore, ticket: Ticket, comment: TicketComment, body: ReplyIn, now: datetime
) -> dict[str, Any]:
    """Queue ``comment`` (a reply, already added) for its channel; the changes for the ticket's history."""
    replies = store.policy.config.replies
    if body.channel not in replies.channels():
        key = f"tickets.replies.{body.channel}"
        raise InvalidQuery(
            f"replies by {body.channel} are not configured ({key}); configured: {replies.channels() or 'none'}"
        )
    if body.channel == "sms" and replies.sms is not None and len(body.body) > replies.sms.max_length:
        raise InvalidQuery(
            f"an SMS reply is at most {replies.sms.max_length} characters; this one has {len(body.body)}"
        )
    recipient = recipient_for(s, ticket, body)
    manual = body.channel == "platform"
    s.flush()  # the comment's id
    s.add(
        ReplyDelivery(
            ticket_id=ticket.id,
            comment_id=comment.id,
            channel=body.channel,
            recipient=recipient,
            status="manual" if manual else "queued",
            attempts=0,
            created_at=now,
            next_attempt_at=None if manual else now,
        )
    )
    return {"channel": [None, body.channel], "delivery": [None, "manual" if manual else "queued"]}


class Deliveries(StoreCore):
    """Sending replies, retrying them, and the agent's confirmation of a reply posted on the platform."""

    def deliver_due(self, sender: ReplySender, now: datetime | None = None, *, ticket_id: int | None = None) -> int:
        """Attempt every delivery that is due (of ``ticket_id`` only, if given); the number sent."""
        now = now or utcnow()
        with self.db.session() as s:
            stmt = select(ReplyDelivery.id).where(
                ReplyDelivery.status.in_(_DUE),
                ReplyDelivery.next_attempt_at.is_not(None),
                ReplyDelivery.next_attempt_at <= now,
            )
            if ticket_id is not None:
                stmt = stmt.where(ReplyDelivery.ticket_id == ticket_id)
            due = list(s.scalars(stmt.order_by(ReplyDelivery.id).limit(200)))
        return sum(self._attempt(delivery_id, sender, now) for delivery_id in due)

    def retry_delivery(
        self,
        ticket_id: int,
        delivery_id: int,
        sender: ReplySender,
        *,
        actor: Principal = SYSTEM,
        now: datetime | None = None,
    ) -> None:
        """Send a failed reply again now, even after its last automatic attempt."""
        now = now or utcnow()
        with self.db.transaction() as s:
            self._writable(s, ticket_id, actor)
            delivery = self._delivery(s, ticket_id, delivery_id)
            if delivery.status != "failed":
                raise Conflict(f"this reply is {delivery.status}; only a failed one is sent again")
            delivery.next_attempt_at = now
        self._attempt(delivery_id, sender, now, actor=actor.name)

    def confirm_posted(
        self, ticket_id: int, delivery_id: int, *, actor: Principal = SYSTEM, now: datetime | None = None
    ) -> None:
        """The agent posted a platform reply at its link: it counts as sent."""
        now = now or utcnow()
        with self.db.transaction() as s:
            ticket = self._writable(s, ticket_id, actor)
            delivery = self._delivery(s, ticket_id, delivery_id)
            if delivery.status != "manual":
                raise Conflict(f"this reply is {delivery.status}; only a reply to post on the platform is confirmed")
            delivery.status = "sent"
            delivery.sent_at = now
            self._touch(
                s, ticket, actor, "reply_delivery", now, {"channel": "platform", "delivery": ["manual", "sent"]}
            )

    # -- one attempt ----------------------------------------------------------------------------------------
    @staticmethod
    def _delivery(s: Session, ticket_id: int, delivery_id: int) -> ReplyDelivery:
        delivery = s.get(ReplyDelivery, delivery_id, with_for_update=True)
        if delivery is None or delivery.ticket_id != ticket_id:
            raise NotFound(f"reply delivery {delivery_id} of ticket {ticket_id} does not exist")
        return delivery

    def _claim(self, delivery_id: int, now: datetime) -> Attempt | None:
        with self.db.transaction() as s:
            claimed = s.execute(
                update(ReplyDelivery)
                .where(
                    ReplyDelivery.id == delivery_id,
                    ReplyDelivery.status.in_(_DUE),
                    ReplyDelivery.next_attempt_at.is_not(None),
                    ReplyDelivery.next_attempt_at <= now,
                )
                .values(next_attempt_at=now + LEASE, attempts=ReplyDelivery.attempts + 1)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None  # someone else is sending it, or it is no longer due
            delivery = s.get_one(ReplyDelivery, delivery_id)
            s.refresh(delivery)
            ticket = s.get_one(Ticket, delivery.ticket_id)
            body = s.get_one(TicketComment, delivery.comment_id).body
            out = Outgoing(delivery.channel, delivery.recipient or "", body, ticket.number, ticket.brand)
            return Attempt(delivery.id, ticket.id, delivery.attempts, out)

    def _attempt(self, delivery_id: int, sender: ReplySender, now: datetime, *, actor: str = "system") -> bool:
        attempt = self._claim(delivery_id, now)
        if attempt is None:
            return False
        error: DeliveryError | None = None
        try:
            sender.send(attempt.outgoing)
        except DeliveryError as exc:
            error = exc
        replies = self.policy.config.replies
        finished = utcnow()
        with self.db.transaction() as s:
            delivery = s.get_one(ReplyDelivery, delivery_id, with_for_update=True)
            ticket = s.get_one(Ticket, attempt.ticket_id, with_for_update=True)
            if error is None:
                delivery.status, delivery.sent_at, delivery.next_attempt_at = "sent", finished, None
                delivery.last_error = None
            else:
                delivery.status, delivery.last_error = "failed", str(error)[:2000]
                retry = not error.permanent and attempt.attempts < replies.max_attempts
                # The wait doubles with each attempt: a gateway that is down gets room to come back.
                wait = replies.retry_after * 2 ** (attempt.attempts - 1)
                delivery.next_attempt_at = finished + wait if retry else None
            changes = {"channel": delivery.channel, "delivery": delivery.status, "attempts": attempt.attempts}
            # Sending is history of the ticket, but not a change of its record: no new version (no ETag clash).
            self._event(s, ticket, Principal(actor, SYSTEM.role), "reply_delivery", finished, changes)
        return error is None
