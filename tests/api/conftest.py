"""An API over real stores: SQLite mentions, and tickets on each relational backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.resources import Resources
from config.loader import parse_config
from config.settings import Settings
from tests.factories import BRANDS_YAML

API_KEY = "test-key-0123456789abcdef"
AUTH = {"X-API-Key": API_KEY}


def settings_for(tmp_path: Path, database_url: str, mentions_file: str = "m.sqlite3") -> Settings:
    """The settings of a test API: its files under ``tmp_path``, tickets on ``database_url``, one API key."""
    return Settings(
        data_dir=tmp_path,
        config=tmp_path / "c.yaml",
        database_url=database_url,
        mention_store_url=f"sqlite:///{(tmp_path / mentions_file).as_posix()}",
        api_keys=[API_KEY],  # type: ignore[list-item]
    )


@pytest.fixture
def resources(tmp_path: Path, database_url: str) -> Iterator[Resources]:
    res = Resources.open(settings_for(tmp_path, database_url), parse_config(BRANDS_YAML))
    yield res
    res.close()


@pytest.fixture
def client(resources: Resources) -> Iterator[TestClient]:
    with TestClient(create_app(resources)) as c:
        yield c
