"""The knowledge base: prepared answers by category and brand, written by supervisors and admins, read by
everyone who works tickets, and suggested beside a ticket (same category first, then by how much the
answer's words resemble the complaint: TF-IDF cosine over jieba segmentation, :func:`tickets.knowledge.rank_similar`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from foundation.access import SYSTEM, Principal
from foundation.errors import Forbidden, InvalidQuery, NotFound
from foundation.timeutil import utcnow
from tickets.enums import Category, Level, Role
from tickets.knowledge import rank_similar
from tickets.models import KnowledgeEntry
from tickets.schemas import KnowledgeEntryIn, KnowledgeEntryOut
from tickets.store.core import StoreCore

#: What a matching category adds to the text similarity (a cosine in [0, 1]): the category comes first.
CATEGORY_WEIGHT = 0.5
_EDITORS = (Level.supervisor, Level.manager, Level.executive)


def entry_out(entry: KnowledgeEntry, score: float | None = None) -> KnowledgeEntryOut:
    return KnowledgeEntryOut(
        id=entry.id,
        title=entry.title,
        answer=entry.answer,
        category=Category(entry.category) if entry.category else None,
        brand=entry.brand,
        created_by=entry.created_by,
        created_at=entry.created_at,
        updated_by=entry.updated_by,
        updated_at=entry.updated_at,
        score=None if score is None else round(score, 3),
    )


def may_edit_knowledge(actor: Principal) -> bool:
    """Admins, and agents from supervisor up (they answer for what the desk tells customers)."""
    return actor.is_admin or (actor.role is Role.agent and actor.level in _EDITORS)


class KnowledgeBase(StoreCore):
    """Prepared answers, scoped to the actor's brands: an entry for every brand, or for one of theirs."""

    @staticmethod
    def _kb_scoped(stmt: Select[KnowledgeEntry], actor: Principal) -> Select[KnowledgeEntry]:
        brands = actor.scope.brands
        if brands is not None:
            stmt = stmt.where(or_(KnowledgeEntry.brand.is_(None), KnowledgeEntry.brand.in_(sorted(brands))))
        return stmt

    def _kb_visible(self, s: Session, entry_id: int, actor: Principal) -> KnowledgeEntry:
        entry = s.get(KnowledgeEntry, entry_id)
        # An entry for every brand is everyone's; one of a brand exists only for those who work for it.
        if entry is None or (entry.brand is not None and not actor.scope.admits([entry.brand])):
            raise NotFound(f"knowledge entry {entry_id} does not exist")
        return entry

    @staticmethod
    def _kb_check_write(actor: Principal, brand: str | None) -> None:
        if not may_edit_knowledge(actor):
            raise Forbidden("the knowledge base is written by supervisors and admins")
        if actor.scope.limited and (brand is None or not actor.scope.admits([brand])):
            # An answer for every brand would speak for brands the writer does not work for.
            raise InvalidQuery(f"give one of your brands: {sorted(actor.scope.brands or [])}")

    def knowledge_entries(
        self, *, actor: Principal = SYSTEM, q: str | None = None, category: Category | None = None, limit: int = 200
    ) -> list[KnowledgeEntryOut]:
        """The entries the actor may see, newest first; with ``q``, those whose words resemble it, best first."""
        with self.db.session() as s:
            stmt = self._kb_scoped(select(KnowledgeEntry), actor)
            if category is not None:
                stmt = stmt.where(KnowledgeEntry.category == category.value)
            entries = list(s.scalars(stmt.order_by(KnowledgeEntry.id.desc()).limit(5000 if q else limit)))
            if not q:
                return [entry_out(e) for e in entries]
            by_id = {e.id: e for e in entries}
            ranked = rank_similar(q, [(e.id, f"{e.title}\n{e.answer}") for e in entries], limit)
            return [entry_out(by_id[i], score) for i, score in ranked]

    def knowledge_entry(self, entry_id: int, *, actor: Principal = SYSTEM) -> KnowledgeEntryOut:
        with self.db.session() as s:
            return entry_out(self._kb_visible(s, entry_id, actor))

    def add_knowledge(
        self, body: KnowledgeEntryIn, *, actor: Principal = SYSTEM, now: datetime | None = None
    ) -> KnowledgeEntryOut:
        self._kb_check_write(actor, body.brand)
        now = now or utcnow()
        with self.db.transaction() as s:
            entry = KnowledgeEntry(
                title=body.title,
                answer=body.answer,
                category=body.category.value if body.category else None,
                brand=body.brand,
                created_by=actor.name,
                created_at=now,
                updated_by=actor.name,
                updated_at=now,
            )
            s.add(entry)
            s.flush()
            return entry_out(entry)

    def change_knowledge(
        self, entry_id: int, body: KnowledgeEntryIn, *, actor: Principal = SYSTEM, now: datetime | None = None
    ) -> KnowledgeEntryOut:
        with self.db.transaction() as s:
            entry = self._kb_visible(s, entry_id, actor)
            self._kb_check_write(actor, entry.brand)
            self._kb_check_write(actor, body.brand)
            entry.title, entry.answer, entry.brand = body.title, body.answer, body.brand
            entry.category = body.category.value if body.category else None
            entry.updated_by, entry.updated_at = actor.name, now or utcnow()
            return entry_out(entry)

    def remove_knowledge(self, entry_id: int, *, actor: Principal = SYSTEM) -> None:
        with self.db.transaction() as s:
            entry = self._kb_visible(s, entry_id, actor)
            self._kb_check_write(actor, entry.brand)
            s.delete(entry)

    def suggest_knowledge(
        self, ticket_id: int, *, actor: Principal = SYSTEM, limit: int = 5
    ) -> list[KnowledgeEntryOut]:
        """Answers for this ticket: of its brand (or every brand), its category first, then by text similarity."""
        with self.db.session() as s:
            ticket = self._visible(s, ticket_id, actor)
            stmt = self._kb_scoped(select(KnowledgeEntry), actor)
            brand = ticket.brand
            stmt = stmt.where(
                KnowledgeEntry.brand.is_(None)
                if brand is None
                else or_(KnowledgeEntry.brand.is_(None), KnowledgeEntry.brand == brand)
            )
            entries = list(s.scalars(stmt.order_by(KnowledgeEntry.id.desc()).limit(5000)))
            if not entries:
                return []
            text = f"{ticket.title}\n{ticket.description}"
            similarity = dict(
                rank_similar(text, [(e.id, f"{e.title}\n{e.answer}") for e in entries], len(entries), 0.0)
            )
            scored = []
            for e in entries:
                score = similarity.get(e.id, 0.0) + (CATEGORY_WEIGHT if e.category == ticket.category else 0.0)
                if score > 0:  # neither its category nor a shared word: not an answer to this complaint
                    scored.append((score, e))
            scored.sort(key=lambda pair: (-pair[0], -pair[1].id))
            return [entry_out(e, score) for score, e in scored[:limit]]
