"""The ticket store: the complaint process on top of the relational database.

One implementation over SQLAlchemy serves SQLite and PostgreSQL; the contract tests run against both. Every
method takes the acting :class:`~foundation.access.Principal`: what it may not see does not exist for it
(:class:`~foundation.errors.NotFound`), what it may not do is :class:`~foundation.errors.Forbidden`.

:class:`TicketStore` is assembled from rooms, one job each, all standing on :mod:`tickets.store.core`
(database, policy, visibility, the ticket's events) and :mod:`tickets.store.present` (how a ticket reads):

- :mod:`tickets.store.intake` — intake and dedupe: open, join the open ticket, idempotent retries, merge
- :mod:`tickets.store.assignment` — who takes a ticket (round-robin or least load)
- :mod:`tickets.store.workflow` — workflow and transitions: update, status moves, notes, replies, revisit outcome
- :mod:`tickets.store.clock` — the SLA clock: deadlines, warnings, escalation, due revisits
- :mod:`tickets.store.queries` — queries and history: get, find, iterate, count
- :mod:`tickets.store.knowledge` — knowledge and similar cases
- :mod:`tickets.store.delivery` — replies sent through a channel: status, retries, platform confirmation
- :mod:`tickets.store.kb` — the knowledge base: prepared answers, and those suggested beside a ticket
- :mod:`tickets.store.public` — the customer's status lookup by number and code
- :mod:`tickets.store.audit` — the audit trail, unmasking included
- :mod:`tickets.store.outbox` — the notification outbox
"""

from __future__ import annotations

from tickets.store.clock import Escalation, SlaClock
from tickets.store.delivery import Deliveries
from tickets.store.intake import Intake
from tickets.store.kb import KnowledgeBase
from tickets.store.public import PublicStatus
from tickets.store.queries import Queries
from tickets.store.workflow import Workflow

__all__ = ["Escalation", "TicketStore"]


class TicketStore(Intake, Workflow, SlaClock, Queries, PublicStatus, Deliveries, KnowledgeBase):
    """Tickets in the relational database, handled by the rules of a :class:`~tickets.policy.TicketPolicy`.

    Built as ``TicketStore(db, policy, *, number_prefix=None, timezone=None, default_priority=None)``
    (see :class:`~tickets.store.core.StoreCore`); every public method comes from one of the rooms above.
    """
