"""Real crawls of feeds on a local server: feed autodiscovery, incremental runs with conditional requests, and a
feed that changed shape, a flaky feed and one robots.txt forbids, in one run."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from crawlers.state import CursorStore
from foundation.db import Database
from index.base import SearchRequest
from index.sqlite import SQLiteMentionStore

NOW = datetime.now(UTC).replace(microsecond=0)
RSS = "application/rss+xml; charset=utf-8"


def rss(*entries: tuple[str, str, datetime | None]) -> str:
    """An RSS 2.0 feed of ``(guid, text, published)`` entries."""
    items = "".join(
        f"<item><guid isPermaLink='false'>{guid}</guid><title>{guid}</title><description>{text}</description>"
        + (f"<pubDate>{format_datetime(at)}</pubDate>" if at else "")
        + "</item>"
        for guid, text, at in entries
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'


class ConditionalFeed:
    """Serves a feed with an ETag and answers ``304 Not Modified`` when the client already has it."""

    def __init__(self, *entries: tuple[str, str, datetime | None]):
        self.entries = list(entries)

    def __call__(self, hit: Any) -> Any:
        from tests.crawlers.local_server import Reply

        body = rss(*self.entries)
        etag = '"' + hashlib.sha1(body.encode()).hexdigest()[:16] + '"'
        if hit.headers.get("If-None-Match") == etag:
            return Reply(status=304, body=b"", headers={"ETag": etag})
        return Reply(body=body, content_type=RSS, headers={"ETag": etag})


def stored_ids(tmp_path: Path) -> set[str]:
    store = SQLiteMentionStore.at(tmp_path / "mentions.sqlite3")
    try:
        return {hit.mention.post_id for hit in store.search(SearchRequest(limit=100, highlight=False)).hits}
    finally:
        store.close()


def test_discovery_then_incremental_runs(server, crawl_config, crawl, fixture_file, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server.route("/robots.txt", server.Reply(status=404, body="", content_type="text/plain"))
    server.route("/blog/", fixture_file("web/blog_home.html"))  # links /feeds/posts.xml and comments/feed.xml
    server.route("/about/", '<html><head><link rel="alternate" type="application/rss+xml" href="/feeds/posts.xml">')
    posts = ConditionalFeed(
        ("p-1", "先达手机X6到手，续航很强", NOW - timedelta(hours=1)),
        ("p-2", "XianDa support answered fast", NOW - timedelta(hours=2)),
        ("p-old", "先达手机X1的老帖子", NOW - timedelta(days=30)),  # older than the 7-day backfill
        ("p-undated", "露米耳机没有日期的帖子", None),
    )
    server.handle("/feeds/posts.xml", posts)
    server.handle("/blog/comments/feed.xml", ConditionalFeed(("c-1", "同意，露米也不错", NOW - timedelta(hours=3))))
    server.route("/feeds/posts.atom", server.Reply(status=500))  # the Atom rendering of the posts: never fetched
    path, _ = crawl_config(
        f"""
        - name: blog
          type: feed
          discover: true
          urls: ["{server.url("/blog/")}", "{server.url("/about/")}"]
        """
    )

    first = crawl(path, "blog").report
    assert first["status"] == "ok", first
    assert (first["pages"], first["items_scraped"], first["created"]) == (4, 4, 4)
    assert stored_ids(tmp_path) == {"p-1", "p-2", "p-undated", "c-1"}
    assert len(server.hits_to("/feeds/posts.xml")) == 1  # linked from both pages, read once
    assert server.hits_to("/feeds/posts.atom") == [] and server.hits_to("/cdn") == []

    posts.entries.insert(0, ("p-new", "先达手机X6的新帖", NOW - timedelta(minutes=5)))
    second = crawl(path, "blog").report
    # New: p-new. Yielded again: p-1 (the old high-water mark, inside the cursor's 10-minute overlap) and the
    # undated post, recognised by id. p-2 and p-old are older than the cursor: not yielded. The comments feed
    # answered 304 to its conditional request.
    assert second["status"] == "ok", second
    assert (second["created"], second["unchanged"], second["items_scraped"]) == (1, 2, 3)
    assert server.hits_to("/blog/comments/feed.xml")[-1].headers.get("If-None-Match")
    assert stored_ids(tmp_path) == {"p-new", "p-1", "p-2", "p-undated", "c-1"}

    third = crawl(path, "blog").report  # nothing changed: both feeds answer 304
    assert third["status"] == "ok", third
    assert (third["pages"], third["items_scraped"], third["http_errors"]) == (4, 0, {})
    cursors = CursorStore(Database(f"sqlite:///{tmp_path / 'yuqing.sqlite3'}")).load("blog")
    assert cursors[server.url("/feeds/posts.xml")].high_water == NOW - timedelta(minutes=5)
    assert cursors[server.url("/blog/comments/feed.xml")].high_water == NOW - timedelta(hours=3)


def test_changed_flaky_and_forbidden_feeds_in_one_run(server, crawl_config, crawl, fixture_file, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server.route("/robots.txt", server.Reply(body="User-agent: *\nDisallow: /private/\n", content_type="text/plain"))
    server.route("/feeds/moved.xml", fixture_file("not_a_feed.html"))  # the feed became an HTML page
    flaky = rss(("f-1", "XianDa X6 review", NOW - timedelta(hours=1)))
    server.route("/feeds/flaky.xml", server.Reply(status=503, body="busy"), server.Reply(body=flaky, content_type=RSS))
    server.route("/private/feed.xml", rss(("x-1", "先达内部", NOW)))
    urls = ", ".join(f'"{server.url(p)}"' for p in ("/feeds/moved.xml", "/feeds/flaky.xml", "/private/feed.xml"))
    path, _ = crawl_config(f"- name: feeds\n  type: feed\n  urls: [{urls}]\n")

    report = crawl(path, "feeds").report

    assert report["status"] == "degraded" and report["created"] == 1
    assert (report["shape_errors"], report["robots_blocked"], report["http_errors"]) == (1, 1, {"503": 1})
    assert "unknown structure" in report["error"]
    [sample] = report["samples"]
    assert Path(sample).parent == tmp_path / "samples" / "feeds"
    assert Path(sample).read_text(encoding="utf-8") == fixture_file("not_a_feed.html")
    assert server.hits_to("/private/feed.xml") == []
    cursors = CursorStore(Database(f"sqlite:///{tmp_path / 'yuqing.sqlite3'}")).load("feeds")
    assert cursors[server.url("/feeds/flaky.xml")].high_water == NOW - timedelta(hours=1)
    assert cursors[server.url("/feeds/moved.xml")].high_water is None  # unread: the next run backfills it


def test_start_requests_every_url_once_with_the_error_counter(parse_yaml_config, crawler_for) -> None:  # type: ignore[no-untyped-def]
    config = parse_yaml_config(
        '- name: f\n  type: feed\n  urls: ["http://127.0.0.1:1/a.xml", "http://127.0.0.1:1/a.xml"]\n'
    )
    crawler = crawler_for(config, "f")
    spider = crawler.spidercls.from_crawler(crawler, cursor_store=None)

    async def collect() -> list[Any]:
        return [r async for r in spider.start()]

    [request] = asyncio.run(collect())
    assert request.url == "http://127.0.0.1:1/a.xml" and request.errback == spider.on_error
    assert request.dont_filter and request.headers.get("If-None-Match") is None


class PagedFeed:
    """A feed that shows its newest ``per_page`` entries and links the older ones (``?paged=N``, RFC 5005
    ``rel="next"``), as WordPress does. Entries are newest first; new ones are inserted at the front."""

    def __init__(self, entries: list[tuple[str, str, datetime | None]], per_page: int = 10, fail_page: int = 0):
        self.entries = entries
        self.per_page = per_page
        self.fail_page = fail_page  # a page number that answers 503 (0: none)

    def __call__(self, hit: Any) -> Any:
        from tests.crawlers.local_server import Reply

        number = int(hit.query.get("paged", "1"))
        if number == self.fail_page:
            return Reply(status=503, body="busy")
        start = (number - 1) * self.per_page
        body = rss(*self.entries[start : start + self.per_page])
        if start + self.per_page < len(self.entries):
            link = f'<atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="next" href="?paged={number + 1}"/>'
            body = body.replace("<title>t</title>", "<title>t</title>" + link)
        return Reply(body=body, content_type=RSS)


def burst(first: int, count: int, newest: datetime) -> list[tuple[str, str, datetime | None]]:
    """``count`` posts numbered down from ``first + count - 1``, one minute apart, the newest first."""
    return [
        (f"p-{k}", f"先达手机第{k}条", newest - timedelta(minutes=first + count - 1 - k))
        for k in range(first + count - 1, first - 1, -1)
    ]


def test_a_burst_between_runs_is_read_back_through_the_older_pages(server, crawl_config, crawl, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server.route("/robots.txt", server.Reply(status=404, body="", content_type="text/plain"))
    feed = PagedFeed(burst(0, 25, NOW - timedelta(hours=2)))
    server.handle("/feed.xml", feed)
    path, _ = crawl_config(f'- name: paged\n  type: feed\n  urls: ["{server.url("/feed.xml")}"]\n')

    first = crawl(path, "paged").report  # a first run pages back to the backfill: the feed's 3 pages
    assert first["status"] == "ok", first
    assert (first["pages"], first["created"]) == (3, 25)

    # 35 posts arrive between two runs (the page shows 10). More than an hour after the last run's newest post,
    # so the cursor's overlap does not stop paging: the post the last run saw on top does.
    feed.entries[:0] = burst(25, 35, NOW)
    second = crawl(path, "paged").report
    assert second["status"] == "ok", second
    # Page 4 holds p-24, the top of the last run's first page: paging stops there, page 5 is never asked for.
    assert second["pages"] == 4 and second["created"] == 35
    assert [h.query.get("paged", "1") for h in server.hits_to("/feed.xml")][-4:] == ["1", "2", "3", "4"]
    assert len(server.hits_to("/feed.xml")) == 3 + 4
    assert stored_ids(tmp_path) == {f"p-{k}" for k in range(60)}

    third = crawl(path, "paged").report  # nothing new: one page
    assert (third["pages"], third["created"]) == (1, 0)


def test_a_run_that_fails_on_an_older_page_does_not_move_the_stop_mark(server, crawl_config, crawl, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server.route("/robots.txt", server.Reply(status=404, body="", content_type="text/plain"))
    feed = PagedFeed(burst(0, 5, NOW - timedelta(hours=3)))
    server.handle("/feed.xml", feed)
    path, _ = crawl_config(f'- name: paged\n  type: feed\n  urls: ["{server.url("/feed.xml")}"]\n')
    assert crawl(path, "paged").report["created"] == 5

    feed.entries[:0] = burst(5, 30, NOW)
    feed.fail_page = 3  # pages 1–2 read, page 3 fails for good
    failed = crawl(path, "paged").report
    assert failed["status"] == "degraded" and failed["created"] == 20

    feed.fail_page = 0
    again = crawl(path, "paged").report  # the stop mark is still p-4: the next run reads down to it
    assert again["status"] == "ok", again
    assert stored_ids(tmp_path) == {f"p-{k}" for k in range(35)}


def test_paging_stops_at_max_pages_and_says_so(server, crawl_config, crawl, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server.route("/robots.txt", server.Reply(status=404, body="", content_type="text/plain"))
    server.handle("/feed.xml", PagedFeed(burst(0, 50, NOW)))
    path, _ = crawl_config(
        f'- name: paged\n  type: feed\n  urls: ["{server.url("/feed.xml")}"]\n  crawl: {{max_pages: 2}}\n'
    )
    report = crawl(path, "paged").report
    assert report["status"] == "degraded" and "1 queries stopped at their page" in report["error"]
    assert (report["pages"], report["created"]) == (2, 20)
