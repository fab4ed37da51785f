"""``GET /alerts/incidents``: incidents rather than raw firings — open, acknowledged (its ticket taken),
resolved — with their reminders and ticket."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from api.resources import Resources
from tests.api.conftest import AUTH
from tests.api.test_alerts import bad_news, evaluate, user
from tests.factories import NOW
from tickets.enums import TicketStatus
from tickets.schemas import TicketUpdate


def incidents(client: TestClient, headers: dict[str, str] = AUTH, **params: object) -> list[dict[str, object]]:
    response = client.get("/api/v1/alerts/incidents", headers=headers, params=params)
    assert response.status_code == 200, response.json()
    return list(response.json()["items"])


def test_incidents_are_open_then_acknowledged_then_resolved(client: TestClient, resources: Resources) -> None:
    bad_news(resources)
    [fired] = evaluate(resources).fired
    evaluate(resources, NOW + timedelta(minutes=5))  # fires again: the same incident, no new row
    [item] = incidents(client)
    assert item["incident"] == fired.incident and item["status"] == "open" and item["reminders"] == 0
    assert item["rule"] == "neg" and item["brand"] == "鲜达外卖" and item["resolved_at"] is None
    assert item["ticket"]["number"] == fired.ticket_number  # type: ignore[index]

    ticket = resources.tickets.get_by_number(fired.ticket_number or "")
    resources.tickets.update(ticket.id, TicketUpdate(status=TicketStatus.in_progress))
    assert [i["status"] for i in incidents(client)] == ["acknowledged"]
    assert incidents(client, status="open") == []

    evaluate(resources, NOW + timedelta(hours=30))  # the bad news left the 24h window
    [done] = incidents(client, status=["resolved"])
    assert done["incident"] == fired.incident and done["resolved_at"] is not None

    lumi = user(client, "lumi", brands=["光屿手机"])
    assert incidents(client, lumi) == []  # another brand's incident
    bad = client.get("/api/v1/alerts/incidents", headers=AUTH, params={"status": "exploded"})
    assert bad.status_code == 422
