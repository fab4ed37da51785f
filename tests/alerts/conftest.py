"""Alert engine fixtures: real stores and the API in-process, as the embedded service runs them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.resources import Resources
from config.loader import parse_config
from config.settings import Settings
from tests.factories import BRANDS_YAML

RULES_YAML = """
alerts:
  rules:
    - name: neg
      type: negative_share
      window: 24h
      min_count: 4
      threshold: 0.5
      priority: urgent
      realert: 1h
      top_posts: 3
"""


@pytest.fixture
def resources(tmp_path: Path, database_url: str) -> Iterator[Resources]:
    config = parse_config(BRANDS_YAML + RULES_YAML)
    settings = Settings(
        data_dir=tmp_path,
        config=tmp_path / "c.yaml",
        database_url=database_url,
        mention_store_url=f"sqlite:///{(tmp_path / 'm.sqlite3').as_posix()}",
    )
    res = Resources.open(settings, config)
    yield res
    res.close()
