"""Public status: what a customer may learn about their own complaint, given its number and the verification
code they were told — the stage it is at and when, with their name masked, and nothing else."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from foundation.errors import NotFound
from tickets.enums import Category
from tickets.enums import TicketStatus as S
from tickets.masking import mask_name, mask_nickname
from tickets.models import Ticket
from tickets.schemas import PublicTicketOut
from tickets.store.core import StoreCore


class PublicStatus(StoreCore):
    """The customer's lookup."""

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
