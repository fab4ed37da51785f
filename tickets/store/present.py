"""How a stored ticket reads to an actor: the row turned into :class:`TicketOut`, personal data masked unless
the actor may and asked to see it, SLA breaches worked out at the moment of reading."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

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
    description = mask_text(ticket.description) if masked else ticket.description
    return TicketOut(
        id=ticket.id,
        number=ticket.number,
        title=ticket.title,
        description=description or "",
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
        actions_taken=ticket.actions_taken,
        remarks=ticket.remarks,
        improvement_suggestion=ticket.improvement_suggestion,
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
        alert=AlertRef.model_validate(ticket.alert_data) if ticket.alert_data else None,
        mentions=[_mention_out(m) for m in ticket.mentions],
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        version=ticket.version,
        history=[TicketEventOut(at=e.at, actor=e.actor, action=e.action, changes=e.changes) for e in ticket.events]
        if history
        else None,
        comments=[comment_out(c) for c in ticket.comments] if history else None,
        verification_code=ticket.verification_code if actor.can_write_tickets() else None,
    )


def comment_out(c: TicketComment) -> CommentOut:
    """A comment as the API shows it."""
    return CommentOut(id=c.id, at=c.at, author=c.author, kind=c.kind, body=c.body)


def _breached(due: datetime | None, done: datetime | None, now: datetime, running: bool) -> bool:
    if due is None:
        return False
    if done is not None:
        return done > due
    return running and now > due


def _mention_out(m: TicketMention) -> TicketMentionOut:
    return TicketMentionOut(
        mention_id=m.mention_id,
        platform=m.platform,
        url=m.url,
        title=m.title,
        excerpt=m.excerpt,
        author=m.author,
        published_at=m.published_at,
        sentiment_score=m.sentiment_score,
        sentiment_label=m.sentiment_label,
    )
