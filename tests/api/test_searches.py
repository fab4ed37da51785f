"""``/searches`` over HTTP, on SQLite and PostgreSQL: saving, reading, changing and sharing searches."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import AUTH

URL = "/api/v1/searches"


def user(client: TestClient, name: str, role: str = "pr", **fields: object) -> dict[str, str]:
    response = client.post("/api/v1/users", headers=AUTH, json={"name": name, "role": role, **fields})
    assert response.status_code == 201, response.json()
    return {"X-API-Key": response.json()["api_key"]}


def test_save_read_change_delete(client: TestClient) -> None:
    wang = user(client, "wang")
    body = {"name": "退款", "query": 'platform:weibo AND (退款 OR "不发货") -广告', "filters": {"sort": "relevance"}}
    created = client.post(URL, headers=wang, json=body)
    assert created.status_code == 201, created.json()
    search = created.json()
    assert created.headers["Location"] == f"{URL}/{search['id']}"
    assert {k: search[k] for k in ("name", "owner", "query", "filters", "shared", "editable")} == {
        **body,
        "owner": "wang",
        "shared": False,
        "editable": True,
    }
    assert client.get(f"{URL}/{search['id']}", headers=wang).json() == search
    assert [s["id"] for s in client.get(URL, headers=wang).json()["items"]] == [search["id"]]
    changed = client.patch(f"{URL}/{search['id']}", headers=wang, json={"query": "退款 慢", "shared": True})
    assert changed.status_code == 200 and changed.json()["query"] == "退款 慢" and changed.json()["shared"]
    assert changed.json()["filters"] == {"sort": "relevance"} and changed.json()["name"] == "退款"
    assert client.delete(f"{URL}/{search['id']}", headers=wang).status_code == 204
    assert client.get(f"{URL}/{search['id']}", headers=wang).status_code == 404


def test_a_bad_query_is_a_400_naming_the_column(client: TestClient) -> None:
    response = client.post(URL, headers=AUTH, json={"name": "坏", "query": "退款 AND (不发货"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_query" and error["message"].startswith("query: invalid query at column 12")
    assert error["details"][0]["field"] == "query" and error["details"][0]["position"] == 12
    assert client.get(URL, headers=AUTH).json() == {"items": []}
    sid = client.post(URL, headers=AUTH, json={"name": "好", "query": "退款"}).json()["id"]
    bad_patch = client.patch(f"{URL}/{sid}", headers=AUTH, json={"query": "platform:"})
    assert bad_patch.status_code == 400 and "column 10" in bad_patch.json()["error"]["message"]


def test_bad_bodies_are_4xx_naming_the_field(client: TestClient) -> None:
    for body, field in (
        ({"query": "退款"}, "name"),
        ({"name": "  ", "query": "退款"}, "name"),
        ({"name": "x", "query": ""}, "query"),
        ({"name": "x", "query": "退款", "owner": "someone"}, "owner"),
        ({"name": "x", "query": "退款", "filters": {"sort": "random"}}, "sort"),
        ({"name": "x", "query": "退款", "filters": {"brand": ["鲜达外卖"]}}, "brand"),
    ):
        response = client.post(URL, headers=AUTH, json=body)
        assert response.status_code == 422, body
        assert field in response.json()["error"]["message"], (body, response.json())
    assert client.patch(f"{URL}/1", headers=AUTH, json={"id": 5}).status_code == 422
    assert client.get(f"{URL}/abc", headers=AUTH).status_code == 422


def test_names_are_unique_per_owner(client: TestClient) -> None:
    wang, li = user(client, "wang"), user(client, "li")
    assert client.post(URL, headers=wang, json={"name": "退款", "query": "退款"}).status_code == 201
    duplicate = client.post(URL, headers=wang, json={"name": "退款", "query": "不发货"})
    assert duplicate.status_code == 409 and "退款" in duplicate.json()["error"]["message"]
    assert client.post(URL, headers=li, json={"name": "退款", "query": "退款"}).status_code == 201


def test_sharing_and_who_may_change_what(client: TestClient) -> None:
    wang, li = user(client, "wang"), user(client, "li")
    private = client.post(URL, headers=wang, json={"name": "私人", "query": "退款"}).json()
    shared = client.post(URL, headers=wang, json={"name": "公共", "query": "不发货", "shared": True}).json()
    listed = client.get(URL, headers=li).json()["items"]
    assert [(s["name"], s["editable"]) for s in listed] == [("公共", False)]
    # Another person's private search does not exist for them; a shared one is readable, not changeable.
    assert client.get(f"{URL}/{private['id']}", headers=li).status_code == 404
    assert client.patch(f"{URL}/{private['id']}", headers=li, json={"shared": True}).status_code == 404
    for method, body in (("PATCH", {"shared": False}), ("PATCH", {"query": "x"}), ("DELETE", None)):
        response = client.request(method, f"{URL}/{shared['id']}", headers=li, json=body)
        assert response.status_code == 403 and "belongs to wang" in response.json()["error"]["message"]
    # An admin may: unsharing hides it from the others again.
    unshared = client.patch(f"{URL}/{shared['id']}", headers=AUTH, json={"shared": False})
    assert unshared.status_code == 200 and unshared.json()["editable"]
    assert client.get(URL, headers=li).json()["items"] == []
    # Shared names are unique, because alert rules name shared searches by name.
    client.patch(f"{URL}/{shared['id']}", headers=wang, json={"shared": True})
    clash = client.post(URL, headers=li, json={"name": "公共", "query": "退款", "shared": True})
    assert clash.status_code == 409 and "exists already" in clash.json()["error"]["message"]
