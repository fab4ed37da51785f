"""Abuse through HTTP: the public lookup is throttled and says the same for every mistake; reserved user names;
request size limits; out-of-range inputs are 4xx, never 500; exports freeze their rows, need a pii approver to be
unmasked, and expire."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.security.conftest import ADMIN, BRAND_A, Served
from tickets.models import ExportRequest


def test_the_public_lookup_is_throttled_per_client_and_per_number(served: Served) -> None:
    http = served.http
    ticket = http.post("/api/v1/tickets", headers=ADMIN, json={"title": "查询", "brand": BRAND_A}).json()
    number, code = ticket["number"], ticket["verification_code"]
    assert http.get(f"/api/v1/public/tickets/{number}", params={"code": code}).status_code == 200
    wrong_code = http.get(f"/api/v1/public/tickets/{number}", params={"code": "ZZZZZZZZ"})
    wrong_number = http.get("/api/v1/public/tickets/FBD2099010199", params={"code": code})
    assert wrong_code.status_code == wrong_number.status_code == 404
    assert wrong_code.json() == wrong_number.json()  # the same answer for either mistake
    for _ in range(4):
        http.get(f"/api/v1/public/tickets/{number}", params={"code": "YYYYYYYY"})
    # Five failures for this number: even the right code now waits.
    blocked = http.get(f"/api/v1/public/tickets/{number}", params={"code": code})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    # The client has 6 failures; four more on other numbers and it is blocked everywhere.
    for i in range(4):
        assert http.get(f"/api/v1/public/tickets/X{i}", params={"code": "AAAA"}).status_code == 404
    assert http.get("/api/v1/public/tickets/X9", params={"code": "AAAA"}).status_code == 429


@pytest.mark.parametrize("name", ["api-key-2", "API-KEY-1", "alert-engine", "system", "api-key"])
def test_reserved_user_names(served: Served, name: str) -> None:
    response = served.http.post("/api/v1/users", headers=ADMIN, json={"name": name, "role": "admin"})
    assert response.status_code == 400 and "reserved" in response.json()["error"]["message"]


def test_request_bodies_are_limited(served: Served) -> None:
    big = {"title": "大", "description": "x" * 2_000_000}
    response = served.http.post("/api/v1/tickets", headers=ADMIN, json=big)
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("method", "path", "params", "body"),
    [
        ("GET", f"/api/v1/tickets/{2**63}", None, None),
        ("GET", f"/api/v1/tickets/{2**64 + 5}", None, None),
        ("PATCH", "/api/v1/tickets/1", None, {"assignee_id": 2**63}),
        ("POST", "/api/v1/tickets/1/merge", None, {"into": 2**70}),
        ("POST", f"/api/v1/exports/{2**63}/approve", None, None),
        ("GET", f"/api/v1/searches/{2**63}", None, None),
        ("GET", "/api/v1/reports/weekly", {"week": "2026-W00"}, None),
        ("GET", "/api/v1/reports/weekly", {"week": "0001-W01"}, None),
        ("GET", "/api/v1/reports/weekly", {"week": "2026-W54"}, None),
        ("GET", "/api/v1/mentions", {"since": "0001-01-01"}, None),
        ("GET", "/api/v1/mentions/facets", {"since": "0001-01-01T00:00:00+08:00"}, None),
        ("GET", "/api/v1/stats/trend", {"since": "0001-01-01", "until": "9999-12-31"}, None),
        ("GET", "/api/v1/tickets", {"created_since": "0001-01-01T00:00:00Z"}, None),
        ("GET", "/api/v1/alerts/events", {"since": "0001-01-01"}, None),
        ("GET", "/api/v1/public/tickets/" + "9" * 200, {"code": "AAAA"}, None),
    ],
)
def test_out_of_range_inputs_are_4xx(
    served: Served, method: str, path: str, params: dict[str, str] | None, body: object
) -> None:
    response = served.http.request(method, path, headers=ADMIN, params=params, json=body)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert response.json()["error"]["message"]


def _export(served: Served, who: dict[str, str], unmask: bool = False) -> int:
    response = served.http.post("/api/v1/exports/tickets", headers=who, json={"format": "csv", "unmask": unmask})
    assert response.status_code == 202, response.text
    return int(response.json()["id"])


def test_exports_freeze_rows_need_a_pii_approver_and_expire(served: Served) -> None:
    http = served.http
    for i in range(3):
        http.post("/api/v1/tickets", headers=ADMIN, json={"title": f"单{i}", "brand": BRAND_A})
    asker = served.user("asker", "agent", permissions=["export", "pii"])
    plain = served.user("approver", "agent", permissions=["approve_export"])
    trusted = served.user("trusted", "agent", permissions=["approve_export", "pii"])
    # Approval freezes the rows: tickets opened after the request are not in the file.
    frozen = _export(served, asker)
    for i in range(5):
        http.post("/api/v1/tickets", headers=ADMIN, json={"title": f"后来{i}", "brand": BRAND_A})
    assert http.post(f"/api/v1/exports/{frozen}/approve", headers=plain).status_code == 200
    rows = http.get(f"/api/v1/exports/{frozen}/download", headers=asker).text.strip().splitlines()
    assert len(rows) == 1 + 3 and not any("后来" in r for r in rows)
    # An unmasked export is approved only by someone holding pii.
    unmasked = _export(served, asker, unmask=True)
    assert http.post(f"/api/v1/exports/{unmasked}/approve", headers=plain).status_code == 403
    assert http.post(f"/api/v1/exports/{unmasked}/approve", headers=trusted).status_code == 200
    # Downloads expire.
    with served.resources.db.transaction() as s:
        decided = s.get(ExportRequest, unmasked)
        assert decided is not None and decided.decided_at is not None
        s.execute(
            update(ExportRequest)
            .where(ExportRequest.id == unmasked)
            .values(decided_at=decided.decided_at - timedelta(hours=25))
        )
    late = http.get(f"/api/v1/exports/{unmasked}/download", headers=asker)
    assert late.status_code == 409 and "expired" in late.json()["error"]["message"]
    audit = [e["action"] for e in http.get("/api/v1/audit", headers=ADMIN).json()]
    assert {"export.requested", "export.approved", "export.downloaded", "export.expired"} <= set(audit)
