"""The Tieba parser on the real 2024 captures (search results, a thread page, a floor's replies) and on our
own pages: a GBK search page with a reply hit and a pager, an empty search, a small thread, broken items, a
security check page and changed layouts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.platforms import get_platform
from crawlers.platforms.base import CredentialsRejected, ShapeError
from crawlers.platforms.tieba import data_field, decode_page

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tieba"
TIEBA = get_platform("tieba")
NOW = datetime(2024, 8, 7, tzinfo=UTC)


def real(shared_dir: Path, name: str) -> bytes:
    return (shared_dir / "fixtures/tieba" / name).read_bytes()


def test_real_search_results(shared_dir: Path) -> None:
    page = TIEBA.parse_any(real(shared_dir, "search_keyword_notes.html"), now=NOW)
    assert page.kind == "search" and len(page.items) == 10 and not page.problems
    assert page.next is None  # the capture is the result list alone, without the pager
    first = page.items[0]
    assert (first.post_id, first.author) == ("150718967291", "VR虚拟达人")
    assert first.title == "武汉交互空间科技：富士康10亿加码中国大陆，印度为何逐渐“失宠"
    assert first.text.startswith("全球知名的电子制造服务巨头富士康的母公司鸿海精密工业股份有限公司正式对外发布")
    assert first.url == "https://tieba.baidu.com/p/9117888152?pid=150718967291#150718967291"
    assert first.published_at == datetime(2024, 8, 5, 8, 45, tzinfo=UTC)  # 16:45 in China
    assert first.extra == {"kind": "post", "thread_id": "9117888152", "forum": "武汉交互空间", "forum_id": "26976424"}
    last = page.items[-1]
    assert last.title == last.text == "东南亚，园区【 工 价 低 】"  # empty content: the title is the text
    dates = [i.published_at for i in page.items]
    assert dates == sorted(dates, reverse=True)  # newest first, as the spider's paging assumes


def test_real_thread_page_with_floors_and_replies(shared_dir: Path) -> None:
    page = TIEBA.parse_any(real(shared_dir, "note_comments.html"), now=NOW)
    assert page.kind == "thread" and page.total == 251 and page.next == {"pn": 2} and not page.problems
    floors = [i for i in page.items if i.extra["kind"] in {"post", "floor"}]
    replies = [i for i in page.items if i.extra["kind"] == "reply"]
    # 31 slots: one advertisement and one floor of only pictures carry no text; 2 of 26 replies are stickers.
    assert (len(floors), len(replies)) == (29, 24)
    opening = floors[0]
    assert opening.post_id == "150726491368" and opening.parent_id is None
    assert opening.title == "【强烈恭喜】全红婵陈宇汐包揽跳水女子10米台巴黎奥运金银牌！"
    assert opening.text == "中国队第22金！无悬念！" and opening.author == "heinzfrentzen"
    assert opening.published_at == datetime(2024, 8, 6, 14, 9, tzinfo=UTC)
    assert opening.extra == {
        "kind": "post",
        "thread_id": "9119688421",
        "floor": 1,
        "forum_id": "4513750",
        "ip_location": "福建",
    }
    second = floors[1]
    assert second.parent_id == opening.post_id and second.comments == 4 and second.title is None
    first_reply = replies[0]
    assert (first_reply.post_id, first_reply.parent_id, first_reply.text) == ("150726735994", second.post_id, "厉害啊")
    assert first_reply.url == "https://tieba.baidu.com/p/9119688421?pid=150726496253&cid=150726735994#150726735994"
    assert first_reply.published_at == datetime(2024, 8, 6, 14, 55, tzinfo=UTC)  # "2024-8-6 22:55"
    assert all(i.extra.get("thread_id") == "9119688421" for i in page.items)


def test_real_floor_replies_page(shared_dir: Path) -> None:
    page = TIEBA.parse_any(real(shared_dir, "note_sub_comments.html"), now=NOW)
    assert page.kind == "comments" and page.total == 16 and page.next == {"pn": 2} and not page.problems
    assert len(page.items) == 9  # ten replies, the first of only stickers
    reply = page.items[0]
    assert (reply.post_id, reply.author, reply.text) == ("150726506822", "可爱的搬运工94", "陈芋汐水花也不小")
    assert reply.parent_id is None  # the page does not name its floor: the spider sets it
    assert reply.published_at == datetime(2024, 8, 6, 14, 12, tzinfo=UTC)


def test_own_gbk_search_page_with_a_reply_hit_and_a_pager() -> None:
    body = (FIXTURES / "search_page_gbk.html").read_bytes()
    assert "先达手机" in decode_page(body)
    page = TIEBA.parse_any(body, now=NOW)
    assert page.next == {"pn": 2}
    assert page.problems == ["result 2: unreadable date '上周'", "result 3: no title link"]
    thread, reply = page.items
    assert thread.text == "续航还行，但是先达手机的售后太慢了，换个屏等了三周。" and thread.author == "数码老王"
    assert thread.extra["forum"] == "先达手机"
    assert (reply.post_id, reply.parent_id, reply.extra["kind"]) == ("151000000021", "151000000020", "reply")
    assert reply.url == "https://tieba.baidu.com/p/9200000002?pid=151000000020&cid=151000000021#151000000021"
    assert reply.published_at == datetime(2024, 8, 4, 1, 5, tzinfo=UTC)  # "2024-8-4 9:05"


def test_own_thread_matches_its_search_hit() -> None:
    search = TIEBA.parse("search", (FIXTURES / "search_page_gbk.html").read_bytes(), now=NOW)
    page = TIEBA.parse("thread", (FIXTURES / "thread.html").read_bytes(), now=NOW)
    assert page.problems == ["floor 3: no date in the floor's tail"]
    opening, lumi, reply = page.items
    hit = search.items[0]
    assert (opening.post_id, opening.url) == (hit.post_id, hit.url)  # one mention, found either way
    assert opening.text == "续航还行，但是先达手机的售后太慢了，\n换个屏等了三周。"
    assert lumi.parent_id == opening.post_id and lumi.extra["ip_location"] == "上海" and lumi.author == "露米粉丝"
    assert (reply.post_id, reply.parent_id, reply.author) == ("151000000101", lumi.post_id, "数码老王")
    assert page.total == 3 and page.next is None


def test_own_replies_page_and_empty_search() -> None:
    page = TIEBA.parse_any((FIXTURES / "comment_page.html").read_bytes(), now=NOW)
    assert [i.post_id for i in page.items] == ["151000000201"] and page.next == {"pn": 2} and page.total == 12
    assert page.problems == ["reply 1: no reply id (spid)"]
    empty = TIEBA.parse_any((FIXTURES / "search_empty.html").read_bytes(), now=NOW)
    assert empty.kind == "search" and empty.items == [] and empty.next is None


def test_security_check_is_refused_credentials() -> None:
    body = (FIXTURES / "security_check.html").read_bytes()
    for kind in ("search", "thread", "comments"):
        with pytest.raises(CredentialsRejected, match="security check"):
            TIEBA.parse(kind, body)
    with pytest.raises(CredentialsRejected):
        TIEBA.detect(body)


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("search", b'<html><head><title>2026 app</title></head><body><div id="app"></div></body></html>'),
        ("thread", b"<html><body><div class='pb-page'>new layout</div></body></html>"),
        ("comments", b'{"error_code": 0, "data": {"comment_list": []}}'),
        ("search", b""),
    ],
)
def test_changed_layouts_are_shape_errors(kind: str, body: bytes) -> None:
    with pytest.raises(ShapeError, match="none of Tieba's 2024 page structures") as caught:
        TIEBA.parse(kind, body)
    assert not isinstance(caught.value, CredentialsRejected)


def test_data_field_reads_json_and_single_quoted_literals() -> None:
    assert data_field('{"spid": 1, "x": null}') == {"spid": 1, "x": None}
    assert data_field("{'pid':'15','spid':'16'}") == {"pid": "15", "spid": "16"}
    assert data_field("{broken") == {} and data_field(None) == {} and data_field("[1]") == {}
