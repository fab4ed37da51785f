"""The Heimao parser and request signature: the real (processed) browser extraction, our own API-shaped
bodies for the company feed and keyword search, broken complaints, changed shapes and login answers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.platforms import get_platform
from crawlers.platforms.base import CredentialsRejected, ShapeError
from crawlers.platforms.heimao import heimao_signature

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "heimao"
HEIMAO = get_platform("heimao")


def test_company_feed_signature_by_hand() -> None:
    # ts, rs, salt, couid, type, page_size, page sorted as strings:
    # "$..." < "1" = "1" < "10" < "17..." < "53..." < "Ab..."
    by_hand = "$d6eb7ff91ee257475%" + "1" + "1" + "10" + "1704067200000" + "5350527288" + "AbCdEfGhIjKlMnOp"
    assert by_hand == "$d6eb7ff91ee257475%111017040672000005350527288AbCdEfGhIjKlMnOp"
    signature = heimao_signature("1704067200000", "AbCdEfGhIjKlMnOp", "5350527288", "1", "10", "1")
    assert signature == "49549378a64a4ba95365ed8f29297198772c648004564e8fbcdbaa553b95689b"  # sha256(by_hand)


def test_search_signature_by_hand_sorts_chinese_last() -> None:
    # keywords, page_size, page: CJK sorts after ASCII letters, as in JavaScript's default sort.
    by_hand = "$d6eb7ff91ee257475%" + "1" + "10" + "1704067200000" + "AbCdEfGhIjKlMnOp" + "先达手机"
    assert by_hand == "$d6eb7ff91ee257475%1101704067200000AbCdEfGhIjKlMnOp先达手机"
    signature = heimao_signature("1704067200000", "AbCdEfGhIjKlMnOp", "先达手机", "10", "1")
    assert signature == "39cb48351750f55234e021cb5204f77bfeb8aa51bb8ee050bba7aa9567953960"
    assert heimao_signature("1704067200000", "AbCdEfGhIjKlMnOp", "先达手机", "10", "2") != signature


def test_real_processed_browser_extraction(shared_dir: Path) -> None:
    body = (shared_dir / "fixtures/heimao/processed_dom_extraction_example_data.json").read_bytes()
    page = HEIMAO.parse_any(body, now=datetime(2026, 1, 8, tzinfo=UTC))
    assert page.kind == "dom_extract" and page.total == 3 and not page.problems
    first, second, third = page.items
    assert [i.post_id for i in page.items] == ["17390396995", "17391181466", "17390205379"]
    assert first.url == "https://tousu.sina.com.cn/complaint/view/17390396995/"  # the tracking query dropped
    assert first.published_at == datetime(2025, 11, 22, 16, 0, tzinfo=UTC)  # 2025-11-23 in China
    assert first.extra == {
        "kind": "complaint",
        "demand": "退息费，退会员费",
        "company": "信*飞App",
        "search_keyword": "信*飞",
    }
    assert first.text.startswith("本人在2024年12月25日通过信*飞借款8000元分12期")
    assert second.extra["demand"] == "退还多余担保费"
    assert third.extra["demand"] == "停止骚扰,调整利率,道歉赔偿/解释,处罚,销账,撤销征信问题"


def test_own_company_feed_keeps_demand_company_and_status() -> None:
    page = HEIMAO.parse_any((FIXTURES / "received_complaints.json").read_bytes())
    assert page.kind == "complaints" and page.total == 25 and page.next == {"page": 2}
    assert page.problems == ["complaint 2: no sn", "complaint 3: no 'main' object"]
    charger, refund = page.items
    assert charger.post_id == "17350000003" and charger.author == "黑猫用户123"
    assert charger.url == "https://tousu.sina.com.cn/complaint/view/17350000003/"
    assert charger.title == "手机充电严重发烫，售后拒绝保修"
    assert charger.text == "12月20日购买的X5，充电时背面烫手，门店说是人为损坏拒绝保修。"
    assert charger.published_at == datetime(2024, 1, 1, 4, 0, tzinfo=UTC)
    assert charger.extra == {
        "kind": "complaint",
        "demand": "免费维修,道歉",
        "company": "先达手机官方旗舰店",
        "issue": "质量问题",
        "status": "处理中",
        "amount": "2999元",
    }
    # No summary: the title is the text; highlight markup removed; the URL from the pattern; no author.
    assert refund.title == refund.text == "退货退款一直不到账"
    assert refund.url == "https://tousu.sina.com.cn/complaint/view/17350000002/" and refund.author is None
    assert refund.published_at == datetime(2023, 12, 31, 5, 20, tzinfo=UTC)


def test_own_search_page_is_the_last() -> None:
    page = HEIMAO.parse_any((FIXTURES / "search.json").read_bytes())
    assert page.kind == "search" and page.total == 11 and page.next is None and not page.problems
    [screen] = page.items
    assert screen.title == "先达手机屏幕失灵" and screen.extra["company"] == "先达售后"
    assert screen.text == "买了三个月的先达手机屏幕经常失灵，客服让我自费换屏。"
    assert (screen.extra["demand"], screen.extra["status"]) == ("免费换屏", "已完成")


def test_a_list_without_pager_says_paging_stops() -> None:
    body = b'{"result": {"data": {"lists": [{"main": {"sn": "1", "title": "t", "timestamp": 1}}]}}}'
    page = HEIMAO.parse("search", body)
    assert [i.post_id for i in page.items] == ["1"] and page.next is None
    assert page.problems == ["no pager: cannot tell whether more pages follow"]


@pytest.mark.parametrize(
    "body",
    [
        (FIXTURES / "login_required.json").read_bytes(),
        b"<!DOCTYPE html><html><body><a href='https://login.sina.com.cn/signup/signin.php'>\xe7\x99\xbb\xe5\xbd\x95</a>"
        b"</body></html>",
    ],
)
def test_login_answers_are_refused_credentials(body: bytes) -> None:
    with pytest.raises(CredentialsRejected):
        HEIMAO.parse("search", body)
    with pytest.raises(CredentialsRejected):
        HEIMAO.detect(body)


@pytest.mark.parametrize(
    ("kind", "body", "reason"),
    [
        ("complaints", b'{"result": {"data": {"items": []}}}', r"missing \['result'\]\['data'\]\['complaints'\]"),
        ("search", b'{"result": {"data": {"lists": {"a": 1}}}}', "the complaint list is not a list"),
        ("complaints", b'{"result": {"status": {"code": 2001, "msg": "signature error"}}}', "code 2001"),
        ("complaints", b"[]", "expected a JSON object"),
        ("dom_extract", b'{"rows": []}', "expected a list of extracted cards"),
        ("complaints", b"<html><body>502 Bad Gateway</body></html>", "HTML page"),
    ],
)
def test_changed_shapes_are_shape_errors(kind: str, body: bytes, reason: str) -> None:
    with pytest.raises(ShapeError, match=reason) as caught:
        HEIMAO.parse(kind, body)
    assert not isinstance(caught.value, CredentialsRejected)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"result": {"data": {"other": []}}}', "not a Heimao complaint list"),
        (b"[1, 2]", "not of extracted complaint cards"),
        (b'{"result": {"status": {"code": 500, "msg": "busy"}}}', "code 500: busy"),
    ],
)
def test_detect_refuses_what_it_does_not_know(body: bytes, reason: str) -> None:
    with pytest.raises(ShapeError, match=reason):
        HEIMAO.detect(body)
