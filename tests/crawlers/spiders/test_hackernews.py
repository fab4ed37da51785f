"""Real crawls of a local server that answers at Algolia's paths: paging, incremental runs, 429 with
Retry-After, 5xx then success, robots.txt, a changed response shape and the page cap."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawlers.state import CursorStore
from foundation.db import Database
from index.base import MentionFilter, SearchRequest
from index.sqlite import SQLiteMentionStore

API = "/api/v1/search_by_date"
NOW = datetime.now(UTC).replace(microsecond=0)


def source(server: Any, **options: Any) -> str:
    extra = "".join(f"\n  {k}: {json.dumps(v)}" for k, v in options.items())
    return f"""
- name: hn
  type: hackernews
  base_url: {server.base}
  queries: [XianDa]
  hits_per_page: 5{extra}
"""


class Algolia:
    """Answers like hn.algolia.com's search_by_date: newest first, ``created_at_i>`` filter, pages."""

    def __init__(self, count: int, step: timedelta = timedelta(hours=1)):
        self.posts = [(f"{1000 + i}", NOW - step * (i + 1)) for i in range(count)]

    def add_newer(self, post_id: str, at: datetime) -> None:
        self.posts.insert(0, (post_id, at))

    def __call__(self, hit: Any) -> Any:
        q = hit.query
        since = int(q["numericFilters"].split(">")[1])
        per, page = int(q["hitsPerPage"]), int(q["page"])
        hits = [
            {
                "objectID": pid,
                "title": f"XianDa story {pid}",
                "author": "u",
                "points": 1,
                "num_comments": 0,
                "created_at_i": int(at.timestamp()),
                "_tags": ["story"],
            }
            for pid, at in self.posts
            if at.timestamp() > since
        ]
        pages = max(1, -(-len(hits) // per))
        body = {
            "hits": hits[page * per : (page + 1) * per],
            "nbHits": len(hits),
            "page": page,
            "nbPages": pages,
            "hitsPerPage": per,
        }
        return hit_reply(json.dumps(body))


def hit_reply(body: str, status: int = 200, **headers: str) -> Any:
    from tests.crawlers.local_server import Reply

    return Reply(status=status, body=body, content_type="application/json", headers=headers)


def allow_robots(server: Any) -> None:
    server.route("/robots.txt", server.Reply(status=404, body="", content_type="text/plain"))


def stored(tmp_path: Path) -> int:
    store = SQLiteMentionStore.at(tmp_path / "mentions.sqlite3")
    try:
        return store.count(MentionFilter(platforms=["hackernews"]))
    finally:
        store.close()


def test_pages_then_incremental_run_fetches_only_new(server, crawl_config, crawl, tmp_path) -> None:  # type: ignore[no-untyped-def]
    allow_robots(server)
    api = Algolia(12)
    server.handle(API, api)
    path, _ = crawl_config(source(server))

    started = datetime.now(UTC)
    first = crawl(path, "hn").report
    finished = datetime.now(UTC)
    assert first["status"] == "ok", first
    assert (first["pages"], first["created"]) == (3, 12)  # 5 + 5 + 2
    assert [int(h.query["page"]) for h in server.hits_to(API)] == [0, 1, 2]
    backfill = int(server.hits_to(API)[0].query["numericFilters"].split(">")[1])
    # First run: the 7-day backfill, counted from when the crawl ran.
    assert (
        (started - timedelta(days=7, seconds=1)).timestamp() <= backfill <= (finished - timedelta(days=7)).timestamp()
    )

    api.add_newer("2000", NOW - timedelta(minutes=5))
    second = crawl(path, "hn").report
    requests = server.hits_to(API)[3:]
    assert len(requests) == 1  # one page holds everything newer than the cursor
    since = int(requests[0].query["numericFilters"].split(">")[1])
    assert since == int((NOW - timedelta(hours=1) - timedelta(minutes=10)).timestamp())  # high-water - overlap
    assert (second["created"], second["updated"] + second["unchanged"]) == (1, 1)
    assert stored(tmp_path) == 13
    cursors = CursorStore(Database(f"sqlite:///{tmp_path / 'yuqing.sqlite3'}")).load("hn")
    assert cursors["q:XianDa"].high_water == NOW - timedelta(minutes=5)


def test_429_retry_after_is_obeyed_and_5xx_retried(server, crawl_config, crawl) -> None:  # type: ignore[no-untyped-def]
    allow_robots(server)
    api = Algolia(3)
    calls: list[float] = []

    def flaky(hit: Any) -> Any:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return hit_reply('{"message": "slow down"}', 429, **{"Retry-After": "1"})
        if len(calls) == 2:
            return hit_reply("oops", 503)
        return api(hit)

    server.handle(API, flaky)
    path, _ = crawl_config(source(server))
    report = crawl(path, "hn").report
    assert report["status"] == "ok" and report["created"] == 3
    assert report["http_errors"] == {"429": 1, "503": 1}
    assert calls[1] - calls[0] >= 1.0  # waited out Retry-After


def test_robots_disallow_means_nothing_is_fetched(server, crawl_config, crawl) -> None:  # type: ignore[no-untyped-def]
    server.route("/robots.txt", server.Reply(body="User-agent: *\nDisallow: /api/\n", content_type="text/plain"))
    server.handle(API, Algolia(3))
    path, _ = crawl_config(source(server))
    report = crawl(path, "hn").report
    assert report["status"] == "failed" and report["robots_blocked"] == 1
    assert server.hits_to(API) == []


def test_changed_shape_is_counted_sampled_and_degrades(server, crawl_config, crawl, tmp_path) -> None:  # type: ignore[no-untyped-def]
    allow_robots(server)
    server.handle(API, lambda hit: hit_reply('{"results": [{"id": 1}], "count": 1}'))
    path, _ = crawl_config(source(server, queries=["XianDa", "Lumi"]))
    report = crawl(path, "hn").report
    assert report["status"] == "degraded" and report["shape_errors"] == 2 and report["created"] == 0
    assert "unknown structure" in report["error"]
    [sample, *_] = report["samples"]
    assert Path(sample).parent == tmp_path / "samples" / "hn"
    assert json.loads(Path(sample).read_text()) == {"results": [{"id": 1}], "count": 1}
    # Nothing was read: the cursors stay unset, so the next run backfills again.
    assert CursorStore(Database(f"sqlite:///{tmp_path / 'yuqing.sqlite3'}")).load("hn")["q:XianDa"].high_water is None


def test_page_cap_is_reported(server, crawl_config, crawl) -> None:  # type: ignore[no-untyped-def]
    allow_robots(server)
    server.handle(API, Algolia(30))
    path, _ = crawl_config(
        source(server), crawl_yaml="crawl:\n  download_delay: 0\n  autothrottle: false\n  max_pages: 2\n"
    )
    report = crawl(path, "hn").report
    assert report["status"] == "degraded" and report["created"] == 10
    assert "stopped at their page or article cap" in report["error"]


def test_threads_read_the_items_endpoint(server, crawl_config, crawl, tmp_path) -> None:  # type: ignore[no-untyped-def]
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "hackernews" / "items_story.json"
    story = json.loads(fixture.read_text())
    story["created_at_i"] = int((NOW - timedelta(hours=1)).timestamp())
    hit = {
        "objectID": "40100000",
        "title": story["title"],
        "author": story["author"],
        "points": 212,
        "num_comments": 3,
        "created_at_i": story["created_at_i"],
        "_tags": ["story"],
    }
    search = {"hits": [hit], "nbHits": 1, "page": 0, "nbPages": 1, "hitsPerPage": 5}
    allow_robots(server)
    server.handle(API, lambda _: server.Reply(body=json.dumps(search), content_type="application/json"))
    server.route("/api/v1/items/40100000", server.Reply(body=json.dumps(story), content_type="application/json"))
    path, _ = crawl_config(source(server, threads=True))
    report = crawl(path, "hn").report
    assert report["status"] == "ok", report
    assert report["created"] == 4  # the story and the three live comments; the deleted one is not a mention
    store = SQLiteMentionStore.at(tmp_path / "mentions.sqlite3")
    try:
        ids = {h.mention.post_id for h in store.search(SearchRequest(filter=MentionFilter(), limit=10)).hits}
        assert ids == {"40100000", "40100010", "40100011", "40100021"}
    finally:
        store.close()
