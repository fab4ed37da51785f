"""The Weibo parser and its time parsing: a real 2019 getIndex capture (a user timeline), our own search and
hotflow bodies, broken items, changed shapes and login answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawlers.platforms import get_platform
from crawlers.platforms.base import CredentialsRejected, ShapeError
from crawlers.platforms.times import parse_chinese_time
from crawlers.platforms.weibo import weibo_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "weibo"
WEIBO = get_platform("weibo")
# 2024-01-01 09:00 in China: "12-31" is yesterday, "01-02" would be tomorrow (so last year).
NOW = datetime(2024, 1, 1, 1, 0, tzinfo=UTC)


def china(*args: int) -> datetime:
    """A China-time wall clock reading as UTC (China is UTC+8 all year)."""
    return datetime(*args, tzinfo=UTC) - timedelta(hours=8)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("刚刚", NOW),
        ("30秒前", NOW - timedelta(seconds=30)),
        ("5分钟前", NOW - timedelta(minutes=5)),
        ("15小时前", NOW - timedelta(hours=15)),
        ("2天前", NOW - timedelta(days=2)),
        ("今天 08:30", china(2024, 1, 1, 8, 30)),
        ("今天 12:00", china(2024, 1, 1, 12, 0)),  # later today than now: still today, as Weibo wrote it
        ("昨天 23:10", china(2023, 12, 31, 23, 10)),
        ("前天 07:05", china(2023, 12, 30, 7, 5)),
        ("12-31", china(2023, 12, 31)),
        ("01-01", china(2024, 1, 1)),  # today, this year
        ("01-02", china(2023, 1, 2)),  # would be tomorrow: last year
        ("06-27 14:05", china(2023, 6, 27, 14, 5)),
        ("2023-05-06", china(2023, 5, 6)),
        ("2024-8-6 22:11", china(2024, 8, 6, 22, 11)),  # Tieba's unpadded form
        ("2019-07-15 08:09:10", china(2019, 7, 15, 8, 9, 10)),
        ("Sun Dec 31 08:34:26 +0800 2023", datetime(2023, 12, 31, 0, 34, 26, tzinfo=UTC)),
        ("Tue, 02 Jan 2024 03:04:05 +0000", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("Sun Dec 31 08:34:26 2023", china(2023, 12, 31, 8, 34, 26)),  # no zone: China time
        (1700000000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        ("1700000000000", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
    ],
)
def test_time_forms_become_utc(text: object, expected: datetime) -> None:
    assert parse_chinese_time(text, NOW) == expected


def test_month_day_near_new_year_and_leap_days() -> None:
    just_after_midnight = datetime(2023, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 January 2024 in China
    assert parse_chinese_time("12-31", just_after_midnight) == china(2023, 12, 31)
    assert parse_chinese_time("今天 00:10", just_after_midnight) == china(2024, 1, 1, 0, 10)
    in_2025 = datetime(2025, 3, 1, tzinfo=UTC)
    assert parse_chinese_time("02-29", in_2025) == china(2024, 2, 29)  # 2025 has none: the leap year before
    assert parse_chinese_time("02-29", datetime(2023, 3, 1, tzinfo=UTC)) is None  # neither 2023 nor 2022


@pytest.mark.parametrize("text", ["", "上个世纪", "13-45", "2024-02-30", "昨天", None, True, "yesterday 12:00"])
def test_unreadable_times_are_none(text: object) -> None:
    assert parse_chinese_time(text, NOW) is None


def test_text_keeps_emoticons_and_drops_the_full_text_link() -> None:
    markup = (
        '<a href="/search?q=%23x%23"><span class="surl-text">#先达手机#</span></a> 太差了'
        '<span class="url-icon"><img alt=[怒] src="//h5.sinaimg.cn/d_nu.png"></span><br />第二行 ...'
        '<a href="/status/4393264377139656">全文</a>'
    )
    assert weibo_text(markup) == "#先达手机# 太差了[怒]\n第二行 ..."
    assert weibo_text("plain &amp; simple") == "plain & simple"


def test_real_user_timeline_capture(shared_dir: Path) -> None:
    body = (shared_dir / "fixtures/weibo/m_weibo_cn_getIndex_user_timeline_107603.json").read_bytes()
    captured = datetime(2019, 7, 16, 3, 0, tzinfo=UTC)  # image URLs in the body expire 2019-07-16 03:22 UTC
    page = WEIBO.parse_any(body, now=captured)
    assert page.kind == "search" and page.total == 259 and not page.problems
    assert page.next == {"page": 2}
    assert len(page.items) == 12  # 11 cards, one of them a repost whose original is a mention of its own
    pinned, original, fresh = page.items[:3]
    assert pinned.post_id == "4387933362623405" and pinned.extra["pinned"] is True
    assert pinned.url == "https://m.weibo.cn/detail/4387933362623405"
    assert pinned.extra["retweet_of"] == original.post_id == "4387930325701338"
    assert original.extra["via_repost"] == pinned.post_id and original.author == "和平精英游戏攻略"
    assert pinned.text == "和平精英超话 暗夜危机7处规避丧尸的位置，记住就再也不用哭着喊妈妈了[doge]"
    assert original.text.startswith("#和平精英# 暗夜危机7大规避丧尸的位置：\n1.任何水域中，\n2.研究所楼顶，")
    assert pinned.published_at == china(2019, 6, 27)
    assert (pinned.author, pinned.likes, pinned.reposts, pinned.comments) == ("绝地求生刺激战场游戏攻略", 6, 6, 3)
    assert fresh.post_id == "4394384827138748" and fresh.published_at == captured - timedelta(hours=15)
    long_post = next(i for i in page.items if i.post_id == "4393264377139656")
    assert long_post.extra["truncated"] is True and "全文" not in long_post.text
    assert long_post.text.endswith("4.新时装：向日葵先生套 ...")
    assert all(i.published_at is not None and i.published_at <= captured for i in page.items)


def test_own_search_page_with_groups_reposts_and_broken_cards() -> None:
    page = WEIBO.parse("search", (FIXTURES / "search_realtime.json").read_bytes(), now=NOW)
    assert [i.post_id for i in page.items] == [
        "5001000000000001",
        "5001000000000002",
        "4985000000000009",
        "5001000000000003",
        "5001000000000006",
    ]
    assert page.problems == ["card 2.2: no mid or id", "card 2.3: unreadable created_at '上个世纪'"]
    assert page.total == 120 and page.next == {"page": 2}
    first, repost, original, deleted_original, lottery = page.items
    assert first.text == "#先达手机# 新买的先达手机第三天就黑屏了，客服一直不回[怒]"
    assert first.published_at == NOW and first.likes == 12_000 and first.comments == 12
    assert first.extra == {
        "kind": "post",
        "bid": "Pa1bC2dE3",
        "user_id": "2000000001",
        "client": "iPhone客户端",
        "region": "发布于 广东",
    }
    assert repost.extra["retweet_of"] == "4985000000000009" and repost.published_at == NOW - timedelta(minutes=5)
    assert original.published_at == datetime(2023, 12, 31, 0, 34, 26, tzinfo=UTC)
    assert original.reposts == 1_000_000 and original.extra["truncated"] is True
    assert original.text == "XianDa X5 用了一个月，续航比宣传的差太多，退货还要扣 20% 手续费 ..."
    assert deleted_original.extra["retweet_of"] == "4000000000000000"  # the deleted original is no mention
    assert lottery.published_at == china(2023, 12, 31)


def test_own_hotflow_comments_keep_their_parents() -> None:
    page = WEIBO.parse_any((FIXTURES / "hotflow.json").read_bytes(), now=NOW)
    assert page.kind == "comments" and page.total == 12
    assert page.next == {"max_id": 139283746582910, "max_id_type": 0}
    assert page.problems == ["comment 0 reply 1: no id", "comment 2: no text"]
    top, reply, other = page.items
    assert (top.post_id, top.parent_id, top.likes, top.comments) == ("5001100000000001", None, 56, 2)
    assert top.text == "同款先达手机，我的也黑屏了[泪]" and top.extra["ip_location"] == "来自广东"
    assert top.published_at == datetime(2024, 1, 1, 1, 5, tzinfo=UTC)
    assert reply.parent_id == top.post_id and reply.text == "回复@也是受害者:找先达客服换了一台"
    assert other.author == "Lumi老用户" and other.parent_id is None  # the spider sets the post as parent


def test_the_empty_last_page() -> None:
    page = WEIBO.parse_any((FIXTURES / "search_end.json").read_bytes(), now=NOW)
    assert page.kind == "search" and page.items == [] and page.next is None
    assert WEIBO.parse("comments", b'{"ok": 0, "msg": "\\u6682\\u65e0\\u8bc4\\u8bba"}').items == []


@pytest.mark.parametrize("name", ["login_required.json", "login_page.html"])
def test_login_answers_are_refused_credentials(name: str) -> None:
    body = (FIXTURES / name).read_bytes()
    with pytest.raises(CredentialsRejected, match="SUB cookie expired"):
        WEIBO.parse("search", body)
    with pytest.raises(CredentialsRejected):
        WEIBO.detect(body)


@pytest.mark.parametrize(
    ("kind", "body", "reason"),
    [
        ("search", b'{"ok": 1, "data": {"items": []}}', r"missing \['data'\]\['cards'\]"),
        ("search", b'{"ok": 1, "data": {"cards": {"a": 1}}}', "'data.cards' is not a list"),
        ("comments", b'{"ok": 1, "data": {"comments": []}}', r"missing \['data'\]\['data'\]"),
        ("search", b"[1, 2]", "expected a JSON object"),
        (
            "search",
            b"<!DOCTYPE html><html><body>\xe7\xb3\xbb\xe7\xbb\x9f\xe7\xb9\x81\xe5\xbf\x99</body></html>",
            "HTML",
        ),
        ("trending", b"{}", "no response kind 'trending'"),
    ],
)
def test_changed_shapes_are_shape_errors(kind: str, body: bytes, reason: str) -> None:
    with pytest.raises(ShapeError, match=reason) as caught:
        WEIBO.parse(kind, body)
    assert not isinstance(caught.value, CredentialsRejected)


def test_detect_refuses_unknown_objects() -> None:
    with pytest.raises(ShapeError, match="not a getIndex card list"):
        WEIBO.detect(b'{"ok": 1, "data": {"list": []}}')
