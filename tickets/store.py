"""The ticket store: the complaint process on top of the relational database.

One implementation over SQLAlchemy serves SQLite and PostgreSQL; the contract tests run against both. Every
method takes the acting :class:`~tickets.access.Principal`: what it may not see does not exist for it
(:class:`~yuqing.errors.NotFound`), what it may not do is :class:`~yuqing.errors.Forbidden`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from index.base import Mention
from tickets.access import PII, SYSTEM, Principal
from tickets.enums import Category, Level, Priority, Role, Satisfaction, TicketOrigin
from tickets.enums import TicketStatus as S
from tickets.knowledge import rank_similar
from tickets.masking import mask_email, mask_name, mask_nickname, mask_phone, mask_text
from tickets.models import (
    AssignmentCursor,
    AuditEntry,
    IdempotencyKey,
    Notification,
    Ticket,
    TicketComment,
    TicketEvent,
    TicketMention,
    User,
)
from tickets.numbering import next_number
from tickets.policy import TicketPolicy
from tickets.schemas import (
    AlertRef,
    Classified,
    CommentIn,
    CommentOut,
    Customer,
    CustomerOut,
    PublicTicketOut,
    ReplyIn,
    SatisfactionIn,
    SimilarCase,
    SlaOut,
    TicketCreate,
    TicketEventOut,
    TicketMentionOut,
    TicketOut,
    TicketPage,
    TicketQuery,
    TicketUpdate,
)
from tickets.understanding.grades import raise_only
from tickets.workflow import OPEN, check_transition
from yuqing.db import Database
from yuqing.errors import Conflict, Forbidden, IdempotencyConflict, InvalidQuery, NotFound
from yuqing.timeutil import utcnow

EXCERPT_CHARS = 500
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: codes are read out on the phone
_OPEN_VALUES = [s.value for s in OPEN]


def request_hash(body: TicketCreate) -> str:
    """A stable hash of a create request, to tell a retry from a different request with the same key."""
    raw = json.dumps(body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(raw).hexdigest()


def thread_key(mention: Mention) -> str:
    """Mentions of one thread (a post and its comments) share this key."""
    return f"{mention.platform}:{mention.parent_id or mention.post_id}"


@dataclass
class Escalation:
    """What the escalation scan did to one ticket."""

    ticket_id: int
    number: str
    kind: str  # warning | escalated
    level: str
    deadline: str  # respond | resolve
    due_at: datetime


class TicketStore:
    """Tickets in the relational database, handled by the rules of a :class:`TicketPolicy`."""

    def __init__(
        self,
        db: Database,
        policy: TicketPolicy | None = None,
        *,
        number_prefix: str | None = None,
        timezone: str | None = None,
        default_priority: Priority | None = None,
    ):
        self.db = db
        self.policy = policy or TicketPolicy()
        if number_prefix is not None:
            self.policy.number_prefix = number_prefix
        if timezone is not None:
            self.policy.timezone = timezone
        if default_priority is not None:
            self.policy.default_priority = default_priority

    # -- create ---------------------------------------------------------------------------------------------
    def create(
        self,
        body: TicketCreate,
        mentions: Sequence[Mention] = (),
        *,
        idempotency_key: str | None = None,
        actor: Principal = SYSTEM,
        now: datetime | None = None,
    ) -> tuple[TicketOut, bool]:
        """Open a ticket, or attach the mentions to the open ticket they belong to; returns it and whether
        it is new.

        A mention belongs to an open ticket of the same thread, of the same author about the same product, or
        (for an alert) of the same alert. With an ``idempotency_key``, repeating the same body returns the
        first answer; the same key with a different body raises :class:`IdempotencyConflict`.
        """
        if not actor.can_write_tickets():
            raise Forbidden(f"role {actor.role.value} cannot open tickets")
        digest = request_hash(body)
        if idempotency_key:
            existing = self._replay(idempotency_key, digest, actor)
            if existing is not None:
                return existing, False
        now = now or utcnow()
        text = "\n".join([body.title, body.description, *(m.text for m in mentions)])
        verdict = self.policy.classifier.classify(text, brand=body.brand)
        category = body.category or verdict.category
        # A caller's (or a rule's) priority may raise the classifier's grade, never lower it: safety stays urgent.
        grade = raise_only(verdict.grade, body.priority)
        try:
            with self.db.transaction() as s:
                target = self._belongs_to(s, body, mentions)
                if target is not None:
                    self._attach(s, target, mentions, body, actor, now)
                    ticket = target
                    created = False
                else:
                    ticket = self._insert(s, body, mentions, category, grade, verdict, actor, now)
                    created = True
                if idempotency_key:
                    s.add(IdempotencyKey(key=idempotency_key, request_hash=digest, ticket_id=ticket.id, created_at=now))
                    s.flush()
                out = self._out(s, ticket, actor)
        except IntegrityError:
            # A concurrent request with the same key committed first: answer as its retry would be answered.
            if idempotency_key:
                existing = self._replay(idempotency_key, digest, actor)
                if existing is not None:
                    return existing, False
            raise
        return out, created

    def _insert(
        self,
        s: Session,
        body: TicketCreate,
        mentions: Sequence[Mention],
        category: Category,
        grade: Priority,
        verdict: Any,
        actor: Principal,
        now: datetime,
    ) -> Ticket:
        policy = self.policy
        customer = body.customer or Customer()
        if customer.nickname is None and mentions and mentions[0].author:
            customer = customer.model_copy(update={"nickname": mentions[0].author})
        department = policy.department_for(category, body.brand, body.product)
        deadlines = policy.sla.deadlines(grade, now)
        ticket = Ticket(
            number=next_number(s.connection(), policy.number_prefix, now, policy.timezone),
            title=body.title,
            description=body.description,
            brand=body.brand,
            status=S.new.value,
            priority=grade.value,
            origin=(TicketOrigin.alert if body.alert else TicketOrigin.manual).value,
            alert_rule=body.alert.rule if body.alert else None,
            alert_key=body.alert.key if body.alert else None,
            alert_data=body.alert.model_dump(mode="json") if body.alert else None,
            created_at=now,
            updated_at=now,
            version=1,
            customer_name=customer.name,
            customer_gender=customer.gender.value,
            customer_nickname=customer.nickname,
            customer_phone=customer.phone,
            customer_email=str(customer.email) if customer.email else None,
            customer_type=customer.type.value,
            category=category.value,
            category_confidence=verdict.confidence,
            classification={
                "category": verdict.category.value,
                "grade": verdict.grade.value,
                "confidence": verdict.confidence,
                "matched": verdict.matched,
                "categories": [c.value for c in verdict.categories],
                "type": verdict.type,
            },
            needs_confirmation=verdict.needs_confirmation and body.category is None,
            occurred_at=body.occurred_at or min((m.published_at for m in mentions), default=None),
            product=body.product,
            department=department,
            received_at=now,
            clock_started_at=now,
            respond_due_at=deadlines.respond,
            mobilise_due_at=deadlines.mobilise,
            resolve_due_at=deadlines.resolve,
            verification_code="".join(secrets.choice(_CODE_ALPHABET) for _ in range(8)),
        )
        ticket.mentions = [_attach_row(m, i) for i, m in enumerate(mentions)]
        s.add(ticket)
        s.flush()
        self._event(
            s,
            ticket,
            actor,
            "created",
            now,
            {
                "status": [None, S.new.value],
                "priority": [None, grade.value],
                "category": [None, category.value],
                "department": [None, department],
            },
        )
        assignee = self._pick_assignee(s, department)
        if assignee is not None:
            ticket.assignee_id = assignee.id
            ticket.status = S.assigned.value
            self._event(
                s,
                ticket,
                SYSTEM,
                "assigned",
                now,
                {"assignee_id": [None, assignee.id], "status": [S.new.value, S.assigned.value]},
            )
        return ticket

    def _belongs_to(self, s: Session, body: TicketCreate, mentions: Sequence[Mention]) -> Ticket | None:
        """The open ticket these mentions (or this alert) belong to, if any."""
        open_ = Ticket.status.in_(_OPEN_VALUES)
        if body.alert is not None:
            found = s.scalar(
                select(Ticket)
                .where(open_, Ticket.alert_rule == body.alert.rule, Ticket.alert_key == body.alert.key)
                .order_by(Ticket.id)
            )
            if found is not None:
                return found
        if not mentions:
            return None
        keys = sorted({thread_key(m) for m in mentions})
        found = s.scalar(
            select(Ticket)
            .where(open_, Ticket.id.in_(select(TicketMention.ticket_id).where(TicketMention.thread_key.in_(keys))))
            .order_by(Ticket.id)
        )
        if found is not None or body.product is None:
            return found
        authors = [(m.platform, m.author) for m in mentions if m.author]
        if not authors:
            return None
        same_author = or_(*(and_(TicketMention.platform == p, TicketMention.author == a) for p, a in authors))
        return s.scalar(
            select(Ticket)
            .where(
                open_,
                Ticket.product == body.product,
                Ticket.brand == body.brand,
                Ticket.id.in_(select(TicketMention.ticket_id).where(same_author)),
            )
            .order_by(Ticket.id)
        )

    def _attach(
        self,
        s: Session,
        ticket: Ticket,
        mentions: Sequence[Mention],
        body: TicketCreate,
        actor: Principal,
        now: datetime,
    ) -> None:
        have = {m.mention_id for m in ticket.mentions}
        new = [m for m in mentions if m.id not in have]
        start = len(ticket.mentions)
        for i, mention in enumerate(new):
            ticket.mentions.append(_attach_row(mention, start + i))
        parts = []
        if body.alert is not None:
            parts.append(f"the alert {body.alert.rule} fired again for {body.alert.key}: {body.alert.summary}")
        if new:
            posts = ", ".join(f"{m.platform} post {m.post_id}" for m in new)
            why = "" if body.alert is not None else " (same thread, or same author and product)"
            parts.append(f"attached {posts}{why}")
        what = "; ".join(parts) or f"a new report of the same thread: {body.title}"
        s.add(TicketComment(ticket_id=ticket.id, at=now, author=actor.name, kind="system", body=what))
        self._event(s, ticket, actor, "attached", now, {"mentions": [None, [m.id for m in new]]})
        ticket.updated_at = now
        ticket.version += 1

    def _pick_assignee(self, s: Session, department: str) -> User | None:
        candidates = [
            u
            for u in s.scalars(select(User).where(User.active.is_(True)).order_by(User.id))
            if department in (u.departments or []) and u.role in (Role.agent.value, Role.admin.value)
        ]
        front = [u for u in candidates if u.level == Level.agent.value] or candidates
        if not front:
            return None
        if self.policy.config.assignment == "round_robin":
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
                .where(Ticket.status.in_(_OPEN_VALUES), Ticket.assignee_id.in_([u.id for u in front]))
                .group_by(Ticket.assignee_id)
            ).all()
        )
        return min(front, key=lambda u: (load.get(u.id, 0), u.id))

    def _replay(self, key: str, digest: str, actor: Principal) -> TicketOut | None:
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
            return None if ticket is None else self._out(s, ticket, actor)

    # -- read -----------------------------------------------------------------------------------------------
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
                raise NotFound(f"ticket {number} does not exist")
            return self._out(s, ticket, actor)

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
        self, query: TicketQuery, *, actor: Principal = SYSTEM, unmask: bool = False, limit: int | None = None
    ) -> Iterator[TicketOut]:
        """Every matching ticket, oldest first, in batches (for exports and reports)."""
        stmt = self._filtered(query, actor, utcnow()).order_by(Ticket.id)
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
                Ticket.status.in_(_OPEN_VALUES),
                Ticket.paused_since.is_(None),
                or_(and_(Ticket.responded_at.is_(None), Ticket.respond_due_at < now), Ticket.resolve_due_at < now),
            )
            stmt = stmt.where(late if query.overdue else ~late)
        if query.created_since:
            stmt = stmt.where(Ticket.created_at >= query.created_since)
        if query.created_until:
            stmt = stmt.where(Ticket.created_at < query.created_until)
        return stmt

    @staticmethod
    def _scoped(stmt: Select[Ticket], actor: Principal) -> Select[Ticket]:
        if actor.role is not Role.agent:
            return stmt
        stmt = stmt.where(Ticket.department.in_(sorted(actor.departments)))
        if actor.brands:
            stmt = stmt.where(Ticket.brand.in_(sorted(actor.brands)))
        return stmt

    def _visible(
        self, s: Session, ticket_id: int, actor: Principal, *, lock: bool = False, options: Sequence[Any] = ()
    ) -> Ticket:
        ticket = s.get(Ticket, ticket_id, with_for_update=lock, options=list(options))
        if ticket is None or not actor.sees(ticket.department, ticket.brand):
            raise NotFound(f"ticket {ticket_id} does not exist")
        return ticket

    def history(self, ticket_id: int, *, actor: Principal = SYSTEM) -> list[TicketEventOut]:
        return self.get(ticket_id, actor=actor, history=True).history or []

    # -- change ---------------------------------------------------------------------------------------------
    def _writable(self, s: Session, ticket_id: int, actor: Principal) -> Ticket:
        ticket = self._visible(s, ticket_id, actor, lock=True)
        if not actor.can_write_tickets():
            raise Forbidden(f"role {actor.role.value} can read tickets but not change them")
        return ticket

    def update(
        self,
        ticket_id: int,
        patch: TicketUpdate,
        *,
        actor: Principal = SYSTEM,
        expected_version: int | None = None,
        now: datetime | None = None,
    ) -> TicketOut:
        """Apply ``patch``; the status must follow the workflow. ``expected_version`` guards against lost
        updates: a stale version raises :class:`Conflict`."""
        now = now or utcnow()
        with self.db.transaction() as s:
            ticket = self._writable(s, ticket_id, actor)
            if expected_version is not None and ticket.version != expected_version:
                raise Conflict(
                    f"ticket {ticket.number} changed since version {expected_version} (now {ticket.version}); "
                    "reload it and apply the change again"
                )
            changes: dict[str, list[Any]] = {}
            fields = patch.model_fields_set - {"status", "customer", "confirm_classification"}
            if "department" in fields and patch.department not in self.policy.config.departments:
                raise InvalidQuery(
                    f"unknown department {patch.department!r}; departments: {', '.join(self.policy.config.departments)}"
                )
            if "assignee_id" in fields and patch.assignee_id is not None:
                self._check_assignee(s, patch.assignee_id, patch.department or ticket.department)
            for name in sorted(fields):
                new = getattr(patch, name)
                new_value = new.value if hasattr(new, "value") else new
                if new_value != getattr(ticket, name):
                    changes[name] = [_plain(getattr(ticket, name)), _plain(new_value)]
                    setattr(ticket, name, new_value)
            if patch.customer is not None:
                self._set_customer(ticket, patch.customer, changes)
            if patch.confirm_classification and ticket.needs_confirmation:
                ticket.needs_confirmation = False
                changes["needs_confirmation"] = [True, False]
            if "priority" in changes:
                self._reschedule(ticket, now)
            if patch.status is not None and patch.status.value != ticket.status:
                changes.update(self._move(s, ticket, patch.status, now))
            if changes:
                self._touch(s, ticket, actor, "updated", now, changes)
            return self._out(s, ticket, actor)

    def _check_assignee(self, s: Session, user_id: int, department: str | None) -> None:
        user = s.get(User, user_id)
        if user is None or not user.active or department not in (user.departments or []):
            raise InvalidQuery(f"user {user_id} is not an active member of department {department!r}")

    @staticmethod
    def _set_customer(ticket: Ticket, customer: Customer, changes: dict[str, list[Any]]) -> None:
        values = {
            "customer_name": customer.name,
            "customer_gender": customer.gender.value,
            "customer_nickname": customer.nickname,
            "customer_phone": customer.phone,
            "customer_email": str(customer.email) if customer.email else None,
            "customer_type": customer.type.value,
        }
        for name, value in values.items():
            if getattr(ticket, name) != value:
                # Personal data stays out of the history: it records that it changed, not what to.
                changes[name] = (
                    ["(changed)", "(changed)"] if name != "customer_type" else [getattr(ticket, name), value]
                )
                setattr(ticket, name, value)

    def _move(self, s: Session, ticket: Ticket, target: S, now: datetime) -> dict[str, list[Any]]:
        """Change status with its side effects on the clock and the follow-up."""
        current = S(ticket.status)
        problem = check_transition(current, target)
        if problem:
            raise Conflict(problem)
        changes: dict[str, list[Any]] = {"status": [current.value, target.value]}
        if current is S.waiting_customer:
            self._resume(ticket, now)
        if target is S.assigned and ticket.assignee_id is None:
            assignee = self._pick_assignee(s, ticket.department or self.policy.config.home_department())
            if assignee is None:
                raise Conflict(
                    f"nobody in department {ticket.department!r} can take the ticket; "
                    "add an agent to it or set assignee_id"
                )
            ticket.assignee_id = assignee.id
            changes["assignee_id"] = [None, assignee.id]
        if target in (S.in_progress, S.waiting_customer, S.resolved) and ticket.responded_at is None:
            ticket.responded_at = now
            changes["responded_at"] = [None, now.isoformat()]
        if target is S.waiting_customer:
            ticket.paused_since = now
        if target is S.resolved:
            ticket.completed_at = now
            ticket.revisit_due_at = now + self.policy.revisit_after
        if target is S.closed:
            ticket.closed_at = now
        if target is S.reopened:
            # A second round: a new clock, the history and the first round's figures kept in the events.
            ticket.round += 1
            ticket.completed_at = None
            ticket.closed_at = None
            ticket.revisit_due_at = None
            ticket.revisited_at = None
            ticket.responded_at = None
            ticket.escalation_level = 0
            ticket.escalated_at = None
            ticket.warned_at = None
            ticket.paused_seconds = 0.0
            ticket.clock_started_at = now
            self._reschedule(ticket, now)
            changes["round"] = [ticket.round - 1, ticket.round]
        ticket.status = target.value
        return changes

    def _resume(self, ticket: Ticket, now: datetime) -> None:
        """Leave "waiting for the customer": the wait is taken off the clock, the deadlines move."""
        if ticket.paused_since is not None:
            grade = Priority(ticket.priority)
            ticket.paused_seconds += self.policy.sla.paused_time(grade, ticket.paused_since, now).total_seconds()
            ticket.paused_since = None
            self._reschedule(ticket, now)

    def _reschedule(self, ticket: Ticket, now: datetime) -> None:
        deadlines = self.policy.sla.deadlines(
            Priority(ticket.priority), ticket.clock_started_at, timedelta(seconds=ticket.paused_seconds)
        )
        ticket.respond_due_at = deadlines.respond
        ticket.mobilise_due_at = deadlines.mobilise
        ticket.resolve_due_at = deadlines.resolve

    def _touch(
        self, s: Session, ticket: Ticket, actor: Principal, action: str, now: datetime, changes: dict[str, Any]
    ) -> None:
        ticket.version += 1
        ticket.updated_at = now
        self._event(s, ticket, actor, action, now, changes)

    @staticmethod
    def _event(
        s: Session, ticket: Ticket, actor: Principal, action: str, now: datetime, changes: dict[str, Any]
    ) -> None:
        s.add(TicketEvent(ticket_id=ticket.id, at=now, actor=actor.name, action=action, changes=changes))

    # -- conversation ---------------------------------------------------------------------------------------
    def comment(
        self, ticket_id: int, body: CommentIn, *, actor: Principal = SYSTEM, now: datetime | None = None
    ) -> CommentOut:
        """An internal note."""
        now = now or utcnow()
        with self.db.transaction() as s:
            ticket = self._writable(s, ticket_id, actor)
            row = TicketComment(ticket_id=ticket.id, at=now, author=actor.name, kind="note", body=body.body)
            s.add(row)
            s.flush()
            self._touch(s, ticket, actor, "commented", now, {"comment_id": [None, row.id]})
            return _comment_out(row)

    def reply(
        self, ticket_id: int, body: ReplyIn, *, actor: Principal = SYSTEM, now: datetime | None = None
    ) -> TicketOut:
        """Reply to the customer: the first reply stops the response clock; the ticket is then in progress, or
        waiting for the customer (clock paused) when ``wait_for_customer``."""
        now = now or utcnow()
        with self.db.transaction() as s:
            ticket = self._writable(s, ticket_id, actor)
            if S(ticket.status) in (S.closed, S.resolved):
                raise Conflict(f"ticket {ticket.number} is {ticket.status}; reopen it to reply")
            s.add(TicketComment(ticket_id=ticket.id, at=now, author=actor.name, kind="reply", body=body.body))
            changes: dict[str, Any] = {"reply": [None, body.body[:200]]}
            target = S.waiting_customer if body.wait_for_customer else S.in_progress
            if S(ticket.status) is S.new and target is S.waiting_customer:
                changes.update(self._move(s, ticket, S.in_progress, now))
            if S(ticket.status) is not target:
                changes.update(self._move(s, ticket, target, now))
            if ticket.responded_at is None:
                ticket.responded_at = now
            self._touch(s, ticket, actor, "replied", now, changes)
            return self._out(s, ticket, actor)

    def record_satisfaction(
        self, ticket_id: int, body: SatisfactionIn, *, actor: Principal = SYSTEM, now: datetime | None = None
    ) -> TicketOut:
        """The revisit: satisfied or basically satisfied closes the ticket; unsatisfied reopens it."""
        now = now or utcnow()
        with self.db.transaction() as s:
            ticket = self._writable(s, ticket_id, actor)
            if S(ticket.status) is not S.resolved:
                raise Conflict(
                    f"ticket {ticket.number} is {ticket.status}; satisfaction is recorded on a "
                    "resolved ticket, at the revisit"
                )
            previous = ticket.satisfaction
            ticket.satisfaction = body.satisfaction.value
            ticket.revisited_at = now
            changes: dict[str, Any] = {"satisfaction": [previous, body.satisfaction.value]}
            if body.comment:
                s.add(
                    TicketComment(
                        ticket_id=ticket.id,
                        at=now,
                        author=actor.name,
                        kind="note",
                        body=f"回访 revisit: {body.comment}",
                    )
                )
            target = S.reopened if body.satisfaction is Satisfaction.unsatisfied else S.closed
            changes.update(self._move(s, ticket, target, now))
            self._touch(s, ticket, actor, "revisited", now, changes)
            return self._out(s, ticket, actor)

    def merge(
        self, source_id: int, target_id: int, *, actor: Principal = SYSTEM, now: datetime | None = None
    ) -> TicketOut:
        """Merge ``source`` into ``target``: its mentions move over, it is closed pointing at the target."""
        if source_id == target_id:
            raise InvalidQuery("a ticket cannot be merged into itself")
        now = now or utcnow()
        with self.db.transaction() as s:
            first, second = sorted((source_id, target_id))  # lock in id order: no deadlock with a reverse merge
            locked = {first: self._writable(s, first, actor), second: self._writable(s, second, actor)}
            source, target = locked[source_id], locked[target_id]
            for ticket in (source, target):
                if ticket.merged_into_id is not None or S(ticket.status) is S.closed:
                    raise Conflict(f"ticket {ticket.number} is closed and cannot take part in a merge")
            have = {m.mention_id for m in target.mentions}
            moved = [m for m in source.mentions if m.mention_id not in have]
            for i, row in enumerate(moved):
                target.mentions.append(_copy_row(row, len(target.mentions) + i))
            s.add(
                TicketComment(
                    ticket_id=target.id,
                    at=now,
                    author=actor.name,
                    kind="system",
                    body=f"merged {source.number} into this ticket ({len(moved)} mentions moved)",
                )
            )
            s.add(
                TicketComment(
                    ticket_id=source.id, at=now, author=actor.name, kind="system", body=f"merged into {target.number}"
                )
            )
            source.merged_into_id = target.id
            changes = {"merged_into": [None, target.number], "status": [source.status, S.closed.value]}
            source.status = S.closed.value
            source.closed_at = now
            self._touch(s, source, actor, "merged", now, changes)
            self._touch(s, target, actor, "merged", now, {"merged_from": [None, source.number]})
            return self._out(s, target, actor)

    # -- the clock, run by the worker -----------------------------------------------------------------------
    def escalate(self, now: datetime | None = None) -> list[Escalation]:
        """Warn before deadlines and escalate overdue tickets one level per step along the chain.

        Safe to run from several workers and after restarts: the state (level reached, warning sent) is in
        the ticket, and each change is a conditional update that only one runner wins.
        """
        now = now or utcnow()
        chain = self.policy.chain
        actions: list[Escalation] = []
        with self.db.session() as s:
            candidates = list(
                s.scalars(
                    select(Ticket).where(
                        Ticket.status.in_(_OPEN_VALUES), Ticket.paused_since.is_(None), Ticket.merged_into_id.is_(None)
                    )
                )
            )
        for ticket in candidates:
            deadline, due = _next_deadline(ticket)
            if due is None:
                continue
            if now < due:
                warn = ticket.warned_at is None and now >= due - self.policy.warn_before
                if warn and self._conditional(ticket, Ticket.warned_at.is_(None), {"warned_at": now}):
                    self._notify(
                        ticket,
                        "sla_warning",
                        chain[0],
                        now,
                        f"{ticket.number} is due to {deadline} by {due.isoformat()}: {ticket.title}",
                    )
                    actions.append(Escalation(ticket.id, ticket.number, "warning", chain[0].value, deadline, due))
                continue
            steps = 1 + int((now - due) / self.policy.escalation_step)
            level = min(steps, len(chain) - 1)
            if level <= ticket.escalation_level:
                continue
            if self._conditional(
                ticket, Ticket.escalation_level < level, {"escalation_level": level, "escalated_at": now}
            ):
                overdue = now - due
                self._record_escalation(ticket, level, deadline, due, overdue, now)
                actions.append(Escalation(ticket.id, ticket.number, "escalated", chain[level].value, deadline, due))
        return actions

    def _conditional(self, ticket: Ticket, condition: Any, values: dict[str, Any]) -> bool:
        with self.db.transaction() as s:
            result = s.execute(update(Ticket).where(Ticket.id == ticket.id, condition).values(**values))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def _record_escalation(
        self, ticket: Ticket, level: int, deadline: str, due: datetime, overdue: timedelta, now: datetime
    ) -> None:
        rung = self.policy.chain[level]
        with self.db.transaction() as s:
            s.add(
                TicketEvent(
                    ticket_id=ticket.id,
                    at=now,
                    actor="system",
                    action="escalated",
                    changes={
                        "escalation_level": [ticket.escalation_level, level],
                        "to": [None, rung.value],
                        "deadline": [None, deadline],
                        "due_at": [None, due.isoformat()],
                        "overdue_minutes": [None, int(overdue.total_seconds() // 60)],
                    },
                )
            )
            s.add(
                TicketComment(
                    ticket_id=ticket.id,
                    at=now,
                    author="system",
                    kind="system",
                    body=f"escalated to {rung.value}: {deadline} deadline {due.isoformat()} missed by "
                    f"{int(overdue.total_seconds() // 60)} min",
                )
            )
        self._notify(
            ticket,
            "escalation",
            rung,
            now,
            f"{ticket.number} escalated to {rung.value}: {deadline} overdue since {due.isoformat()} "
            f"({ticket.priority}, {ticket.department}): {ticket.title}",
        )

    def _notify(self, ticket: Ticket, kind: str, level: Level, now: datetime, message: str) -> None:
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
                    message=message,
                    status="pending",
                    attempts=0,
                )
            )

    def due_revisits(self, now: datetime | None = None) -> list[TicketOut]:
        """Resolved tickets whose revisit is due; each is announced once (a ``revisit_due`` notification)."""
        now = now or utcnow()
        with self.db.session() as s:
            already = exists().where(
                Notification.ticket_id == Ticket.id,
                Notification.kind == "revisit_due",
                Notification.at >= Ticket.completed_at,
            )
            rows = list(
                s.scalars(
                    select(Ticket).where(Ticket.status == S.resolved.value, Ticket.revisit_due_at <= now, ~already)
                )
            )
            outs = [self._out(s, t, SYSTEM) for t in rows]
        for ticket in rows:
            self._notify(
                ticket,
                "revisit_due",
                Level.agent,
                now,
                f"revisit {ticket.number}: ask the customer whether they are satisfied",
            )
        return outs

    # -- knowledge, public status, audit --------------------------------------------------------------------
    def similar_cases(self, ticket_id: int, *, actor: Principal = SYSTEM, limit: int = 5) -> list[SimilarCase]:
        """Closed tickets most like this one, with how they were solved."""
        with self.db.session() as s:
            ticket = self._visible(s, ticket_id, actor)
            query = f"{ticket.title}\n{ticket.description}"
            return self._solved_like(s, actor, query, limit, scanned=2000, other_than=ticket.id)

    def search_knowledge(self, text: str, *, actor: Principal = SYSTEM, limit: int = 10) -> list[SimilarCase]:
        """Closed tickets whose problem or solution is like ``text``."""
        with self.db.session() as s:
            return self._solved_like(s, actor, text, limit, scanned=5000)

    def _solved_like(
        self, s: Session, actor: Principal, text: str, limit: int, *, scanned: int, other_than: int | None = None
    ) -> list[SimilarCase]:
        """The ``limit`` closed, unmerged tickets with a solution most like ``text``, among the newest
        ``scanned`` the actor may see."""
        conditions = [
            Ticket.status == S.closed.value,
            Ticket.actions_taken.is_not(None),
            Ticket.merged_into_id.is_(None),
        ]
        if other_than is not None:
            conditions.append(Ticket.id != other_than)
        solved = self._scoped(select(Ticket), actor).where(*conditions).order_by(Ticket.id.desc()).limit(scanned)
        cases = list(s.scalars(solved))
        ranked = rank_similar(text, [(c.id, f"{c.title}\n{c.description}\n{c.actions_taken}") for c in cases], limit)
        by_id = {c.id: c for c in cases}
        return [
            SimilarCase(
                id=i,
                number=by_id[i].number,
                title=by_id[i].title,
                category=Category(by_id[i].category),
                solution=by_id[i].actions_taken or "",
                similarity=round(score, 3),
            )
            for i, score in ranked
        ]

    def public_status(self, number: str, code: str) -> PublicTicketOut:
        """A customer's view of their complaint; a wrong number or code is the same 404."""
        with self.db.session() as s:
            ticket = s.scalar(select(Ticket).where(Ticket.number == number))
            valid = ticket is not None and secrets.compare_digest(
                ticket.verification_code.encode(), code.strip().upper().encode()
            )
            if not valid or ticket is None:
                raise NotFound("no complaint with that number and verification code")
            return PublicTicketOut(
                number=ticket.number,
                status=S(ticket.status),
                category=Category(ticket.category),
                customer=mask_name(ticket.customer_name, ticket.customer_gender)
                or mask_nickname(ticket.customer_nickname),
                received_at=ticket.received_at,
                responded_at=ticket.responded_at,
                completed_at=ticket.completed_at,
                closed_at=ticket.closed_at,
                updated_at=ticket.updated_at,
            )

    def audit(
        self, actor: Principal, action: str, object_type: str, object_id: str | None, details: dict[str, Any]
    ) -> None:
        with self.db.transaction() as s:
            s.add(
                AuditEntry(
                    at=utcnow(),
                    actor=actor.name,
                    action=action,
                    object_type=object_type,
                    object_id=object_id,
                    details=details,
                )
            )

    def _audit_unmask(self, s: Session, actor: Principal, ticket: Ticket) -> None:
        if not actor.may(PII):
            raise Forbidden("unmasking personal data needs the pii permission")
        s.add(
            AuditEntry(
                at=utcnow(),
                actor=actor.name,
                action="pii.unmasked",
                object_type="ticket",
                object_id=str(ticket.id),
                details={"number": ticket.number},
            )
        )
        s.commit()

    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        with self.db.session() as s:
            return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))

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

    # -- output ---------------------------------------------------------------------------------------------
    def _out(
        self, s: Session, ticket: Ticket, actor: Principal, *, history: bool = False, unmask: bool = False
    ) -> TicketOut:
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
        chain = self.policy.chain
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
            comments=[_comment_out(c) for c in ticket.comments] if history else None,
            verification_code=ticket.verification_code if actor.can_write_tickets() else None,
        )


def _next_deadline(ticket: Ticket) -> tuple[str, datetime | None]:
    """The deadline the ticket is racing now: the response until someone responded, then the resolution."""
    if ticket.responded_at is None and ticket.respond_due_at is not None:
        return "respond", ticket.respond_due_at
    return "resolve", ticket.resolve_due_at


def _breached(due: datetime | None, done: datetime | None, now: datetime, running: bool) -> bool:
    if due is None:
        return False
    if done is not None:
        return done > due
    return running and now > due


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _attach_row(mention: Mention, position: int) -> TicketMention:
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
        thread_key=thread_key(mention),
    )


def _copy_row(row: TicketMention, position: int) -> TicketMention:
    return TicketMention(
        mention_id=row.mention_id,
        position=position,
        platform=row.platform,
        url=row.url,
        title=row.title,
        excerpt=row.excerpt,
        author=row.author,
        published_at=row.published_at,
        sentiment_score=row.sentiment_score,
        sentiment_label=row.sentiment_label,
        thread_key=row.thread_key,
    )


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


def _comment_out(c: TicketComment) -> CommentOut:
    return CommentOut(id=c.id, at=c.at, author=c.author, kind=c.kind, body=c.body)


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
