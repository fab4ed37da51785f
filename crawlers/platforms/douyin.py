"""Douyin (抖音) web API answers (``www.douyin.com/aweme/v1/web/...``).

Kinds:

- ``search``: ``/general/search/single/``: ``{status_code, data: [card, ...], cursor, has_more}``; a card with
  ``aweme_info`` is a video or image note (other cards, e.g. ``type 6`` related searches, are skipped). Its
  inline ``comment_list`` (hot comments the search shows) are mentions too. Each video is a
  :attr:`Page.follow` entry (``aweme_id``) for its comments.
- ``video``: ``/aweme/detail/``: ``{status_code, aweme_detail: {...}}``, the same object as ``aweme_info``.
- ``comments``: ``/comment/list/`` and ``/comment/list/reply/``: ``{status_code, comments: [...], cursor,
  has_more, total}``; a comment is ``cid``, ``text``, ``create_time``, ``digg_count``, ``reply_id`` (the
  comment it answers, ``"0"`` at the top level), ``reply_comment_total``, ``ip_label``, ``user``.

Answers relayed by TikHub (``{code: 200, router, data: {...}}``, as the shared captures were made) are
unwrapped first.

Author influence: ``author.follower_count`` is ``0`` for every author of the 2026 search capture, including
accounts with millions of likes (``max_follower_count`` too): Douyin hides it in search, so ``0`` is read as
unknown, not as "no followers". ``is_verified`` is ``True`` for all 16 authors there, so it says nothing;
``custom_verify`` (a personal badge such as "美食自媒体") and ``enterprise_verify_reason`` (a blue-V company)
are what mark a verified account.

Refusals (MediaCrawler's client and cv-cat/DouYin_Spider issues; no captured refusal): an empty body or
``blocked`` is :class:`Blocked`; ``search_nil_info.search_nil_type == "verify_check"`` is a captcha
(:class:`Blocked`); ``status_code 8`` ("用户未登录") is :class:`CredentialsRejected`.
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
    as_dict,
    epoch,
    load_json,
    to_int,
)

VIDEO_URL = "https://www.douyin.com/video/{}"
NOTE_URL = "https://www.douyin.com/note/{}"
NOT_LOGGED_IN = 8
#: ``aweme_type`` of image notes (图文), whose page is /note/ rather than /video/.
IMAGE_TYPES = {2, 68, 150}


def _unwrap(data: Any) -> Any:
    if isinstance(data, dict) and "router" in data and isinstance(data.get("data"), dict):
        return data["data"]
    return data


def check_answer(body: bytes, kind: str) -> dict[str, Any]:
    """The Douyin answer of ``body``; refusals raise :class:`Blocked`/:class:`CredentialsRejected`."""
    stripped = body.strip()
    if stripped in (b"", b"blocked"):
        raise Blocked(kind, "answered an empty body (Douyin's answer to a blocked request or a wrong a_bogus)")
    data = _unwrap(load_json(body, kind))
    if not isinstance(data, dict) or "status_code" not in data:
        raise ShapeError(kind, "not a Douyin answer (no 'status_code')")
    nil = data.get("search_nil_info")
    if isinstance(nil, dict) and nil.get("search_nil_type") == "verify_check":
        raise Blocked(kind, f"captcha required (search_nil_type verify_check): {nil.get('search_nil_item')!r}")
    code = to_int(data.get("status_code"))
    message = str(data.get("status_msg") or "")
    if code == NOT_LOGGED_IN:
        raise CredentialsRejected(kind, f"not logged in (status_code 8): {message!r}")
    if code != 0:
        raise ShapeError(kind, f"answered status_code {code}: {message!r}")
    return data


def _author(user: Any) -> tuple[str | None, dict[str, Any]]:
    if not isinstance(user, dict):
        return None, {}
    followers = to_int(user.get("follower_count")) or to_int(user.get("max_follower_count")) or None
    badge = str(user.get("custom_verify") or user.get("enterprise_verify_reason") or "")
    info = {
        "user_id": user.get("sec_uid") or user.get("uid"),
        "followers": followers,  # 0 is Douyin hiding the figure, not an account without followers
        "verified": bool(badge),
        "verified_reason": badge,
        "account_type": "enterprise" if user.get("enterprise_verify_reason") else None,
    }
    return user.get("nickname") or None, {k: v for k, v in info.items() if v not in (None, "")}


class Douyin(Platform):
    name = "douyin"
    kinds = ("search", "video", "comments")

    def detect(self, body: bytes) -> str:
        data = check_answer(body, "search")
        if isinstance(data.get("comments"), list) or ("comments" in data and "cursor" in data):
            return "comments"
        if isinstance(data.get("aweme_detail"), dict):
            return "video"
        if isinstance(data.get("data"), list):
            return "search"
        raise ShapeError("search", "neither search results (data[]), a video (aweme_detail) nor comments")

    def parse(self, kind: str, body: bytes, *, now: datetime | None = None, source: str = "") -> Page:
        self._check_kind(kind)
        data = check_answer(body, kind)
        page = Page(kind)
        if kind == "video":
            detail = data.get("aweme_detail")
            if not isinstance(detail, dict):
                raise ShapeError(kind, "'aweme_detail' is not an object")
            page.items.append(self._video(detail))
            return page
        if kind == "comments":
            comments = data.get("comments") or []  # null when a video has none
            if not isinstance(comments, list):
                raise ShapeError(kind, "'comments' is not a list")
            self._add_comments(page, comments, "comment")
            page.total = to_int(data.get("total"))
        else:
            cards = data.get("data")
            if not isinstance(cards, list):
                raise ShapeError(kind, "'data' is not a list")
            for index, card in enumerate(cards):
                if not isinstance(card, dict):
                    page.problems.append(f"card {index}: not an object")
                    continue
                info = card.get("aweme_info")
                if not isinstance(info, dict):
                    continue  # related searches, users, live rooms
                try:
                    item = self._video(info)
                except (KeyError, TypeError, ValueError) as exc:
                    page.problems.append(f"card {index}: {exc}")
                    continue
                page.items.append(item)
                page.follow.append({"aweme_id": item.post_id})
                self._add_comments(page, card.get("comment_list") or [], f"card {index} comment")
        if to_int(data.get("has_more")) and data.get("cursor") is not None:
            page.next = {"cursor": to_int(data.get("cursor"))}
        return page

    def _add_comments(self, page: Page, comments: list[Any], label: str) -> None:
        for index, comment in enumerate(comments):
            try:
                if not isinstance(comment, dict):
                    raise ValueError("not an object")
                item = self._comment(comment)
            except (KeyError, TypeError, ValueError) as exc:
                page.problems.append(f"{label} {index}: {exc}")
                continue
            if item is not None:
                page.items.append(item)

    @staticmethod
    def _video(info: dict[str, Any]) -> MentionItem:
        aweme_id = str(info["aweme_id"])
        text = str(info.get("desc") or info.get("item_title") or info.get("preview_title") or "").strip()
        if not text:
            raise ValueError("no desc")
        stats = as_dict(info.get("statistics"))
        author, influence = _author(info.get("author"))
        share = str(info.get("share_url") or "")
        note = "/share/note/" in share or to_int(info.get("aweme_type")) in IMAGE_TYPES
        extra = {
            "kind": "note" if note else "video",
            **influence,
            "collects": to_int(stats.get("collect_count")),
            "shares": to_int(stats.get("share_count")),
            "views": to_int(stats.get("play_count")) or None,  # 0 in web answers: not counted there
            "recommends": to_int(stats.get("recommend_count")),
        }
        return MentionItem(
            platform="douyin",
            post_id=aweme_id,
            text=text,
            url=(NOTE_URL if note else VIDEO_URL).format(aweme_id),
            author=author,
            published_at=epoch(info.get("create_time")),
            likes=to_int(stats.get("digg_count")),
            comments=to_int(stats.get("comment_count")),
            reposts=to_int(stats.get("share_count")),
            extra={k: v for k, v in extra.items() if v not in (None, "")},
        )

    @staticmethod
    def _comment(comment: dict[str, Any]) -> MentionItem | None:
        """A comment, or ``None`` for a picture or sticker alone (nothing to read; not an error)."""
        cid = str(comment["cid"])
        text = str(comment.get("text") or "").strip()
        if not text:
            return None
        aweme_id = str(comment.get("aweme_id") or "")
        author, influence = _author(comment.get("user"))
        reply_to = str(comment.get("reply_id") or "0")
        extra = {
            "kind": "comment",
            "aweme_id": aweme_id,
            **influence,
            "location": comment.get("ip_label"),
        }
        return MentionItem(
            platform="douyin",
            post_id=cid,
            text=text,
            url=VIDEO_URL.format(aweme_id) if aweme_id else None,  # comments have no page of their own
            author=author,
            published_at=epoch(comment.get("create_time")),
            likes=to_int(comment.get("digg_count")),
            comments=to_int(comment.get("reply_comment_total")),
            parent_id=reply_to if reply_to != "0" else aweme_id or None,
            extra={k: v for k, v in extra.items() if v not in (None, "")},
        )
