"""Real crawls of sitemaps on a local server: a site root's robots.txt ``Sitemap:`` line → a sitemap index → a
news sitemap and a gzipped one → article pages (robots.txt forbidding some), an incremental second run; and
sitemaps given directly, one failing once, one malformed, read with selectors and capped by max_articles."""

from __future__ import annotations

import asyncio
import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import TextResponse, XmlResponse

from crawlers.spiders.sitemap import is_site_root
from crawlers.state import CursorStore
from foundation.db import Database
from index.base import mention_id
from index.sqlite import SQLiteMentionStore

NOW = datetime.now(UTC).replace(microsecond=0)
XML = "application/xml"
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def urlset(base: str, entries: list[tuple[str, datetime | None, str | None]]) -> str:
    """A sitemap of ``(path, date, news title)``: with a title, a news entry dated by its publication date;
    without, a plain entry dated by ``lastmod``."""
    rows = []
    for path, when, title in entries:
        date = when.isoformat() if when else ""
        if title:
            news = (
                "<news:news><news:publication><news:name>示例日报</news:name><news:language>zh</news:language>"
                f"</news:publication><news:publication_date>{date}</news:publication_date>"
                f"<news:title>{title}</news:title></news:news>"
            )
            rows.append(f"<url><loc>{base}{path}</loc>{news}</url>")
        else:
            rows.append(f"<url><loc>{base}{path}</loc>" + (f"<lastmod>{date}</lastmod>" if date else "") + "</url>")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {NS}>{"".join(rows)}</urlset>'


def article(text: str, title: str = "") -> str:
    heading = f"<h1>{title}</h1>" if title else ""
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>示例日报</title></head><body>'
        f"<nav><p>首页</p></nav><article>{heading}<p>{text}</p></article><footer><p>版权</p></footer></body></html>"
    )


def cursors(tmp_path: Path, source: str) -> dict[str, Any]:
    return CursorStore(Database(f"sqlite:///{tmp_path / 'yuqing.sqlite3'}")).load(source)


def test_site_root_index_news_and_gzip_sitemaps_then_incremental(server, crawl_config, crawl, tmp_path) -> None:  # type: ignore[no-untyped-def]
    base = server.base
    server.route("/robots.txt", server.Reply(body="User-agent: *\nDisallow: /private/\nSitemap: /sitemap_index.xml\n"))
    index = (
        f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/sitemaps/news.xml</loc><lastmod>{NOW.isoformat()}</lastmod></sitemap>"
        f"<sitemap><loc>{base}/sitemaps/archive.xml.gz</loc><lastmod>{(NOW - timedelta(days=30)).isoformat()}"
        f"</lastmod></sitemap><sitemap><loc>{base}/sitemaps/pages.xml.gz</loc></sitemap></sitemapindex>"
    )
    server.route("/sitemap_index.xml", server.Reply(body=index, content_type=XML))
    server.route("/sitemaps/archive.xml.gz", server.Reply(status=500))  # unchanged for a month: never fetched
    news = [
        ("/news/a.html", NOW - timedelta(hours=1), "先达手机X6发布"),
        ("/private/d.html", NOW - timedelta(hours=2), "先达内部消息"),  # robots.txt forbids it
        ("/news/b.html", NOW - timedelta(hours=3), "露米旗舰店开业"),
        ("/news/c.html", NOW - timedelta(days=5), "先达旧闻"),  # older than the 2-day backfill
        ("/video/e.html", NOW - timedelta(hours=1), "先达视频"),  # not an article URL (url_pattern)
    ]
    server.handle("/sitemaps/news.xml", lambda hit: server.Reply(body=urlset(base, news), content_type=XML))
    pages = urlset(base, [("/news/f.html", NOW - timedelta(hours=2), None), ("/about.html", NOW, None)])
    server.route(
        "/sitemaps/pages.xml.gz", server.Reply(body=gzip.compress(pages.encode()), content_type="application/gzip")
    )
    server.route("/news/a.html", article("先达手机今天发布X6，续航提升三成。"))
    server.route("/news/b.html", article("露米首家旗舰店在上海开业。", "露米开店"))
    server.route("/news/f.html", article("XianDa 的售后服务升级了。", "售后升级"))
    server.route("/news/g.html", article("先达手机X6开售即售罄。"))
    path, _ = crawl_config(
        f"""
        - name: daily
          type: sitemap
          urls: ["{base}/"]
          url_pattern: "/(news|private)/"
        """
    )

    first = crawl(path, "daily").report

    assert first["status"] == "ok", first
    assert (first["created"], first["robots_blocked"]) == (3, 1)
    fetched = server.paths()
    assert {"/news/a.html", "/news/b.html", "/news/f.html"} <= set(fetched)
    assert not {"/news/c.html", "/private/d.html", "/video/e.html", "/about.html", "/sitemaps/archive.xml.gz"} & set(
        fetched
    )
    store = SQLiteMentionStore.at(tmp_path / "mentions.sqlite3")
    try:
        a = store.get(mention_id("web", f"{base}/news/a.html"))
        assert a is not None
        # The page has no heading and no date: the news sitemap gives them.
        assert (a.title, a.published_at) == ("先达手机X6发布", NOW - timedelta(hours=1))
        assert a.text == "先达手机今天发布X6，续航提升三成。" and a.language == "zh"
        assert a.extra == {"publication": "示例日报"}
        b = store.get(mention_id("web", f"{base}/news/b.html"))
        assert b is not None and b.title == "露米开店" and b.brands == ["lumi"]
    finally:
        store.close()

    news.insert(0, ("/news/g.html", NOW - timedelta(minutes=5), "先达X6开售"))
    second = crawl(path, "daily").report
    assert second["status"] == "ok", second
    # New: g. Again: a, the old high-water mark (inside the cursor's overlap). Older articles are not fetched.
    assert (second["created"], second["unchanged"]) == (1, 1)
    articles = [h.path for h in server.hits if h.path.startswith("/news/")]
    assert sorted(articles[3:]) == ["/news/a.html", "/news/g.html"]
    assert cursors(tmp_path, "daily")[f"{base}/"].high_water == NOW - timedelta(minutes=5)


