"""Broken object-level authorization, tried as an agent of brand A against brand B's objects, through HTTP.

Every operation of the OpenAPI schema is called with B's ids in its path and B's brand in its query, and a body
that would work on A's own objects. Nothing of B may come back (its texts, its ticket number, its verification
code), objects of B answer 404 (403 where the whole function is off limits), and nothing of B is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from alerts.state import AlertEvent
from foundation.access import SYSTEM
from tests.factories import NOW, make_mention
from tests.security.conftest import ADMIN, BRAND_A, BRAND_B, Served
from tickets.periods import parse_period
from tickets.report import complaint_report
from tickets.report_archive import ReportArchive

SHANGHAI = ZoneInfo("Asia/Shanghai")
B_TEXT = "光屿机密XQ7屏幕碎了"
B_TITLE = "光屿工单机密ZK9"
A_TEXT = "鲜达外卖配送慢了"


@dataclass
class World:
    agent: dict[str, str]
    b_mention: str
    a_mention: str
    b_ticket: dict[str, Any]
    a_ticket: dict[str, Any]
    b_incident: str
    b_export: int
    b_search: int
    markers: list[str]
    b_delivery: int = 0
    b_entry: int = 0
    b_report: int = 0


def build(served: Served, role: str = "agent") -> World:
    http = served.http
    b = make_mention(B_TEXT, brands=[BRAND_B], title=B_TEXT, ago=timedelta(hours=2))
    a = make_mention(A_TEXT, brands=[BRAND_A], ago=timedelta(hours=2))
    served.resources.mentions.upsert([a, b])
    served.resources.mentions.refresh()
    b_ticket = http.post(
        "/api/v1/tickets",
        headers=ADMIN,
        json={"title": B_TITLE, "brand": BRAND_B, "mention_ids": [b.id], "description": B_TEXT},
    ).json()
    # A reply on its way to B's customer (a platform reply: the post's link recorded) and a knowledge entry of B.
    replied = http.post(
        f"/api/v1/tickets/{b_ticket['id']}/replies",
        headers=ADMIN,
        json={"body": "您好", "channel": "platform", "to": "https://b.example/post/1"},
    )
    assert replied.status_code == 200, replied.text
    b_ticket = replied.json()
    b_delivery = next(c["delivery"]["id"] for c in b_ticket["comments"] if c["delivery"])
    b_entry = http.post(
        "/api/v1/knowledge/entries", headers=ADMIN, json={"title": B_TITLE, "answer": B_TEXT, "brand": BRAND_B}
    ).json()["id"]
    served.resources.alerts.add_event(
        AlertEvent(
            rule="b-rule", key=BRAND_B, kind="fired", at=NOW, incident="inc-b", brand=BRAND_B, summary=B_TEXT,
            mention_ids=[b.id], numbers={}, ticket_number=b_ticket["number"], ticket_id=b_ticket["id"],
        )
    )  # fmt: skip
    exporter = served.user("b-exporter", "agent", brands=[BRAND_B], permissions=["export"])
    for title in ("光屿其一", "光屿其二", "光屿其三"):
        http.post("/api/v1/tickets", headers=ADMIN, json={"title": title, "brand": BRAND_B})
    pending = http.post("/api/v1/exports/tickets", headers=exporter, json={"format": "csv"})
    assert pending.status_code == 202, pending.text
    search = http.post(
        "/api/v1/searches", headers=exporter, json={"name": "b-private", "query": "光屿机密XQ7", "shared": False}
    )
    assert search.status_code == 201, search.text
    agent = served.user("a-agent", role, brands=[BRAND_A], permissions=["export", "approve_export", "pii"])
    a_ticket = http.post("/api/v1/tickets", headers=ADMIN, json={"title": "鲜达的单子", "brand": BRAND_A}).json()
    markers = [B_TEXT, "XQ7", B_TITLE, "ZK9", b_ticket["number"], b_ticket["verification_code"], "光屿其"]
    # A stored daily report of brand B (as the scheduler makes them).
    today = NOW.astimezone(SHANGHAI).date()
    period = parse_period("daily", today.isoformat(), SHANGHAI, today + timedelta(days=1))
    report = complaint_report(served.resources.tickets, SYSTEM, period, brand=BRAND_B)
    b_report = ReportArchive(served.resources.db).store(report, "zh", created_by="scheduler").id
    return World(
        agent, b.id, a.id, b_ticket, a_ticket, "inc-b", pending.json()["id"], search.json()["id"], markers,
        b_delivery, b_entry, b_report,
    )  # fmt: skip


#: A body that would work on A's own objects, per operation.
def body_for(method: str, path: str, world: World) -> Any:
    bodies: dict[tuple[str, str], Any] = {
        ("post", "/api/v1/tickets"): {"title": "抢单", "brand": BRAND_B, "mention_ids": [world.b_mention]},
        ("patch", "/api/v1/tickets/{ticket_id}"): {"title": "改了"},
        ("post", "/api/v1/tickets/{ticket_id}/comments"): {"body": "看看"},
        ("post", "/api/v1/tickets/{ticket_id}/replies"): {"body": "您好"},
        ("post", "/api/v1/tickets/{ticket_id}/satisfaction"): {"satisfaction": "satisfied"},
        ("post", "/api/v1/tickets/{ticket_id}/merge"): {"into": world.a_ticket["id"]},
        ("post", "/api/v1/exports/tickets"): {"format": "csv", "filters": {"brand": [BRAND_B]}},
        ("post", "/api/v1/exports/mentions"): {"format": "csv", "brand": [BRAND_B]},
        ("patch", "/api/v1/searches/{search_id}"): {"name": "mine-now"},
        ("post", "/api/v1/searches"): {"name": "s", "query": "光屿"},
        ("post", "/api/v1/users"): {"name": "x", "role": "admin"},
        ("patch", "/api/v1/users/{user_id}"): {"role": "admin"},
        ("post", "/api/v1/knowledge/entries"): {"title": "抢", "answer": "抢", "brand": BRAND_B},
        ("put", "/api/v1/knowledge/entries/{entry_id}"): {"title": "改了", "answer": "改了", "brand": BRAND_A},
        ("put", "/api/v1/alerts/incidents/{incident}/assignee"): {"user_id": None},
        ("post", "/api/v1/alerts/incidents/{incident}/comments"): {"text": "看看"},
        ("put", "/api/v1/alerts/incidents/{incident}/ticket"): {"number": world.a_ticket["number"]},
    }
    return bodies.get((method, path))


def path_params(world: World) -> dict[str, Any]:
    return {
        "ticket_id": world.b_ticket["id"],
        "mention_id": world.b_mention,
        "incident": world.b_incident,
        "request_id": world.b_export,
        "search_id": world.b_search,
        "user_id": 1,
        "number": world.b_ticket["number"],
        "delivery_id": world.b_delivery,
        "entry_id": world.b_entry,
        "report_id": world.b_report,
        "fmt": "xlsx",
        "name": "b-rule",
    }


#: Whole functions an agent may not use: 403, never a look at an object.
ADMIN_ONLY = ("/api/v1/users", "/api/v1/audit")
#: Under ADMIN_ONLY's prefixes but open to agents, answering only within the caller's departments and brands.
SCOPED_LISTS = ("/api/v1/users/assignees",)
#: Operations that change nothing of B's but answer about the caller's own things.
OWN = {("delete", "/api/v1/session"), ("post", "/api/v1/session"), ("put", "/api/v1/session/language")}


@pytest.mark.slow
@pytest.mark.parametrize("role", ["agent", "pr"])
def test_a_user_of_brand_a_reaches_nothing_of_brand_b(served: Served, role: str) -> None:
    """An agent, and a PR person, limited to brand A."""
    world = build(served, role)
    schema = served.http.get("/openapi.json").json()
    params = path_params(world)
    tried = 0
    for path, operations in schema["paths"].items():
        for method in operations:
            if (method, path) in OWN:
                continue
            url = path.format(**{k: params[k] for k in params if "{" + k + "}" in path})
            query = {"brand": BRAND_B, "code": "WRONGCODE"}  # the customer's code is not A's to know
            response = served.http.request(
                method.upper(), url, headers=world.agent, params=query, json=body_for(method, path, world)
            )
            tried += 1
            where = f"{method.upper()} {path}"
            assert response.status_code < 500, (where, response.text)
            for marker in world.markers:
                assert marker not in response.text, (where, marker, response.text[:500])
            if path.startswith(ADMIN_ONLY) and path not in SCOPED_LISTS:
                assert response.status_code == 403, where
            elif "{" in path and not path.startswith("/api/v1/public"):
                # B's object does not exist for A (merge: A's ticket into... B's is the path object).
                assert response.status_code == 404, (where, response.status_code, response.text)
    assert tried >= 30
    # Nothing of B was written: B's ticket is as it was, no ticket joined B's mention, B's export still waits.
    b_now = served.http.get(f"/api/v1/tickets/{world.b_ticket['id']}", headers=ADMIN).json()
    assert b_now["version"] == world.b_ticket["version"] and b_now["title"] == B_TITLE
    exports = {e["id"]: e for e in served.http.get("/api/v1/exports", headers=ADMIN).json()}
    assert exports[world.b_export]["status"] == "pending"


def test_creating_a_ticket_with_b_mentions_or_b_alert_key_gets_nothing_of_b(served: Served) -> None:
    world = build(served)
    http = served.http
    before = http.get("/api/v1/tickets", headers=ADMIN).json()["total"]
    # B's mention ids: the same answer as ids that never existed, and nothing written.
    for brand in (BRAND_A, BRAND_B):
        response = http.post(
            "/api/v1/tickets",
            headers=world.agent,
            json={"title": "顺手", "brand": brand, "mention_ids": [world.b_mention]},
        )
        assert response.status_code == 422 and "no such mentions" in response.text
        assert not any(m in response.text for m in world.markers)
    # B's alert key: a new ticket of A's, never B's ticket with its verification code.
    alert = {
        "rule": "b-rule", "key": BRAND_B, "incident": "inc-b", "window_start": NOW.isoformat(),
        "window_end": NOW.isoformat(), "summary": "x",
    }  # fmt: skip
    response = http.post(
        "/api/v1/tickets", headers=world.agent, json={"title": "警报", "brand": BRAND_A, "alert": alert}
    )
    assert response.status_code == 201 and response.json()["id"] != world.b_ticket["id"]
    assert not any(m in response.text for m in world.markers)
    assert http.get("/api/v1/tickets", headers=ADMIN).json()["total"] == before + 1
    # A's own mention still works.
    response = http.post(
        "/api/v1/tickets",
        headers=world.agent,
        json={"title": "鲜达", "brand": BRAND_A, "mention_ids": [world.a_mention]},
    )
    assert response.status_code == 201


def test_stats_search_and_facets_keep_to_the_agents_brands(served: Served) -> None:
    world = build(served)
    http = served.http
    since = (NOW - timedelta(days=1)).isoformat()
    until = (NOW + timedelta(hours=1)).isoformat()
    trend = http.get(
        "/api/v1/stats/trend", headers=world.agent, params={"interval": "hour", "since": since, "until": until}
    ).json()
    assert [s["brand"] for s in trend["series"]] == [BRAND_A] and trend["series"][0]["total"] == 1
    asked = http.get(
        "/api/v1/stats/trend",
        headers=world.agent,
        params={"interval": "hour", "since": since, "until": until, "brand": BRAND_B},
    ).json()
    assert asked["series"] == []
    admin = http.get(
        "/api/v1/stats/trend", headers=ADMIN, params={"interval": "hour", "since": since, "until": until}
    ).json()
    assert sorted(s["brand"] for s in admin["series"]) == sorted([BRAND_A, BRAND_B])
    found = http.get("/api/v1/mentions", headers=world.agent, params={"q": "光屿"}).json()
    assert found["total"] == 0
    facets = http.get("/api/v1/mentions/facets", headers=world.agent, params={"since": since, "until": until}).json()
    assert [f["value"] for f in facets["facets"]["brand"]] == [BRAND_A]
