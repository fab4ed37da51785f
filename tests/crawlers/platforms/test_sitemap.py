"""The sitemap parser: sitemap indexes, news sitemaps (plain and gzipped), malformed and changed sitemaps, and
the generic reading of article pages.

No real sitemap capture is stored in ../shared (no public project's test data had one), so these run on
sitemaps written by the protocol (sitemaps.org 0.9) and Google's news extension."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crawlers.items import MentionItem
from crawlers.platforms import get_platform
from crawlers.platforms.base import ShapeError
from crawlers.platforms.sitemap import complete_from_entry, parse_date

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "web"
SITEMAP = get_platform("sitemap")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# -- sitemaps -------------------------------------------------------------------------------------------------
def test_news_sitemap_entries() -> None:
    page = SITEMAP.parse_any(fixture("news_sitemap.xml"))
    assert page.kind == "urlset" and page.items == []
    x6, store, about, undated = page.follow
    assert x6 == {
        "url": "https://news.example.cn/tech/2024/03/10/xianda-x6.html",
        "lastmod": datetime(2024, 3, 10, 1, 30, tzinfo=UTC),
        "published": datetime(2024, 3, 10, 0, 0, tzinfo=UTC),
        "title": "先达手机发布X6，续航提升三成",
        "language": "zh-cn",
        "publication": "示例科技日报",
    }
    assert store["published"] == datetime(2024, 3, 9, tzinfo=UTC) and store["lastmod"] is None
    assert about["title"] is None and about["lastmod"] == datetime(2023, 1, 1, tzinfo=UTC)
    assert undated["lastmod"] is None  # its date was unreadable: kept, without a date
    # The unreadable date and the non-http location are problems; the <url> without <loc> is not an entry.
    assert page.problems == [
        "entry 4 (https://news.example.cn/tech/2024/03/08/bad-date.html): unreadable date 'last tuesday-ish'; "
        "read without a date",
        "entry 5: not an http(s) URL: 'ftp://files.example.cn/archive.zip'",
    ]


def test_dates_without_a_zone_are_read_in_the_given_zone() -> None:
    page = SITEMAP.parse("urlset", fixture("news_sitemap.xml"), zone=SHANGHAI)
    assert page.follow[1]["published"] == datetime(2024, 3, 8, 16, 0, tzinfo=UTC)  # 2024-03-09 in Shanghai


def test_sitemap_index_resolves_relative_locations_against_its_url() -> None:
    page = SITEMAP.parse("sitemapindex", fixture("sitemap_index.xml"), url="https://news.example.cn/sitemap.xml")
    assert page.follow == [
        {"url": "https://news.example.cn/sitemaps/news.xml", "lastmod": datetime(2024, 3, 10, 10, 0, tzinfo=UTC)},
        {"url": "https://news.example.cn/sitemaps/archive-2023.xml.gz", "lastmod": datetime(2024, 1, 1, tzinfo=UTC)},
        {"url": "https://news.example.cn/sitemaps/pages.xml", "lastmod": None},
    ]
    assert page.problems == []


def test_gzipped_sitemaps_are_decompressed() -> None:
    body = gzip.compress(fixture("news_sitemap.xml"))
    assert SITEMAP.detect(body) == "urlset"
    assert len(SITEMAP.parse("urlset", body).follow) == 4


@pytest.mark.parametrize(
    ("name", "body", "reason"),
    [
        ("bare ampersand", fixture("sitemap_malformed.xml"), r"malformed XML \(1 errors, first: EntityRef"),
        ("truncated", fixture("news_sitemap.xml")[:700], "malformed XML"),
        ("html", b"<!DOCTYPE html><html><body><p>404</p></body></html>", "expected <urlset>, got <html>"),
        ("index for urlset", fixture("sitemap_index.xml"), "expected <urlset>, got <sitemapindex>"),
        ("empty", b"", "not XML"),
        ("broken gzip", gzip.compress(fixture("news_sitemap.xml"))[:60], "broken or oversized gzip"),
    ],
)
def test_malformed_and_changed_sitemaps_are_shape_errors(name: str, body: bytes, reason: str) -> None:
    with pytest.raises(ShapeError, match=reason):
        SITEMAP.parse("urlset", body)


@pytest.mark.parametrize(
    "body", [b"", b'{"urls": []}', b'<?xml version="1.0"?><rss version="2.0"/>', gzip.compress(b"x")[:10]]
)
def test_detect_refuses_what_is_neither_a_sitemap_nor_a_page(body: bytes) -> None:
    with pytest.raises(ShapeError):
        SITEMAP.detect(body)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05", datetime(2024, 3, 5, tzinfo=UTC)),
        ("2024-03-05T14:30:00+08:00", datetime(2024, 3, 5, 6, 30, tzinfo=UTC)),
        ("2024-03-05T14:30Z", datetime(2024, 3, 5, 14, 30, tzinfo=UTC)),
        ("2024-03-05T14:30:00.123+00:00", datetime(2024, 3, 5, 14, 30, 0, 123000, tzinfo=UTC)),
        ("Tue, 05 Mar 2024 14:30:00 GMT", datetime(2024, 3, 5, 14, 30, tzinfo=UTC)),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(text: str | None, expected: datetime | None) -> None:
    assert parse_date(text) == expected


def test_parse_date_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="unreadable date"):
        parse_date("soon")


# -- articles -------------------------------------------------------------------------------------------------
ARTICLE_URL = "https://news.example.cn/tech/2024/03/10/xianda-x6.html"


def test_generic_article() -> None:
    page = SITEMAP.parse("article", fixture("article_generic.html"), url=ARTICLE_URL + "#top")
    [item] = page.items
    assert item.post_id == ARTICLE_URL  # canonicalised: no fragment
    assert item.title == "先达手机发布X6，续航提升三成"  # og:title
    # The main <article>'s paragraphs: not the navigation, the aside's article or the footer.
    assert item.text == "3月10日，先达手机在深圳发布新款X6。\n新机电池容量提升三成，支持100W快充。"
    assert item.published_at == datetime(2024, 3, 10, 0, 5, tzinfo=UTC)
    assert item.author == "李记者"  # the name, not article:author's profile URL
    assert item.language == "zh-CN"
    assert item.extra == {"site": "示例科技日报"}
    assert page.problems == []


def test_generic_article_takes_the_richest_block_of_paragraphs() -> None:
    page = SITEMAP.parse("article", fixture("article_plain.html"), url="https://news.example.cn/a/2", zone=SHANGHAI)
    [item] = page.items
    assert item.text == "露米（Lumi）今天在上海开设首家旗舰店。\n店内可以体验全系列耳机产品，开业首周有优惠。"
    assert item.title == "露米首家旗舰店开业"  # the <h1>
    assert item.published_at == datetime(2024, 3, 9, 2, 0, tzinfo=UTC)  # <time datetime> read in the zone
    assert item.language == "zh-CN"  # from og:locale zh_CN
    assert item.author is None


def test_a_page_without_text_is_a_problem_and_no_item() -> None:
    page = SITEMAP.parse("article", fixture("article_video.html"), url="https://news.example.cn/v/1")
    assert page.items == [] and page.problems == ["https://news.example.cn/v/1: no article text found"]


def test_a_page_without_any_url_is_a_shape_error() -> None:
    with pytest.raises(ShapeError, match="no URL"):
        SITEMAP.parse("article", fixture("article_plain.html"))


def test_an_unreadable_article_date_is_a_problem_but_the_article_is_kept() -> None:
    body = fixture("article_plain.html").replace(b'datetime="2024-03-09 10:00"', b'datetime="soon"')
    page = SITEMAP.parse("article", body, url="https://news.example.cn/a/2")
    assert page.items[0].published_at is None and "unreadable date 'soon'" in page.problems[0]


def test_non_html_article_is_a_shape_error() -> None:
    with pytest.raises(ShapeError, match="not an HTML page"):
        SITEMAP.parse("article", b"%PDF-1.7 ...", url="https://news.example.cn/a.pdf")


def test_the_sitemap_entry_fills_what_the_page_does_not_say() -> None:
    entry = SITEMAP.parse_any(fixture("news_sitemap.xml")).follow[0]
    body = fixture("article_video.html").replace(b"</video>", "</video><p>先达X6上手视频。</p>".encode())
    page = SITEMAP.parse("article", body, url=entry["url"], entry=entry)
    [item] = page.items
    assert item.title == "视频：先达X6上手"  # the page's own title wins
    assert item.published_at == datetime(2024, 3, 10, 0, 0, tzinfo=UTC)  # the news publication date
    assert item.extra == {"publication": "示例科技日报"}
    bare = MentionItem(platform="web", post_id="p", text="t")
    complete_from_entry(bare, {"url": "u", "lastmod": datetime(2024, 1, 1, tzinfo=UTC), "published": None})
    assert bare.published_at == datetime(2024, 1, 1, tzinfo=UTC) and bare.title is None
