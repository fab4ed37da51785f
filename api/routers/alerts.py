"""``/alerts``: the state of every rule × key, the alert history, and one incident with why it fired.

Agents limited to some brands see only those brands' alerts (and not the brand-less ones, such as a silent
source); everyone else sees all of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from alerts.handling import Handling, handling_of
from alerts.registry import RULE_TYPES
from alerts.schemas import (
    ENGINE_KINDS,
    AlertEventItem,
    AlertEventList,
    AlertEventQuery,
    AlertItem,
    AlertList,
    AlertQuery,
    IncidentAssignee,
    IncidentList,
    IncidentQuery,
    IncidentStatus,
    IncidentSummary,
    IncidentTicket,
)
from alerts.state import FIRING, AlertEvent, AlertStateStore, StateView
from api.deps import ConfigDep, MentionStoreDep, PrincipalDep, ResourcesDep, TicketStoreDep
from api.schemas import MentionOut
from config.models import AppConfig
from foundation.access import Principal
from foundation.errors import NotFound
from foundation.i18n import localize
from tickets.masking import mask_text
from tickets.store import TicketStore

router = APIRouter(prefix="/alerts", tags=["alerts"])


def get_alert_states(resources: ResourcesDep) -> AlertStateStore:
    return resources.alerts


AlertStatesDep = Annotated[AlertStateStore, Depends(get_alert_states)]


class IncidentOut(AlertEventItem):
    """The ``fired`` event of an incident and why it fired: the window, the numbers, the threshold and (for
    rules that compare with the past) the baseline; the posts behind it and its ticket."""

    threshold: Any = Field(description="The value the measure had to reach (null for rules without one).")
    baseline: Any = Field(description="What was usual (null for rules without a baseline).")
    resolved_at: datetime | None = Field(description="When the incident resolved (null: still firing, or an event).")
    posts: list[MentionOut] = Field(description="The mentions behind the alert, as GET /mentions/{id} returns them.")
    ticket: IncidentTicket | None


def visible_brands(requested: list[str], principal: Principal) -> list[str] | None:
    """The brands a caller may ask about: ``None`` for no limit, ``[]`` for none at all."""
    return principal.scope.narrow(requested)


class _Describe:
    """Fills in what rows written before revision 0005 lack, from the config: the rule type and the brand."""

    def __init__(self, config: AppConfig):
        self.types = {rule.name: rule.type for rule in config.rules()}
        self.brands = set(config.brand_names())

    def type(self, rule: str, stored: str | None) -> str | None:
        return stored or self.types.get(rule)

    def brand(self, key: str, stored: str | None) -> str | None:
        return stored or (key if key in self.brands else None)


def _item(state: StateView, describe: _Describe) -> AlertItem:
    firing = state.status == FIRING
    return AlertItem(
        rule=state.rule,
        type=describe.type(state.rule, state.rule_type),
        key=state.key,
        brand=describe.brand(state.key, state.brand),
        firing=firing,
        since=state.since if firing else state.last_resolved_at,
        last_evaluated=state.last_evaluated_at,
        numbers=state.numbers or {},
        summary=mask_text(localize(state.summary)) if state.summary is not None else None,
        ticket_number=state.ticket_number,
        ticket_id=state.ticket_id,
        incident=state.incident,
    )


def _event(event: AlertEvent, describe: _Describe, tickets: dict[str, tuple[str, int | None]]) -> AlertEventItem:
    number, ticket_id = event.ticket_number, event.ticket_id
    if event.incident in tickets and event.kind in ("fired", "resolved"):
        # The ticket is opened after the "fired" row is written (and older rows kept no id): take it from
        # the incident's "ticket" row.
        number, ticket_id = number or tickets[event.incident][0], ticket_id or tickets[event.incident][1]
    return AlertEventItem(
        id=event.id,
        rule=event.rule,
        type=describe.type(event.rule, event.rule_type),
        key=event.key,
        brand=describe.brand(event.key, event.brand) if event.key != "*" else event.brand,
        kind=event.kind,
        at=event.at,
        incident=event.incident,
        window_start=event.window_start,
        window_end=event.window_end,
        numbers=event.numbers or {},
        summary=mask_text(localize(event.summary or "")) or "",
        mention_ids=list(event.mention_ids or []),
        ticket_number=number,
        ticket_id=ticket_id,
    )


def _tickets_of(states: AlertStateStore, events: list[AlertEvent]) -> dict[str, tuple[str, int | None]]:
    incidents = sorted({e.incident for e in events if e.incident and e.kind in ("fired", "resolved")})
    out: dict[str, tuple[str, int | None]] = {}
    for e in states.incident_events(incidents):
        if e.kind == "ticket" and e.incident and e.ticket_number and e.incident not in out:
            out[e.incident] = (e.ticket_number, e.ticket_id)
    return out


@router.get("", response_model=AlertList, summary="The current state of every rule and key")
def list_alerts(
    params: Annotated[AlertQuery, Query()], states: AlertStatesDep, config: ConfigDep, principal: PrincipalDep
) -> AlertList:
    """Each rule × key the engine has evaluated: firing or not, since when, the numbers and summary of the
    last evaluation, and the current (or last) incident and its ticket. Firing ones first."""
    brands = visible_brands(params.brand, principal)
    if brands == []:
        return AlertList(items=[])
    describe = _Describe(config)
    rows = states.find(brands=brands, rules=params.rule, firing=params.firing, limit=params.limit)
    return AlertList(items=[_item(row, describe) for row in rows])


@router.get("/events", response_model=AlertEventList, summary="The alert history, newest first")
def list_events(
    params: Annotated[AlertEventQuery, Query()], states: AlertStatesDep, config: ConfigDep, principal: PrincipalDep
) -> AlertEventList:
    """Fired, resolved, ticket and error events by brand, rule, kind and time (``since`` inclusive,
    ``until`` exclusive), newest first; ``fired`` and ``resolved`` events carry their incident's ticket."""
    brands = visible_brands(params.brand, principal)
    if brands == []:
        return AlertEventList(items=[])
    # People's acts on incidents (acknowledged, commented, ...) only when asked for: the chart marks firings.
    kinds = params.kind or list(ENGINE_KINDS)
    events = states.find_events(
        brands=brands, rules=params.rule, kinds=kinds, since=params.since, until=params.until, limit=params.limit
    )
    describe = _Describe(config)
    tickets = _tickets_of(states, events)
    return AlertEventList(items=[_event(e, describe, tickets) for e in events])


