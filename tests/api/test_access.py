"""People and access over HTTP: roles, departments and brands, masking and audited unmasking."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.resources import Resources
from config.loader import parse_config
from config.settings import Settings
from tests.api.conftest import API_KEY, AUTH
from tests.factories import BRANDS_YAML

CONFIG = (
    BRANDS_YAML
    + """
tickets:
  departments: [客服部, 品控部]
  routing:
    - {category: product_quality, department: 品控部}
"""
)


@pytest.fixture
def client(tmp_path: Path, database_url: str) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path,
        config=tmp_path / "c.yaml",
        database_url=database_url,
        mention_store_url=f"sqlite:///{(tmp_path / 'm.sqlite3').as_posix()}",
        api_keys=[API_KEY],
    )  # type: ignore[list-item]
    resources = Resources.open(settings, parse_config(CONFIG))
    with TestClient(create_app(resources)) as c:
        yield c
    resources.close()


def user(client: TestClient, name: str, role: str, **fields: object) -> dict[str, str]:
    response = client.post("/api/v1/users", headers=AUTH, json={"name": name, "role": role, **fields})
    assert response.status_code == 201, response.json()
    return {"X-API-Key": response.json()["api_key"]}


def ticket(client: TestClient, headers: dict[str, str], title: str, **fields: object) -> dict[str, object]:
    response = client.post("/api/v1/tickets", headers=headers, json={"title": title, **fields})
    assert response.status_code == 201, response.json()
    return dict(response.json())


def test_agents_never_see_other_departments_or_brands(client: TestClient) -> None:
    service = user(client, "wang", "agent", departments=["客服部"], brands=["鲜达外卖"])
    quality = user(client, "zhao", "agent", departments=["品控部"])
    mine = ticket(client, AUTH, "会员怎么开通", brand="鲜达外卖")
    other_brand = ticket(client, AUTH, "会员怎么开通", brand="光屿手机")
    other_department = ticket(client, AUTH, "炸鸡变质了", brand="鲜达外卖")
    listed = client.get("/api/v1/tickets", headers=service).json()
    assert [t["id"] for t in listed["items"]] == [mine["id"]] and listed["total"] == 1
    # Walking ids reveals nothing: 404, the same as a ticket that does not exist.
    for tid in (other_brand["id"], other_department["id"], 99999):
        for method, path, body in (
            ("GET", "", None),
            ("PATCH", "", {"title": "x"}),
            ("POST", "/comments", {"body": "x"}),
            ("POST", "/replies", {"body": "x"}),
        ):
            response = client.request(method, f"/api/v1/tickets/{tid}{path}", headers=service, json=body)
            assert response.status_code == 404, (tid, method, path)
            assert response.json()["error"]["message"] == f"ticket {tid} does not exist"
    assert client.get(f"/api/v1/tickets/{other_department['id']}", headers=quality).status_code == 200


def test_pr_reads_but_does_not_change(client: TestClient) -> None:
    pr = user(client, "pr1", "pr")
    target = ticket(client, AUTH, "会员怎么开通")
    assert client.get(f"/api/v1/tickets/{target['id']}", headers=pr).status_code == 200
    assert client.get("/api/v1/mentions", headers=pr).status_code == 200
    for method, path, body in (
        ("PATCH", f"/api/v1/tickets/{target['id']}", {"title": "x"}),
        ("POST", "/api/v1/tickets", {"title": "x"}),
        ("POST", "/api/v1/users", {"name": "x", "role": "admin"}),
    ):
        response = client.request(method, path, headers=pr, json=body)
        assert response.status_code == 403, (method, path)
        assert response.json()["error"]["code"] == "forbidden"


def test_only_admins_manage_users(client: TestClient) -> None:
    agent = user(client, "wang", "agent", departments=["客服部"])
    assert client.get("/api/v1/users", headers=agent).status_code == 403
    assert client.get("/api/v1/audit", headers=agent).status_code == 403
    assert [u["name"] for u in client.get("/api/v1/users", headers=AUTH).json()] == ["wang"]
    bad = client.post("/api/v1/users", headers=AUTH, json={"name": "x", "role": "agent", "departments": ["无此部门"]})
    assert bad.status_code == 400 and "unknown departments" in bad.json()["error"]["message"]
    no_department = client.post("/api/v1/users", headers=AUTH, json={"name": "y", "role": "agent"})
    assert no_department.status_code == 400
    duplicate = client.post("/api/v1/users", headers=AUTH, json={"name": "wang", "role": "pr"})
    assert duplicate.status_code == 409


def test_deactivated_or_rotated_keys_stop_working(client: TestClient) -> None:
    response = client.post("/api/v1/users", headers=AUTH, json={"name": "wang", "role": "pr"})
    key, uid = response.json()["api_key"], response.json()["id"]
    assert client.get("/api/v1/tickets", headers={"X-API-Key": key}).status_code == 200
    new_key = client.post(f"/api/v1/users/{uid}/key", headers=AUTH).json()["api_key"]
    assert client.get("/api/v1/tickets", headers={"X-API-Key": key}).status_code == 401
    assert client.get("/api/v1/tickets", headers={"X-API-Key": new_key}).status_code == 200
    client.post(f"/api/v1/users/{uid}/deactivate", headers=AUTH)
    assert client.get("/api/v1/tickets", headers={"X-API-Key": new_key}).status_code == 401


def test_personal_data_is_masked_and_unmasking_is_audited(client: TestClient) -> None:
    agent = user(client, "wang", "agent", departments=["客服部"])
    trusted = user(client, "li", "agent", departments=["客服部"], permissions=["pii"])
    created = ticket(
        client,
        AUTH,
        "会员怎么开通",
        description="请打 13812345678 联系我",
        customer={
            "name": "张三",
            "gender": "male",
            "phone": "13812345678",
            "email": "zhangsan@example.com",
            "nickname": "鲜达受害者",
        },
    )
    assert created["customer"] == {
        "name": "张先生",
        "gender": "male",
        "nickname": "鲜****",
        "phone": "*******5678",
        "email": "zh***@example.com",
        "type": "new",
        "masked": True,
    }
    assert "13812345678" not in str(created)
    url = f"/api/v1/tickets/{created['id']}"
    assert client.get(url, headers=agent).json()["customer"]["masked"]
    assert client.get(url, headers=agent, params={"unmask": True}).status_code == 403
    assert client.get(url, headers=trusted).json()["customer"]["phone"] == "*******5678"  # masked unless asked
    raw = client.get(url, headers=trusted, params={"unmask": True}).json()
    assert raw["customer"]["phone"] == "13812345678" and "13812345678" in raw["description"]
    audit = client.get("/api/v1/audit", headers=AUTH).json()
    assert audit[0]["action"] == "pii.unmasked" and audit[0]["actor"] == "li"
    assert audit[0]["object_id"] == str(created["id"])


def test_server_owned_fields_cannot_be_set(client: TestClient) -> None:
    for field, value in (
        ("status", "closed"),
        ("number", "FBD1"),
        ("department", "品控部"),
        ("received_at", "2020-01-01T00:00:00Z"),
        ("verification_code", "AAAA"),
    ):
        response = client.post("/api/v1/tickets", headers=AUTH, json={"title": "x", field: value})
        assert response.status_code == 422 and field in response.json()["error"]["message"]
    target = ticket(client, AUTH, "x")
    for field, value in (("number", "FBD1"), ("round", 5), ("version", 9), ("responded_at", "2020-01-01T00:00:00Z")):
        response = client.patch(f"/api/v1/tickets/{target['id']}", headers=AUTH, json={field: value})
        assert response.status_code == 422, field


def test_public_progress_needs_no_key_and_leaks_nothing(client: TestClient) -> None:
    created = ticket(client, AUTH, "会员怎么开通", customer={"name": "李四", "gender": "female"})
    code = created["verification_code"]
    response = client.get(f"/api/v1/public/tickets/{created['number']}", params={"code": code})
    assert response.status_code == 200 and response.json()["customer"] == "李女士"
    assert "title" not in response.json() and "description" not in response.json()
    wrong = client.get(f"/api/v1/public/tickets/{created['number']}", params={"code": "ZZZZZZZZ"})
    assert wrong.status_code == 404
    assert client.get(f"/api/v1/public/tickets/{created['number']}").status_code == 422  # the code is required
