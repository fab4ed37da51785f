"""The ticket store: create (idempotently), read, list and update tickets with their history.

One implementation over SQLAlchemy serves SQLite and PostgreSQL; ``tests/tickets/test_store_contract.py``
runs against both.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from index.base import Mention
from tickets.enums import Priority, TicketOrigin, TicketStatus
from tickets.models import IdempotencyKey, Ticket, TicketEvent, TicketMention
from tickets.numbering import next_number
from tickets.schemas import (
    AlertRef,
    TicketCreate,
    TicketEventOut,
    TicketMentionOut,
    TicketOut,
    TicketPage,
    TicketQuery,
    TicketUpdate,
)
from tickets.workflow import check_transition
from yuqing.db import Database
from yuqing.errors import Conflict, IdempotencyConflict, InvalidQuery, NotFound
from yuqing.timeutil import utcnow

EXCERPT_CHARS = 500


def request_hash(body: TicketCreate) -> str:
    """A stable hash of a create request, to tell a retry from a different request with the same key."""
    raw = json.dumps(body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(raw).hexdigest()


class TicketStore:
    """Tickets in the relational database."""

    def __init__(
        self,
        db: Database,
        *,
        number_prefix: str = "FBD",
        timezone: str = "Asia/Shanghai",
        default_priority: Priority = Priority.general,
    ):
        self.db = db
        self.number_prefix = number_prefix
        self.timezone = timezone
        self.default_priority = default_priority

    # -- create ---------------------------------------------------------------------------------------------
    def create(
        self,
        body: TicketCreate,
        mentions: Sequence[Mention] = (),
        *,
        idempotency_key: str | None = None,
        actor: str = "system",
        now: datetime | None = None,
    ) -> tuple[TicketOut, bool]:
        """Create a ticket; returns it and whether it is new.

        With an ``idempotency_key``, repeating the same body returns the first ticket (``False``); the same
        key with a different body raises :class:`IdempotencyConflict`. Safe under concurrent retries.
        """
        digest = request_hash(body)
        if idempotency_key:
            existing = self._replay(idempotency_key, digest)
            if existing is not None:
                return existing, False
        now = now or utcnow()
        try:
            with self.db.transaction() as s:
                number = next_number(s.connection(), self.number_prefix, now, self.timezone)
                ticket = Ticket(
                    number=number,
                    title=body.title,
                    description=body.description,
                    brand=body.brand,
                    status=TicketStatus.new.value,
                    priority=(body.priority or self.default_priority).value,
                    origin=(TicketOrigin.alert if body.alert else TicketOrigin.manual).value,
                    alert_rule=body.alert.rule if body.alert else None,
                    alert_key=body.alert.key if body.alert else None,
                    alert_data=body.alert.model_dump(mode="json") if body.alert else None,
                    created_at=now,
                    updated_at=now,
                    version=1,
                )
                ticket.mentions = [_attach(m, i) for i, m in enumerate(mentions)]
                s.add(ticket)
                s.flush()
                s.add(
                    TicketEvent(
                        ticket_id=ticket.id,
                        at=now,
                        actor=actor,
                        action="created",
                        changes={"status": [None, ticket.status], "priority": [None, ticket.priority]},
                    )
                )
                if idempotency_key:
                    s.add(IdempotencyKey(key=idempotency_key, request_hash=digest, ticket_id=ticket.id, created_at=now))
                    s.flush()
                out = _out(ticket)
        except IntegrityError:
            # A concurrent request with the same key committed first: answer as its retry would be answered.
            if idempotency_key:
                existing = self._replay(idempotency_key, digest)
                if existing is not None:
                    return existing, False
            raise
        return out, True

    def _replay(self, key: str, digest: str) -> TicketOut | None:
        with self.db.session() as s:
            row = s.get(IdempotencyKey, key)
            if row is None:
                return None
            if row.request_hash != digest:
                raise IdempotencyConflict(
                    "this Idempotency-Key was already used with a different request body; "
                    "use a new key for a new ticket"
                )
            ticket = s.get(Ticket, row.ticket_id)
            if ticket is None:  # the ticket was deleted; the key no longer protects anything
                return None
            return _out(ticket)

    # -- read -----------------------------------------------------------------------------------------------
    def get(self, ticket_id: int, *, history: bool = False) -> TicketOut:
        with self.db.session() as s:
            opts = [selectinload(Ticket.events)] if history else []
            ticket = s.get(Ticket, ticket_id, options=opts)
            if ticket is None:
                raise NotFound(f"ticket {ticket_id} does not exist")
            return _out(ticket, history=history)

    def get_by_number(self, number: str) -> TicketOut:
        with self.db.session() as s:
            ticket = s.scalar(select(Ticket).where(Ticket.number == number))
            if ticket is None:
                raise NotFound(f"ticket {number} does not exist")
            return _out(ticket)

    def find(self, query: TicketQuery) -> TicketPage:
        if query.cursor and query.offset:
            raise InvalidQuery("use either 'cursor' or 'offset', not both")
        stmt = select(Ticket)
        if query.status:
            stmt = stmt.where(Ticket.status.in_([s.value for s in query.status]))
        if query.priority:
            stmt = stmt.where(Ticket.priority.in_([p.value for p in query.priority]))
        if query.brand:
            stmt = stmt.where(Ticket.brand.in_(query.brand))
        if query.origin:
            stmt = stmt.where(Ticket.origin == query.origin.value)
        if query.alert_rule:
            stmt = stmt.where(Ticket.alert_rule == query.alert_rule)
        if query.created_since:
            stmt = stmt.where(Ticket.created_at >= query.created_since)
        if query.created_until:
            stmt = stmt.where(Ticket.created_at < query.created_until)
        with self.db.session() as s:
            total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
            if query.cursor:
                stmt = stmt.where(Ticket.id < _decode_ticket_cursor(query.cursor))
            rows = list(s.scalars(stmt.order_by(Ticket.id.desc()).offset(query.offset).limit(query.limit + 1)))
            more = len(rows) > query.limit
            rows = rows[: query.limit]
            items = [_out(t) for t in rows]
        cursor = _encode_ticket_cursor(rows[-1].id) if more and rows else None
        return TicketPage(items=items, total=total, next_cursor=cursor)

    def history(self, ticket_id: int) -> list[TicketEventOut]:
        return self.get(ticket_id, history=True).history or []

    # -- update ---------------------------------------------------------------------------------------------
    def update(
        self,
        ticket_id: int,
        patch: TicketUpdate,
        *,
        actor: str = "system",
        expected_version: int | None = None,
        now: datetime | None = None,
    ) -> TicketOut:
        """Apply ``patch``; the status must follow the workflow. ``expected_version`` guards against lost
        updates: a stale version raises :class:`Conflict`."""
        now = now or utcnow()
        with self.db.transaction() as s:
            ticket = _locked(s, ticket_id)
            if expected_version is not None and ticket.version != expected_version:
                raise Conflict(
                    f"ticket {ticket.number} changed since version {expected_version} (now {ticket.version}); "
                    "reload it and apply the change again"
                )
            changes: dict[str, list[Any]] = {}
            for name in patch.model_fields_set:
                new = getattr(patch, name)
                new_value = new.value if hasattr(new, "value") else new
                old_value = getattr(ticket, name)
                if new_value == old_value:
                    continue
                if name == "status":
                    problem = check_transition(TicketStatus(old_value), TicketStatus(new_value))
                    if problem:
                        raise Conflict(problem)
                changes[name] = [old_value, new_value]
                setattr(ticket, name, new_value)
            if changes:
                ticket.version += 1
                ticket.updated_at = now
                s.add(TicketEvent(ticket_id=ticket.id, at=now, actor=actor, action="updated", changes=changes))
            s.flush()
            return _out(ticket)


def _locked(s: Session, ticket_id: int) -> Ticket:
    ticket = s.get(Ticket, ticket_id, with_for_update=True)
    if ticket is None:
        raise NotFound(f"ticket {ticket_id} does not exist")
    return ticket


def _attach(mention: Mention, position: int) -> TicketMention:
    return TicketMention(
        mention_id=mention.id,
        position=position,
        platform=mention.platform,
        url=mention.url,
        title=mention.title,
        excerpt=mention.text[:EXCERPT_CHARS],
        author=mention.author,
        published_at=mention.published_at,
        sentiment_score=mention.sentiment_score,
        sentiment_label=mention.sentiment_label.value,
    )


def _out(ticket: Ticket, *, history: bool = False) -> TicketOut:
    return TicketOut(
        id=ticket.id,
        number=ticket.number,
        title=ticket.title,
        description=ticket.description,
        brand=ticket.brand,
        status=TicketStatus(ticket.status),
        priority=Priority(ticket.priority),
        origin=TicketOrigin(ticket.origin),
        alert=AlertRef.model_validate(ticket.alert_data) if ticket.alert_data else None,
        mentions=[
            TicketMentionOut(
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
            for m in ticket.mentions
        ],
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        version=ticket.version,
        history=[TicketEventOut(at=e.at, actor=e.actor, action=e.action, changes=e.changes) for e in ticket.events]
        if history
        else None,
    )


def _encode_ticket_cursor(ticket_id: int) -> str:
    return base64.urlsafe_b64encode(f"t:{ticket_id}".encode()).decode().rstrip("=")


def _decode_ticket_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
        kind, value = raw.split(":", 1)
        if kind != "t":
            raise ValueError(kind)
        return int(value)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidQuery("the cursor is malformed; use the next_cursor of a previous page") from exc
