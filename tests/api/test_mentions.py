"""``GET /mentions`` and ``/mentions/{id}``."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from api.resources import Resources
from tests.api.conftest import AUTH
from tests.factories import NOW, make_mention


def seed(resources: Resources) -> list[str]:
    mentions = [
        make_mention("鲜达外卖配送太慢，申请退款没人理", label="negative", score=0.05, ago=timedelta(hours=1)),
        make_mention("鲜达外卖很好吃，送得快", label="positive", score=0.95, ago=timedelta(hours=2)),
        make_mention(
            "Lumi phone battery is <b>great</b> <script>alert(1)</script>",
            platform="reviews",
            brands=["光屿手机"],
            label="unscored",
            language="en",
            ago=timedelta(hours=3),
        ),
        make_mention("光屿手机退款流程很快", brands=["光屿手机"], label="positive", score=0.8, ago=timedelta(days=3)),
    ]
    resources.mentions.upsert(mentions)
    return [m.id for m in mentions]


def test_requires_api_key(client: TestClient) -> None:
    response = client.get("/api/v1/mentions")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/mentions", headers={"X-API-Key": "wrong-key-wrong-key"}).status_code == 401
    bearer = {"Authorization": f"Bearer {AUTH['X-API-Key']}"}
    assert client.get("/api/v1/mentions", headers=bearer).status_code == 200


def test_search_words_filters_and_highlight(client: TestClient, resources: Resources) -> None:
    ids = seed(resources)
    page = client.get("/api/v1/mentions", params={"q": "退款"}, headers=AUTH).json()
    assert {m["id"] for m in page["items"]} == {ids[0], ids[3]} and page["total"] == 2
    assert "<mark>退款</mark>" in page["items"][0]["highlight"]["text"]
    page = client.get("/api/v1/mentions", params={"q": "退款", "brand": "鲜达外卖"}, headers=AUTH).json()
    assert [m["id"] for m in page["items"]] == [ids[0]]
    page = client.get(
        "/api/v1/mentions", params={"sentiment": ["positive", "negative"], "brand": "鲜达外卖"}, headers=AUTH
    ).json()
    assert page["total"] == 2
    page = client.get("/api/v1/mentions", params={"score_max": 0.1}, headers=AUTH).json()
    assert [m["id"] for m in page["items"]] == [ids[0]]
    since = (NOW - timedelta(days=1)).isoformat()
    assert client.get("/api/v1/mentions", params={"since": since}, headers=AUTH).json()["total"] == 3
    naive = (NOW - timedelta(days=1)).replace(tzinfo=None).isoformat()
    assert client.get("/api/v1/mentions", params={"since": naive}, headers=AUTH).json()["total"] == 3


def test_english_search_escapes_hostile_text(client: TestClient, resources: Resources) -> None:
    ids = seed(resources)
    page = client.get("/api/v1/mentions", params={"q": "BATTERY great", "sort": "relevance"}, headers=AUTH).json()
    assert [m["id"] for m in page["items"]] == [ids[2]]
    fragment = page["items"][0]["highlight"]["text"]
    assert "<script>" not in fragment and "&lt;script&gt;" in fragment
    assert "<mark>battery</mark>" in fragment


def test_cursor_paging_walks_everything_once(client: TestClient, resources: Resources) -> None:
    resources.mentions.upsert([make_mention(f"鲜达 第{i}条", ago=timedelta(minutes=i)) for i in range(11)])
    seen: list[str] = []
    params: dict[str, object] = {"limit": 4}
    while True:
        page = client.get("/api/v1/mentions", params=params, headers=AUTH).json()
        seen += [m["id"] for m in page["items"]]
        if not page["next_cursor"]:
            break
        params = {"limit": 4, "cursor": page["next_cursor"]}
    assert len(seen) == len(set(seen)) == 11


def test_bad_parameters_are_4xx_with_a_reason(client: TestClient) -> None:
    cases = {
        "sentiment=angry": ("sentiment", 422),
        "score_min=2": ("score_min", 422),
        "since=2026-02-01&until=2026-01-01": ("since", 422),
        "limit=1000": ("limit", 422),
        "offset=5000": ("offset", 422),
        "brnad=x": ("brnad", 422),
        "cursor=bogus": ("cursor", 400),
        "q=%21%21%21": ("letters", 400),
        "since=yesterday": ("since", 422),
    }
    for query, (word, status) in cases.items():
        response = client.get(f"/api/v1/mentions?{query}", headers=AUTH)
        assert response.status_code == status, query
        assert word in response.json()["error"]["message"], (query, response.json())


def test_cursor_from_another_search_is_refused(client: TestClient, resources: Resources) -> None:
    resources.mentions.upsert([make_mention(f"鲜达 {i}") for i in range(3)])
    cursor = client.get("/api/v1/mentions", params={"limit": 1}, headers=AUTH).json()["next_cursor"]
    response = client.get("/api/v1/mentions", params={"limit": 1, "cursor": cursor, "brand": "x"}, headers=AUTH)
    assert response.status_code == 400 and "different search" in response.json()["error"]["message"]


def test_get_one_mention(client: TestClient, resources: Resources) -> None:
    ids = seed(resources)
    body = client.get(f"/api/v1/mentions/{ids[0]}", headers=AUTH).json()
    assert body["id"] == ids[0] and body["sentiment_label"] == "negative" and "content_hash" not in body
    for bad in ("0" * 24, "not-an-id"):
        response = client.get(f"/api/v1/mentions/{bad}", headers=AUTH)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
