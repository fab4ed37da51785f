"""Taobao/Tmall item reviews through the mtop h5 API (``mtop.wdetail.getitemrates``).

Kind ``reviews``: ``{api, v, ret: ["SUCCESS::调用成功"], data: {rateList: [...], total, totalPage, ...}}``. A
review is ``id``, ``feedback`` (the text), ``feedbackDate`` (a China date, ``2019-08-21``), ``userNick``
(masked, ``x**9``), ``userStar`` (the buyer's credit level), ``rateType`` (``1`` 好评, ``0`` 中评, ``-1`` 差评),
``reply`` (the shop's answer), ``appendedFeed`` (a follow-up review) and ``share.shareURL`` (the review's own
page). Reviews carry no likes or shares: their reach is the buyer's level only.

``ret`` says how the call went (mtop's ``CODE::message``). Token and session codes mean the operator's
``_m_h5_tk`` cookie or login expired (:class:`CredentialsRejected`); ``FAIL_SYS_USER_VALIDATE`` (the slider
captcha, "哎哟喂,被挤爆啦") and ``RGV587_ERROR`` (anti-bot) are :class:`Blocked`. The names come from the
mtop clients in public crawler code, not from a captured refusal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crawlers.items import MentionItem
from crawlers.platforms.base import (
    Blocked,
    CredentialsRejected,
    Page,
    Platform,
    ShapeError,
    dig,
    join_text,
    load_json,
    to_int,
)
from crawlers.platforms.times import parse_chinese_time

ITEM_URL = "https://item.taobao.com/item.htm?id={}"
LOGIN_CODES = (
    "FAIL_SYS_TOKEN_EMPTY",
    "FAIL_SYS_TOKEN_EXOIRED",  # sic: mtop's own spelling
    "FAIL_SYS_TOKEN_EXPIRED",
    "FAIL_SYS_SESSION_EXPIRED",
    "FAIL_SYS_ILLEGAL_ACCESS",  # a wrong sign: the signing service or the token is off
    "FAIL_SYS_LOGIN",
)
BLOCK_CODES = ("FAIL_SYS_USER_VALIDATE", "RGV587_ERROR", "FAIL_SYS_TRAFFIC_LIMIT")
#: ``rateType`` as a 5-point rating (好评 5, 中评 3, 差评 1), so review rules treat it like store ratings.
RATINGS = {1: 5.0, 0: 3.0, -1: 1.0}


def check_ret(data: Any, kind: str) -> dict[str, Any]:
    """``data`` of a successful mtop answer; refusals raise with mtop's own ``ret`` message."""
    if not isinstance(data, dict) or not isinstance(data.get("ret"), list):
        raise ShapeError(kind, "not an mtop answer (no 'ret' list)")
    ret = "; ".join(str(r) for r in data["ret"])
    code = ret.split("::", 1)[0]
    if code.startswith(LOGIN_CODES):
        raise CredentialsRejected(kind, f"mtop refused the session: {ret}")
    if code.startswith(BLOCK_CODES):
        raise Blocked(kind, f"mtop asked for a captcha or blocked the client: {ret}")
    if not code.startswith("SUCCESS"):
        raise ShapeError(kind, f"mtop answered {ret!r}")
    inner = data.get("data")
    if not isinstance(inner, dict):
        raise ShapeError(kind, "'data' is not an object")
    return inner


def _https(url: Any) -> str | None:
    text = str(url or "")
    return "https:" + text if text.startswith("//") else text or None


class Taobao(Platform):
    name = "taobao"
    kinds = ("reviews",)

    def detect(self, body: bytes) -> str:
        inner = check_ret(load_json(body, "reviews"), "reviews")
        if "rateList" in inner or "total" in inner:
            return "reviews"
        raise ShapeError("reviews", "no 'data.rateList'")

    def parse(self, kind: str, body: bytes, *, now: datetime | None = None, source: str = "") -> Page:
        self._check_kind(kind)
        inner = check_ret(load_json(body, kind), kind)
        rates = inner.get("rateList") or []
        if not isinstance(rates, list):
            raise ShapeError(kind, "'data.rateList' is not a list")
        page = Page(kind, total=to_int(inner.get("total")))
        anchor = now or datetime.now().astimezone()
        for index, rate in enumerate(rates):
            try:
                if not isinstance(rate, dict):
                    raise ValueError("not an object")
                page.items.append(self._review(rate, anchor))
            except (KeyError, TypeError, ValueError) as exc:
                page.problems.append(f"review {index}: {exc}")
        pages = to_int(inner.get("totalPage"))
        if rates and pages:
            page.next = {"total_pages": pages}
        return page

    @staticmethod
    def _review(rate: dict[str, Any], now: datetime) -> MentionItem:
        review_id = str(rate["id"])
        appended = rate.get("appendedFeed")
        later = appended.get("appendedFeedback") if isinstance(appended, dict) else None
        text = join_text(str(rate.get("feedback") or ""), str(later or ""))
        if not text:
            raise ValueError("no feedback")
        item_id = str(rate.get("auctionNumId") or "")
        share = rate.get("share")
        url = _https(share.get("shareURL")) if isinstance(share, dict) else None
        rate_type = to_int(rate.get("rateType"))
        extra = {
            "kind": "review",
            "item_id": item_id,
            "rate_type": rate_type,
            "buyer_level": to_int(rate.get("userStar")),
            "verified": str(rate.get("goldUser")).lower() == "true" or None,
            "reply": rate.get("reply") or None,
            "anonymous": str(rate.get("annoy")) == "1" or None,
            "pictures": len(rate.get("feedPicPathList") or []) or None,
            "has_video": bool(dig(rate, "video", "videoId", kind="reviews", required=False)) or None,
        }
        return MentionItem(
            platform="taobao",
            post_id=review_id,
            text=text,
            url=url or (ITEM_URL.format(item_id) if item_id else None),
            author=rate.get("userNick") or None,
            published_at=parse_chinese_time(rate.get("feedbackDate"), now),
            rating=RATINGS.get(rate_type) if rate_type is not None else None,
            parent_id=item_id or None,
            extra={k: v for k, v in extra.items() if v not in (None, "")},
        )
