"""The app served for real (uvicorn on a loopback port) over each mention-store tier: the attacker's view.

Each test gets fresh stores in its own data directory (the relational database is an SQLite file in it, so the
erasure test can read every byte the service wrote), a bootstrap admin key, and an HTTP client.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.resources import Resources
from config.loader import parse_config
from config.settings import Settings
from foundation.db import Database
from index.base import MentionStore
from index.sqlite import SQLiteMentionStore
from tests.es_support import open_elastic
from tests.factories import BRANDS_YAML

ADMIN_KEY = "security-admin-key-0123456789"
ADMIN = {"X-API-Key": ADMIN_KEY}
BRAND_A, BRAND_B = "鲜达外卖", "光屿手机"
CONFIG = (
    BRANDS_YAML
    + """
tickets:
  departments: [客服部]
  export: {approval_above: 2}
alerts:
  rules:
    - {name: b-rule, type: negative_share, brands: [光屿手机], window: 24h, min_count: 1, threshold: 0.1}
"""
)


@dataclass
class Served:
    url: str
    resources: Resources
    data_dir: Path
    http: httpx.Client

    def user(self, name: str, role: str = "agent", **fields: object) -> dict[str, str]:
        """A user's key headers (agents work for 客服部 unless told)."""
        if role == "agent":
            fields.setdefault("departments", ["客服部"])
        response = self.http.post("/api/v1/users", headers=ADMIN, json={"name": name, "role": role, **fields})
        assert response.status_code == 201, response.text
        return {"X-API-Key": response.json()["api_key"]}


@dataclass
class Tier:
    mentions: MentionStore
    database_url: str


@pytest.fixture(params=["sqlite", pytest.param("production", marks=[pytest.mark.elasticsearch, pytest.mark.postgres])])
def tier(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Tier]:
    """Each storage tier: embedded (SQLite mention index and database, files in the data directory), or
    production (Elasticsearch, osmem-server in tests, and PostgreSQL)."""
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    if request.param == "sqlite":
        store = SQLiteMentionStore(f"sqlite:///{(data / 'mentions.sqlite3').as_posix()}")
        store.ensure_schema()
        yield Tier(store, f"sqlite:///{(data / 'yuqing.sqlite3').as_posix()}")
        store.close()
    else:
        database_url = str(request.getfixturevalue("pg_url"))
        for elastic in open_elastic(request):
            yield Tier(elastic, database_url)


@pytest.fixture
def served(tier: Tier, tmp_path: Path) -> Iterator[Served]:
    import uvicorn

    data_dir = tmp_path / "data"
    data_dir.mkdir(exist_ok=True)
    settings = Settings(
        data_dir=data_dir,
        config=tmp_path / "c.yaml",
        database_url=tier.database_url,
        api_keys=[ADMIN_KEY],
    )
    db = Database(settings.resolved_database_url())
    db.migrate()
    resources = Resources.from_stores(settings, parse_config(CONFIG), tier.mentions, db)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(resources), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            yield Served(url, resources, data_dir, http)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        db.close()
