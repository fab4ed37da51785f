"""The feed spider's parsing: RSS 2.0, RSS 1.0 (RDF) and Atom, our fixtures and real captured feeds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.http import TextResponse, XmlResponse

from crawlers.items import MentionItem

FEED_URL = "http://127.0.0.1:8999/feeds/latest.xml"


@pytest.fixture
def feed_spider(parse_yaml_config, spider_for):
    config = parse_yaml_config(
        f"""
        - name: forum
          type: feed
          platform: bbs
          language: zh
          urls: ["{FEED_URL}"]
        """
    )
    return spider_for(config, "forum")


def _parse(spider, body: str | bytes) -> list[MentionItem]:
    raw = body.encode() if isinstance(body, str) else body
    return list(spider.parse_entries(raw, FEED_URL))


def _stat(spider, key: str) -> int | None:
    return spider.crawler.stats.get_value(key)


def test_rss2_entries_become_items(feed_spider, fixture_file):
    items = _parse(feed_spider, fixture_file("brand_rss2.xml"))

    # 9 entries, 2 malformed: one has neither guid nor link, one has no description.
    assert [i.post_id for i in items] == [
        "xd-1001",
        "xd-1002",
        "other-1",
        "xd-1001",
        "addr-1",
        "http://127.0.0.1:8999/posts/8",  # a relative link, made absolute against the feed URL
        "lumi-9",
    ]
    assert _stat(feed_spider, "yuqing/parse_errors") == 2
    first = items[0]
    assert first.platform == "bbs"
    assert first.source == "forum"
    assert first.title == "先达手机X5续航测评"
    assert first.text == "先达手机X5的电池续航非常好，快充也很快，我很满意。\n推荐购买！"
    assert first.url == "https://bbs.example.cn/t/1001"
    assert first.author == "王小明"
    assert first.published_at == datetime(2024, 3, 5, 6, 30, tzinfo=UTC)
    assert first.comments == 12
    assert first.language == "zh-cn"  # the feed's declaration wins over the source's hint
    assert first.extra == {"feed_title": "数码论坛 · 最新帖子"}
    assert items[1].published_at == datetime(2024, 3, 6, 1, 15, tzinfo=UTC)
    assert items[2].published_at is None
    # Escaped HTML in a description: decoded, the script dropped, the text kept.
    assert items[-1].text == "露米耳机音质 不错，就是价格有点贵。"  # &nbsp; is a plain space


def test_atom_prefers_content_and_strips_html_in_titles(feed_spider, fixture_file):
    items = _parse(feed_spider, fixture_file("brand_atom.xml"))
    assert len(items) == 2
    review, update = items
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
    assert _stat(feed_spider, "yuqing/parse_errors") is None


def test_rss1_rdf(feed_spider, fixture_file):
    items = _parse(feed_spider, fixture_file("brand_rdf.xml"))
    assert [i.post_id for i in items] == ["https://news.example.jp/a/1", "https://news.example.jp/a/2"]
    assert items[0].author == "新闻编辑部"
    assert items[0].published_at == datetime(2024, 3, 11, 1, 0, tzinfo=UTC)
    assert items[0].language == "zh"  # the feed declares none: the source's hint
    assert items[1].text == "Lumi opened its first store in Shanghai."


def test_a_page_that_is_not_a_feed_is_a_parse_error(feed_spider, fixture_file):
    assert _parse(feed_spider, fixture_file("not_a_feed.html")) == []
    assert _parse(feed_spider, b"\x00\x01 definitely not xml") == []
    assert _stat(feed_spider, "yuqing/parse_errors") == 2


def test_an_empty_feed_is_not_an_error(feed_spider):
    empty = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    assert _parse(feed_spider, empty) == []
    assert _stat(feed_spider, "yuqing/parse_errors") is None


def test_the_callback_counts_the_page_and_never_raises(feed_spider, fixture_file, monkeypatch):
    response = XmlResponse(FEED_URL, body=fixture_file("brand_atom.xml").encode())
    assert len(list(feed_spider.parse_feed(response))) == 2
    assert _stat(feed_spider, "yuqing/pages") == 1

    original = feed_spider.entry_item

    def explode_on_second(entry, url, index, *args):
        if index == 1:
            raise KeyError("boom")
        return original(entry, url, index, *args)

    monkeypatch.setattr(feed_spider, "entry_item", explode_on_second)
    items = list(feed_spider.parse_feed(TextResponse(FEED_URL, body=fixture_file("brand_atom.xml").encode())))
    assert [i.title for i in items] == ["XianDa X5 review"]  # what came before the failure is kept
    assert _stat(feed_spider, "yuqing/parse_errors") == 1


async def _collect(agen):
    return [x async for x in agen]


def test_start_requests_every_url_with_the_error_counter(feed_spider):
    import asyncio

    requests = asyncio.run(_collect(feed_spider.start()))
    assert [r.url for r in requests] == [FEED_URL]
    assert requests[0].errback == feed_spider.on_error
    assert requests[0].dont_filter


# -- real feeds captured from the web (../shared) -----------------------------------------------------------
SHARED_FEEDS = [
    ("rss_atom", "tagesschau_index_rss2.xml", 3),
    ("rss_atom", "fp_atom10.xml", 2),
    ("reddit", "r_kubernetes_rss_atom.xml", 5),
    ("google_news", "rss_search_q_Chemnitz_hl_de_gl_DE.xml", 2),
]


def _shared_feed(shared_dir: Path, relative: str) -> bytes:
    path = shared_dir / "fixtures" / relative
    if not path.is_file():
        pytest.skip(f"{path} is not in the shared fixtures")
    return path.read_bytes()


@pytest.mark.parametrize(("folder", "name", "entries"), SHARED_FEEDS)
def test_real_feeds_parse_completely(shared_dir: Path, feed_spider, folder, name, entries):
    items = _parse(feed_spider, _shared_feed(shared_dir, f"{folder}/{name}"))
    assert len(items) == entries
    assert _stat(feed_spider, "yuqing/parse_errors") is None
    for item in items:
        assert item.post_id
        assert item.text and "<p>" not in item.text and "<div" not in item.text and "&lt;" not in item.text
        assert item.url and item.url.startswith("https://")
        assert item.published_at is not None and item.published_at.tzinfo is UTC
    assert len({i.post_id for i in items}) == entries


def test_real_rss2_with_content_encoded(shared_dir: Path, feed_spider):
    items = _parse(feed_spider, _shared_feed(shared_dir, "rss_atom/tagesschau_index_rss2.xml"))
    first = items[0]
    assert first.post_id == "2371e076-f0bd-4e39-8fcf-3e6cf3308eff"  # the guid as written, not made a URL
    assert first.url == "https://www.tagesschau.de/wirtschaft/haushalt-volumen-100.html"
    assert first.language == "de"
    assert first.published_at == datetime(2023, 12, 12, 14, 20, 21, tzinfo=UTC)
    assert "Ampelkoalition" in first.text and "Von H.-J. Vieweger." in first.text


def test_real_reddit_atom(shared_dir: Path, feed_spider):
    items = _parse(feed_spider, _shared_feed(shared_dir, "reddit/r_kubernetes_rss_atom.xml"))
    assert items[0].post_id == "t3_18895rv"
    assert items[0].author == "/u/gctaylor"
    assert items[0].title.startswith("Monthly: Who is hiring")
    assert "submitted by" in items[0].text and "SC_OFF" not in items[0].text  # HTML comments dropped


def test_real_atom_without_published_uses_updated(shared_dir: Path, feed_spider):
    items = _parse(feed_spider, _shared_feed(shared_dir, "rss_atom/fp_atom10.xml"))
    assert items[0].published_at == datetime(2023, 12, 12, 18, 0, tzinfo=UTC)
    assert items[0].text.startswith("Es ist nicht lange still geblieben um Werner Haas.")
