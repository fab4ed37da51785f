"""Real crawls of a local server answering like Apple's review feed: per storefront, pages, incremental runs,
Apple's 10-page limit, 429/5xx, robots.txt and a changed response shape."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from crawlers.state import CursorStore
from foundation.db import Database
from index.base import MentionFilter, mention_id
from index.sqlite import SQLiteMentionStore

APP = "1550000001"
FEED = re.compile(r"^/(?P<cc>[a-z]{2})/rss/customerreviews/page=(?P<page>\d+)/id=(?P<app>\d+)/sortby=mostrecent/xml$")
NOW = datetime.now(UTC).replace(microsecond=0)


def xml_reply(body: str, status: int = 200, **headers: str) -> Any:
    from tests.crawlers.local_server import Reply

    return Reply(status=status, body=body, content_type="text/xml; charset=UTF-8", headers=headers)


class FakeAppStore:
    """Serves ``/{cc}/rss/customerreviews/page={n}/id={app}/sortby=mostrecent/xml`` like Apple: newest first,
    ``per_page`` reviews a page, a ``rel="last"`` link, and nothing past page 10."""

    def __init__(self, server: Any, countries: tuple[str, ...] = ("cn", "us"), per_page: int = 5):
        self.per_page = per_page
        self.reviews: dict[str, list[tuple[str, datetime]]] = {}
        server.route("/robots.txt", server.Reply(status=404, body="", content_type="text/plain"))
        for country in countries:
            for page in range(1, 12):
                server.handle(self.path(country, page), self)

    def add(self, country: str, count: int, step: timedelta = timedelta(hours=1), start: int = 0) -> None:
        posted = self.reviews.setdefault(country, [])
        posted.extend((f"{country}{start + i}", NOW - step * (i + 1)) for i in range(count))
        posted.sort(key=lambda review: review[1], reverse=True)

    def path(self, country: str, page: int) -> str:
        return f"/{country}/rss/customerreviews/page={page}/id={APP}/sortby=mostrecent/xml"

    def __call__(self, hit: Any) -> Any:
        match = FEED.match(hit.route)
        assert match and match["app"] == APP, hit.path
        country, page = match["cc"], int(match["page"])
        if page > 10:
            return xml_reply("<error>page out of range</error>", 400)
        posted = self.reviews.get(country, [])
        pages = min(10, max(1, -(-len(posted) // self.per_page)))
        feed_url = f"https://itunes.apple.com/{country}/rss/customerreviews/page={{}}/id={APP}/sortby=mostrecent/xml"
        entries = "".join(
            f"<entry><updated>{at.isoformat()}</updated><id>{review_id}</id><title>第{review_id}条</title>"
            f'<content type="text">{escape(f"评价 {review_id}：还不错")}</content><im:voteSum>0</im:voteSum>'
            f"<im:voteCount>0</im:voteCount><im:rating>4</im:rating><im:version>5.2.0</im:version>"
            f"<author><name>用户</name><uri>https://itunes.apple.com/{country}/reviews/id1</uri></author></entry>"
            for review_id, at in posted[(page - 1) * self.per_page : page * self.per_page]
        )
        return xml_reply(
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<feed xmlns:im="http://itunes.apple.com/rss" xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-cn">'
            f"<id>{feed_url.format(page)}</id><title>iTunes Store</title>"
            f'<link rel="self" href="{feed_url.format(page)}"/>'
            f'<link rel="last" href="{feed_url.format(pages)}?urlDesc=/customerreviews/page=1/xml"/>'
            f"{entries}</feed>"
        )


def source(server: Any, **options: Any) -> str:
    extra = "".join(f"\n  {k}: {json.dumps(v)}" for k, v in options.items())
    return f"""
- name: ios
  type: app_store
  brand: xianda
  base_url: {server.base}
  app_ids: [id{APP}]
  crawl: {{download_delay: 0}}{extra}
