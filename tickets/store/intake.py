"""Intake and dedupe: a complaint comes in once. New reports open a ticket (classified, graded, routed, on the
clock, assigned) or join the open ticket they belong to; a retried request is answered as the first was; two
tickets found to be one are merged."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from foundation.access import SYSTEM, Principal
from foundation.errors import Conflict, Forbidden, IdempotencyConflict, InvalidQuery
from foundation.timeutil import utcnow
from index.base import Mention
from tickets.classify import Classification
from tickets.enums import Category, CustomerType, Priority, TicketOrigin
from tickets.enums import TicketStatus as S
from tickets.models import IdempotencyKey, Ticket, TicketComment, TicketMention, User
from tickets.numbering import next_number
from tickets.schemas import Customer, TicketCreate, TicketOut
from tickets.store.assignment import pick_assignee
from tickets.store.core import OPEN_VALUES, StoreCore

EXCERPT_CHARS = 500
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: codes are read out on the phone


def request_hash(body: TicketCreate) -> str:
    """A stable hash of a create request, to tell a retry from a different request with the same key."""
    raw = json.dumps(body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(raw).hexdigest()


def thread_key(mention: Mention) -> str:
    """Mentions of one thread (a post and its comments) share this key."""
    return f"{mention.platform}:{mention.parent_id or mention.post_id}"


class Intake(StoreCore):
    """Opening, joining and merging tickets."""

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
        if body.alert is not None and mentions:
            # A rule writes its own title ("差评 Bad review …"): read what the customers wrote, not the rule's words.
            text = "\n".join(f"{m.title or ''}\n{m.text}".strip() for m in mentions)
        verdict = self.policy.classifier.classify(text, brand=body.brand)
        category = body.category or verdict.category
        # A caller's (or a rule's) priority may raise the classifier's grade, never lower it: safety stays urgent.
        # Suggestions and enquiries keep their type's grade against a rule's everyday priority (see the policy).
        grade = self.policy.grade_for(verdict.type, verdict.grade, body.priority, automatic=body.alert is not None)
        try:
            with self.db.transaction() as s:
                target = self._belongs_to(s, body, mentions, actor)
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
        verdict: Classification,
        actor: Principal,
        now: datetime,
    ) -> Ticket:
        policy = self.policy
        customer = body.customer or Customer()
        if customer.nickname is None and mentions and mentions[0].author:
            customer = customer.model_copy(update={"nickname": mentions[0].author})
        vip = policy.config.vip if customer.type is CustomerType.vip else None
        if vip is not None and _RANK[vip.grade_at_least] < _RANK[grade]:
            grade = vip.grade_at_least  # the shorter deadlines of the higher grade
        department = policy.department_for(category, body.brand, body.product, verdict.type)
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
        owner = _vip_owner(s, vip.owner) if vip is not None and vip.owner else None
        assignee = owner or pick_assignee(s, department, policy.config.assignment)
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

    def _belongs_to(
        self, s: Session, body: TicketCreate, mentions: Sequence[Mention], actor: Principal
    ) -> Ticket | None:
        """The open ticket these mentions (or this alert) belong to, if any, among those ``actor`` may see:
        a ticket outside the actor's scope is never joined (nor returned), whatever ids or alert key it names."""
        open_ = Ticket.status.in_(OPEN_VALUES)
        tickets = self._scoped(select(Ticket), actor)

        if body.alert is not None:
            found = s.scalar(
                tickets.where(open_, Ticket.alert_rule == body.alert.rule, Ticket.alert_key == body.alert.key).order_by(
                    Ticket.id
                )
            )
            if found is not None:
                return found
        if not mentions:
            return None
        keys = sorted({thread_key(m) for m in mentions})
        found = s.scalar(
            tickets.where(
                open_, Ticket.id.in_(select(TicketMention.ticket_id).where(TicketMention.thread_key.in_(keys)))
            ).order_by(Ticket.id)
        )
        if found is not None or body.product is None:
            return found
        authors = [(m.platform, m.author) for m in mentions if m.author]
        if not authors:
            return None
        same_author = or_(*(and_(TicketMention.platform == p, TicketMention.author == a) for p, a in authors))
        return s.scalar(
            tickets.where(
                open_,
                Ticket.product == body.product,
                Ticket.brand == body.brand,
                Ticket.id.in_(select(TicketMention.ticket_id).where(same_author)),
            ).order_by(Ticket.id)
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
            if ticket is not None and not actor.sees(ticket.department, ticket.brand):
                # Someone else's key: the same answer as a key reused with another body, revealing nothing.
                raise IdempotencyConflict("this Idempotency-Key was already used; use a new key for a new ticket")
            return None if ticket is None else self._out(s, ticket, actor)

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


#: Most urgent first.
_RANK = {Priority.urgent: 0, Priority.major: 1, Priority.general: 2, Priority.suggestion: 3}


def _vip_owner(s: Session, name: str) -> User | None:
    """The configured owner of VIP tickets, if that user exists and is active (else the usual assignment)."""
    user = s.scalar(select(User).where(User.name == name))
    return user if user is not None and user.active else None
