"""``/public``: what customers may see without an account.

The progress lookup is guessable by brute force (a number is sequential, a code has 8 characters), so failed
lookups are limited per client address and per ticket number (:class:`dashboard.session.LoginLimiter`, in
memory, per process): beyond the limit the answer is 429 with ``Retry-After`` — for a right code too, so the
limit cannot be used to tell right from wrong — and a wrong number and a wrong code get the same 404.
"""

from __future__ import annotations

import math
import threading
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from api.deps import TicketStoreDep
from api.errors import error_body
from dashboard.session import LoginLimiter
from foundation.errors import NotFound
from foundation.timeutil import utcnow
from tickets.schemas import PublicTicketOut

router = APIRouter(prefix="/public", tags=["public"])

#: Failed lookups allowed per client address, and per ticket number (from any address), within the window.
PER_CLIENT, PER_NUMBER = 10, 5
WINDOW = timedelta(minutes=15)
_lock = threading.Lock()


def _limiters(request: Request) -> tuple[LoginLimiter, LoginLimiter]:
    with _lock:
        limiters: tuple[LoginLimiter, LoginLimiter] | None = getattr(request.app.state, "public_limiters", None)
        if limiters is None:
            limiters = (LoginLimiter(PER_CLIENT, WINDOW), LoginLimiter(PER_NUMBER, WINDOW))
            request.app.state.public_limiters = limiters
        return limiters


@router.get(
    "/tickets/{number}",
    response_model=PublicTicketOut,
    summary="Progress of a complaint",
    responses={
        404: {"description": "No complaint with that number and code (the same answer for either mistake)"},
        429: {"description": "Too many failed lookups from this address or for this number; see Retry-After"},
    },
)
def complaint_progress(
    number: Annotated[str, Path(min_length=1, max_length=40)],
    request: Request,
    store: TicketStoreDep,
    code: Annotated[str, Query(min_length=4, max_length=16, description="The verification code given to you.")],
) -> PublicTicketOut | JSONResponse:
    """Status and timestamps of a complaint, for the customer who filed it: the ticket number plus the
    verification code. Reveals nothing else, and masks the name; a wrong number or code is the same 404.
    Failed lookups are limited per address and per number (429 with ``Retry-After``)."""
    by_client, by_number = _limiters(request)
    address = request.client.host if request.client else "unknown"
    now = utcnow()
    waits = [w for w in (by_client.retry_after(address, now), by_number.retry_after(number, now)) if w is not None]
    if waits:
        seconds = math.ceil(max(waits))
        return JSONResponse(
            error_body(429, "too_many_lookups", f"too many failed lookups; try again in {seconds} s"),
            status_code=429,
            headers={"Retry-After": str(seconds)},
        )
    try:
        return store.public_status(number, code)
    except NotFound:
        by_client.failed(address, now)
        by_number.failed(number, now)
        raise NotFound("no complaint with that number and verification code") from None
