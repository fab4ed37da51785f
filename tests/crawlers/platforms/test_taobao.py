"""The Taobao/Tmall review parser on the real mtop capture (2019), and mtop refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.platforms import get_platform
from crawlers.platforms.base import Blocked, CredentialsRejected, ShapeError

TB = get_platform("taobao")
CAPTURE = "fixtures/taobao/h5api_mtop.wdetail.getitemrates_auctionNumId_521422451240.json"


def test_review_capture(shared_dir: Path) -> None:
    body = (shared_dir / CAPTURE).read_bytes()
    page = TB.parse_any(body)
    raw = json.loads(body)["data"]["rateList"]
    assert page.kind == "reviews" and page.problems == [] and len(page.items) == len(raw) == 10
    assert page.total == 1049900 and page.next == {"total_pages": 500}
    for item, rate in zip(page.items, raw, strict=True):
        assert item.post_id == rate["id"] and item.author == rate["userNick"]
        assert item.text.startswith(rate["feedback"].strip()[:20])
        assert item.url and item.url.startswith("https://h5.m.taobao.com/user_comment/comment_detail.html?rateId=")
        assert item.published_at is not None and item.rating == 5.0  # every review here is 好评 (rateType 1)
        assert item.extra["buyer_level"] == int(rate["userStar"]) and item.parent_id == "521422451240"
    # "2019-08-21" is a China date: midnight in Shanghai is 16:00 UTC the day before.
    assert page.items[0].published_at == datetime(2019, 8, 20, 16, tzinfo=UTC)
    appended = next(i for i, r in zip(page.items, raw, strict=True) if "appendedFeed" in r)
    assert "\n" in appended.text  # the follow-up review is part of the text


@pytest.mark.parametrize(
    ("ret", "error"),
    [
        ("FAIL_SYS_TOKEN_EXOIRED::令牌过期", CredentialsRejected),
        ("FAIL_SYS_SESSION_EXPIRED::Session过期", CredentialsRejected),
        ("FAIL_SYS_USER_VALIDATE::哎哟喂,被挤爆啦,请稍后重试", Blocked),
        ("RGV587_ERROR::SM::哎哟喂,被挤爆啦,请稍后重试", Blocked),
    ],
)
def test_refusals_keep_mtops_message(ret: str, error: type) -> None:
    body = json.dumps({"api": "mtop.wdetail.getitemrates", "ret": [ret], "data": {}}, ensure_ascii=False).encode()
    with pytest.raises(error, match=ret.split("::")[1]) as caught:
        TB.parse("reviews", body)
    assert type(caught.value) is error


def test_changed_shapes() -> None:
    with pytest.raises(ShapeError, match="no 'ret'"):
        TB.parse_any(b'{"data": {"rateList": []}}')
    with pytest.raises(ShapeError, match="FAIL_BIZ"):
        TB.parse_any(json.dumps({"ret": ["FAIL_BIZ_X::x"], "data": {}}).encode())
    empty = TB.parse("reviews", json.dumps({"ret": ["SUCCESS::调用成功"], "data": {"rateList": []}}).encode())
    assert empty.items == [] and empty.next is None
