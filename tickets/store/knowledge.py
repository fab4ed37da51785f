"""Knowledge and similar cases: the closed tickets with a recorded solution, found again when a new complaint
looks like one of them (ranked by :func:`tickets.knowledge.rank_similar`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from foundation.access import SYSTEM, Principal
from tickets.enums import Category
from tickets.enums import TicketStatus as S
from tickets.knowledge import rank_similar
from tickets.masking import mask_text
from tickets.models import Ticket
from tickets.schemas import SimilarCase
from tickets.store.core import StoreCore


class Knowledge(StoreCore):
    """Past cases like a ticket, or like a text."""

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
                # Another customer's case: shown to whoever searches, so always masked.
                title=mask_text(by_id[i].title) or "",
                category=Category(by_id[i].category),
                solution=mask_text(by_id[i].actions_taken) or "",
                similarity=round(score, 3),
            )
            for i, score in ranked
        ]