def test_direct_sitemaps_flaky_malformed_and_capped(server, crawl_config, crawl, tmp_path) -> None:  # type: ignore[no-untyped-def]
    base = server.base
    server.route("/robots.txt", server.Reply(status=404, body="", content_type="text/plain"))
    good = urlset(base, [(f"/a/{i}", NOW - timedelta(hours=i), None) for i in (1, 2, 3)])
    server.route("/news-sitemap.xml", server.Reply(status=503, body="busy"), server.Reply(body=good, content_type=XML))
    broken = good.replace(f"{base}/a/1", f"{base}/search?q=xianda&page=2")  # a bare "&": malformed XML
    server.route("/broken.xml", server.Reply(body=broken, content_type=XML))
    for i in (1, 2, 3):
        server.route(
            f"/a/{i}",
            f'<html><body><h2>第{i}篇</h2><span class="when">2024-03-0{i} 10:00</span>'
            f'<div class="story">先达手机新闻 {i}</div></body></html>',
        )
    path, _ = crawl_config(
        f"""
        - name: wire
          type: sitemap
          urls: ["{base}/news-sitemap.xml", "{base}/broken.xml"]
          max_articles: 2
          timezone: Asia/Shanghai
          fields:
            text: "css:div.story"
            title: "css:h2::text"
            published_at: "css:span.when::text"
        """
    )

    report = crawl(path, "wire").report

    assert report["status"] == "degraded"
    assert (report["created"], report["http_errors"], report["shape_errors"]) == (2, {"503": 1}, 1)
    assert "1 queries stopped" in report["error"]  # max_articles left the third article out
    assert server.hits_to("/a/3") == []
    [sample] = report["samples"]
    assert Path(sample).read_text(encoding="utf-8") == broken
    store = SQLiteMentionStore.at(tmp_path / "mentions.sqlite3")
    try:
        first = store.get(mention_id("web", f"{base}/a/1"))
        assert first is not None and first.title == "第1篇"
        assert first.published_at == datetime(2024, 3, 1, 2, 0, tzinfo=UTC)  # the page's own date, in its zone
    finally:
        store.close()
    saved = cursors(tmp_path, "wire")
    assert saved[f"{base}/news-sitemap.xml"].high_water == NOW - timedelta(hours=1)  # capped: it advances
    assert saved[f"{base}/broken.xml"].high_water is None  # unread: the next run backfills it


