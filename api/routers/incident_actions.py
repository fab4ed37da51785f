"""``/alerts/incidents/{incident}/…``: people handling an incident — acknowledge, assign, comment, link its
ticket — and its history.

Every act needs the incident's brand in the caller's scope (an incident of another brand does not exist for
them: 404), is written to the incident's history (:mod:`alerts.handling`) and to the audit trail.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from alerts.handling import ASSIGNED, Handling, IncidentDesk, handling_of
from alerts.schemas import (
    AssignBody,
    CommentBody,
    IncidentAssignee,
    IncidentHandlingOut,
    IncidentHistoryEntry,
    LinkTicketBody,
)
from alerts.state import AlertEvent
from api.deps import ConfigDep, PrincipalDep, ResourcesDep, TicketStoreDep, UserStoreDep
from api.routers.alerts import _Describe, assignee_of, incident_status, ticket_view, visible_brands
from foundation.access import Principal
from foundation.errors import Forbidden, InvalidQuery, NotFound
from foundation.timeutil import utcnow
from foundation.vocabulary import Role
from tickets.masking import mask_text
from tickets.store import TicketStore

router = APIRouter(prefix="/alerts/incidents", tags=["alerts"])


def get_desk(resources: ResourcesDep) -> IncidentDesk:
    return IncidentDesk(resources.alerts)


DeskDep = Annotated[IncidentDesk, Depends(get_desk)]


def _history(desk: IncidentDesk, incident: str, principal: Principal, config: ConfigDep) -> list[AlertEvent]:
    """The incident's events if the caller may see its brand; else :class:`NotFound`, as if it did not exist."""
    events = desk.history(incident)
    fired = next(e for e in events if e.kind == "fired")
    brand = _Describe(config).brand(fired.key, fired.brand)
    allowed = visible_brands([], principal)
    if allowed is not None and brand not in allowed:
        raise NotFound(f"incident {incident} does not exist")
    return events


def _may_act(principal: Principal) -> None:
    if principal.role not in (Role.admin, Role.pr, Role.agent):
        raise Forbidden(f"role {principal.role.value} cannot handle incidents")


def _entry(e: AlertEvent) -> IncidentHistoryEntry:
    numbers = e.numbers or {}
    assignee = None
    if e.kind == ASSIGNED and numbers.get("assignee_id") is not None:
        assignee = IncidentAssignee(id=int(numbers["assignee_id"]), display_name=str(numbers.get("assignee_name")))
    text = mask_text(e.summary or "") if e.kind == "commented" else None
    by = numbers.get("by")
    return IncidentHistoryEntry(
        id=e.id,
        at=e.at,
        kind=e.kind,
        by=str(by) if by else None,
        text=text,
        assignee=assignee,
        ticket_number=e.ticket_number,
    )


def _out(incident: str, events: list[AlertEvent], tickets: TicketStore, principal: Principal) -> IncidentHandlingOut:
    handling: Handling = handling_of(events)
    ticket = ticket_view(tickets, handling.ticket_number, handling.ticket_id, principal)
    return IncidentHandlingOut(
        incident=incident,
        status=incident_status(handling, ticket),
        acknowledged_at=handling.acknowledged_at,
        acknowledged_by=handling.acknowledged_by,
        assignee=assignee_of(handling),
        ticket_number=handling.ticket_number,
        history=[_entry(e) for e in events],
    )


@router.get("/{incident}/history", response_model=IncidentHandlingOut, summary="Who handled an incident, and how")
def incident_history(
    incident: str, desk: DeskDep, tickets: TicketStoreDep, config: ConfigDep, principal: PrincipalDep
) -> IncidentHandlingOut:
    """Its status, who acknowledged it, who has it, and every entry of its history, oldest first."""
    return _out(incident, _history(desk, incident, principal, config), tickets, principal)


@router.post("/{incident}/acknowledge", response_model=IncidentHandlingOut, summary="Acknowledge an incident")
def acknowledge(
    incident: str, desk: DeskDep, tickets: TicketStoreDep, config: ConfigDep, principal: PrincipalDep
) -> IncidentHandlingOut:
    """Someone has seen it and is on it. Acknowledging twice changes nothing; a resolved incident: 409."""
    _may_act(principal)
    _history(desk, incident, principal, config)
    if desk.acknowledge(incident, principal.name, utcnow()) is not None:
        tickets.audit(principal, "incident.acknowledged", "incident", incident, {})
    return _out(incident, desk.history(incident), tickets, principal)


@router.put("/{incident}/assignee", response_model=IncidentHandlingOut, summary="Give an incident to someone")
def assign(
    incident: str,
    body: AssignBody,
    desk: DeskDep,
    tickets: TicketStoreDep,
    users: UserStoreDep,
    config: ConfigDep,
    principal: PrincipalDep,
) -> IncidentHandlingOut:
    """To an active user who works on the incident's brand (``user_id: null``: to nobody). Giving it to
    someone acknowledges it."""
    _may_act(principal)
    events = _history(desk, incident, principal, config)
    name = None
    if body.user_id is not None:
        fired = next(e for e in events if e.kind == "fired")
        brand = _Describe(config).brand(fired.key, fired.brand)
        try:
            user = users.get(body.user_id)
        except NotFound:
            raise InvalidQuery(f"user {body.user_id} does not exist") from None
        if not user.active:
            raise InvalidQuery(f"user {body.user_id} is not active")
        if user.brands and brand not in user.brands:
            raise InvalidQuery(f"user {body.user_id} does not work on brand {brand}")
        name = user.display_name or user.name
    desk.assign(incident, principal.name, utcnow(), body.user_id, name)
    tickets.audit(principal, "incident.assigned", "incident", incident, {"user_id": body.user_id})
    return _out(incident, desk.history(incident), tickets, principal)


@router.post(
    "/{incident}/comments",
    response_model=IncidentHandlingOut,
    status_code=status.HTTP_201_CREATED,
    summary="Comment on an incident",
)
def comment(
    incident: str,
    body: CommentBody,
    desk: DeskDep,
    tickets: TicketStoreDep,
    config: ConfigDep,
    principal: PrincipalDep,
) -> IncidentHandlingOut:
    """A note for whoever handles it next (1–2000 characters; personal data in it is masked when shown)."""
    _may_act(principal)
    _history(desk, incident, principal, config)
    desk.comment(incident, principal.name, utcnow(), body.text)
    tickets.audit(principal, "incident.commented", "incident", incident, {"length": len(body.text)})
    return _out(incident, desk.history(incident), tickets, principal)


@router.put("/{incident}/ticket", response_model=IncidentHandlingOut, summary="Link an incident to its ticket")
def link_ticket(
    incident: str,
    body: LinkTicketBody,
    desk: DeskDep,
    tickets: TicketStoreDep,
    config: ConfigDep,
    principal: PrincipalDep,
) -> IncidentHandlingOut:
    """For an incident without a ticket (none was opened, or it could not be): an existing ticket the caller
    may see. An incident has exactly one ticket: 409 when it has one already."""
    _may_act(principal)
    _history(desk, incident, principal, config)
    try:
        ticket = tickets.get_by_number(body.number, actor=principal)
    except NotFound:
        raise InvalidQuery(f"ticket {body.number} does not exist") from None
    desk.link_ticket(incident, principal.name, utcnow(), ticket.id, ticket.number)
    tickets.audit(principal, "incident.ticket_linked", "incident", incident, {"number": ticket.number})
    return _out(incident, desk.history(incident), tickets, principal)
