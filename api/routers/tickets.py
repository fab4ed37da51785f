"""``/tickets``: the complaint workflow."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status
from fastapi.exceptions import RequestValidationError

from api.deps import ConfigDep, MentionStoreDep, ObjectId, PrincipalDep, ResourcesDep, TicketStoreDep
from foundation.i18n import localize
from tickets.schemas import (
    CommentIn,
    CommentOut,
    KnowledgeEntryOut,
    MergeIn,
    ReplyIn,
    SatisfactionIn,
    SimilarCase,
    TicketCreate,
    TicketOut,
    TicketPage,
    TicketQuery,
    TicketUpdate,
)

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
        200: {
            "description": "A replay of the same Idempotency-Key and body, or the mentions were attached "
            "to the open ticket they belong to"
        },
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
    """Open a complaint ticket. Category and grade are classified from the text unless given (safety words
    always make it urgent); the routing table picks the department, and an agent of it is assigned; the SLA
    deadlines follow the grade. Mentions that belong to an open ticket (same thread, same author and product,
    same alert) are attached to it instead, with a comment, and that ticket is returned (200).

    With an ``Idempotency-Key`` header, retrying the same request returns the same answer (200); the same key
    with a different body is a 409.
    """
    problems: list[dict[str, object]] = []
    if body.brand is not None and body.brand not in config.brand_names():
        problems.append(
            {
                "type": "value_error",
                "loc": ("body", "brand"),
                "msg": f"unknown brand {body.brand!r}; configured: {config.brand_names()}",
                "input": body.brand,
            }
        )
    scope = principal.scope
    if scope.limited and not scope.admits([body.brand]):
        # A brand you do not work for does not exist for you: same answer as an unknown one.
        problems.append(
            {
                "type": "value_error",
                "loc": ("body", "brand"),
                "msg": f"give one of your brands: {sorted(scope.brands or [])}",
                "input": body.brand,
            }
        )
    # The store is scoped: another brand's mentions are missing, exactly like ids that never existed.
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
    ticket, created = store.create(body, found, idempotency_key=idempotency_key, actor=principal)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/tickets/{ticket.id}"
    response.headers["ETag"] = _etag(ticket)
    return ticket


def for_reader(ticket: TicketOut) -> TicketOut:
    """The ticket with the notes the system wrote (merges, escalations, attached posts) in the reader's
    language; they are stored in English, the catalogue's message ids."""
    if not ticket.comments:
        return ticket
    comments = [c.model_copy(update={"body": localize(c.body)}) if c.kind == "system" else c for c in ticket.comments]
    return ticket.model_copy(update={"comments": comments})


@router.get("", response_model=TicketPage, summary="List tickets")
def list_tickets(params: Annotated[TicketQuery, Query()], store: TicketStoreDep, principal: PrincipalDep) -> TicketPage:
    """Newest first; filter by status, grade, category, brand, department, assignee, origin, alert rule,
    overdue, classification awaiting confirmation, and creation time. Agents see their departments' tickets."""
    return store.find(params, actor=principal)


@router.get("/by-number/{number}", response_model=TicketOut, summary="Look a ticket up by its number")
def ticket_by_number(number: str, store: TicketStoreDep, principal: PrincipalDep) -> TicketOut:
    """The ticket numbered ``number`` (e.g. FBD2026110001, as told to the customer), if you may see it."""
    return store.get_by_number(number.strip().upper(), actor=principal)


@router.get("/{ticket_id}", response_model=TicketOut, summary="One ticket with its history and similar cases")
def get_ticket(
    ticket_id: ObjectId,
    response: Response,
    store: TicketStoreDep,
    principal: PrincipalDep,
    unmask: Annotated[bool, Query(description="Show personal data unmasked (needs pii; audited).")] = False,
) -> TicketOut:
    ticket = store.get(ticket_id, actor=principal, history=True, unmask=unmask, similar=True)
    response.headers["ETag"] = _etag(ticket)
    return for_reader(ticket)


@router.patch("/{ticket_id}", response_model=TicketOut, summary="Change a ticket")
def update_ticket(
    ticket_id: ObjectId,
    body: TicketUpdate,
    response: Response,
    store: TicketStoreDep,
    principal: PrincipalDep,
    if_match: Annotated[str | None, Header()] = None,
) -> TicketOut:
    """Change the record (title, details, grade, category, product, department, assignee, actions taken,
    remarks, improvement suggestion, customer) or the status, which must follow the workflow (an invalid move
    is a 409). Send ``If-Match`` with the ETag you read to be sure nobody changed the ticket in between."""
    ticket = store.update(ticket_id, body, actor=principal, expected_version=_version_from(if_match))
    response.headers["ETag"] = _etag(ticket)
    return for_reader(ticket)


