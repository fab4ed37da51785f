"""Real crawls of a local server answering at Google News' search-RSS path: editions, exact phrases, an
incremental second run, 429 with Retry-After, 5xx then success, robots.txt and a consent page instead of
the feed."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

from crawlers.spiders.google_news import search_query
from crawlers.state import CursorStore
from foundation.db import Database
from index.base import mention_id
from index.sqlite import SQLiteMentionStore

PATH = "/rss/search"
NOW = datetime.now(UTC).replace(microsecond=0)
RSS = "application/rss+xml; charset=utf-8"
EDITIONS = """
  editions:
    - {hl: zh-CN, gl: CN, ceid: "CN:zh-Hans"}
    - {hl: en-US, gl: US, ceid: "US:en"}"""


def source(server: Any, name: str = "gnews", extra: str = EDITIONS) -> str:
    return f"""
- name: {name}
  type: google_news
  base_url: {server.base}
  crawl: {{download_delay: 0}}
  queries: [XianDa]{extra}
"""


class News:
    """Answers like news.google.com/rss/search: an edition's latest articles for the query, no paging."""

    def __init__(self, articles: dict[str, list[tuple[str, str, datetime]]]):
        self.articles = articles

    def __call__(self, hit: Any) -> Any:
        items = "".join(
            f"<item><title>{escape(title)} - 新闻网</title>"
            f"<link>https://news.google.com/rss/articles/{guid}?oc=5</link>"
            f'<guid isPermaLink="false">{guid}</guid>'
            f"<pubDate>{format_datetime(at, usegmt=True)}</pubDate>"
            f"<description>{escape(f'<a href=x>{title}</a>&nbsp;&nbsp;<font>新闻网</font>')}</description>"
            f'<source url="https://news.example">新闻网</source></item>'
            for guid, title, at in self.articles[hit.query["ceid"]]
        )
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>x - Google News</title>{items}</channel></rss>'
        return reply(body, content_type=RSS)


def reply(body: str, status: int = 200, content_type: str = "text/html; charset=utf-8", **headers: str) -> Any:
    from tests.crawlers.local_server import Reply

    return Reply(status=status, body=body, content_type=content_type, headers=headers)


def allow_robots(server: Any) -> None:
    server.route("/robots.txt", server.Reply(status=404, body="", content_type="text/plain"))


def test_editions_then_an_incremental_run(server, crawl_config, crawl, tmp_path) -> None:  # type: ignore[no-untyped-def]
    allow_robots(server)
    news = News(
        {
            "CN:zh-Hans": [
                ("zh1", "先达手机 XianDa 发布新品", NOW - timedelta(hours=1)),
                ("zh-other", "与品牌无关的新闻", NOW - timedelta(hours=2)),
                ("zh2", "XianDa 召回充电器", NOW - timedelta(hours=3)),
                ("zh-old", "XianDa 2020 年旧闻", NOW - timedelta(days=30)),  # before the 7-day backfill
            ],
            "US:en": [("en1", "XianDa X5 review", NOW - timedelta(hours=2))],
        }
    )
    server.handle(PATH, news)
    path, _ = crawl_config(source(server))

    first = crawl(path, "gnews").report
    assert first["status"] == "ok", first
    assert (first["pages"], first["created"], first["dropped"]) == (2, 3, {"no_brand": 1})
    queries = [h.query for h in server.hits_to(PATH)]
    assert sorted((q["hl"], q["gl"], q["ceid"]) for q in queries) == [
        ("en-US", "US", "US:en"),
        ("zh-CN", "CN", "CN:zh-Hans"),
    ]
    assert {q["q"] for q in queries} == {'"XianDa"'}  # exact phrase by default
    store = SQLiteMentionStore.at(tmp_path / "mentions.sqlite3")
    try:
        mention = store.get(mention_id("google_news", "zh1"))
        assert mention is not None and mention.title == "先达手机 XianDa 发布新品" and mention.author == "新闻网"
        assert mention.extra["edition"] == "CN:zh-Hans" and mention.language == "zh"
        assert store.get(mention_id("google_news", "zh-old")) is None
    finally:
        store.close()

    news.articles["CN:zh-Hans"].insert(0, ("zh3", "XianDa 新闻", NOW - timedelta(minutes=5)))
    second = crawl(path, "gnews").report
    # The feed is fetched whole, but only what is newer than each edition's cursor (less the 10-minute
    # overlap) goes on: zh3 is new, zh1 and en1 are re-read at the edge, nothing older is passed on.
    assert (second["created"], second["unchanged"], second["dropped"]) == (1, 2, {}), second
    cursors = CursorStore(Database(f"sqlite:///{tmp_path / 'yuqing.sqlite3'}")).load("gnews")
    assert cursors["q:XianDa|CN:zh-Hans"].high_water == NOW - timedelta(minutes=5)
    assert cursors["q:XianDa|US:en"].high_water == NOW - timedelta(hours=2)


@pytest.mark.parametrize(
    ("word", "exact", "query"),
    [
        ("先达手机", True, '"先达手机"'),
        (" XianDa  X5 ", True, '"XianDa X5"'),
        ('say "hi"', True, '"say hi"'),  # quotes inside a phrase would end it early
        ("XianDa X5", False, "XianDa X5"),
    ],
)
def test_search_query(word: str, exact: bool, query: str) -> None:
    assert search_query(word, exact) == query


@pytest.fixture(scope="module")
def runs(crawl_scenarios) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The failure scenarios, crawled concurrently, each against its own server."""
    from tests.crawlers.conftest import Scenario

    feed = News({"CN:zh-Hans": [("a1", "先达手机新闻", NOW - timedelta(hours=1))]})
    calls: list[float] = []

    def flaky(hit: Any) -> Any:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return reply("slow down", 429, "text/plain", **{"Retry-After": "1"})
        if len(calls) == 2:
            return reply("oops", 503, "text/plain")
        return feed(hit)

    consent = "<!DOCTYPE html><html><body><form action='https://consent.google.com/save'>Before you continue</form>"
    no_editions = {"extra": ""}
    scenarios = {
        "flaky": Scenario({PATH: flaky}, no_editions, disallow=""),
        "robots": Scenario({PATH: feed}, no_editions, disallow="Disallow: /rss/"),
        "consent": Scenario({PATH: lambda hit: reply(consent)}, no_editions, disallow=""),
    }
    return {name: (*run, calls) for name, run in crawl_scenarios(scenarios, source).items()}


def test_429_retry_after_is_obeyed_and_5xx_retried(runs) -> None:  # type: ignore[no-untyped-def]
    _, _, result, calls = runs["flaky"]
    report = result.report
    assert report["status"] == "ok" and report["created"] == 1, report
    assert report["http_errors"] == {"429": 1, "503": 1}
    assert calls[1] - calls[0] >= 1.0  # waited out Retry-After


def test_robots_disallow_means_nothing_is_fetched(runs) -> None:  # type: ignore[no-untyped-def]
    srv, _, result, _ = runs["robots"]
    assert result.report["status"] == "failed" and result.report["robots_blocked"] == 1
    assert srv.hits_to(PATH) == []


def test_a_consent_page_is_a_shape_error_with_a_sample(runs) -> None:  # type: ignore[no-untyped-def]
    _, folder, result, _ = runs["consent"]
    report = result.report
    assert report["status"] == "degraded" and report["shape_errors"] == 1 and report["created"] == 0
    [sample] = report["samples"]
    assert Path(sample).parent == folder / "samples" / "consent"
    assert "Before you continue" in Path(sample).read_text()