# -- the spider's decisions, without a reactor ----------------------------------------------------------------
SITE = "http://127.0.0.1:9"


@pytest.fixture
def spider(parse_yaml_config, crawler_for, tmp_path):  # type: ignore[no-untyped-def]
    config = parse_yaml_config(
        f'- name: s\n  type: sitemap\n  urls: ["{SITE}/", "{SITE}/news.xml"]\n  max_articles: 2\n  url_pattern: "/a/"\n'
    )
    crawler = crawler_for(config, "s")
    return crawler.spidercls.from_crawler(crawler, cursor_store=None, data_dir=tmp_path)


@pytest.mark.parametrize(
    ("url", "root"),
    [("https://a.cn", True), ("https://a.cn/", True), ("https://a.cn/?p=1", False), ("https://a.cn/s.xml", False)],
)
def test_site_roots(url: str, root: bool) -> None:
    assert is_site_root(url) is root


def test_start_reads_a_site_root_through_robots_txt(spider) -> None:  # type: ignore[no-untyped-def]
    async def collect() -> list[Any]:
        return [r async for r in spider.start()]

    robots, sitemap = asyncio.run(collect())
    assert (robots.url, robots.callback, robots.meta["handle_httpstatus_list"]) == (
        f"{SITE}/robots.txt",
        spider.parse_robots,
        [404, 410],
    )
    assert (sitemap.url, sitemap.callback, sitemap.cb_kwargs) == (
        f"{SITE}/news.xml",
        spider.parse_sitemap,
        {"key": f"{SITE}/news.xml"},
    )


def test_robots_txt_sitemap_lines_and_the_fallback(spider) -> None:  # type: ignore[no-untyped-def]
    body = b"User-agent: *\nDisallow:\nSitemap: /s1.xml\nsitemap: https://cdn.example.cn/s2.xml.gz\nSitemap: /s1.xml\n"
    found = list(spider.parse_robots(TextResponse(f"{SITE}/robots.txt", body=body), key=f"{SITE}/"))
    assert [r.url for r in found] == [f"{SITE}/s1.xml", "https://cdn.example.cn/s2.xml.gz"]  # each once
    missing = TextResponse(f"{SITE}/robots.txt", status=404, body=b"not found")
    assert [r.url for r in spider.parse_robots(missing, key="other")] == [f"{SITE}/sitemap.xml"]


def test_articles_are_chosen_newest_first_up_to_max_articles(spider) -> None:  # type: ignore[no-untyped-def]
    key = f"{SITE}/news.xml"
    spider.started = NOW
    body = urlset(
        SITE,
        [
            ("/a/old", NOW - timedelta(days=3), None),  # older than the 2-day backfill
            ("/a/undated", None, None),
            ("/a/2", NOW - timedelta(hours=2), None),
            ("/b/off-pattern", NOW, None),
            ("/a/1", NOW - timedelta(hours=1), "新闻"),
        ],
    ).encode()
    assert list(spider.parse_sitemap(XmlResponse(key, body=body), key=key)) == []
    requests = spider.choose(key)
    assert [r.url for r in requests] == [f"{SITE}/a/1", f"{SITE}/a/2"]  # the undated one waits: not a cap
    cursor = spider.cursor(key)
    assert cursor.complete and not cursor.capped and cursor.seen_max == NOW - timedelta(hours=1)

    spider.entries[key] = {
        f"{SITE}/a/{i}": {"url": f"{SITE}/a/{i}", "lastmod": NOW - timedelta(minutes=i)} for i in (3, 4, 5)
    }
    assert [r.url for r in spider.choose(key)] == [f"{SITE}/a/3", f"{SITE}/a/4"]
    assert cursor.capped and spider.crawler.stats.get_value("yuqing/capped") == 1
