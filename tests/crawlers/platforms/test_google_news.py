"""The Google News parser on the real search-RSS capture and on our own, including broken items and pages that
are not the feed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.platforms import get_platform
from crawlers.platforms.base import ShapeError
from crawlers.platforms.google_news import cluster, split_title

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "google_news"
NEWS = get_platform("google_news")


def test_real_capture(shared_dir: Path) -> None:
    body = (shared_dir / "fixtures/google_news/rss_search_q_Chemnitz_hl_de_gl_DE.xml").read_bytes()
    page = NEWS.parse_any(body)
    assert page.kind == "search" and page.total == 2 and page.next is None and not page.problems
    first, second = page.items
    assert first.post_id.startswith("CBMibGh0dHBzOi8vd3d3LnRhZzI0LmRl") and "?" not in first.post_id
    assert first.url is not None and first.url.startswith("https://news.google.com/rss/articles/CBMibGh0")
    assert first.title == first.text == 'Chemnitz: Preisschock bei "eins energie"! Fernwärme wird 75 Prozent teurer'
    assert first.author == "TAG24" and first.extra == {"site": "https://www.tag24.de"}
    assert first.published_at == datetime(2023, 12, 6, 4, 30, tzinfo=UTC)
    assert first.language == "de"
    assert (second.title, second.author) == ("Ehemaliges Chemnitzer Straßenbahndepot wird zu Garagencampus", "MDR")


def test_own_capture_with_a_cluster_and_a_broken_item() -> None:
    page = NEWS.parse_any((FIXTURES / "search_xianda_zh-CN.xml").read_bytes())
    assert [i.post_id for i in page.items] == ["CBMiAAA1", "CBMiAAA2", "CBMiAAA4"]
    assert page.problems == ["item 3: no guid and no article link"]
    single, clustered, bare = page.items
    assert (single.title, single.author, single.text) == (
        "先达手机召回部分批次充电器",
        "新浪科技",
        "先达手机召回部分批次充电器",
    )
    # A headline containing " - " keeps it: only the publisher suffix named by <source> is cut.
    assert clustered.title == "XianDa X5 review - a phone worth the wait" and clustered.author == "The Verge"
    assert clustered.text == "XianDa X5 review - a phone worth the wait\n先达X5上手：续航出色 (36氪)"
    assert clustered.extra["related"] == [
        {
            "title": "先达X5上手：续航出色",
            "publisher": "36氪",
            "url": "https://news.google.com/rss/articles/CBMiAAA3?oc=5",
        }
    ]
    # No guid: the id comes from the article link; a +0800 date becomes UTC; a plain description is kept.
    assert bare.published_at == datetime(2024, 3, 1, 17, 0, tzinfo=UTC)
    assert (bare.author, bare.text) == (None, "露米与先达达成战略合作\n露米与先达今日宣布合作")


@pytest.mark.parametrize(
    ("title", "publisher", "expected"),
    [
        ("Headline - Reuters", "Reuters", ("Headline", "Reuters")),
        ("A - B - Reuters", "Reuters", ("A - B", "Reuters")),
        ("A - B - Reuters", None, ("A - B", "Reuters")),
        ("No publisher here", None, ("No publisher here", None)),
        ("Headline", "Reuters", ("Headline", "Reuters")),  # the suffix is missing: the title stays whole
    ],
)
def test_split_title(title: str, publisher: str | None, expected: tuple[str, str | None]) -> None:
    assert split_title(title, publisher) == expected


def test_cluster_ignores_links_without_a_publisher() -> None:
    html = (
        '<ol><li><a href="u1">One</a>&nbsp;&nbsp;<font color="#6f6f6f">P1</font></li>'
        '<li><strong><a href="u2">View full coverage</a></strong></li></ol>'
    )
    assert cluster(html) == [{"title": "One", "publisher": "P1", "url": "u1"}]
    assert cluster("") == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<!DOCTYPE html><html><body>Before you continue to Google</body></html>", "HTML page"),
        (b'{"items": []}', "not an RSS feed"),
        (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>', "not an RSS"),
        (b"", "not an RSS feed"),
    ],
)
def test_pages_that_are_not_the_feed_are_shape_errors(body: bytes, reason: str) -> None:
    with pytest.raises(ShapeError, match=reason):
        NEWS.parse("search", body)
    with pytest.raises(ShapeError):
        NEWS.detect(body)


def test_an_empty_result_is_a_feed_without_items() -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>"Nothing" - Google News</title></channel></rss>'
    page = NEWS.parse_any(body)
    assert page.items == [] and page.total == 0 and not page.problems