@router.get("/incidents", response_model=IncidentList, summary="Incidents: open, acknowledged, resolved")
def list_incidents(
    params: Annotated[IncidentQuery, Query()],
    states: AlertStatesDep,
    ticket_store: TicketStoreDep,
    config: ConfigDep,
    principal: PrincipalDep,
) -> IncidentList:
    """The newest incidents, one row each however often they fired again or reminded: when it opened, its
    status, when it resolved, its reminders and its ticket."""
    brands = visible_brands(params.brand, principal)
    if brands == []:
        return IncidentList(items=[])
    fired = states.find_events(brands=brands, rules=params.rule, kinds=["fired"], limit=params.limit)
    history = states.incident_events([e.incident for e in fired if e.incident])
    describe = _Describe(config)
    tickets = _tickets_of(states, fired)
    items = []
    for event in fired:
        own = [e for e in history if e.incident == event.incident]
        item = _event(event, describe, tickets)
        ticket = _ticket(ticket_store, item, principal)
        handling = handling_of(own)
        status = incident_status(handling, ticket)
        if params.status and status not in params.status:
            continue
        items.append(
            IncidentSummary(
                incident=item.incident or "",
                rule=item.rule,
                type=item.type,
                key=item.key,
                brand=item.brand,
                status=status,
                opened_at=item.at,
                resolved_at=handling.resolved_at,
                reminders=sum(1 for e in own if e.kind == "reminded"),
                summary=item.summary,
                numbers=item.numbers,
                ticket=ticket,
                acknowledged_at=handling.acknowledged_at,
                acknowledged_by=handling.acknowledged_by,
                assignee=assignee_of(handling),
                comments=len(handling.comments),
            )
        )
    return IncidentList(items=items)


