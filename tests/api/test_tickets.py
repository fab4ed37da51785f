"""``/tickets``: create (idempotent), list, read, update; on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.resources import Resources
from tests.api.conftest import AUTH
from tests.factories import make_mention


def test_create_read_list_update(client: TestClient, resources: Resources) -> None:
    mention = make_mention("鲜达外卖送错餐", url="https://forum.example/t/1", label="negative", score=0.02)
    resources.mentions.upsert([mention])
    response = client.post(
        "/api/v1/tickets",
        headers=AUTH,
        json={
            "title": "送错餐",
            "description": "客户投诉送错餐",
            "brand": "鲜达外卖",
            "priority": "major",
            "mention_ids": [mention.id],
        },
    )
    assert response.status_code == 201, response.json()
    ticket = response.json()
    assert ticket["number"].startswith("FBD") and len(ticket["number"]) == 13
    assert ticket["status"] == "new" and ticket["mentions"][0]["url"] == "https://forum.example/t/1"
    assert response.headers["Location"] == f"/api/v1/tickets/{ticket['id']}"
    got = client.get(f"/api/v1/tickets/{ticket['id']}", headers=AUTH)
    assert got.json()["history"][0]["action"] == "created" and got.headers["ETag"] == '"v1"'
    listed = client.get("/api/v1/tickets", params={"status": "new", "brand": "鲜达外卖"}, headers=AUTH).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == ticket["id"]
    patched = client.patch(
        f"/api/v1/tickets/{ticket['id']}", headers={**AUTH, "If-Match": '"v1"'}, json={"status": "in_progress"}
    )
    assert patched.status_code == 200 and patched.json()["status"] == "in_progress"
    assert patched.headers["ETag"] == '"v2"'


def test_idempotency_key(client: TestClient) -> None:
    headers = {**AUTH, "Idempotency-Key": "alert-abc-123"}
    first = client.post("/api/v1/tickets", headers=headers, json={"title": "once"})
    again = client.post("/api/v1/tickets", headers=headers, json={"title": "once"})
    other = client.post("/api/v1/tickets", headers=headers, json={"title": "another"})
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert first.json()["id"] == again.json()["id"]
    assert other.json()["error"]["code"] == "idempotency_conflict"
    assert client.get("/api/v1/tickets", headers=AUTH).json()["total"] == 1


def test_invalid_payloads_are_422_naming_the_field(client: TestClient) -> None:
    cases = [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "x", "status": "closed"}, "status"),  # server-owned: no mass assignment
        ({"title": "x", "number": "FBD1"}, "number"),
        ({"title": "x", "priority": "critical"}, "priority"),
        ({"title": "x", "brand": "NoSuchBrand"}, "unknown brand"),
        ({"title": "x", "mention_ids": ["deadbeef"]}, "no such mentions"),
        ({"title": "x" * 301}, "title"),
    ]
    for body, word in cases:
        response = client.post("/api/v1/tickets", headers=AUTH, json=body)
        assert response.status_code == 422, body
        assert word in response.json()["error"]["message"], (body, response.json())
    broken = client.post("/api/v1/tickets", headers={**AUTH, "Content-Type": "application/json"}, content=b"{oops")
    assert broken.status_code == 422 and "not valid JSON" in broken.json()["error"]["message"]
    short_key = client.post("/api/v1/tickets", headers={**AUTH, "Idempotency-Key": "k"}, json={"title": "x"})
    assert short_key.status_code == 422


def test_update_errors(client: TestClient) -> None:
    ticket = client.post("/api/v1/tickets", headers=AUTH, json={"title": "t"}).json()
    url = f"/api/v1/tickets/{ticket['id']}"
    assert client.patch("/api/v1/tickets/99999", headers=AUTH, json={"title": "x"}).status_code == 404
    assert client.get("/api/v1/tickets/99999", headers=AUTH).json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/tickets/abc", headers=AUTH).status_code == 422
    assert client.patch(url, headers=AUTH, json={}).status_code == 422
    assert client.patch(url, headers=AUTH, json={"title": None}).status_code == 422
    assert client.patch(url, headers=AUTH, json={"created_at": "2020-01-01T00:00:00Z"}).status_code == 422
    invalid_move = client.patch(url, headers=AUTH, json={"status": "resolved"})
    assert invalid_move.status_code == 409 and "allowed:" in invalid_move.json()["error"]["message"]
    client.patch(url, headers=AUTH, json={"title": "t2"})
    stale = client.patch(url, headers={**AUTH, "If-Match": '"v1"'}, json={"title": "t3"})
    assert stale.status_code == 409 and "changed since version 1" in stale.json()["error"]["message"]
    assert client.patch(url, headers={**AUTH, "If-Match": "nonsense"}, json={"title": "t3"}).status_code == 422


def test_openapi_docs_are_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/v1/mentions", "/api/v1/tickets", "/api/v1/stats/trend"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 200
