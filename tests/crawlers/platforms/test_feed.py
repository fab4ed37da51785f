"""The feed parser: RSS 2.0, RSS 1.0 (RDF) and Atom, our fixtures and real captured feeds, feed autodiscovery on
site pages, and bodies that are neither."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.platforms import get_platform
from crawlers.platforms.base import ShapeError
from crawlers.platforms.feed import root_element

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FEED = get_platform("rss")
FEED_URL = "http://127.0.0.1:8999/feeds/latest.xml"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# -- our own feeds ------------------------------------------------------------------------------------------
def test_rss2_entries_become_items() -> None:
    page = FEED.parse("feed", fixture("brand_rss2.xml"), url=FEED_URL)
    # 9 entries, 2 malformed: one has neither guid nor link, one has no description.
    assert [i.post_id for i in page.items] == [
        "xd-1001",
        "xd-1002",
        "other-1",
        "xd-1001",
        "addr-1",
        "http://127.0.0.1:8999/posts/8",  # a relative link, made absolute against the feed URL
        "lumi-9",
    ]
    assert page.problems == ["entry 3 has neither an id/guid nor a link", "entry 4 (xd-1004) has no content or summary"]
    first = page.items[0]
    assert first.platform == "rss"
    assert first.title == "先达手机X5续航测评"
    assert first.text == "先达手机X5的电池续航非常好，快充也很快，我很满意。\n推荐购买！"
    assert first.url == "https://bbs.example.cn/t/1001"
    assert first.author == "王小明"
    assert first.published_at == datetime(2024, 3, 5, 6, 30, tzinfo=UTC)
    assert first.comments == 12
    assert first.language == "zh-cn"  # declared by the feed
    assert first.extra == {"feed_title": "数码论坛 · 最新帖子"}
    assert page.items[1].published_at == datetime(2024, 3, 6, 1, 15, tzinfo=UTC)
    assert page.items[2].published_at is None
    # Escaped HTML in a description: decoded, the script dropped, the text kept.
    assert page.items[-1].text == "露米耳机音质 不错，就是价格有点贵。"  # &nbsp; is a plain space


def test_a_paged_feed_links_its_older_entries() -> None:
    rss = (
        b'<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>t</title>'
        b'<atom:link rel="self" href="/feeds/latest.xml"/><atom:link rel="next" href="?paged=2"/>'
        b"<item><guid>a</guid><description>x</description></item></channel></rss>"
    )
    assert FEED.parse("feed", rss, url=FEED_URL).next == {"url": FEED_URL + "?paged=2"}
    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><link rel="next" href="/archive/2"/>'
        b"<entry><id>a</id><content>x</content></entry></feed>"
    )
    assert FEED.parse("feed", atom, url=FEED_URL).next == {"url": "http://127.0.0.1:8999/archive/2"}
    # The last page, and an unpaged feed, link nothing older.
    assert FEED.parse("feed", fixture("brand_rss2.xml"), url=FEED_URL).next is None


def test_without_the_feed_url_a_relative_link_stays_relative() -> None:
    page = FEED.parse_any(fixture("brand_rss2.xml"))
    assert "/posts/8" in [i.post_id for i in page.items]


def test_atom_prefers_content_and_strips_html_in_titles() -> None:
    page = FEED.parse_any(fixture("brand_atom.xml"))
    assert page.kind == "feed" and not page.problems
    review, update = page.items
    assert review.post_id == "urn:uuid:5a0c0a52-1111-4111-8111-000000000001"
    assert review.title == "XianDa X5 review"
    assert review.text == "The XianDa X5 has a bright screen.\nBattery life is average."
    assert review.author == "Jane Doe"  # the name, not "Jane Doe (jane@example.com)"
    assert review.published_at == datetime(2024, 3, 9, 10, 30, tzinfo=UTC)
    assert review.language == "en"
    assert review.extra["tags"] == ["phones"]
    # No <published>: the <updated> date is used; no <content>: the summary is the text.
    assert update.published_at == datetime(2024, 3, 8, 7, 45, tzinfo=UTC)
    assert update.text == "Lumi pushed a firmware update that fixes the pairing bug."
    assert update.author is None


def test_rss1_rdf() -> None:
    page = FEED.parse_any(fixture("brand_rdf.xml"))
    assert [i.post_id for i in page.items] == ["https://news.example.jp/a/1", "https://news.example.jp/a/2"]
    assert page.items[0].author == "新闻编辑部"
    assert page.items[0].published_at == datetime(2024, 3, 11, 1, 0, tzinfo=UTC)
    assert page.items[0].language is None  # the feed declares none: left for the source's hint
    assert page.items[1].text == "Lumi opened its first store in Shanghai."


def test_an_empty_feed_is_not_an_error() -> None:
    page = FEED.parse_any(b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>')
    assert page.items == [] and page.problems == []


def test_the_http_charset_decodes_a_feed_without_a_declaration() -> None:
    body = "<rss><channel><item><guid>g1</guid><description>先达手机很好用</description></item></channel></rss>"
    page = FEED.parse("feed", body.encode("gb18030"), content_type="text/xml; charset=gb18030")
    assert page.items[0].text == "先达手机很好用"


@pytest.mark.parametrize(
    ("body", "kind", "reason"),
    [
        (fixture("not_a_feed.html"), "feed", "not a feed"),
        (b"\x00\x01 definitely not xml", "feed", "not a feed"),
        (b"<?xml version='1.0'?><urlset><url><loc>https://a/</loc></url></urlset>", "feed", "not a feed"),
        (b'{"items": []}', "feed", "not a feed"),
    ],
)
def test_bodies_that_are_not_feeds_are_shape_errors(body: bytes, kind: str, reason: str) -> None:
    with pytest.raises(ShapeError, match=reason):
        FEED.parse(kind, body)


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- generated -->\n<rss version="2.0"/>', "feed"),
        (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', "feed"),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"/>', "feed"),
        (b"<!DOCTYPE html>\n<html><head></head></html>", "page"),
    ],
)
def test_detect(body: bytes, kind: str) -> None:
    assert FEED.detect(body) == kind


@pytest.mark.parametrize("body", [b"", b'{"a": 1}', b'<?xml version="1.0"?><urlset/>'])
def test_detect_refuses_what_is_neither(body: bytes) -> None:
    with pytest.raises(ShapeError, match="neither a feed nor an HTML page"):
        FEED.detect(body)


def test_root_element_skips_the_prolog() -> None:
    body = b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY x "y">]>\n<!-- c -->\n<rss:rss>'
    assert root_element(body) == "rss"
    assert root_element(b"just text") is None


# -- autodiscovery --------------------------------------------------------------------------------------------
def test_discovery_follows_the_preferred_format_deduped_and_resolved() -> None:
    page = FEED.parse("page", fixture("web/blog_home.html"), url="http://127.0.0.1:8999/blog/")
    assert page.items == []
    # RSS is present, so the Atom rendering of the same posts is left out; the repeated link counts once.
    assert page.follow == [
        {"url": "http://127.0.0.1:8999/feeds/posts.xml", "format": "rss", "title": "文章"},
        {"url": "http://127.0.0.1:8999/blog/comments/feed.xml", "format": "rss", "title": "评论"},
        {"url": "https://cdn.example.cn/all.xml", "format": "rss", "title": "大写也算"},
    ]


def test_discovery_resolves_against_the_base_element() -> None:
    page = FEED.parse_any(fixture("web/atom_only_page.html"), now=None)
    assert page.kind == "page"
    assert page.follow == [{"url": "https://blog.example.com/lumi/atom.xml", "format": "atom", "title": "Posts"}]


def test_a_page_without_feed_links_is_a_shape_error() -> None:
    with pytest.raises(ShapeError, match="links no RSS, Atom or RDF feed"):
        FEED.parse_any(fixture("not_a_feed.html"))


# -- real captures (../shared) --------------------------------------------------------------------------------
def test_real_autodiscovery_page(shared_dir: Path) -> None:
    body = (shared_dir / "fixtures/rss_atom/tagesschau_homepage_feed_autodiscovery.html").read_bytes()
    page = FEED.parse_any(body)
    # The page links the same news as Atom, RSS and RDF: one of them is enough.
    assert page.kind == "page"
    assert page.follow == [{"url": "https://www.tagesschau.de/index~rss2.xml", "format": "rss", "title": "RSS"}]


REAL_FEEDS = [
    ("rss_atom/tagesschau_index_rss2.xml", 3),
    ("rss_atom/fp_atom10.xml", 2),
    ("reddit/r_kubernetes_rss_atom.xml", 5),
    ("google_news/rss_search_q_Chemnitz_hl_de_gl_DE.xml", 2),
]


@pytest.mark.parametrize(("relative", "entries"), REAL_FEEDS)
def test_real_feeds_parse_completely(shared_dir: Path, relative: str, entries: int) -> None:
    page = FEED.parse_any((shared_dir / "fixtures" / relative).read_bytes())
    assert page.kind == "feed" and not page.problems
    assert len(page.items) == len({i.post_id for i in page.items}) == entries
    for item in page.items:
        assert item.post_id
        assert item.text and "<p>" not in item.text and "<div" not in item.text and "&lt;" not in item.text
        assert item.url and item.url.startswith("https://")
        assert item.published_at is not None and item.published_at.tzinfo is UTC


def test_real_rss2_with_content_encoded(shared_dir: Path) -> None:
    page = FEED.parse_any((shared_dir / "fixtures/rss_atom/tagesschau_index_rss2.xml").read_bytes())
    first = page.items[0]
    assert first.post_id == "2371e076-f0bd-4e39-8fcf-3e6cf3308eff"  # the guid as written, not made a URL
    assert first.url == "https://www.tagesschau.de/wirtschaft/haushalt-volumen-100.html"
    assert first.language == "de"
    assert first.published_at == datetime(2023, 12, 12, 14, 20, 21, tzinfo=UTC)
    assert "Ampelkoalition" in first.text and "Von H.-J. Vieweger." in first.text


def test_real_reddit_atom(shared_dir: Path) -> None:
    page = FEED.parse_any((shared_dir / "fixtures/reddit/r_kubernetes_rss_atom.xml").read_bytes())
    first = page.items[0]
    assert first.post_id == "t3_18895rv"
    assert first.author == "/u/gctaylor"
    assert first.title is not None and first.title.startswith("Monthly: Who is hiring")
    assert "submitted by" in first.text and "SC_OFF" not in first.text  # HTML comments dropped


def test_real_atom_without_published_uses_updated(shared_dir: Path) -> None:
    page = FEED.parse_any((shared_dir / "fixtures/rss_atom/fp_atom10.xml").read_bytes())
    assert page.items[0].published_at == datetime(2023, 12, 12, 18, 0, tzinfo=UTC)
    assert page.items[0].text.startswith("Es ist nicht lange still geblieben um Werner Haas.")


def test_real_google_news_feed_as_a_generic_feed(shared_dir: Path) -> None:
    page = FEED.parse_any((shared_dir / "fixtures/google_news/rss_search_q_Chemnitz_hl_de_gl_DE.xml").read_bytes())
    first = page.items[0]
    assert first.url is not None and first.url.startswith("https://news.google.com/")
    assert first.extra["feed_title"].startswith('"Chemnitz"')
