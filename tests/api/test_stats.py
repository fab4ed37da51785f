"""``GET /stats/trend``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from api.resources import Resources
from tests.api.conftest import AUTH
from tests.factories import make_mention


def test_hourly_trend_per_brand_zero_filled(client: TestClient, resources: Resources) -> None:
    base = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    resources.mentions.upsert(
        [
            make_mention("鲜达 a", published_at=base + timedelta(minutes=5), label="negative", score=0.1),
            make_mention("鲜达 b", published_at=base + timedelta(minutes=50), label="positive", score=0.9),
            make_mention("鲜达 c", published_at=base + timedelta(hours=2, minutes=1), label="negative", score=0.1),
            make_mention("光屿 d", brands=["光屿手机"], published_at=base + timedelta(hours=1)),
        ]
    )
    body = client.get(
        "/api/v1/stats/trend",
        params={
            "interval": "hour",
            "since": base.isoformat(),
            "until": (base + timedelta(hours=3)).isoformat(),
            "tz": "UTC",
        },
        headers=AUTH,
    ).json()
    series = {s["brand"]: s for s in body["series"]}
    assert set(series) == {"鲜达外卖", "光屿手机"}
    xianda = series["鲜达外卖"]
    assert [(b["count"], b["negative"]) for b in xianda["buckets"]] == [(2, 1), (0, 0), (1, 1)]
    assert xianda["buckets"][0]["negative_share"] == 0.5 and xianda["buckets"][1]["negative_share"] is None
    assert (xianda["total"], xianda["negative"]) == (3, 2)


def test_daily_trend_uses_the_business_time_zone(client: TestClient, resources: Resources) -> None:
    # 2026-11-20 17:00 UTC is 2026-11-21 01:00 in Shanghai: a different day there.
    resources.mentions.upsert(
        [
            make_mention("鲜达 late", published_at=datetime(2026, 11, 20, 17, 0, tzinfo=UTC)),
            make_mention("鲜达 early", published_at=datetime(2026, 11, 20, 3, 0, tzinfo=UTC)),
        ]
    )
    params = {"interval": "day", "brand": "鲜达外卖", "since": "2026-11-19T16:00:00Z", "until": "2026-11-21T16:00:00Z"}
    shanghai = client.get("/api/v1/stats/trend", params=params, headers=AUTH).json()
    assert shanghai["tz"] == "Asia/Shanghai"
    assert [b["count"] for b in shanghai["series"][0]["buckets"]] == [1, 1]
    assert shanghai["series"][0]["buckets"][0]["start"].startswith("2026-11-19T16:00:00")
    utc = client.get("/api/v1/stats/trend", params={**params, "tz": "UTC"}, headers=AUTH).json()
    assert [b["count"] for b in utc["series"][0]["buckets"]] == [0, 2, 0]


def test_trend_errors(client: TestClient) -> None:
    assert client.get("/api/v1/stats/trend", params={"tz": "Nowhere/City"}, headers=AUTH).status_code == 400
    assert client.get("/api/v1/stats/trend", params={"interval": "week"}, headers=AUTH).status_code == 422
    too_long = {"interval": "hour", "since": "2000-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}
    response = client.get("/api/v1/stats/trend", params=too_long, headers=AUTH)
    assert response.status_code == 400 and "buckets" in response.json()["error"]["message"]
