"""The worker while the index server is gone: it keeps running, shows the outage, catches up, one ticket.

The index is osmem-server behind a fault proxy that drops every connection while "down" (as a killed server
does); the worker runs its real loop (``run_forever``) with the in-process ticket API.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from api.resources import Resources
from config.loader import parse_config
from config.settings import Settings
from foundation.db import Database
from foundation.outage import BOARD_FILE
from foundation.retry import RetryPolicy
from foundation.timeutil import utcnow
from index.elastic import ElasticMentionStore
from sentiment.base import SentimentLabel
from tests.factories import BRANDS_YAML, make_mention
from tests.faults import FaultProxy, fault_proxy_for
from tickets.schemas import TicketQuery
from yuqing.worker import Worker

RULES_YAML = """
alerts:
  evaluate_every: 1s
  rules:
    - name: neg
      type: negative_share
      window: 6h
      min_count: 3
      threshold: 0.4
      priority: major
"""


@pytest.fixture
def es_proxy(es_backend: Any) -> Iterator[FaultProxy]:
    with fault_proxy_for(es_backend, "killing the index server needs osmem-server behind the fault proxy") as proxy:
        yield proxy


async def _until(condition: Any, seconds: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


@pytest.mark.elasticsearch
def test_the_worker_survives_an_index_outage_shows_it_and_opens_one_ticket_after(tmp_path: Path, es_proxy):
    settings = Settings(
        data_dir=tmp_path,
        config=tmp_path / "c.yaml",
        database_url=f"sqlite:///{(tmp_path / 'y.sqlite3').as_posix()}",
        mention_store_url=es_proxy.url,
        es_timeout_seconds=2.0,
    )
    config = parse_config(BRANDS_YAML + RULES_YAML)
    mentions = ElasticMentionStore.from_settings(es_proxy.url, settings)
    mentions.ensure_schema()
    db = Database(settings.resolved_database_url())
    db.migrate()
    resources = Resources.from_stores(settings, config, mentions, db)
    now = utcnow()
    mentions.upsert(
        [
            make_mention(f"鲜达外卖送餐太慢了，差评 {i}", label=SentimentLabel.negative, score=0.05, published_at=now)
            for i in range(5)
        ]
    )
    mentions.refresh()
    board_file = tmp_path / BOARD_FILE

    async def scenario() -> tuple[list[dict[str, Any]], bool]:
        worker = Worker(settings, config, resources, policy=RetryPolicy(budget=1.0, attempts=3, base=0.05, cap=0.2))
        es_proxy.down = True  # the index server dies before the worker's first evaluation
        stop = asyncio.Event()
        loop = asyncio.create_task(worker.run_forever(stop))
        seen: list[dict[str, Any]] = []
        try:

            def index_down() -> bool:
                board = json.loads(board_file.read_text(encoding="utf-8")) if board_file.exists() else {}
                return board.get("stores", {}).get("mention_store", {}).get("ok") is False

            await _until(index_down, 30, "the outage to be recorded")
            seen.append(json.loads(board_file.read_text(encoding="utf-8")))
            await asyncio.sleep(2.5)  # at least two evaluation cycles (1 s) with the index down
            assert not loop.done(), loop.exception() if loop.done() else None
            es_proxy.down = False
            await _until(lambda: resources.tickets.count(TicketQuery()) >= 1, 30, "the ticket after recovery")
            await asyncio.sleep(2.5)  # more evaluations: the firing incident must not open a second ticket
            seen.append(json.loads(board_file.read_text(encoding="utf-8")))
            alive = not loop.done()
        finally:
            stop.set()
            await asyncio.wait_for(loop, 30)
            await worker.aclose()
        return seen, alive

    try:
        seen, alive = asyncio.run(scenario())
        total = resources.tickets.count(TicketQuery())
    finally:
        resources.close()
    assert alive, "the worker loop must outlive the outage"
    down, up = seen
    assert down["stores"]["mention_store"]["ok"] is False
    assert up["stores"]["mention_store"]["ok"] is True and up["stores"]["mention_store"]["outages"] == 1
    assert total == 1, "exactly one ticket for the incident"
    assert timedelta(0) <= utcnow() - now
