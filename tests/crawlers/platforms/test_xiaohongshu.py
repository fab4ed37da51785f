"""The Xiaohongshu parser on the four real captures (search, note detail, comments, sub-comments, 2024) and on
refusals (login expired, account flagged) and changed shapes."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from crawlers.items import MentionItem
from crawlers.platforms import get_platform
from crawlers.platforms.base import Blocked, CredentialsRejected, ShapeError
from crawlers.platforms.xiaohongshu import objectid_time

XHS = get_platform("xiaohongshu")
CAPTURES = "fixtures/xiaohongshu"


def read(shared: Path, name: str) -> bytes:
    return (shared / CAPTURES / name).read_bytes()


def assert_complete(items: list[MentionItem], *, engagement: bool = True) -> None:
    for item in items:
        assert item.text.strip() and item.url and item.author and item.published_at is not None, item
        assert item.published_at.tzinfo is not None
        if engagement:
            assert item.likes is not None, item


def test_search_capture(shared_dir: Path) -> None:
    body = read(shared_dir, "edith_web_v1_search_notes.json")
    page = XHS.parse_any(body)
    raw = json.loads(body)["data"]["items"]
    notes = [i for i in raw if i["model_type"] == "note"]
    assert page.kind == "search" and page.problems == []
    assert len(notes) == 20 and len(page.follow) == 20  # every note can be fetched in detail, with its token
    assert all(f["xsec_token"] for f in page.follow)
    # The one card without display_title (the capture's first) has no text: a follow without an item.
    untitled = [n["id"] for n in notes if not n["note_card"].get("display_title")]
    assert untitled == ["66696f98000000000d00f289"]
    assert len(page.items) == 19 and untitled[0] not in {i.post_id for i in page.items}
    assert_complete(page.items)
    first = page.items[0]
    assert (first.post_id, first.title, first.author, first.likes) == (
        "669db9900000000003027352",
        "客户说有需要再联系 别再回复好的‼️",
        "张张讲销售",
        3703,
    )
    assert first.url == "https://www.xiaohongshu.com/explore/669db9900000000003027352"
    assert page.next == {"more": True}


def test_note_id_carries_the_creation_time(shared_dir: Path) -> None:
    """Search cards have no date; the id's first 8 hex digits are the creation second. The detail capture's
    ``time`` and every comment's ``create_time`` agree with their ids to the second."""
    note = XHS.parse_any(read(shared_dir, "edith_web_v1_feed_note_66696f98000000000d00f289.json")).items[0]
    assert objectid_time(note.post_id) == note.published_at
    for name in (
        "edith_web_v2_comment_page_note_66696f98000000000d00f289.json",
        "edith_web_v2_comment_sub_page_note_66f4f758000000001902f8e1.json",
    ):
        for comment in XHS.parse_any(read(shared_dir, name)).items:
            drift = abs(objectid_time(comment.post_id) - comment.published_at)  # type: ignore[operator]
            assert drift <= timedelta(seconds=1), comment.post_id
    assert objectid_time("not-an-id") is None


def test_note_detail_capture(shared_dir: Path) -> None:
    page = XHS.parse_any(read(shared_dir, "edith_web_v1_feed_note_66696f98000000000d00f289.json"))
    assert page.kind == "note" and page.problems == []
    [note] = page.items
    assert_complete(page.items)
    assert note.published_at is not None and note.published_at.timestamp() == 1718185880
    assert (note.likes, note.comments, note.reposts, note.extra["collects"]) == (44, 160, 12, 18)
    assert note.text.startswith("#客户资源[话题]#") and note.author == "d"
    assert note.extra["tags"][:2] == ["客户资源", "精准客源"]


def test_comment_page_capture(shared_dir: Path) -> None:
    body = read(shared_dir, "edith_web_v2_comment_page_note_66696f98000000000d00f289.json")
    page = XHS.parse_any(body)
    raw = json.loads(body)["data"]["comments"]
    expected = len(raw) + sum(len(c.get("sub_comments") or []) for c in raw)
    assert page.kind == "comments" and page.problems == [] and len(page.items) == expected
    assert_complete(page.items)
    top, reply = page.items[0], page.items[1]
    assert (top.text, top.author, top.likes, top.comments) == ("怎么获取？", "是奶芙呀~", 17, 8)
    assert top.parent_id == "66696f98000000000d00f289"  # a top-level comment answers the note
    assert reply.parent_id == top.post_id  # an inline reply answers its comment
    assert page.next == {"cursor": "66c993bc00000000150390e6"}
    more = [c for c in raw if c.get("sub_comment_has_more")]
    assert [f["root_comment_id"] for f in page.follow] == [c["id"] for c in more]


def test_sub_comment_page_capture(shared_dir: Path) -> None:
    page = XHS.parse_any(read(shared_dir, "edith_web_v2_comment_sub_page_note_66f4f758000000001902f8e1.json"))
    assert page.kind == "comments" and len(page.items) == 5 and page.problems == []
    assert_complete(page.items)
    first = page.items[0]
    assert (first.text, first.extra["location"], first.parent_id) == ("沙溢？", "广东", "66f60002000000000f00769e")


@pytest.mark.parametrize(
    ("answer", "error", "words"),
    [
        ({"code": -100, "success": False, "msg": "登录已过期"}, CredentialsRejected, "登录已过期"),
        ({"code": 300011, "success": False, "msg": "当前账号存在异常，请切换账号后重试"}, Blocked, "300011"),
        ({"code": 300013, "success": False, "msg": "访问频次异常，请勿频繁操作或重启试试"}, Blocked, "访问频次异常"),
    ],
)
def test_refusals_carry_the_platform_message(answer: dict[str, Any], error: type, words: str) -> None:
    with pytest.raises(error, match=words) as caught:
        XHS.parse("search", json.dumps(answer, ensure_ascii=False).encode())
    assert type(caught.value) is error


def test_removed_note_is_empty_and_changed_shapes_raise() -> None:
    assert (
        XHS.parse(
            "note", b'{"code": -510001, "success": false, "msg": "\\u7b14\\u8bb0\\u72b6\\u6001\\u5f02\\u5e38"}'
        ).items
        == []
    )
    with pytest.raises(ShapeError, match="no 'code'"):
        XHS.parse_any(b'{"items": []}')
    with pytest.raises(ShapeError, match="neither notes"):
        XHS.parse_any(b'{"code": 0, "success": true, "data": {"something": 1}}')
    with pytest.raises(ShapeError, match="HTML"):
        XHS.parse_any(b"<html><body>login</body></html>")
