"""The audit trail: who did what to which object, and every time someone unmasked a customer's personal data.

Ticket changes have their own history (events); this trail is for acts on the system as a whole, and for
reading what is normally hidden."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from foundation.access import PII, Principal
from foundation.errors import Forbidden
from tickets.models import AuditEntry, Ticket
from tickets.store.core import StoreCore


class AuditTrail(StoreCore):
    """Writing and reading the audit trail."""

    def audit(
        self, actor: Principal, action: str, object_type: str, object_id: str | None, details: dict[str, Any]
    ) -> None:
        with self.db.transaction() as s:
            s.add(AuditEntry.of(actor.name, action, object_type, object_id, details))

    def _audit_unmask(self, s: Session, actor: Principal, ticket: Ticket) -> None:
        """Refuse an actor without the pii permission; else record the unmasking before anything is shown
        (committed at once, so a failure further on cannot lose the record)."""
        if not actor.may(PII):
            raise Forbidden("unmasking personal data needs the pii permission")
        s.add(AuditEntry.of(actor.name, "pii.unmasked", "ticket", str(ticket.id), {"number": ticket.number}))
        s.commit()

    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        with self.db.session() as s:
            return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))
