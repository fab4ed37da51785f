"""The Douyin parser on the two real captures (TikHub-relayed general search and comment list, 2026-02),
a video detail built from a captured video, refusals and changed shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawlers.items import MentionItem
from crawlers.platforms import get_platform
from crawlers.platforms.base import Blocked, CredentialsRejected, ShapeError

DY = get_platform("douyin")
SEARCH = "fixtures/douyin/tikhub_wrapped_web_general_search_keyword_猫咪.json"
COMMENTS = "fixtures/douyin/tikhub_wrapped_web_comment_list_aweme_7565738211130035491.json"


def assert_complete(items: list[MentionItem]) -> None:
    for item in items:
        assert item.text.strip() and item.url and item.author and item.published_at is not None, item
        assert item.likes is not None and item.comments is not None, item


def test_search_capture(shared_dir: Path) -> None:
    body = (shared_dir / SEARCH).read_bytes()
    page = DY.parse_any(body)
    cards = json.loads(body)["data"]["data"]
    videos = [c["aweme_info"] for c in cards if c.get("aweme_info")]
    inline = sum(len(c.get("comment_list") or []) for c in cards)
    assert page.kind == "search" and page.problems == []
    assert len(videos) == 16 and len(page.items) == 16 + inline
    assert_complete(page.items)
    assert [f["aweme_id"] for f in page.follow] == [v["aweme_id"] for v in videos]
    first = page.items[0]
    assert (first.post_id, first.author, first.likes, first.comments, first.reposts) == (
        "7584769166932233472",
        "十九喵🐱",
        2816,
        1046,
        2298,
    )
    assert first.extra["collects"] == 711 and first.extra["kind"] == "note"
    assert first.url == "https://www.douyin.com/note/7584769166932233472"
    assert first.published_at is not None and first.published_at.timestamp() == 1765966706
    video = next(i for i in page.items if i.post_id == "7565738211130035491")
    assert video.url == "https://www.douyin.com/video/7565738211130035491"
    # Douyin hides follower counts in search (0 for every author) and marks everyone is_verified: neither is
    # read as a fact about the author.
    assert all("followers" not in i.extra and i.extra.get("verified") is False for i in page.items[:16])
    hot = page.items[1]
    assert hot.extra["kind"] == "comment" and hot.parent_id == first.post_id
    assert page.next == {"cursor": 20}


def test_comment_capture(shared_dir: Path) -> None:
    body = (shared_dir / COMMENTS).read_bytes()
    page = DY.parse_any(body)
    raw = json.loads(body)["data"]["comments"]
    assert page.kind == "comments" and page.total == 3296 and page.next == {"cursor": 20}
    # One comment is a picture only (empty text): skipped, neither an empty mention nor an error.
    empty = [i for i, c in enumerate(raw) if not c["text"].strip()]
    assert empty == [1] and page.problems == []
    assert len(page.items) == len(raw) - 1
    assert_complete(page.items)
    first = page.items[0]
    assert first.parent_id == "7565738211130035491" and first.extra["location"] == "河南"
    assert first.url == "https://www.douyin.com/video/7565738211130035491"


def test_video_detail_reads_the_same_object(shared_dir: Path) -> None:
    info = json.loads((shared_dir / SEARCH).read_bytes())["data"]["data"][1]["aweme_info"]
    page = DY.parse_any(json.dumps({"status_code": 0, "aweme_detail": info}).encode())
    assert page.kind == "video" and [i.post_id for i in page.items] == ["7565738211130035491"]
    assert page.items[0].likes == 60149


@pytest.mark.parametrize(
    ("body", "error", "words"),
    [
        (b"", Blocked, "empty body"),
        (b"blocked", Blocked, "empty body"),
        (
            json.dumps(
                {
                    "status_code": 0,
                    "data": [],
                    "search_nil_info": {"search_nil_type": "verify_check", "search_nil_item": "verify_check"},
                }
            ).encode(),
            Blocked,
            "captcha",
        ),
        (json.dumps({"status_code": 8, "status_msg": "用户未登录"}).encode(), CredentialsRejected, "用户未登录"),
    ],
)
def test_refusals(body: bytes, error: type, words: str) -> None:
    with pytest.raises(error, match=words) as caught:
        DY.parse("search", body)
    assert type(caught.value) is error


def test_changed_shapes() -> None:
    with pytest.raises(ShapeError, match="status_code"):
        DY.parse_any(b'{"data": []}')
    with pytest.raises(ShapeError, match="status_code 2154"):
        DY.parse_any(b'{"status_code": 2154, "status_msg": "x"}')
    assert DY.parse("comments", b'{"status_code": 0, "comments": null, "cursor": 0, "has_more": 0}').items == []