@router.get("/incidents/{incident}", response_model=IncidentOut, summary="One incident: why it fired")
def get_incident(
    incident: str,
    resources: ResourcesDep,
    mentions: MentionStoreDep,
    ticket_store: TicketStoreDep,
    config: ConfigDep,
    principal: PrincipalDep,
) -> IncidentOut:
    """The ``fired`` event with its window, numbers, threshold and baseline; the posts behind it (the
    mentions, as ``GET /mentions/{id}`` returns them) and its ticket (number, id, status, priority)."""
    events = resources.alerts.incident_events([incident]) if len(incident) <= 64 else []
    fired = next((e for e in events if e.kind == "fired"), None)
    describe = _Describe(config)
    brand = describe.brand(fired.key, fired.brand) if fired else None
    allowed = visible_brands([], principal)
    if fired is None or (allowed is not None and brand not in allowed):
        raise NotFound(f"incident {incident} does not exist")
    item = _event(fired, describe, _tickets_of(resources.alerts, events))
    rule_type = RULE_TYPES.get(item.type or "")
    threshold_key = rule_type.threshold_number if rule_type else "threshold"
    baseline_key = rule_type.baseline_number if rule_type else None
    numbers = item.numbers
    resolved = next((e.at for e in events if e.kind == "resolved"), None)
    posts = [m for m in mentions.get_many(item.mention_ids) if allowed is None or set(m.brands) & set(allowed)]
    return IncidentOut(
        **item.model_dump(),
        threshold=numbers.get(threshold_key) if threshold_key else None,
        baseline=numbers.get(baseline_key) if baseline_key else None,
        resolved_at=resolved,
        posts=[MentionOut.of(m) for m in posts],
        ticket=_ticket(ticket_store, item, principal),
    )


def incident_status(handling: Handling, ticket: IncidentTicket | None) -> IncidentStatus:
    """``resolved`` once the condition cleared; ``acknowledged`` once someone acknowledged it, has it, or
    works on its ticket; else ``open``. A ticket routed to a desk (``assigned``) is not yet someone on it."""
    if handling.resolved_at is not None:
        return "resolved"
    working = ticket is not None and ticket.status not in (None, "new", "assigned")
    if handling.acknowledged_at or handling.assignee_id or working:
        return "acknowledged"
    return "open"


def assignee_of(handling: Handling) -> IncidentAssignee | None:
    if handling.assignee_id is None:
        return None
    return IncidentAssignee(id=handling.assignee_id, display_name=handling.assignee_name or "")


def _ticket(store: TicketStore, item: AlertEventItem, principal: Principal) -> IncidentTicket | None:
    return ticket_view(store, item.ticket_number, item.ticket_id, principal)


def ticket_view(
    store: TicketStore, number: str | None, ticket_id: int | None, principal: Principal
) -> IncidentTicket | None:
    """An incident's ticket as the caller may see it."""
    if number is None:
        return None
    try:
        ticket = (
            store.get(ticket_id, actor=principal)
            if ticket_id is not None
            else store.get_by_number(number, actor=principal)
        )
    except NotFound:
        # The ticket belongs to a department the caller does not work for: its number only.
        return IncidentTicket(number=number, id=ticket_id, status=None, priority=None)
    return IncidentTicket(
        number=ticket.number, id=ticket.id, status=ticket.status.value, priority=ticket.priority.value
    )
