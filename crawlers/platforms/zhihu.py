"""Zhihu (知乎) web API answers (``www.zhihu.com/api/v4/...``).

**No real Zhihu answer was found** (../shared/fixtures/PROVENANCE.md lists Zhihu as not found): this parser
follows the field notes of ../shared/PLATFORMS.md §1 and §2.5 (from MediaCrawler's Zhihu client) and is tested
on answers written from those notes, not on captures. Check it on a real answer before relying on it.

Kinds (all ``{data: [...], paging: {is_end, next}}``):

- ``search``: ``/search_v3?t=general&q=``: items with ``type`` ``search_result`` or ``zvideo`` carry an
  ``object`` (``id``, ``type`` answer/article/zvideo/question, ``title``, ``excerpt``, ``content``,
  ``voteup_count``, ``comment_count``, ``created_time``, ``author``, ``question``); other items (related
  searches, ads) are skipped. Titles and excerpts carry ``<em>`` highlights, removed.
- ``answers``: ``/questions/{id}/answers`` or ``/members/{token}/answers``: the answer objects themselves.
- ``comments``: ``/comment_v5/{answers|articles}/{id}/root_comment`` and ``/comment_v5/comment/{id}/
  child_comment``: ``id``, ``content``, ``created_time``, ``like_count``, ``child_comment_count``,
  ``reply_comment_id``, ``author``, ``comment_tag[type=ip_info].text``.

Refusals: ``{"error": {"code", "message"}}``. ``10002`` ("请求参数异常": an unsigned or wrongly signed
request), ``100``/``401`` (login required) are :class:`CredentialsRejected`; ``40352``/``40362`` (the
"unhuman" captcha) and ``10003`` are :class:`Blocked`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crawlers.items import MentionItem
from crawlers.pipelines.normalize import html_to_text
from crawlers.platforms.base import (
    Blocked,
    CredentialsRejected,
    Page,
    Platform,
    ShapeError,
    as_dict,
    epoch,
    join_text,
    load_json,
    to_int,
)

SITE = "https://www.zhihu.com"
LOGIN_CODES = {100, 401, 10002, 10001}
BLOCK_CODES = {10003, 40352, 40362}
SEARCH_TYPES = {"search_result", "zvideo"}


def check_answer(data: Any, kind: str) -> dict[str, Any]:
    """The answer; ``{"error": ...}`` raises with Zhihu's own message."""
    if not isinstance(data, dict):
        raise ShapeError(kind, "not a Zhihu answer (not an object)")
    error = data.get("error")
    if isinstance(error, dict):
        code, message = to_int(error.get("code")), str(error.get("message") or "")
        if code in BLOCK_CODES:
            raise Blocked(kind, f"Zhihu asked for a captcha or blocked the client (error {code}): {message!r}")
        if code in LOGIN_CODES:
            raise CredentialsRejected(kind, f"Zhihu refused the request (error {code}): {message!r}")
        raise ShapeError(kind, f"Zhihu answered error {code}: {message!r}")
    if not isinstance(data.get("data"), list):
        raise ShapeError(kind, "no 'data' list")
    return data


def object_url(obj: dict[str, Any]) -> str | None:
    """The page of an answer, article, video or question."""
    kind, oid = obj.get("type"), obj.get("id")
    question = as_dict(obj.get("question"))
    if kind == "answer" and question.get("id"):
        return f"{SITE}/question/{question['id']}/answer/{oid}"
    if kind == "answer":
        return f"{SITE}/answer/{oid}"
    if kind == "article":
        return f"https://zhuanlan.zhihu.com/p/{oid}"
    if kind == "zvideo":
        return f"{SITE}/zvideo/{oid}"
    if kind == "question":
        return f"{SITE}/question/{oid}"
    return obj.get("url") or None


def _author(author: Any) -> tuple[str | None, dict[str, Any]]:
    if not isinstance(author, dict):
        return None, {}
    badges = author.get("badge") or author.get("badge_v2") or []
    verified = bool(badges) if isinstance(badges, list | dict) else False
    info = {
        "user_id": author.get("url_token") or author.get("id"),
        "followers": to_int(author.get("follower_count")),
        "verified": verified or None,
        "account_type": "organization" if author.get("user_type") == "organization" else None,
    }
    name = author.get("name")
    return (None if name in (None, "", "匿名用户") else str(name)), {k: v for k, v in info.items() if v is not None}


