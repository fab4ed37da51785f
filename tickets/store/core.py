"""The ground every room of the ticket store stands on: the database, the policy, and what the actor may see.

Each room of :class:`~tickets.store.TicketStore` is a mixin over :class:`StoreCore`: it finds tickets only
through :meth:`StoreCore._visible` (what the actor may not see does not exist for it) and changes them only
through :meth:`StoreCore._writable`, so the access rules live in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from foundation.access import Principal
from foundation.db import Database
from foundation.errors import Forbidden, NotFound
from tickets.enums import Priority, Role
from tickets.models import Ticket, TicketEvent
from tickets.policy import TicketPolicy
from tickets.schemas import TicketOut
from tickets.store.present import ticket_out
from tickets.workflow import OPEN

#: The statuses in which a ticket still needs work, as stored in the ``status`` column.
OPEN_VALUES = [s.value for s in OPEN]


class StoreCore:
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

    # -- what the actor may see and change ------------------------------------------------------------------
    @staticmethod
    def _scoped(stmt: Select[Ticket], actor: Principal) -> Select[Ticket]:
        if actor.role is Role.agent:
            stmt = stmt.where(Ticket.department.in_(sorted(actor.departments)))
        brands = actor.scope.brands
        if brands is not None:
            stmt = stmt.where(Ticket.brand.in_(sorted(brands)))
        return stmt

    def _visible(
        self, s: Session, ticket_id: int, actor: Principal, *, lock: bool = False, options: Sequence[Any] = ()
    ) -> Ticket:
        ticket = s.get(Ticket, ticket_id, with_for_update=lock, options=list(options))
        if ticket is None or not actor.sees(ticket.department, ticket.brand):
            raise NotFound(f"ticket {ticket_id} does not exist")
        return ticket

    def _writable(self, s: Session, ticket_id: int, actor: Principal) -> Ticket:
        ticket = self._visible(s, ticket_id, actor, lock=True)
        if not actor.can_write_tickets():
            raise Forbidden(f"role {actor.role.value} can read tickets but not change them")
        return ticket

    # -- the ticket's own history ---------------------------------------------------------------------------
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

    # -- output ---------------------------------------------------------------------------------------------
    def _out(
        self, s: Session, ticket: Ticket, actor: Principal, *, history: bool = False, unmask: bool = False
    ) -> TicketOut:
        """The ticket as ``actor`` may read it (``s`` is the open session its relations load through)."""
        return ticket_out(ticket, actor, self.policy.chain, history=history, unmask=unmask)