"""


def test_storefronts_pages_then_incremental_run(server, crawl_config, crawl, tmp_path) -> None:  # type: ignore[no-untyped-def]
    apple = FakeAppStore(server)
    apple.add("cn", 12)
    apple.add("us", 3)
    path, _ = crawl_config(source(server, countries=["cn", "US"]))

    first = crawl(path, "ios").report
    assert first["status"] == "ok", first
    assert sorted(h.route for h in server.hits if h.route != "/robots.txt") == sorted(
        [apple.path("cn", 1), apple.path("cn", 2), apple.path("cn", 3), apple.path("us", 1)]
    )
    assert first["created"] == 15 and first["brands"] == {"xianda": 15}  # reviews need not name the brand
    store = SQLiteMentionStore.at(tmp_path / "mentions.sqlite3")
    try:
        review = store.get(mention_id("app_store", "cn0"))
        assert review is not None and review.rating == 4.0 and review.extra["country"] == "cn"
        assert review.published_at == NOW - timedelta(hours=1) and review.extra["app_version"] == "5.2.0"
        assert store.count(MentionFilter(platforms=["app_store"], brands=["xianda"])) == 15
    finally:
        store.close()

    apple.add("cn", 1, step=timedelta(minutes=5), start=100)
    before = len(server.hits)
    second = crawl(path, "ios").report
    again = sorted(h.route for h in server.hits[before:] if h.route != "/robots.txt")
    assert again == [apple.path("cn", 1), apple.path("us", 1)]  # page 1 reaches what was seen
    assert second["created"] == 1, second
    cursors = CursorStore(Database(f"sqlite:///{tmp_path / 'yuqing.sqlite3'}")).load("ios")
    assert cursors[f"cn:{APP}"].high_water == NOW - timedelta(minutes=5)


def test_apple_serves_ten_pages_at_most(server, crawl_config, crawl) -> None:  # type: ignore[no-untyped-def]
    apple = FakeAppStore(server)
    apple.add("cn", 60, step=timedelta(minutes=1))
    path, _ = crawl_config(
        source(server, countries=["cn"]), crawl_yaml="crawl:\n  autothrottle: false\n  max_pages: 20\n"
    )
    report = crawl(path, "ios").report
    assert report["status"] == "ok" and report["created"] == 50, report
    assert len([h for h in server.hits if h.route != "/robots.txt"]) == 10


def test_429_retry_after_is_obeyed_and_5xx_retried(server, crawl_config, crawl) -> None:  # type: ignore[no-untyped-def]
    apple = FakeAppStore(server)
    apple.add("cn", 3)
    calls: list[float] = []

    def flaky(hit: Any) -> Any:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return xml_reply("", 429, **{"Retry-After": "1"})
        if len(calls) == 2:
            return xml_reply("<html>busy</html>", 503)
        return apple(hit)

    server.handle(apple.path("cn", 1), flaky)
    path, _ = crawl_config(source(server, countries=["cn"]))
    report = crawl(path, "ios").report
    assert report["status"] == "ok" and report["created"] == 3, report
    assert report["http_errors"] == {"429": 1, "503": 1}
    assert calls[1] - calls[0] >= 1.0


def test_robots_disallow_means_nothing_is_fetched(server, crawl_config, crawl) -> None:  # type: ignore[no-untyped-def]
    apple = FakeAppStore(server)
    server.route("/robots.txt", server.Reply(body="User-agent: *\nDisallow: /cn/rss/\n", content_type="text/plain"))
    path, _ = crawl_config(source(server, countries=["cn"]))
    report = crawl(path, "ios").report
    assert report["status"] == "failed" and report["robots_blocked"] == 1, report
    assert server.hits_to(apple.path("cn", 1)) == []


def test_changed_shape_is_counted_sampled_and_degrades(server, crawl_config, crawl, tmp_path) -> None:  # type: ignore[no-untyped-def]
    apple = FakeAppStore(server)
    apple.add("us", 2)
    changed = '{"feed": {"entry": [{"id": {"label": "1"}}]}}'  # the JSON form: no dates
    server.route(apple.path("cn", 1), xml_reply(changed))
    path, _ = crawl_config(source(server, countries=["cn", "us"]))
    report = crawl(path, "ios").report
    assert report["status"] == "degraded" and report["shape_errors"] == 1 and report["created"] == 2, report
    [sample] = report["samples"]
    assert Path(sample).parent == tmp_path / "samples" / "ios" and Path(sample).read_text() == changed
