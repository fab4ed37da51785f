"""Nothing lost: real crawls (own processes) into Elasticsearch through a proxy that answers per-item 503s,
the on-disk retry queue, and the cursor that never moves past what is not stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from crawlers.state import CursorStore
from foundation.db import Database
from foundation.health import SourceRunStore
from index.base import MentionFilter, SearchRequest
from index.elastic import ElasticMentionStore
from tests.faults import FaultProxy, fault_proxy_for
from tests.osmem import CompatibleJsonNode


def _feed_source(url: str) -> str:
    return f"""
        - name: bbs-feed
          type: feed
          platform: bbs
          urls: ["{url}"]
          backfill: 36500d  # the fixture's entries date from 2024
        """


@pytest.fixture
def es_proxy(es_backend: Any) -> Iterator[FaultProxy]:
    """A fault proxy in front of a fresh osmem-server clone."""
    why = "per-item fault injection needs osmem-server (a proxy in front of a real cluster is not set up)"
    with fault_proxy_for(es_backend, why) as proxy:
        yield proxy


def _stored(url: str) -> list[str]:
    """The post ids stored in the index behind ``url``, one entry per stored document."""
    from elasticsearch import Elasticsearch

    store = ElasticMentionStore(Elasticsearch(url, node_class=CompatibleJsonNode), index_prefix="yuqing")
    try:
        store.refresh()
        page = store.search(SearchRequest(limit=50))
        assert store.count(MentionFilter()) == len(page.hits)
        return sorted(hit.mention.post_id for hit in page.hits)
    finally:
        store.close()


@pytest.mark.elasticsearch
def test_per_item_503_is_queued_on_disk_the_cursor_holds_and_the_next_run_stores_it_once(
    server, crawl_config, crawl, fixture_file, tmp_path, es_proxy
):
    server.route("/feed.xml", server.Reply(body=fixture_file("brand_rss2.xml"), content_type="application/rss+xml"))
    path, config = crawl_config(_feed_source(server.url("/feed.xml")))
    text = path.read_text(encoding="utf-8").replace(
        f"sqlite:///{(tmp_path / 'mentions.sqlite3').as_posix()}", es_proxy.url
    )
    path.write_text(text, encoding="utf-8")
    es_proxy.poison = {'"post_id": "xd-1001"', '"post_id":"xd-1001"'}

    run1 = crawl(path, "bbs-feed")
    first, crawl_log = run1.report, run1.log

    # 4 matched mentions; the cluster refused one with a 503 in every round: queued, not lost, not "failed".
    assert es_proxy.poisoned_items >= 2, (es_proxy.poisoned_items, first)
    assert (first["created"], first["store_errors"]) == (3, 1), (first, crawl_log)
    assert first["status"] == "degraded"
    assert "queued on disk" in first["error"]
    spool = tmp_path / "spool" / "bbs-feed.jsonl"
    queued = [json.loads(line) for line in spool.read_text(encoding="utf-8").splitlines()]
    assert [q["mention"]["post_id"] for q in queued] == ["xd-1001"]
    assert "503" in queued[0]["reason"]
    db = Database(config.settings["database_url"])
    try:
        assert CursorStore(db).load("bbs-feed") == {}, "the cursor must not move past a mention not stored"
    finally:
        db.close()
    assert "xd-1001" not in _stored(es_proxy.url) and len(_stored(es_proxy.url)) == 3

    es_proxy.poison = set()  # the shard recovers
    second = crawl(path, "bbs-feed").report

    assert second["status"] in {"ok", "degraded"}
    assert second["store_errors"] == 0
    assert not spool.exists(), "the queue is empty once the store took everything"
    stored = _stored(es_proxy.url)
    assert len(stored) == 4 and len(set(stored)) == 4, "every matched post is stored, exactly once"
    assert "xd-1001" in stored
    db = Database(config.settings["database_url"])
    try:
        assert CursorStore(db).load("bbs-feed"), "with everything stored the cursor advances"
        runs = SourceRunStore(db).runs("bbs-feed")
        assert [r.store_errors for r in runs] == [0, 1]
    finally:
        db.close()
