"""``GET /stats/reach``: top posts and authors by reach, filters, and mentions without reach left out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from api.resources import Resources
from tests.api.conftest import AUTH
from tests.factories import make_mention

BASE = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def test_top_posts_and_authors(client: TestClient, resources: Resources) -> None:
    at = BASE + timedelta(minutes=5)
    resources.mentions.upsert(
        [
            make_mention(
                "鲜达 a",
                platform="weibo",
                author="大V",
                reach=90.0,
                published_at=at,
                label="negative",
                score=0.1,
                extra={"followers": 2_000_000, "verified": True},
            ),
            make_mention(
                "鲜达 b", platform="weibo", author="大V", reach=40.0, published_at=at, label="negative", score=0.1
            ),
            make_mention("鲜达 c", platform="douyin", author="路人", reach=70.0, published_at=at),
            make_mention(
                "鲜达 d", platform="weibo", author="路人", reach=10.0, published_at=at, label="negative", score=0.1
            ),
            make_mention("鲜达 e", platform="news", author="报纸", reach=None, published_at=at),
            make_mention("鲜达 old", platform="weibo", author="旧", reach=99.0, published_at=BASE - timedelta(days=3)),
        ]
    )
    window = {"since": BASE.isoformat(), "until": (BASE + timedelta(hours=1)).isoformat()}
    body = client.get("/api/v1/stats/reach", params=window, headers=AUTH).json()
    assert body["scanned"] == 5 and body["sampled"] is False
    assert [p["text"] for p in body["posts"]] == ["鲜达 a", "鲜达 c", "鲜达 b", "鲜达 d"]  # no reach: not ranked
    assert body["posts"][0]["reach"] == 90.0
    authors = [(a["platform"], a["author"], a["mentions"], a["total_reach"]) for a in body["authors"]]
    assert authors == [("weibo", "大V", 2, 130.0), ("douyin", "路人", 1, 70.0), ("weibo", "路人", 1, 10.0)]
    assert body["authors"][0]["followers"] == 2_000_000 and body["authors"][0]["verified"] is True

    negative = client.get("/api/v1/stats/reach", params={**window, "sentiment": "negative", "limit": 1}, headers=AUTH)
    assert [a["author"] for a in negative.json()["authors"]] == ["大V"] and len(negative.json()["posts"]) == 1


def test_reach_errors(client: TestClient) -> None:
    bad = {"since": BASE.isoformat(), "until": (BASE - timedelta(hours=1)).isoformat()}
    assert client.get("/api/v1/stats/reach", params=bad, headers=AUTH).status_code == 400
    assert client.get("/api/v1/stats/reach", params={"limit": 500}, headers=AUTH).status_code in (400, 422)
    assert client.get("/api/v1/stats/reach").status_code == 401