class Zhihu(Platform):
    name = "zhihu"
    kinds = ("search", "answers", "comments")

    def detect(self, body: bytes) -> str:
        data = check_answer(load_json(body, "search"), "search")
        entries = [e for e in data["data"] if isinstance(e, dict)]
        if any(e.get("type") in SEARCH_TYPES or "object" in e for e in entries):
            return "search"
        if entries and all("child_comment_count" in e or "reply_comment_id" in e for e in entries):
            return "comments"
        if entries and all(e.get("type") in ("answer", "article") for e in entries):
            return "answers"
        raise ShapeError("search", "neither search results, answers nor comments")

    def parse(self, kind: str, body: bytes, *, now: datetime | None = None, source: str = "") -> Page:
        self._check_kind(kind)
        data = check_answer(load_json(body, kind), kind)
        page = Page(kind)
        for index, entry in enumerate(data["data"]):
            try:
                if not isinstance(entry, dict):
                    raise ValueError("not an object")
                if kind == "comments":
                    page.items.append(self._comment(entry))
                    continue
                if kind == "search":
                    if entry.get("type") not in SEARCH_TYPES or not isinstance(entry.get("object"), dict):
                        continue  # related searches, ads
                    entry = entry["object"]
                item = self._object(entry)
            except (KeyError, TypeError, ValueError) as exc:
                page.problems.append(f"item {index}: {exc}")
                continue
            page.items.append(item)
            if item.comments and entry.get("type") in ("answer", "article"):
                page.follow.append({"type": f"{entry['type']}s", "id": item.post_id.split(":", 1)[1]})
        paging = as_dict(data.get("paging"))
        if paging.get("is_end") is False and paging.get("next"):
            page.next = {"url": str(paging["next"])}
        page.total = to_int(paging.get("totals"))
        return page

    @staticmethod
    def _object(obj: dict[str, Any]) -> MentionItem:
        oid, kind = obj.get("id"), str(obj.get("type") or "")
        if oid in (None, "") or not kind:
            raise ValueError("no id or type")
        question = as_dict(obj.get("question"))
        title = html_to_text(str(obj.get("title") or question.get("name") or ""))
        body = html_to_text(str(obj.get("content") or obj.get("excerpt") or obj.get("description") or ""))
        text = join_text(title, body)
        if not text:
            raise ValueError("no title, content or excerpt")
        author, influence = _author(obj.get("author"))
        extra = {"kind": kind, **influence, "question_id": question.get("id")}
        return MentionItem(
            platform="zhihu",
            post_id=f"{kind}:{oid}",  # answers, articles and comments are numbered apart
            text=text,
            url=object_url(obj),
            author=author,
            title=title or None,
            published_at=epoch(obj.get("created_time") or obj.get("created")),
            likes=to_int(obj.get("voteup_count")),
            comments=to_int(obj.get("comment_count")),
            extra={k: v for k, v in extra.items() if v not in (None, "")},
        )

    @staticmethod
    def _comment(comment: dict[str, Any]) -> MentionItem:
        cid = str(comment["id"])
        text = html_to_text(str(comment.get("content") or ""))
        if not text:
            raise ValueError("no content")
        author, influence = _author(comment.get("author"))
        tags = comment.get("comment_tag") or []
        location = next((t.get("text") for t in tags if isinstance(t, dict) and t.get("type") == "ip_info"), None)
        reply = str(comment.get("reply_comment_id") or "0")
        extra = {"kind": "comment", **influence, "location": location}
        return MentionItem(
            platform="zhihu",
            post_id=f"comment:{cid}",
            text=text,
            url=comment.get("url") or None,
            author=author,
            published_at=epoch(comment.get("created_time")),
            likes=to_int(comment.get("like_count") or comment.get("vote_count")),
            comments=to_int(comment.get("child_comment_count")),
            parent_id=f"comment:{reply}" if reply != "0" else None,
            extra={k: v for k, v in extra.items() if v not in (None, "")},
        )
