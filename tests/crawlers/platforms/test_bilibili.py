"""The Bilibili parser and WBI signer: real captures (API doc samples, a TikHub-wrapped 2026 search), our own
search and comment answers, blocked answers and changed shapes, and the signature's worked example."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.platforms import get_platform
from crawlers.platforms.base import CredentialsRejected, ShapeError
from crawlers.platforms.bilibili import MIXIN_KEY_TABLE, mixin_key, nav_logged_in, wbi_keys, wbi_query, wbi_sign

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bilibili"
BILI = get_platform("bilibili")

# The worked example of bilibili-API-collect docs/misc/sign/wbi.md.
IMG_KEY, SUB_KEY = "7cd084941338484aae1ad9425b84077c", "4932caff0ff746eab6f01bf08b70ac45"


# -- WBI signature ---------------------------------------------------------------------------------------------
def test_mixin_key_of_the_documented_example() -> None:
    assert sorted(MIXIN_KEY_TABLE) == list(range(64))  # a permutation
    assert mixin_key(IMG_KEY, SUB_KEY) == "ea1db124af3c7062474693fa704f4ff8"
    with pytest.raises(ValueError, match="64 characters"):
        mixin_key("short", "keys")


def test_w_rid_of_the_documented_example() -> None:
    signed = wbi_sign({"foo": "114", "bar": "514", "zab": 1919810}, IMG_KEY, SUB_KEY, wts=1702204169)
    assert signed == "bar=514&foo=114&wts=1702204169&zab=1919810&w_rid=8f6f2b5b3d485fe1886cec6a0be8c5d4"


def test_signed_query_encoding() -> None:
    # The doc's encoding example: upper-case escapes, space as %20.
    query = wbi_query({"foo": "one one four", "bar": "五一四", "baz": 1919810})
    assert query == "bar=%E4%BA%94%E4%B8%80%E5%9B%9B&baz=1919810&foo=one%20one%20four"
    assert wbi_query({"keyword": "先达(X3)!*'", "path": "a/b~c"}) == "keyword=%E5%85%88%E8%BE%BEX3&path=a%2Fb~c"


def test_keys_from_nav() -> None:
    body = (FIXTURES / "nav_visitor.json").read_bytes()  # the doc's signed-out nav answer
    assert wbi_keys(body) == (IMG_KEY, SUB_KEY)
    assert nav_logged_in(body) is False
    assert nav_logged_in(b'{"code":0,"data":{"isLogin":true,"wbi_img":{}}}') is True
    with pytest.raises(ShapeError, match="missing"):
        wbi_keys(b'{"code":0,"data":{"isLogin":false}}')
    with pytest.raises(CredentialsRejected, match="code -412"):
        wbi_keys(b'{"code":-412,"message":"request was banned","ttl":1,"data":null}')
    with pytest.raises(ShapeError, match="does not end in a key"):
        wbi_keys(b'{"code":0,"data":{"wbi_img":{"img_url":"https://x/bfs/wbi/.png","sub_url":"https://x/a.png"}}}')


# -- real captures ---------------------------------------------------------------------------------------------
def test_real_video_search(shared_dir: Path) -> None:
    body = (shared_dir / "fixtures/bilibili/x_web-interface_search_type_video_少年.json").read_bytes()
    page = BILI.parse_any(body)
    assert (page.kind, len(page.items), page.total, page.next, page.problems) == ("search", 20, 1000, {"page": 2}, [])
    first = page.items[0]
    assert (first.post_id, first.author, first.comments) == ("BV1De411p77r", "大橘爱吃猫", 1265)
    assert first.title == "梦然-《少年》官方版"  # <em class="keyword"> removed
    assert first.text.startswith("梦然-《少年》官方版\nhttps://www.ixigua.com/")
    assert first.url == "https://www.bilibili.com/video/BV1De411p77r"
    assert first.published_at == datetime(2020, 5, 2, 8, 10, 50, tzinfo=UTC)
    assert first.extra["aid"] == 243082173 and first.extra["views"] == 1037655
    assert page.follow[0] == {"aid": 243082173, "post_id": "BV1De411p77r"}
    assert not any("<em" in (item.title or "") for item in page.items)


def test_real_tikhub_wrapped_search(shared_dir: Path) -> None:
    body = (shared_dir / "fixtures/bilibili/tikhub_wrapped_web_search_all_火影忍者.json").read_bytes()
    page = BILI.parse_any(body)
    assert (page.kind, len(page.items), page.total, page.next) == ("search", 42, 1000, {"page": 2})
    first = page.items[0]
    assert (first.post_id, first.likes, first.comments) == ("BV19wFGzzEPZ", 782, 46)
    assert first.title == "【火-影-忍-者】全720集 4K超清未删减完整版 reaction"
    escaped = next(item for item in page.items if item.post_id == "BV1Gs421A77T")
    assert escaped.title is not None and escaped.title.startswith("《忍战4K26》<忍战中期3>秽土火影加入战场")


def test_real_comment_page(shared_dir: Path) -> None:
    page = BILI.parse_any((shared_dir / "fixtures/bilibili/x_v2_reply_type1_oid2.json").read_bytes())
    assert (page.kind, len(page.items), page.total, page.problems) == ("comments", 5, 60971, [])
    first = page.items[0]
    assert (first.post_id, first.author, first.likes, first.comments) == ("104192624480", "小鹿不跑路", 1, 0)
    assert first.text.startswith("我赶上了我们这个年龄段二次元的末班车")
    assert first.published_at == datetime(2022, 3, 2, 7, 18, 27, tzinfo=UTC)
    assert first.url == "https://www.bilibili.com/video/av2#reply104192624480"
    assert first.parent_id is None and first.extra["aid"] == 2  # the spider sets the video as parent


# -- our own answers -------------------------------------------------------------------------------------------
def test_own_search_page() -> None:
    page = BILI.parse("search", (FIXTURES / "search_video.json").read_bytes())
    assert [i.post_id for i in page.items] == ["BV1Xd4y1A7aa", "BV1Lm4y1B7bb"]  # the course is not a video
    assert len(page.problems) == 1 and page.problems[0].startswith("result 2: no aid")
    xianda, lumi = page.items
    assert xianda.title == "先达手机 X3 上手：续航翻车了？& 售后体验"
    assert xianda.text == f"{xianda.title}\n用了两周的先达手机，说说真实感受。\n电池掉电很快，售后换机拖了十天。"
    assert (xianda.likes, xianda.comments, xianda.extra["danmaku"]) == (910, 36, 88)
    assert lumi.text == "Lumi vs XianDa: which budget phone?" and lumi.extra["views"] == 21000
    assert page.next == {"page": 2} and page.total == 23
    assert page.follow == [
        {"aid": 1105551234, "post_id": "BV1Xd4y1A7aa"},
        {"aid": 1105559876, "post_id": "BV1Lm4y1B7bb"},
    ]


def test_own_comment_page_keeps_parents() -> None:
    page = BILI.parse_any((FIXTURES / "comments_wbi_main.json").read_bytes())
    assert page.kind == "comments" and page.total == 36
    assert [i.post_id for i in page.items] == ["230001", "230005", "230002", "230000"]
    assert page.problems == ["reply 2: missing 'rpid'"]
    top, reply, other, pinned = page.items
    assert top.parent_id is None and top.extra == {
        "kind": "comment",
        "aid": 1105551234,
        "mid": 9001,
        "location": "IP属地：广东",
    }
    assert reply.parent_id == "230001" and reply.extra["root"] == "230001" and reply.author == "先达客服小达"
    assert other.text == "还是露米的续航好" and pinned.likes == 50
    assert top.published_at == datetime(2024, 6, 10, 7, 13, 20, tzinfo=UTC)


def test_search_without_hits() -> None:
    page = BILI.parse_any(b'{"code":0,"message":"0","data":{"page":1,"numResults":0,"numPages":0}}')
    assert (page.kind, page.items, page.next, page.total) == ("search", [], None, 0)


def test_closed_comment_section_is_an_empty_page() -> None:
    body = '{"code":12002,"message":"评论区已关闭","ttl":1,"data":null}'.encode()
    assert BILI.detect(body) == "comments"
    page = BILI.parse("comments", body)
    assert page.items == [] and page.total == 0
    with pytest.raises(ShapeError, match="error code 12002"):
        BILI.parse("search", body)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"code":-412,"message":"request was banned","ttl":1,"data":null}', "intercepted by risk control"),
        (b'{"code":-352,"message":"-352","ttl":1}', "risk-control check failed"),
        (b'{"code":0,"message":"0","ttl":1,"data":{"v_voucher":"voucher_1234"}}', "v_voucher"),
        (b'{"code":-101,"message":"not logged in","ttl":1}', "login is required"),
    ],
)
def test_blocked_answers_are_refused_credentials(body: bytes, reason: str) -> None:
    for kind in ("search", "comments"):
        with pytest.raises(CredentialsRejected, match=reason):
            BILI.parse(kind, body)
    with pytest.raises(CredentialsRejected):
        BILI.detect(body)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"code":0,"message":"0","data":{"items":[]}}', "'data.result' is not a list"),
        (b'{"code":0,"message":"0","data":{"result":{"video":[]},"numResults":3}}', "'data.result' is not a list"),
        (b'{"code":-400,"message":"bad request","data":null}', "error code -400"),
        (b'{"status":"ok"}', "no 'code'"),
        (b"<!DOCTYPE html><html><body>\xe9\xaa\x8c\xe8\xaf\x81\xe7\xa0\x81</body></html>", "HTML page"),
    ],
)
def test_changed_shapes_are_shape_errors(body: bytes, reason: str) -> None:
    with pytest.raises(ShapeError, match=reason) as raised:
        BILI.parse("search", body)
    assert not isinstance(raised.value, CredentialsRejected)


def test_unknown_answers_are_not_detected() -> None:
    with pytest.raises(ShapeError, match="neither a search answer"):
        BILI.detect(b'{"code":0,"message":"0","data":{"items":[]}}')


def test_changed_comment_shape() -> None:
    with pytest.raises(ShapeError, match=r"'data\.replies' is not a list"):
        BILI.parse("comments", b'{"code":0,"data":{"replies":{"0":{}},"cursor":{}}}')
    with pytest.raises(ShapeError, match="reply 0 is not an object"):
        BILI.parse("comments", b'{"code":0,"data":{"replies":["text"],"cursor":{}}}')
