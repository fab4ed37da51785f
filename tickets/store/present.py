"""How a stored ticket reads to an actor: the row turned into :class:`TicketOut`, personal data masked unless
the actor may and asked to see it, SLA breaches worked out at the moment of reading."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from foundation.access import PII, Principal
from foundation.timeutil import utcnow
from tickets.enums import Category, Level, Priority, Satisfaction, TicketOrigin
from tickets.enums import TicketStatus as S
from tickets.masking import mask_email, mask_name, mask_nickname, mask_phone, mask_text
from tickets.models import Ticket, TicketComment, TicketMention
from tickets.schemas import (
    AlertRef,
    Classified,
    CommentOut,
    CustomerOut,
    DeliveryOut,
    SlaOut,
    TicketEventOut,
    TicketMentionOut,
    TicketOut,
)
from tickets.workflow import OPEN


def ticket_out(
    ticket: Ticket, actor: Principal, chain: Sequence[Level], *, history: bool = False, unmask: bool = False
) -> TicketOut:
    """``ticket`` as ``actor`` may read it; ``chain`` names the escalation levels; with ``history`` its events
    and comments (loaded through the ticket's session)."""
    now = utcnow()
    masked = not (unmask and actor.may(PII))
    customer = CustomerOut(
        name=mask_name(ticket.customer_name, ticket.customer_gender) if masked else ticket.customer_name,
        gender=ticket.customer_gender,
        nickname=mask_nickname(ticket.customer_nickname) if masked else ticket.customer_nickname,
        phone=mask_phone(ticket.customer_phone) if masked else ticket.customer_phone,
        email=mask_email(ticket.customer_email) if masked else ticket.customer_email,
        type=ticket.customer_type,
        masked=masked,
    )
    open_ = S(ticket.status) in OPEN
    paused = ticket.paused_since is not None
    level = ticket.escalation_level
    classification = None
    if ticket.classification:
        data = ticket.classification
        classification = Classified(
            category=data["category"],
            grade=data["grade"],
            confidence=data["confidence"],
            matched=data.get("matched", {}),
            needs_confirmation=ticket.needs_confirmation,
            categories=data.get("categories") or [data["category"]],
            type=data.get("type", "complaint"),
        )
    text = mask_text if masked else _same
    alert = AlertRef.model_validate(ticket.alert_data) if ticket.alert_data else None
    if alert is not None and masked:
        alert = alert.model_copy(update={"summary": mask_text(alert.summary) or ""})
    return TicketOut(
        id=ticket.id,
        number=ticket.number,
        title=text(ticket.title) or "",
        description=text(ticket.description) or "",
        brand=ticket.brand,
        status=S(ticket.status),
        priority=Priority(ticket.priority),
        category=Category(ticket.category),
        classification=classification,
        origin=TicketOrigin(ticket.origin),
        product=ticket.product,
        department=ticket.department,
        assignee_id=ticket.assignee_id,
        customer=customer,
        occurred_at=ticket.occurred_at,
        received_at=ticket.received_at,
        actions_taken=text(ticket.actions_taken),
        remarks=text(ticket.remarks),
        improvement_suggestion=text(ticket.improvement_suggestion),
        completed_at=ticket.completed_at,
        closed_at=ticket.closed_at,
        satisfaction=Satisfaction(ticket.satisfaction) if ticket.satisfaction else None,
        revisit_due_at=ticket.revisit_due_at,
        round=ticket.round,
        merged_into_id=ticket.merged_into_id,
        sla=SlaOut(
            respond_due_at=ticket.respond_due_at,
            mobilise_due_at=ticket.mobilise_due_at,
            resolve_due_at=ticket.resolve_due_at,
            responded_at=ticket.responded_at,
            paused=paused,
            paused_seconds=ticket.paused_seconds,
            respond_breached=_breached(ticket.respond_due_at, ticket.responded_at, now, open_ and not paused),
            resolve_breached=_breached(ticket.resolve_due_at, ticket.completed_at, now, open_ and not paused),
            escalation_level=level,
            escalated_to=chain[min(level, len(chain) - 1)].value if level else None,
        ),
        alert=alert,
        mentions=[_mention_out(m, masked) for m in ticket.mentions],
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        version=ticket.version,
        history=[
            TicketEventOut(
                at=e.at, actor=e.actor, action=e.action, changes=mask_changes(e.changes) if masked else e.changes
            )
            for e in ticket.events
        ]
        if history
        else None,
        comments=[comment_out(c, masked=masked) for c in ticket.comments] if history else None,
        verification_code=ticket.verification_code if actor.can_write_tickets() else None,
    )


def comment_out(c: TicketComment, *, masked: bool = True) -> CommentOut:
    """A comment as the API shows it (personal data in it masked unless told otherwise)."""
    d = c.delivery
    delivery = (
        DeliveryOut(
            id=d.id,
            channel=d.channel,
            # An address or phone number is personal data; a post link is not, but masking leaves URLs alone.
            recipient=mask_text(d.recipient) if masked else d.recipient,
            status=d.status,
            attempts=d.attempts,
            last_error=d.last_error,
            sent_at=d.sent_at,
            next_attempt_at=d.next_attempt_at if d.status in ("queued", "failed") else None,
        )
        if d is not None
        else None
    )
    return CommentOut(
        id=c.id,
        at=c.at,
        author=c.author,
        kind=c.kind,
        body=(mask_text(c.body) if masked else c.body) or "",
        delivery=delivery,
    )


def _same(text: str | None) -> str | None:
    return text


#: Fields of a ticket's history whose values are a customer's own data, and how each is masked.
_CONTACT_MASKS: dict[str, Callable[[str], str | None]] = {
    "customer_name": mask_name,
    "customer_nickname": mask_nickname,
    "customer_phone": mask_phone,
    "customer_email": mask_email,
}


def mask_changes(changes: Any, field: str | None = None) -> Any:
    """A history entry's changes with personal data masked: contact fields by their own rule, every other
    string by the free-text detector."""
    if isinstance(changes, dict):
        return {k: mask_changes(v, k) for k, v in changes.items()}
    if isinstance(changes, list):
        return [mask_changes(v, field) for v in changes]
    if isinstance(changes, str):
        rule = _CONTACT_MASKS.get(field or "")
        return rule(changes) if rule else mask_text(changes)
    return changes


def _breached(due: datetime | None, done: datetime | None, now: datetime, running: bool) -> bool:
    if due is None:
        return False
    if done is not None:
        return done > due
    return running and now > due


def _mention_out(m: TicketMention, masked: bool) -> TicketMentionOut:
    return TicketMentionOut(
        mention_id=m.mention_id,
        platform=m.platform,
        url=m.url,
        title=mask_text(m.title) if masked else m.title,
        excerpt=(mask_text(m.excerpt) if masked else m.excerpt) or "",
        author=mask_nickname(m.author) if masked else m.author,
        published_at=m.published_at,
        sentiment_score=m.sentiment_score,
        sentiment_label=m.sentiment_label,
    )
