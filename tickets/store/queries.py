"""Queries and history: one ticket (by id or number, with its events and comments), pages of tickets by filter
with a stable cursor, every matching ticket in batches for exports, and counts — only what the actor may see."""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from foundation.access import SYSTEM, Principal
from foundation.errors import InvalidQuery, NotFound
from foundation.timeutil import utcnow
from tickets.models import Ticket
from tickets.schemas import TicketEventOut, TicketOut, TicketPage, TicketQuery
from tickets.store.audit import AuditTrail
from tickets.store.core import OPEN_VALUES
from tickets.store.knowledge import Knowledge


class Queries(Knowledge, AuditTrail):
    """Reading tickets; unmasking is audited, similar cases come from the knowledge room."""

    def get(
        self,
        ticket_id: int,
        *,
        actor: Principal = SYSTEM,
        history: bool = False,
        unmask: bool = False,
        similar: bool = False,
    ) -> TicketOut:
        """One ticket; with ``history`` its events and comments, with ``similar`` past cases like it."""
        with self.db.session() as s:
            opts = [selectinload(Ticket.events), selectinload(Ticket.comments)] if history else []
            ticket = self._visible(s, ticket_id, actor, options=opts)
            if unmask:
                self._audit_unmask(s, actor, ticket)
            out = self._out(s, ticket, actor, history=history, unmask=unmask)
        if similar:
            out.similar_cases = self.similar_cases(ticket_id, actor=actor)
        return out

    def get_by_number(self, number: str, *, actor: Principal = SYSTEM) -> TicketOut:
        with self.db.session() as s:
            ticket = s.scalar(select(Ticket).where(Ticket.number == number))
            if ticket is None or not actor.sees(ticket.department, ticket.brand):
                raise NotFound("this ticket number does not exist for you")  # the number is not echoed back
            return self._out(s, ticket, actor)

    def history(self, ticket_id: int, *, actor: Principal = SYSTEM) -> list[TicketEventOut]:
        return self.get(ticket_id, actor=actor, history=True).history or []

    def find(self, query: TicketQuery, *, actor: Principal = SYSTEM, now: datetime | None = None) -> TicketPage:
        if query.cursor and query.offset:
            raise InvalidQuery("use either 'cursor' or 'offset', not both")
        stmt = self._filtered(query, actor, now or utcnow())
        with self.db.session() as s:
            total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
            if query.cursor:
                stmt = stmt.where(Ticket.id < _decode_ticket_cursor(query.cursor))
            rows = list(s.scalars(stmt.order_by(Ticket.id.desc()).offset(query.offset).limit(query.limit + 1)))
            more = len(rows) > query.limit
            rows = rows[: query.limit]
            items = [self._out(s, t, actor) for t in rows]
        cursor = _encode_ticket_cursor(rows[-1].id) if more and rows else None
        return TicketPage(items=items, total=total, next_cursor=cursor)

    def iterate(
        self,
        query: TicketQuery,
        *,
        actor: Principal = SYSTEM,
        unmask: bool = False,
        limit: int | None = None,
        ids: Sequence[int] | None = None,
    ) -> Iterator[TicketOut]:
        """Every matching ticket, oldest first, in batches (for exports and reports); with ``ids`` only those
        (an approved export's frozen rows)."""
        stmt = self._filtered(query, actor, utcnow()).order_by(Ticket.id)
        if ids is not None:
            stmt = stmt.where(Ticket.id.in_(list(ids)))
        last = 0
        yielded = 0
        while True:
            with self.db.session() as s:
                batch = list(s.scalars(stmt.where(Ticket.id > last).limit(500)))
                outs = [self._out(s, t, actor, unmask=unmask) for t in batch]
            if not batch:
                return
            for out in outs:
                yield out
                yielded += 1
                if limit is not None and yielded >= limit:
                    return
            last = batch[-1].id

    def matching_ids(self, query: TicketQuery, *, actor: Principal = SYSTEM, limit: int) -> list[int]:
        """The ids of the matching tickets ``actor`` may see, oldest first, at most ``limit``."""
        stmt = self._filtered(query, actor, utcnow()).order_by(Ticket.id).limit(limit)
        with self.db.session() as s:
            return list(s.scalars(stmt.with_only_columns(Ticket.id)))

    def count(self, query: TicketQuery, *, actor: Principal = SYSTEM) -> int:
        with self.db.session() as s:
            stmt = self._filtered(query, actor, utcnow())
            return s.scalar(select(func.count()).select_from(stmt.subquery())) or 0

    def _filtered(self, query: TicketQuery, actor: Principal, now: datetime) -> Select[Ticket]:
        stmt = self._scoped(select(Ticket), actor)
        if query.status:
            stmt = stmt.where(Ticket.status.in_([s.value for s in query.status]))
        if query.priority:
            stmt = stmt.where(Ticket.priority.in_([p.value for p in query.priority]))
        if query.category:
            stmt = stmt.where(Ticket.category.in_([c.value for c in query.category]))
        if query.brand:
            stmt = stmt.where(Ticket.brand.in_(query.brand))
        if query.department:
            stmt = stmt.where(Ticket.department.in_(query.department))
        if query.assignee_id is not None:
            stmt = stmt.where(Ticket.assignee_id == query.assignee_id)
        if query.origin:
            stmt = stmt.where(Ticket.origin == query.origin.value)
        if query.alert_rule:
            stmt = stmt.where(Ticket.alert_rule == query.alert_rule)
        if query.needs_confirmation is not None:
            stmt = stmt.where(Ticket.needs_confirmation.is_(query.needs_confirmation))
        if query.overdue is not None:
            late = and_(
                Ticket.status.in_(OPEN_VALUES),
                Ticket.paused_since.is_(None),
                or_(and_(Ticket.responded_at.is_(None), Ticket.respond_due_at < now), Ticket.resolve_due_at < now),
            )
            stmt = stmt.where(late if query.overdue else ~late)
        if query.created_since:
            stmt = stmt.where(Ticket.created_at >= query.created_since)
        if query.created_until:
            stmt = stmt.where(Ticket.created_at < query.created_until)
        return stmt


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