@router.post("/{ticket_id}/comments", response_model=CommentOut, status_code=201, summary="Add an internal note")
def add_comment(ticket_id: ObjectId, body: CommentIn, store: TicketStoreDep, principal: PrincipalDep) -> CommentOut:
    return store.comment(ticket_id, body, actor=principal)


@router.post("/{ticket_id}/replies", response_model=TicketOut, summary="Reply to the customer")
def reply(
    ticket_id: ObjectId, body: ReplyIn, store: TicketStoreDep, resources: ResourcesDep, principal: PrincipalDep
) -> TicketOut:
    """The first reply stops the response clock. With ``wait_for_customer`` the ticket waits for the customer
    and its SLA clock pauses until it moves on.

    With a ``channel`` the reply is sent at once (e-mail, SMS) or recorded with the post's link for the agent
    (platform); the ticket comes back with its comments, each reply showing its delivery status. A failed
    sending is retried by the worker with a growing wait (``tickets.replies``)."""
    store.reply(ticket_id, body, actor=principal)
    if body.channel in ("email", "sms"):
        store.deliver_due(resources.sender(), ticket_id=ticket_id)
    return for_reader(store.get(ticket_id, actor=principal, history=True))


@router.post(
    "/{ticket_id}/deliveries/{delivery_id}/retry", response_model=TicketOut, summary="Send a failed reply again"
)
def retry_delivery(
    ticket_id: ObjectId, delivery_id: ObjectId, store: TicketStoreDep, resources: ResourcesDep, principal: PrincipalDep
) -> TicketOut:
    """Try a failed reply once more now (also after the automatic attempts ran out); 409 unless it failed."""
    store.retry_delivery(ticket_id, delivery_id, resources.sender(), actor=principal)
    return for_reader(store.get(ticket_id, actor=principal, history=True))


@router.post(
    "/{ticket_id}/deliveries/{delivery_id}/posted", response_model=TicketOut, summary="A platform reply was posted"
)
def confirm_posted(
    ticket_id: ObjectId, delivery_id: ObjectId, store: TicketStoreDep, principal: PrincipalDep
) -> TicketOut:
    """The agent answered on the platform at the recorded link: the reply counts as sent."""
    store.confirm_posted(ticket_id, delivery_id, actor=principal)
    return for_reader(store.get(ticket_id, actor=principal, history=True))


@router.get(
    "/{ticket_id}/knowledge", response_model=list[KnowledgeEntryOut], summary="Knowledge answers for this ticket"
)
def knowledge_answers(ticket_id: ObjectId, store: TicketStoreDep, principal: PrincipalDep) -> list[KnowledgeEntryOut]:
    """Prepared answers of the ticket's brand (or every brand): its category first, then by how much their
    words resemble the complaint."""
    return store.suggest_knowledge(ticket_id, actor=principal)


@router.post("/{ticket_id}/satisfaction", response_model=TicketOut, summary="Record the revisit")
def record_satisfaction(
    ticket_id: ObjectId, body: SatisfactionIn, store: TicketStoreDep, principal: PrincipalDep
) -> TicketOut:
    """At the revisit (3-7 days after resolution): satisfied or basically satisfied closes the ticket,
    unsatisfied reopens it for a second round that keeps the history."""
    return for_reader(store.record_satisfaction(ticket_id, body, actor=principal))


@router.post("/{ticket_id}/merge", response_model=TicketOut, summary="Merge this ticket into another")
def merge(ticket_id: ObjectId, body: MergeIn, store: TicketStoreDep, principal: PrincipalDep) -> TicketOut:
    """Its mentions move to the other ticket; it is closed, pointing at the one it was merged into."""
    return for_reader(store.merge(ticket_id, body.into, actor=principal))


@router.get("/{ticket_id}/similar", response_model=list[SimilarCase], summary="Similar closed cases")
def similar(ticket_id: ObjectId, store: TicketStoreDep, principal: PrincipalDep) -> list[SimilarCase]:
    return store.similar_cases(ticket_id, actor=principal)
