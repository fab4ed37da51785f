"""The API with the dashboard over real stores (SQLite mentions; tickets and users on each relational backend)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.resources import Resources
from config.loader import parse_config
from config.settings import Settings
from dashboard.session import CSRF_HEADER
from tests.factories import BRANDS_YAML

BOOTSTRAP_KEY = "dashboard-bootstrap-key-0123456789"
SECRET = "dashboard-session-secret-0123456789abcdef"
CSRF = {CSRF_HEADER: "1"}
MAX_FAILURES = 3


def make_settings(tmp_path: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path,
        "config": tmp_path / "c.yaml",
        "database_url": database_url,
        "mention_store_url": f"sqlite:///{(tmp_path / 'm.sqlite3').as_posix()}",
        "api_keys": [BOOTSTRAP_KEY],
        "session_secret": SECRET,
        "login_max_failures": MAX_FAILURES,
        "login_window_seconds": 60,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def resources(tmp_path: Path, database_url: str) -> Iterator[Resources]:
    res = Resources.open(make_settings(tmp_path, database_url), parse_config(BRANDS_YAML))
    yield res
    res.close()


@pytest.fixture
def app(resources: Resources) -> FastAPI:
    return create_app(resources)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def login(client: TestClient, key: str) -> httpx.Response:
    return client.post("/api/v1/session", json={"key": key}, headers=CSRF)
