"""``/healthz`` and ``/sources``."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from api.resources import Resources
from foundation.health import RunReport
from tests.api.conftest import AUTH


def test_healthz_reports_each_store(client: TestClient, resources: Resources) -> None:
    body = client.get("/healthz").json()
    assert body == {
        "status": "ok",
        "mention_store": {"backend": "sqlite", "ok": True},
        "database": {"backend": resources.db.dialect, "ok": True},
    }


def test_healthz_is_503_when_a_store_is_down(client: TestClient, resources: Resources) -> None:
    resources.mentions.ping = lambda: False  # type: ignore[method-assign]
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["status"] == "degraded"


def test_sources_show_their_last_run(client: TestClient, resources: Resources) -> None:
    from config.loader import parse_config
    from tests.factories import BRANDS_YAML

    resources.config = parse_config(BRANDS_YAML + 'sources:\n  - {name: news, type: feed, urls: ["https://e.com/f"]}\n')
    now = datetime(2026, 11, 20, tzinfo=UTC)
    resources.sources.record(
        RunReport(
            source="news",
            started_at=now,
            finished_at=now,
            status="degraded",
            items_scraped=7,
            created=5,
            parse_errors=1,
            http_errors={"503": 2},
        )
    )
    body = client.get("/api/v1/sources", headers=AUTH).json()
    assert body == [
        {
            "name": "news",
            "type": "feed",
            "platform": "rss",
            "enabled": True,
            "interval_seconds": 900,
            "state": "degraded",
            "last_run_at": "2026-11-20T00:00:00Z",
            "last_success_at": "2026-11-20T00:00:00Z",
            "consecutive_failures": 0,
            "items_last_run": 7,
            "created_last_run": 5,
            "parse_errors": 1,
            "shape_errors": 0,
            "http_errors": {"503": 2},
            "error": None,
        }
    ]


def test_source_states_follow_the_runs(client: TestClient, resources: Resources) -> None:
    from config.loader import parse_config
    from tests.factories import BRANDS_YAML

    resources.config = parse_config(
        BRANDS_YAML
        + 'sources:\n  - {name: a, type: feed, urls: ["https://e.com/a"]}\n'
        + '  - {name: b, type: feed, urls: ["https://e.com/b"]}\n'
        + '  - {name: c, type: feed, urls: ["https://e.com/c"]}\n'
    )
    t = datetime(2026, 11, 20, tzinfo=UTC)
    for i, status in enumerate(["ok", "failed", "failed"]):
        resources.sources.record(RunReport(source="a", started_at=t.replace(hour=i), finished_at=t, status=status))
    resources.sources.record(
        RunReport(source="b", started_at=t, finished_at=t, status="needs_credentials", error="cookie expired")
    )
    states = {s["name"]: s for s in client.get("/api/v1/sources", headers=AUTH).json()}
    assert states["a"]["state"] == "failing" and states["a"]["consecutive_failures"] == 2
    assert states["a"]["last_success_at"] == "2026-11-20T00:00:00Z"
    assert states["b"]["state"] == "needs_credentials" and states["b"]["error"] == "cookie expired"
    assert states["c"]["state"] == "never_run" and states["c"]["last_run_at"] is None
