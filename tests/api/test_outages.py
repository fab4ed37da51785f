"""Store outages seen by an API caller: 503 with Retry-After, never 500, and nothing half written."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import foundation.db
from api.app import create_app
from api.resources import Resources
from config.loader import parse_config
from config.settings import Settings
from foundation.db import Database
from foundation.outage import BOARD_FILE, OutageBoard
from index.elastic import ElasticMentionStore
from tests.api.conftest import API_KEY, AUTH
from tests.factories import BRANDS_YAML
from tests.faults import BlackHole


@pytest.fixture
def black_hole() -> Iterator[BlackHole]:
    hole = BlackHole()
    try:
        yield hole
    finally:
        hole.close()


def test_an_index_server_that_never_answers_gives_503_within_the_timeout(tmp_path: Path, black_hole: BlackHole):
    settings = Settings(
        data_dir=tmp_path,
        config=tmp_path / "c.yaml",
        database_url=f"sqlite:///{(tmp_path / 'y.sqlite3').as_posix()}",
        mention_store_url=black_hole.url,
        es_timeout_seconds=1.0,
        api_keys=[API_KEY],  # type: ignore[list-item]
    )
    mentions = ElasticMentionStore.from_settings(black_hole.url, settings)
    db = Database(settings.resolved_database_url())
    db.migrate()
    resources = Resources.from_stores(settings, parse_config(BRANDS_YAML), mentions, db)
    try:
        with TestClient(create_app(resources), raise_server_exceptions=False) as client:
            started = time.monotonic()
            response = client.get("/api/v1/mentions", headers=AUTH, params={"q": "先达"})
            elapsed = time.monotonic() - started
            health = client.get("/healthz")
    finally:
        resources.close()
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "store_unavailable"
    # 1 s per try; the client tries 3 times (max_retries=2): an answer well before a caller gives up.
    assert elapsed < 10, elapsed
    assert health.status_code == 503 and health.json()["mention_store"]["ok"] is False


@pytest.fixture
def sqlite_resources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Resources]:
    # A short busy timeout keeps the test quick; production waits 30 s before answering 503.
    monkeypatch.setattr(foundation.db, "SQLITE_BUSY_TIMEOUT_MS", 500)
    settings = Settings(
        data_dir=tmp_path,
        config=tmp_path / "c.yaml",
        database_url=f"sqlite:///{(tmp_path / 'y.sqlite3').as_posix()}",
        mention_store_url=f"sqlite:///{(tmp_path / 'm.sqlite3').as_posix()}",
        api_keys=[API_KEY],  # type: ignore[list-item]
    )
    resources = Resources.open(settings, parse_config(BRANDS_YAML))
    yield resources
    resources.close()


def test_a_write_lock_held_past_the_busy_timeout_gives_503_then_the_retry_succeeds(
    sqlite_resources: Resources, tmp_path: Path
):
    with TestClient(create_app(sqlite_resources), raise_server_exceptions=False) as client:
        before = client.get("/api/v1/tickets", headers=AUTH).json()
        # Another process holds the write lock (as a long migration or a stuck writer would).
        holder = sqlite3.connect(tmp_path / "y.sqlite3", isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            refused = client.post("/api/v1/tickets", headers=AUTH, json={"title": "锁住时提交的投诉"})
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        accepted = client.post("/api/v1/tickets", headers=AUTH, json={"title": "锁住时提交的投诉"})
        after = client.get("/api/v1/tickets", headers=AUTH).json()
    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"] == "5"
    assert "busy" in refused.json()["error"]["message"]
    assert accepted.status_code == 201, accepted.text
    count = "total" if "total" in before else "items"
    if count == "total":
        assert after["total"] == before["total"] + 1, "no half record from the refused attempt"
    else:
        assert len(after["items"]) == len(before["items"]) + 1


def test_healthz_shows_the_outage_the_worker_recorded(sqlite_resources: Resources):
    board = OutageBoard(sqlite_resources.settings.data_dir / BOARD_FILE)
    board.unavailable("mention_store", ConnectionError("connection refused"))
    with TestClient(create_app(sqlite_resources)) as client:
        down = client.get("/healthz").json()
        board.available("mention_store")
        up = client.get("/healthz").json()
    assert down["worker"]["stores"]["mention_store"]["ok"] is False
    assert "connection refused" in down["worker"]["stores"]["mention_store"]["last_error"]
    assert up["worker"]["stores"]["mention_store"]["ok"] is True
    assert up["worker"]["stores"]["mention_store"]["outages"] == 1
