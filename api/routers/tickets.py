"""``/tickets``: complaint tickets."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status
from fastapi.exceptions import RequestValidationError

from api.deps import ConfigDep, MentionStoreDep, PrincipalDep, TicketStoreDep
from tickets.schemas import TicketCreate, TicketOut, TicketPage, TicketQuery, TicketUpdate

router = APIRouter(prefix="/tickets", tags=["tickets"])

_ETAG = re.compile(r'^(?:W/)?"v(\d+)"$')


def _etag(ticket: TicketOut) -> str:
    return f'"v{ticket.version}"'


def _version_from(if_match: str | None) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    match = _ETAG.match(if_match.strip())
    if not match:
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("header", "If-Match"),
                    "msg": 'must be an ETag from this API, like "v3"',
                    "input": if_match,
                }
            ]
        )
    return int(match.group(1))


@router.post(
    "",
    response_model=TicketOut,
    status_code=status.HTTP_201_CREATED,
    summary="Open a ticket",
    responses={
        200: {"description": "Replay of an earlier request with the same Idempotency-Key and body"},
        409: {"description": "Idempotency-Key reused with a different body"},
    },
)
def create_ticket(
    body: TicketCreate,
    response: Response,
    store: TicketStoreDep,
    mentions: MentionStoreDep,
    config: ConfigDep,
    principal: PrincipalDep,
    idempotency_key: Annotated[str | None, Header(max_length=255, min_length=8)] = None,
) -> TicketOut:
    """Open a ticket, optionally behind mentions (their links, platform and sentiment are copied onto it).

    With an ``Idempotency-Key`` header, retrying the same request returns the same ticket (200) instead of
    opening a second; the same key with a different body is a 409.
    """
    problems = []
    if body.brand is not None and body.brand not in config.brand_names():
        problems.append(
            {
                "type": "value_error",
                "loc": ("body", "brand"),
                "msg": f"unknown brand {body.brand!r}; configured: {config.brand_names()}",
                "input": body.brand,
            }
        )
    found = mentions.get_many(body.mention_ids)
    missing = sorted(set(body.mention_ids) - {m.id for m in found})
    if missing:
        problems.append(
            {
                "type": "value_error",
                "loc": ("body", "mention_ids"),
                "msg": f"no such mentions: {', '.join(missing)}",
                "input": missing,
            }
        )
    if problems:
        raise RequestValidationError(problems)
    ticket, created = store.create(body, found, idempotency_key=idempotency_key, actor=principal.name)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/tickets/{ticket.id}"
    response.headers["ETag"] = _etag(ticket)
    return ticket


@router.get("", response_model=TicketPage, summary="List tickets")
def list_tickets(params: Annotated[TicketQuery, Query()], store: TicketStoreDep, _: PrincipalDep) -> TicketPage:
    """Newest first; filter by status, priority, brand, origin, alert rule and creation time."""
    return store.find(params)


@router.get("/{ticket_id}", response_model=TicketOut, summary="One ticket with its history")
def get_ticket(ticket_id: int, response: Response, store: TicketStoreDep, _: PrincipalDep) -> TicketOut:
    ticket = store.get(ticket_id, history=True)
    response.headers["ETag"] = _etag(ticket)
    return ticket


@router.patch("/{ticket_id}", response_model=TicketOut, summary="Change a ticket")
def update_ticket(
    ticket_id: int,
    body: TicketUpdate,
    response: Response,
    store: TicketStoreDep,
    principal: PrincipalDep,
    if_match: Annotated[str | None, Header()] = None,
) -> TicketOut:
    """Change title, description, brand, priority or status (following the workflow; an invalid move is a
    409). Send ``If-Match`` with the ETag you read to be sure nobody changed the ticket in between."""
    ticket = store.update(ticket_id, body, actor=principal.name, expected_version=_version_from(if_match))
    response.headers["ETag"] = _etag(ticket)
    return ticket
