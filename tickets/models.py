"""Ticket tables (SQLAlchemy ORM). Schema changes go through Alembic revisions in ``foundation/migrations``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from foundation.db import Base, JSONType, UTCDateTime
from foundation.timeutil import utcnow


class Ticket(Base):
    """A complaint ticket."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    brand: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(32))
    origin: Mapped[str] = mapped_column(String(16))
    alert_rule: Mapped[str | None] = mapped_column(String(64))
    alert_key: Mapped[str | None] = mapped_column(String(200))
    alert_data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # The complaint record table (投诉记录表).
    customer_name: Mapped[str | None] = mapped_column(String(100))
    customer_gender: Mapped[str] = mapped_column(String(16), default="unknown")
    customer_nickname: Mapped[str | None] = mapped_column(String(100))
    customer_phone: Mapped[str | None] = mapped_column(String(32))
    customer_email: Mapped[str | None] = mapped_column(String(200))
    customer_type: Mapped[str] = mapped_column(String(16), default="new")
    category: Mapped[str] = mapped_column(String(32), default="other")
    category_confidence: Mapped[float] = mapped_column(Float, default=0.0)
    classification: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    needs_confirmation: Mapped[bool] = mapped_column(Boolean, default=False)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    product: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(100))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actions_taken: Mapped[str | None] = mapped_column(Text)
    remarks: Mapped[str | None] = mapped_column(Text)
    improvement_suggestion: Mapped[str | None] = mapped_column(Text)
    # The SLA clock.
    respond_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mobilise_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clock_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Follow-up.
    satisfaction: Mapped[str | None] = mapped_column(String(32))
    revisit_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revisited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    round: Mapped[int] = mapped_column(Integer, default=1)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    verification_code: Mapped[str] = mapped_column(String(16))

    mentions: Mapped[list[TicketMention]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketMention.position", lazy="selectin"
    )
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketEvent.id", lazy="raise"
    )

    comments: Mapped[list[TicketComment]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketComment.id", lazy="raise"
    )

    __table_args__ = (
        Index("ix_tickets_status_created", "status", "created_at"),
        Index("ix_tickets_brand_created", "brand", "created_at"),
        Index("ix_tickets_alert", "alert_rule", "alert_key"),
        Index("ix_tickets_department_status", "department", "status"),
        Index("ix_tickets_assignee_status", "assignee_id", "status"),
    )


class TicketMention(Base):
    """A mention behind a ticket, copied when attached so the ticket stands alone."""

    __tablename__ = "ticket_mentions"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    mention_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    platform: Mapped[str] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    excerpt: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sentiment_score: Mapped[float | None]
    sentiment_label: Mapped[str] = mapped_column(String(16))
    #: platform + the post a comment belongs to (or the post itself): mentions of one thread share it.
    thread_key: Mapped[str | None] = mapped_column(String(600), index=True)

    ticket: Mapped[Ticket] = relationship(back_populates="mentions")


class TicketEvent(Base):
    """Append-only history of a ticket: who did what, when, with the changed values."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class TicketComment(Base):
    """A note between agents, a reply to the customer, or a system remark (an attached mention, a merge)."""

    __tablename__ = "ticket_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    author: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # note | reply | system
    body: Mapped[str] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship(back_populates="comments")
    delivery: Mapped[ReplyDelivery | None] = relationship(back_populates="comment", lazy="selectin")


class User(Base):
    """A person (or service) using the API: a role, a rung on the escalation chain, and what they may see."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16), default="agent")
    departments: Mapped[list[str]] = mapped_column(JSONType, default=list)
    brands: Mapped[list[str]] = mapped_column(JSONType, default=list)  # empty: every brand
    permissions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: zh or en, chosen by the user (revision 0007); None: never chosen, the request's language decides.
    language: Mapped[str | None] = mapped_column(String(8))


class AuditEntry(Base):
    """Append-only record of actions that are not ticket edits: exports, unmasking, user administration."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    @classmethod
    def of(
        cls,
        actor: str,
        action: str,
        object_type: str,
        object_id: str | None,
        details: dict[str, Any],
        *,
        at: datetime | None = None,
    ) -> AuditEntry:
        """One entry, stamped now unless ``at`` is given (callers that stamp a row and its audit with the same
        moment pass it)."""
        return cls(
            at=at or utcnow(),
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            details=details,
        )


class Notification(Base):
    """An outbox of messages to people (SLA warnings, escalations, revisits), delivered by the worker."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # sla_warning | escalation | revisit_due | ...
    department: Mapped[str | None] = mapped_column(String(100))
    level: Mapped[str | None] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | logged | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    channel: Mapped[str | None] = mapped_column(String(64))  # None: the escalation channels of the config
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # an alerts.channels.Message
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExportRequest(Base):
    """A bulk export waiting for, or given, a second person's approval."""

    __tablename__ = "export_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: ``tickets`` or ``mentions`` (revision 0005; older rows are ticket exports).
    kind: Mapped[str] = mapped_column(String(16), default="tickets", server_default="tickets")
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    format: Mapped[str] = mapped_column(String(8))
    filters: Mapped[dict[str, Any]] = mapped_column(JSONType)
    unmask: Mapped[bool] = mapped_column(Boolean, default=False)
    row_count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # pending | approved | rejected | downloaded
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AssignmentCursor(Base):
    """The last person given a ticket in a department, for round-robin assignment."""

    __tablename__ = "assignment_cursors"

    department: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_user_id: Mapped[int] = mapped_column(Integer)


class TicketSequence(Base):
    """The last number handed out per prefix and month (FBD + yyyymm + sequence)."""

    __tablename__ = "ticket_sequences"

    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class IdempotencyKey(Base):
    """An ``Idempotency-Key`` seen on ticket creation, with the hash of the body it came with."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReplyDelivery(Base):
    """A reply on its way to the customer through a channel (revision 0007): e-mail, SMS gateway, or a reply
    the agent posts on the platform by hand (``manual``, with the link and instructions recorded)."""

    __tablename__ = "reply_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("ticket_comments.id", ondelete="CASCADE"), unique=True)
    channel: Mapped[str] = mapped_column(String(16))  # email | sms | platform
    recipient: Mapped[str | None] = mapped_column(String(300))  # address, phone number or post link
    status: Mapped[str] = mapped_column(String(16))  # queued | sent | failed | manual
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the next attempt may start; also the claim of an attempt in flight. None: no attempt is due.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    comment: Mapped[TicketComment] = relationship(back_populates="delivery")


class KnowledgeEntry(Base):
    """A prepared answer of the knowledge base (revision 0007), for a category and a brand (None: any)."""

    __tablename__ = "knowledge_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(32), index=True)
    brand: Mapped[str | None] = mapped_column(String(100), index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StoredReport(Base):
    """A generated complaint report (daily, weekly, monthly) with its files (revision 0008)."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("kind", "period", "brand", name="uq_reports_kind_period_brand"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # daily | weekly | monthly
    period: Mapped[str] = mapped_column(String(16))  # 2026-12-02 | 2026-W47 | 2026-11
    brand: Mapped[str] = mapped_column(String(100))  # '' for the report over every brand
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    summary: Mapped[list[str]] = mapped_column(JSONType)  # the report's sentences
    figures: Mapped[dict[str, Any]] = mapped_column(JSONType)  # tickets.report.WeeklyReport as JSON
    xlsx: Mapped[bytes] = mapped_column(LargeBinary)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    pushed_to: Mapped[list[str]] = mapped_column(JSONType)  # channel names the report was queued for
