"""The Zhihu parser. No real capture exists (see tests/crawlers/fixtures/zhihu/README.md): these answers are
written from the field notes of ../shared/PLATFORMS.md, so the tests check the reading of those fields and
the refusals, not the platform."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawlers.platforms import get_platform
from crawlers.platforms.base import Blocked, CredentialsRejected, ShapeError

ZH = get_platform("zhihu")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "zhihu"


def test_search_answers_and_articles() -> None:
    page = ZH.parse_any((FIXTURES / "search_v3.json").read_bytes())
    assert page.kind == "search"
    assert [i.post_id for i in page.items] == ["answer:3120000001", "article:680000002"]
    assert page.problems == ["item 3: no title, content or excerpt"]  # the related-search entry is skipped
    answer, article = page.items
    assert answer.url == "https://www.zhihu.com/question/650000001/answer/3120000001"
    assert answer.title == "如何评价先达手机？" and "<em>" not in answer.text and "售后让我自己寄回去" in answer.text
    assert (answer.author, answer.likes, answer.comments) == ("数码老王", 1532, 211)
    assert answer.extra["followers"] == 285000 and answer.extra["verified"] is True
    assert answer.published_at is not None and answer.published_at.timestamp() == 1764576000
    assert article.url == "https://zhuanlan.zhihu.com/p/680000002" and "verified" not in article.extra
    assert page.follow == [{"type": "answers", "id": "3120000001"}]  # the article has no comments
    assert page.next == {"url": json.loads((FIXTURES / "search_v3.json").read_text())["paging"]["next"]}


def test_comments() -> None:
    page = ZH.parse_any((FIXTURES / "root_comment.json").read_bytes())
    assert page.kind == "comments" and page.next is None
    top, reply = page.items
    assert (top.post_id, top.text, top.likes, top.comments) == (
        "comment:10990000001",
        "同款问题，先达客服就是拖",
        45,
        3,
    )
    assert top.extra["location"] == "IP 属地广东" and top.parent_id is None  # the spider sets the answer
    assert reply.parent_id == "comment:10990000001" and reply.author is None  # 匿名用户 is nobody


@pytest.mark.parametrize(
    ("code", "message", "error"),
    [
        (10002, "请求参数异常，请升级客户端后重试", CredentialsRejected),
        (100, "请求需要登录", CredentialsRejected),
        (40352, "系统监测到您的网络环境存在异常，为保证您的正常访问，请输入验证码进行验证。", Blocked),
    ],
)
def test_refusals(code: int, message: str, error: type) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()
    with pytest.raises(error, match=message[:6]) as caught:
        ZH.parse("search", body)
    assert type(caught.value) is error


def test_changed_shapes() -> None:
    with pytest.raises(ShapeError, match="no 'data' list"):
        ZH.parse_any(b'{"paging": {}}')
    with pytest.raises(ShapeError, match="error 999"):
        ZH.parse_any(b'{"error": {"code": 999, "message": "x"}}')
