"""The production tier in one piece: mentions in Elasticsearch (osmem-server, or YUQING_TEST_ES_URL), tickets
and alert state in the real PostgreSQL, the API over both and the alert engine opening a ticket through it."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from alerts.client import TicketClient
from alerts.engine import AlertEngine
from api.app import create_app
from api.resources import Resources
from config.loader import parse_config
from config.settings import Settings
from foundation.db import Database
from index.elastic import ElasticMentionStore
from tests.alerts.conftest import RULES_YAML
from tests.factories import BRANDS_YAML, NOW, make_mention

pytestmark = [pytest.mark.postgres, pytest.mark.elasticsearch]
KEY = "production-tier-key-0123"


def test_alert_to_ticket_over_elasticsearch_and_postgresql(
    elastic_store: ElasticMentionStore, pg_url: str, tmp_path: Path
) -> None:
    db = Database(pg_url)
    db.migrate()
    settings = Settings(data_dir=tmp_path, config=tmp_path / "c.yaml", api_keys=[KEY])  # type: ignore[list-item]
    resources = Resources.from_stores(settings, parse_config(BRANDS_YAML + RULES_YAML), elastic_store, db)
    try:
        bad = [
            make_mention(f"鲜达外卖退款太慢了 {i}", label="negative", score=0.05, ago=timedelta(hours=2))
            for i in range(5)
        ]
        result = elastic_store.upsert(bad)
        assert len(result.created) == 5
        elastic_store.refresh()

        app = create_app(resources)
        engine = AlertEngine.from_config(
            resources.config,
            elastic_store,
            resources.alerts,
            TicketClient.in_process(app, resources.issue_internal_key(), backoff=0.01),
        )
        report = asyncio.run(engine.evaluate(NOW))
        assert [f.new_ticket for f in report.fired] == [True]
        assert asyncio.run(engine.evaluate(NOW + timedelta(minutes=1))).fired == []

        with TestClient(app) as client:
            auth = {"X-API-Key": KEY}
            [ticket] = client.get("/api/v1/tickets", headers=auth).json()["items"]
            assert ticket["origin"] == "alert" and len(ticket["mentions"]) == 3
            found = client.get("/api/v1/mentions", params={"q": "退款", "brand": "鲜达外卖"}, headers=auth).json()
            assert found["total"] == 5 and "<mark>退款</mark>" in found["items"][0]["highlight"]["text"]
            assert client.get("/healthz").json()["mention_store"] == {"backend": "elasticsearch", "ok": True}
            assert client.get("/healthz").json()["database"]["backend"] == "postgresql"
    finally:
        db.close()
