"""``/public``: what customers may see without an account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import TicketStoreDep
from tickets.schemas import PublicTicketOut

router = APIRouter(prefix="/public", tags=["public"])


@router.get("/tickets/{number}", response_model=PublicTicketOut, summary="Progress of a complaint")
def complaint_progress(
    number: str,
    store: TicketStoreDep,
    code: Annotated[str, Query(min_length=4, max_length=16, description="The verification code given to you.")],
) -> PublicTicketOut:
    """Status and timestamps of a complaint, for the customer who filed it: the ticket number plus the
    verification code. Reveals nothing else, and masks the name; a wrong number or code is the same 404."""
    return store.public_status(number, code)
