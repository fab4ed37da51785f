"""Ticket tables (SQLAlchemy ORM). Schema changes go through Alembic revisions in ``yuqing/migrations``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yuqing.db import Base, JSONType, UTCDateTime


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

    mentions: Mapped[list[TicketMention]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketMention.position", lazy="selectin"
    )
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketEvent.id", lazy="raise"
    )

    __table_args__ = (
        Index("ix_tickets_status_created", "status", "created_at"),
        Index("ix_tickets_brand_created", "brand", "created_at"),
        Index("ix_tickets_alert", "alert_rule", "alert_key"),
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
