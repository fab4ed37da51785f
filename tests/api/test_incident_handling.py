"""People handling incidents over HTTP: acknowledge, assign, comment, link the ticket; each act in the
incident's history and the audit trail, scoped to the caller's brands, bad input refused with a 4xx."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fastapi.testclient import TestClient

from alerts.client import TicketClient
from alerts.engine import AlertEngine, EvaluationReport
from api.app import create_app
from api.resources import Resources
from config.loader import parse_config
from tests.api.conftest import AUTH
from tests.api.test_alerts import bad_news
from tests.factories import BRANDS_YAML, NOW
from tickets.schemas import TicketCreate

NO_TICKET = """
alerts:
  rules:
    - {name: neg, type: negative_share, window: 24h, min_count: 3, threshold: 0.5, top_posts: 2, open_ticket: false}
"""
BASE = "/api/v1/alerts/incidents"


def evaluate(resources: Resources, rules: str, at: object = NOW) -> EvaluationReport:
    resources.config = parse_config(BRANDS_YAML + rules)
    client = TicketClient.in_process(create_app(resources), resources.issue_internal_key(), backoff=0.01)
    engine = AlertEngine.from_config(resources.config, resources.mentions, resources.alerts, client)
    return asyncio.run(engine.evaluate(at, catch_up=False))  # type: ignore[arg-type]


def make_user(client: TestClient, name: str, role: str = "pr", **fields: object) -> tuple[int, dict[str, str]]:
    body = {"name": name, "role": role, **({"departments": ["客服部"]} if role == "agent" else {}), **fields}
    response = client.post("/api/v1/users", headers=AUTH, json=body)
    assert response.status_code == 201, response.json()
    return int(response.json()["id"]), {"X-API-Key": response.json()["api_key"]}


def listed(client: TestClient, headers: dict[str, str] = AUTH) -> dict[str, object]:
    response = client.get(BASE, headers=headers)
    assert response.status_code == 200, response.json()
    [item] = response.json()["items"]
    return dict(item)


def test_acknowledge_assign_comment_and_the_history(client: TestClient, resources: Resources) -> None:
    bad_news(resources)
    [fired] = evaluate(resources, NO_TICKET).fired
    incident = fired.incident
    assert listed(client)["status"] == "open"

    mei, mei_auth = make_user(client, "mei", display_name="梅")
    acked = client.post(f"{BASE}/{incident}/acknowledge", headers=mei_auth)
    assert acked.status_code == 200, acked.json()
    assert acked.json()["status"] == "acknowledged" and acked.json()["acknowledged_by"] == "mei"
    again = client.post(f"{BASE}/{incident}/acknowledge", headers=AUTH)  # changes nothing
    assert again.status_code == 200 and again.json()["acknowledged_by"] == "mei"

    given = client.put(f"{BASE}/{incident}/assignee", headers=AUTH, json={"user_id": mei})
    assert given.status_code == 200 and given.json()["assignee"] == {"id": mei, "display_name": "梅"}
    said = client.post(f"{BASE}/{incident}/comments", headers=mei_auth, json={"text": "  回电 13812345678 的用户  "})
    assert said.status_code == 201, said.json()

    item = listed(client)
    assert item["status"] == "acknowledged" and item["comments"] == 1 and item["acknowledged_by"] == "mei"
    assert item["assignee"] == {"id": mei, "display_name": "梅"}
    history = client.get(f"{BASE}/{incident}/history", headers=AUTH).json()["history"]
    assert [h["kind"] for h in history] == ["fired", "acknowledged", "assigned", "commented"]
    assert history[1]["by"] == "mei" and history[3]["by"] == "mei" and history[2]["assignee"]["id"] == mei
    comment = history[-1]["text"]
    assert comment.startswith("回电") and "13812345678" not in comment  # masked when shown
    audit = client.get("/api/v1/audit", headers=AUTH).json()
    actions = [e["action"] for e in audit if e["object_type"] == "incident"]
    assert sorted(actions) == ["incident.acknowledged", "incident.assigned", "incident.commented"]
    # The chart's history is not cluttered with people's acts unless they are asked for.
    kinds = {e["kind"] for e in client.get("/api/v1/alerts/events", headers=AUTH).json()["items"]}
    assert kinds == {"fired"}

    nobody = client.put(f"{BASE}/{incident}/assignee", headers=AUTH, json={"user_id": None})
    assert nobody.status_code == 200 and nobody.json()["assignee"] is None

    evaluate(resources, NO_TICKET, NOW + timedelta(hours=30))  # resolved
    late = client.post(f"{BASE}/{incident}/acknowledge", headers=AUTH)
    assert late.status_code == 409
    assert listed(client)["status"] == "resolved"


def test_link_the_one_ticket(client: TestClient, resources: Resources) -> None:
    bad_news(resources)
    [fired] = evaluate(resources, NO_TICKET).fired
    incident = fired.incident
    ticket, _ = resources.tickets.create(TicketCreate(title="外卖投诉集中", brand="鲜达外卖"), now=NOW)
    linked = client.put(f"{BASE}/{incident}/ticket", headers=AUTH, json={"number": ticket.number})
    assert linked.status_code == 200, linked.json()
    assert linked.json()["ticket_number"] == ticket.number
    assert listed(client)["ticket"]["number"] == ticket.number  # type: ignore[index]
    # The open incident's state holds it: the engine will not open a second one.
    state = resources.alerts.get("neg", fired.key)
    assert state is not None and state.ticket_number == ticket.number
    other, _ = resources.tickets.create(TicketCreate(title="另一张", brand="鲜达外卖"), now=NOW)
    second = client.put(f"{BASE}/{incident}/ticket", headers=AUTH, json={"number": other.number})
    assert (
        second.status_code == 409
        and "already has a ticket"
        in client.put(
            f"{BASE}/{incident}/ticket", headers={**AUTH, "Accept-Language": "en"}, json={"number": other.number}
        ).json()["error"]["message"]
    )
    zh = client.put(
        f"{BASE}/{incident}/ticket", headers={**AUTH, "Accept-Language": "zh"}, json={"number": other.number}
    )
    assert zh.json()["error"]["message"] == f"告警事件 {incident} 已关联工单"


def test_bad_input_and_other_brands(client: TestClient, resources: Resources) -> None:
    bad_news(resources)
    [fired] = evaluate(resources, NO_TICKET).fired
    incident = fired.incident
    cases = [
        ("post", f"{BASE}/nope/acknowledge", None, 404),
        ("post", f"{BASE}/{'x' * 300}/acknowledge", None, 404),
        ("post", f"{BASE}/{incident}/comments", {"text": "   "}, 422),
        ("post", f"{BASE}/{incident}/comments", {"text": "x" * 2001}, 422),
        ("post", f"{BASE}/{incident}/comments", {"text": "ok", "extra": 1}, 422),
        ("put", f"{BASE}/{incident}/assignee", {"user_id": 99999}, 400),
        ("put", f"{BASE}/{incident}/assignee", {"user_id": "梅"}, 422),
        ("put", f"{BASE}/{incident}/assignee", {}, 422),
        ("put", f"{BASE}/{incident}/ticket", {"number": "T-none"}, 400),
        ("put", f"{BASE}/{incident}/ticket", {"number": ""}, 422),
        ("get", f"{BASE}/nope/history", None, 404),
    ]
    for method, url, body, expected in cases:
        response = client.request(method.upper(), url, headers=AUTH, json=body)
        assert response.status_code == expected, (url, body, response.json())

    # Someone limited to another brand: the incident does not exist for them, and nobody of that brand
    # can be given it.
    lumi, lumi_auth = make_user(client, "lumi", brands=["光屿手机"])
    for method, url, body in [
        ("get", f"{BASE}/{incident}/history", None),
        ("post", f"{BASE}/{incident}/acknowledge", None),
        ("post", f"{BASE}/{incident}/comments", {"text": "hi"}),
    ]:
        assert client.request(method.upper(), url, headers=lumi_auth, json=body).status_code == 404
    zh = {**AUTH, "Accept-Language": "zh-CN"}
    other_brand = client.put(f"{BASE}/{incident}/assignee", headers=zh, json={"user_id": lumi})
    assert (
        other_brand.status_code == 400 and other_brand.json()["error"]["message"] == f"用户 {lumi} 不负责品牌 鲜达外卖"
    )
    assert listed(client)["status"] == "open"  # nothing of the refused acts was recorded
