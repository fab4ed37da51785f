"""The Hacker News parser on real Algolia captures and on our own, including broken and changed shapes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.platforms import get_platform
from crawlers.platforms.base import ShapeError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hackernews"
HN = get_platform("hackernews")


def test_real_capture_of_a_url_search(shared_dir: Path) -> None:
    body = (shared_dir / "fixtures/hackernews/algolia_api_v1_search_restrictSearchableAttributes_url.json").read_bytes()
    page = HN.parse_any(body)
    assert page.kind == "search" and page.total == 4 and page.next is None and not page.problems
    first = page.items[0]
    assert (first.post_id, first.author, first.likes, first.comments) == ("8828543", "dkua", 270, 103)
    assert first.url == "https://news.ycombinator.com/item?id=8828543"
    assert first.title == first.text == "Why aren’t we using SSH for everything?"
    assert first.published_at == datetime(2015, 1, 2, 21, 5, 46, tzinfo=UTC)
    assert first.extra == {"kind": "story", "link": "https://medium.com/@shazow/ssh-how-does-it-even-9e43586e4ffc"}


def test_real_capture_of_a_comment_keeps_its_parent(shared_dir: Path) -> None:
    body = (shared_dir / "fixtures/hackernews/algolia_api_v1_search_query_Angular_trimmed_1hit.json").read_bytes()
    page = HN.parse_any(body)
    [comment] = page.items
    assert comment.parent_id == "31235966" and comment.title is None
    assert comment.text.startswith("Location: Amsterdam, NL\nRemote: Yes")
    assert "I'm a software engineer" in comment.text  # entities decoded, tags removed
    assert comment.extra["story_title"] == "Ask HN: Who wants to be hired? (May 2022)"
    assert page.next == {"page": 1} and page.total == 42406


def test_own_capture_with_a_broken_hit() -> None:
    page = HN.parse_any((FIXTURES / "search_by_date.json").read_bytes())
    assert [i.post_id for i in page.items] == ["900001", "900002", "900003"]
    assert len(page.problems) == 1 and "hit 3" in page.problems[0] and "objectID" in page.problems[0]
    story, comment, ask = page.items
    assert comment.text == "I switched from XianDa after the refund took > 3 weeks.\nNever again."
    assert comment.parent_id == "900001" and story.parent_id is None
    assert ask.text == "Is the Lumi X2 battery really that good?" and ask.likes is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"results": [], "total": 0}', r"missing \['hits'\]"),
        (b"<!DOCTYPE html><html><body>Too many requests</body></html>", "HTML page where JSON was expected"),
        (b'{"hits": "none", "nbHits": 0}', "'hits' is not a list"),
        (b"", "not JSON"),
    ],
)
def test_changed_shapes_are_shape_errors(body: bytes, reason: str) -> None:
    with pytest.raises(ShapeError, match=reason):
        HN.parse("search", body)
    with pytest.raises(ShapeError):
        HN.detect(body)


def test_items_endpoint_reads_the_nested_thread() -> None:
    body = (Path(__file__).resolve().parents[1] / "fixtures" / "hackernews" / "items_story.json").read_bytes()
    hn = get_platform("hackernews")
    page = hn.parse_any(body)
    assert page.kind == "item" and page.problems == [] and page.total == 5
    # Depth-first in page order; the deleted comment is not a mention, its reply is.
    assert [i.post_id for i in page.items] == ["40100000", "40100010", "40100011", "40100021"]
    story, first, reply, orphan = page.items
    assert story.title == "XianDa X3 phones overheating after the 2.1 update" and story.text == story.title
    assert (story.likes, story.extra["kind"], story.extra["link"]) == (212, "story", "https://example.com/xianda-x3")
    assert first.text == "Same here, my XianDa X3 hit 48/50 degrees." and first.parent_id == "40100000"
    assert reply.parent_id == "40100010" and orphan.parent_id == "40100020"
    assert all(i.url == f"https://news.ycombinator.com/item?id={i.post_id}" and i.published_at for i in page.items)


def test_items_endpoint_shape_errors() -> None:
    hn = get_platform("hackernews")
    with pytest.raises(ShapeError, match="neither an Algolia search answer"):
        hn.parse_any(b'{"id": 1, "type": "story"}')
    with pytest.raises(ShapeError, match="not an Algolia item"):
        hn.parse("item", b'{"hits": []}')
