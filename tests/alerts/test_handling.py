"""alerts.handling on the real state store: people's acts are rows of the incident's history, read back as
its handling; one ticket per incident, also against the engine's own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alerts.handling import IncidentDesk, handling_of
from alerts.state import AlertEvent
from api.resources import Resources
from foundation.errors import Conflict, NotFound
from tests.factories import NOW


def fire(resources: Resources, incident: str = "inc-1") -> None:
    """An open incident as the engine leaves it: its state and its ``fired`` row (no ticket yet)."""
    states = resources.alerts
    states.touch("neg", "鲜达外卖", NOW, {}, brand="鲜达外卖")
    assert states.try_fire("neg", "鲜达外卖", incident, NOW, {})
    states.add_event(AlertEvent(rule="neg", key="鲜达外卖", kind="fired", at=NOW, incident=incident, brand="鲜达外卖"))


def test_acts_are_history_and_read_back_as_handling(resources: Resources) -> None:
    fire(resources)
    desk = IncidentDesk(resources.alerts)
    assert desk.acknowledge("inc-1", "mei", NOW + timedelta(minutes=1)) is not None
    assert desk.acknowledge("inc-1", "bo", NOW + timedelta(minutes=2)) is None  # already acknowledged
    desk.assign("inc-1", "mei", NOW + timedelta(minutes=3), 7, "梅")
    desk.assign("inc-1", "mei", NOW + timedelta(minutes=4), 8, "波")
    desk.comment("inc-1", "bo", NOW + timedelta(minutes=5), "已联系平台")
    events = desk.history("inc-1")
    assert [e.kind for e in events] == ["fired", "acknowledged", "assigned", "assigned", "commented"]
    h = handling_of(events)
    assert (h.acknowledged_by, h.acknowledged_at) == ("mei", NOW + timedelta(minutes=1))
    assert (h.assignee_id, h.assignee_name) == (8, "波")  # the latest assignment wins
    assert [(c.by, c.text) for c in h.comments] == [("bo", "已联系平台")]
    assert h.resolved_at is None and h.ticket_number is None
    with pytest.raises(NotFound):
        desk.history("never-fired")


def test_assigning_acknowledges_and_a_resolved_incident_is_not_acknowledged(resources: Resources) -> None:
    fire(resources)
    desk = IncidentDesk(resources.alerts)
    desk.assign("inc-1", "mei", NOW, 7, "梅")
    assert handling_of(desk.history("inc-1")).acknowledged_by == "mei"
    resources.alerts.resolve("neg", "鲜达外卖", NOW + timedelta(hours=3))
    resources.alerts.add_event(
        AlertEvent(rule="neg", key="鲜达外卖", kind="resolved", at=NOW + timedelta(hours=3), incident="inc-1")
    )
    assert handling_of(desk.history("inc-1")).resolved_at == NOW + timedelta(hours=3)


def test_one_ticket_per_incident(resources: Resources) -> None:
    fire(resources)
    desk = IncidentDesk(resources.alerts)
    desk.link_ticket("inc-1", "mei", NOW, 41, "T-41")
    state = resources.alerts.get("neg", "鲜达外卖")
    assert state is not None and (state.ticket_number, state.ticket_id) == ("T-41", 41)  # the engine sees it
    with pytest.raises(Conflict):
        desk.link_ticket("inc-1", "mei", NOW, 42, "T-42")
    assert handling_of(desk.history("inc-1")).ticket_number == "T-41"


def test_a_ticket_the_engine_delivered_meanwhile_wins(resources: Resources) -> None:
    fire(resources)
    # The engine delivers the incident's ticket after the person loaded the page, before they linked one.
    resources.alerts.set_ticket("neg", "鲜达外卖", "inc-1", 40, "T-40")
    with pytest.raises(Conflict):
        IncidentDesk(resources.alerts).link_ticket("inc-1", "mei", NOW, 42, "T-42")
    state = resources.alerts.get("neg", "鲜达外卖")
    assert state is not None and state.ticket_number == "T-40"
