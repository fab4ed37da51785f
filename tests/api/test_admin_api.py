"""What the admin pages read and change: users with roles and brand scopes (audited), each user's language
(used for the server's texts), the knowledge base with role checks, and alert rules with a replay over the
stored history, each scoped to the caller's brands."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.resources import Resources
from config.loader import parse_config
from foundation.timeutil import utcnow
from tests.api.conftest import AUTH, settings_for
from tests.factories import BRANDS_YAML, make_mention

CONFIG = (
    BRANDS_YAML
    + """
tickets:
  departments: [客服部, 品控部]
alerts:
  rules:
    - {name: neg, type: negative_share, window: 6h, min_count: 3, threshold: 0.5, realert: 1h}
    - {name: lumi-only, type: negative_share, brands: [光屿手机], window: 6h, min_count: 3, threshold: 0.5}
"""
)


@pytest.fixture
def resources(tmp_path: Path, database_url: str) -> Iterator[Resources]:
    settings = settings_for(tmp_path, database_url)
    res = Resources.open(settings, parse_config(CONFIG))
    yield res
    res.close()


@pytest.fixture
def client(resources: Resources) -> Iterator[TestClient]:
    with TestClient(create_app(resources)) as c:
        yield c


def user(client: TestClient, name: str, role: str, **fields: object) -> tuple[int, dict[str, str]]:
    response = client.post("/api/v1/users", headers=AUTH, json={"name": name, "role": role, **fields})
    assert response.status_code == 201, response.json()
    return response.json()["id"], {"X-API-Key": response.json()["api_key"]}


def test_an_admin_changes_a_users_role_and_brands_and_the_audit_log_says_what_changed(client: TestClient) -> None:
    uid, key = user(client, "li", "agent", departments=["客服部"])
    changed = client.patch(
        f"/api/v1/users/{uid}",
        headers=AUTH,
        json={"level": "supervisor", "brands": ["光屿手机"], "departments": ["客服部", "品控部"]},
    )
    assert changed.status_code == 200, changed.json()
    body = changed.json()
    assert (body["level"], body["brands"], body["departments"]) == ("supervisor", ["光屿手机"], ["品控部", "客服部"])
    [entry] = [e for e in client.get("/api/v1/audit", headers=AUTH).json() if e["action"] == "user.updated"]
    assert entry["details"]["changes"]["brands"] == [[], ["光屿手机"]] and entry["object_id"] == str(uid)
    # The change holds at once for the user's key: a brand they no longer serve is gone.
    assert client.get("/api/v1/session", headers=key).json()["brands"] == ["光屿手机"]
    bad = client.patch(f"/api/v1/users/{uid}", headers=AUTH, json={"brands": ["无此品牌"]})
    assert bad.status_code == 400 and "无此品牌" in bad.json()["error"]["message"]
    null = client.patch(f"/api/v1/users/{uid}", headers=AUTH, json={"role": None})
    assert null.status_code == 400
    assert client.patch(f"/api/v1/users/{uid}", headers=key, json={"level": "executive"}).status_code == 403
    assert client.get("/api/v1/audit", headers=key).status_code == 403
    assert client.post(f"/api/v1/users/{uid}/deactivate", headers=AUTH).json()["active"] is False
    assert client.post(f"/api/v1/users/{uid}/activate", headers=AUTH).json()["active"] is True


def test_a_users_language_is_kept_and_used_for_the_servers_texts(client: TestClient) -> None:
    _, key = user(client, "wang", "agent", departments=["客服部"], language="en")
    assert client.get("/api/v1/session", headers=key).json()["language"] == "en"
    english = client.get("/api/v1/tickets/999", headers=key)
    assert english.json()["error"]["message"] == "ticket 999 does not exist"
    chosen = client.put("/api/v1/session/language", headers=key, json={"language": "zh"})
    assert chosen.status_code == 200 and chosen.json()["language"] == "zh"
    chinese = client.get("/api/v1/tickets/999", headers=key)
    assert chinese.json()["error"]["message"] == "工单 999 不存在" and chinese.headers["content-language"] == "zh-CN"
    # A request that names its language still gets it.
    asked = client.get("/api/v1/tickets/999", headers={**key, "Accept-Language": "en"})
    assert asked.json()["error"]["message"] == "ticket 999 does not exist"
    assert client.put("/api/v1/session/language", headers=key, json={"language": "fr"}).status_code == 422
    bootstrap = client.put("/api/v1/session/language", headers=AUTH, json={"language": "zh"})
    assert bootstrap.status_code == 400


def test_knowledge_base_entries_with_role_checks_and_suggestions_beside_a_ticket(client: TestClient) -> None:
    _, supervisor = user(client, "li", "agent", level="supervisor", departments=["客服部"])
    _, agent = user(client, "wang", "agent", departments=["客服部"])
    _, lumi = user(client, "zhao", "agent", level="manager", departments=["客服部"], brands=["光屿手机"])
    entry = {"title": "配送超时赔付", "answer": "配送超时 30 分钟以上赔付 10 元优惠券。", "category": "logistics"}
    made = client.post("/api/v1/knowledge/entries", headers=supervisor, json=entry)
    assert made.status_code == 201 and made.json()["created_by"] == "li"
    assert client.post("/api/v1/knowledge/entries", headers=agent, json=entry).status_code == 403
    unknown = client.post("/api/v1/knowledge/entries", headers=AUTH, json={**entry, "brand": "无此品牌"})
    assert unknown.status_code == 422
    xianda = client.post("/api/v1/knowledge/entries", headers=AUTH, json={**entry, "brand": "鲜达外卖"}).json()
    assert {e["id"] for e in client.get("/api/v1/knowledge/entries", headers=lumi).json()} == {made.json()["id"]}
    assert client.get(f"/api/v1/knowledge/entries/{xianda['id']}", headers=lumi).status_code == 404
    ticket = client.post(
        "/api/v1/tickets",
        headers=AUTH,
        json={"title": "外卖配送超时一小时", "brand": "鲜达外卖", "category": "logistics"},
    ).json()
    suggested = client.get(f"/api/v1/tickets/{ticket['id']}/knowledge", headers=agent).json()
    assert [s["id"] for s in suggested][:2] == sorted([made.json()["id"], xianda["id"]], reverse=True)
    assert all(s["score"] > 0.5 for s in suggested)
    changed = client.put(
        f"/api/v1/knowledge/entries/{made.json()['id']}", headers=supervisor, json={**entry, "answer": "赔付优惠券。"}
    )
    assert changed.status_code == 200 and changed.json()["answer"] == "赔付优惠券。"
    assert client.delete(f"/api/v1/knowledge/entries/{made.json()['id']}", headers=agent).status_code == 403
    assert client.delete(f"/api/v1/knowledge/entries/{made.json()['id']}", headers=supervisor).status_code == 204


def test_alert_rules_are_listed_within_scope_and_replayed_over_history(
    client: TestClient, resources: Resources
) -> None:
    now = utcnow()
    resources.mentions.upsert(
        [
            make_mention(
                f"鲜达外卖太差了 {i}", label="negative", score=0.05, published_at=now - timedelta(hours=3, minutes=i)
            )
            for i in range(6)
        ]
    )
    resources.mentions.refresh()
    rules = client.get("/api/v1/alerts/rules", headers=AUTH).json()
    assert [r["name"] for r in rules] == ["neg", "lumi-only"]
    assert rules[0]["params"]["threshold"] == 0.5 and rules[0]["params"]["window"] is not None
    replayed = client.post("/api/v1/alerts/rules/neg/test", headers=AUTH, params={"since": "1d", "step": "30m"})
    assert replayed.status_code == 200, replayed.json()
    body = replayed.json()
    assert body["fired"] >= 1 and body["evaluations"] == 49
    assert {e["key"] for e in body["events"] if e["kind"] == "fired"} == {"鲜达外卖"}
    # Someone working for 光屿手机 only: the other brand's rule keys and events do not exist for them.
    _, lumi = user(client, "zhao", "pr", brands=["光屿手机"])
    theirs = client.get("/api/v1/alerts/rules", headers=lumi).json()
    assert [r["brands"] for r in theirs] == [["光屿手机"], ["光屿手机"]]
    hidden = client.post("/api/v1/alerts/rules/neg/test", headers=lumi, params={"since": "1d", "step": "30m"})
    assert hidden.status_code == 200 and hidden.json()["events"] == []
    assert client.post("/api/v1/alerts/rules/nope/test", headers=AUTH).status_code == 404
    too_long = client.post("/api/v1/alerts/rules/neg/test", headers=AUTH, params={"since": "365d"})
    assert too_long.status_code == 400
