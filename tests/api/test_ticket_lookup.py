"""Lookup by ticket number (what a customer reads out on the phone) and the session's user id ("my tickets")."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import AUTH


def test_a_ticket_is_found_by_its_number(client: TestClient) -> None:
    made = client.post("/api/v1/tickets", headers=AUTH, json={"title": "会员怎么开"}).json()
    found = client.get(f"/api/v1/tickets/by-number/{made['number'].lower()}", headers=AUTH)
    assert found.status_code == 200 and found.json()["id"] == made["id"]
    missing = client.get("/api/v1/tickets/by-number/FBD0000000000", headers=AUTH)
    assert (
        missing.status_code == 404 and missing.json()["error"]["message"] == "this ticket number does not exist for you"
    )


def test_an_agent_finds_only_tickets_they_may_see(client: TestClient) -> None:
    user = client.post(
        "/api/v1/users",
        headers=AUTH,
        json={"name": "narrow", "role": "agent", "departments": ["客服部"], "brands": ["光屿手机"]},
    ).json()
    key = {"X-API-Key": user["api_key"]}
    other = client.post("/api/v1/tickets", headers=AUTH, json={"title": "炸鸡变质了", "brand": "鲜达外卖"}).json()
    seen = client.get(f"/api/v1/tickets/by-number/{other['number']}", headers=key)
    assert seen.status_code == 404  # another brand: not even its existence is told
    me = client.get("/api/v1/session", headers=key).json()
    assert me["user_id"] == user["id"]
    assert client.get("/api/v1/session", headers=AUTH).json()["user_id"] is None  # the bootstrap key


def test_assignees_are_the_active_agents_of_a_department(client: TestClient) -> None:
    made = {}
    for name, role, departments in (("wang", "agent", ["客服部"]), ("li", "agent", ["客服部"]), ("pr1", "pr", [])):
        made[name] = client.post(
            "/api/v1/users", headers=AUTH, json={"name": name, "role": role, "departments": departments}
        ).json()
    client.post(f"/api/v1/users/{made['li']['id']}/deactivate", headers=AUTH)
    agent = {"X-API-Key": made["wang"]["api_key"]}
    people = client.get("/api/v1/users/assignees", headers=agent, params={"department": "客服部"}).json()
    assert [p["display_name"] for p in people] == ["wang"] and set(people[0]) == {"id", "display_name", "departments"}
    assert client.get("/api/v1/users/assignees", headers=agent, params={"department": "物流部"}).json() == []
    pr = {"X-API-Key": made["pr1"]["api_key"]}
    assert client.get("/api/v1/users/assignees", headers=pr).status_code == 403
