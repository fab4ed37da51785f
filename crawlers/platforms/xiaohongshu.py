"""Xiaohongshu (小红书) web API answers (``edith.xiaohongshu.com/api/sns/web/...``).

Kinds (all in the envelope ``{code, success, msg, data}``):

- ``search``: ``POST /v1/search/notes``: ``data.items[]`` with ``model_type`` ``note`` (a ``note_card`` with
  ``display_title``, ``user`` and ``interact_info.liked_count``) or ``rec_query`` (related searches: skipped).
  A search card carries no date, but a note id is a MongoDB-style ObjectId whose first 8 hex digits are the
  creation time in Unix seconds: the captured note ``66696f98…`` has ``time`` 1718185880000 in its detail,
  which is ``0x66696f98`` exactly. Every card also becomes a :attr:`Page.follow` entry (``note_id`` and the
  ``xsec_token`` the detail and comment calls need). A card without ``display_title`` (seen in the capture)
  has no text to store: only the detail call can give it, so it is a follow without an item.
- ``note``: ``POST /v1/feed`` (note detail): ``data.items[].note_card`` with ``note_id``, ``title``, ``desc``,
  ``time`` (ms), ``user``, ``interact_info.{liked,collected,comment,share}_count``, ``ip_location``.
- ``comments``: ``GET /v2/comment/page`` and ``/v2/comment/sub/page``: ``data.comments[]`` with ``id``,
  ``content``, ``create_time`` (ms), ``like_count``, ``sub_comment_count``, ``user_info``, ``ip_location``,
  ``target_comment.id`` (a reply) and inline ``sub_comments``; ``data.cursor``/``has_more`` page on. A comment
  whose replies are not all inline is a :attr:`Page.follow` entry (``root_comment_id``, ``cursor``).

Refusals (PLATFORMS.md §2.5; MediaCrawler and xhshow issues): ``code -100`` "无登录信息"/login expired is
:class:`CredentialsRejected`; ``300011`` (account flagged), ``300012`` (IP blocked) and ``300013`` (too
frequent) are :class:`Blocked`. The captcha answers (HTTP 461/471 with a ``Verifytype`` header) and the
unsigned 406 are HTTP statuses: the spider reads them (:mod:`crawlers.spiders.signed`).
"""

from __future__ import annotations

from datetime import UTC, datetime
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
    join_text,
    load_json,
    to_int,
)

NOTE_URL = "https://www.xiaohongshu.com/explore/{}"
#: ``code`` values that mean "log in again" and "a person must act first".
LOGIN_CODES = {-100: "login expired or missing (code -100)", -101: "login required (code -101)"}
BLOCK_CODES = {
    300011: "account flagged as abnormal (code 300011)",
    300012: "IP blocked (code 300012)",
    300013: "requests too frequent (code 300013)",
}
#: A note that was removed or is under review: an empty answer, not a failure.
NOTE_GONE = -510001


def objectid_time(object_id: str) -> datetime | None:
    """The creation time an ObjectId-style id (24 hex digits) carries in its first 8 digits."""
    if len(object_id) != 24:
        return None
    try:
        return datetime.fromtimestamp(int(object_id[:8], 16), UTC)
    except ValueError:
        return None


def check_answer(data: Any, kind: str) -> dict[str, Any]:
    """``data`` of a successful answer; refusals raise :class:`CredentialsRejected` or :class:`Blocked` with the
    platform's own message, other failures :class:`ShapeError`."""
    if not isinstance(data, dict) or "code" not in data:
        raise ShapeError(kind, "not a Xiaohongshu answer (no 'code')")
    code = to_int(data.get("code"))
    message = str(data.get("msg") or "")
    if code in LOGIN_CODES:
        raise CredentialsRejected(kind, f"{LOGIN_CODES[code]}: {message!r}")
    if code in BLOCK_CODES:
        raise Blocked(kind, f"{BLOCK_CODES[code]}: {message!r}")
    if code == NOTE_GONE:
        return {}
    if code != 0 or data.get("success") is False:
        raise ShapeError(kind, f"answered code {code}: {message!r}")
    inner = data.get("data")
    if not isinstance(inner, dict):
        raise ShapeError(kind, "'data' is not an object")
    return inner


def _user(user: Any) -> tuple[str | None, str | None]:
    if not isinstance(user, dict):
        return None, None
    name = user.get("nickname") or user.get("nick_name") or None
    return name, user.get("user_id") or None


class Xiaohongshu(Platform):
    name = "xiaohongshu"
    kinds = ("search", "note", "comments")

    def detect(self, body: bytes) -> str:
        inner = check_answer(load_json(body, "search"), "search")
        items = inner.get("items")
        if isinstance(items, list):
            cards = [as_dict(i.get("note_card")) for i in items if isinstance(i, dict) and i.get("note_card")]
            return "note" if cards and all("note_id" in c for c in cards) else "search"
        if isinstance(inner.get("comments"), list):
            return "comments"
        raise ShapeError("search", "neither notes (data.items) nor comments (data.comments)")

    def parse(self, kind: str, body: bytes, *, now: datetime | None = None, source: str = "") -> Page:
        self._check_kind(kind)
        inner = check_answer(load_json(body, kind), kind)
        if not inner:
            return Page(kind, total=0)
        if kind == "comments":
            return self._comments(inner)
        items = inner.get("items")
        if not isinstance(items, list):
            raise ShapeError(kind, "'data.items' is not a list")
        page = Page(kind)
        for index, entry in enumerate(items):
            if not isinstance(entry, dict):
                page.problems.append(f"item {index}: not an object")
                continue
            if entry.get("model_type", "note") != "note":
                continue  # related searches, ads
            try:
                item = self._note(entry, detail=kind == "note")
            except (KeyError, TypeError, ValueError) as exc:
                page.problems.append(f"item {index}: {exc}")
                continue
            note_id = str(entry.get("id") or entry["note_card"].get("note_id"))
            if kind == "search":
                page.follow.append({"note_id": note_id, "xsec_token": entry.get("xsec_token") or ""})
            if item is not None:
                page.items.append(item)
        if kind == "search" and inner.get("has_more"):
            page.next = {"more": True}
        return page

    @staticmethod
    def _note(entry: dict[str, Any], *, detail: bool) -> MentionItem | None:
        card = entry.get("note_card")
        if not isinstance(card, dict):
            raise ValueError("no note_card")
        note_id = str(card.get("note_id") or entry.get("id") or "")
        if not note_id:
            raise ValueError("no id")
        title = str(card.get("title") or card.get("display_title") or "").strip()
        text = join_text(title, str(card.get("desc") or ""))
        if not text:
            if detail:
                raise ValueError("no title or desc")
            return None  # an untitled card: the detail call gives its text
        author, user_id = _user(card.get("user"))
        counts = as_dict(card.get("interact_info"))
        extra = {
            "kind": "note",
            "note_type": card.get("type"),
            "user_id": user_id,
            "collects": to_int(counts.get("collected_count")),
            "shares": to_int(counts.get("share_count")),
            "location": card.get("ip_location"),
            "xsec_token": entry.get("xsec_token"),
            "tags": [t.get("name") for t in card.get("tag_list") or [] if isinstance(t, dict) and t.get("name")],
        }
        return MentionItem(
            platform="xiaohongshu",
            post_id=note_id,
            text=text,
            url=NOTE_URL.format(note_id),
            author=author,
            title=title or None,
            published_at=epoch(card.get("time")) or objectid_time(note_id),
            likes=to_int(counts.get("liked_count")),
            comments=to_int(counts.get("comment_count")),
            reposts=to_int(counts.get("share_count")),
            extra={k: v for k, v in extra.items() if v not in (None, "", [])},
        )

    def _comments(self, inner: dict[str, Any]) -> Page:
        comments = inner["comments"]
        if not isinstance(comments, list):
            raise ShapeError("comments", "'data.comments' is not a list")
        page = Page("comments")
        for index, comment in enumerate(comments):
            if not isinstance(comment, dict):
                page.problems.append(f"comment {index}: not an object")
                continue
            group = [(f"comment {index}", comment)]
            subs = comment.get("sub_comments") or []
            group += [(f"comment {index} reply {i}", s) for i, s in enumerate(subs) if isinstance(s, dict)]
            for where, entry in group:
                try:
                    item = self._comment(entry)
                except (KeyError, TypeError, ValueError) as exc:
                    page.problems.append(f"{where}: {exc}")
                    continue
                if item is not None:
                    page.items.append(item)
            if comment.get("sub_comment_has_more") and comment.get("sub_comment_cursor"):
                page.follow.append(
                    {
                        "note_id": str(comment.get("note_id") or ""),
                        "root_comment_id": str(comment["id"]),
                        "cursor": str(comment["sub_comment_cursor"]),
                    }
                )
        if inner.get("has_more") and inner.get("cursor"):
            page.next = {"cursor": str(inner["cursor"])}
        return page

    @staticmethod
    def _comment(comment: dict[str, Any]) -> MentionItem | None:
        """A comment, or ``None`` for a picture alone (nothing to read; not an error)."""
        comment_id = str(comment["id"])
        note_id = str(comment.get("note_id") or "")
        text = str(comment.get("content") or "").strip()
        if not text:
            return None
        author, user_id = _user(comment.get("user_info"))
        target = comment.get("target_comment")
        parent = target.get("id") if isinstance(target, dict) else None
        extra = {
            "kind": "comment",
            "note_id": note_id,
            "user_id": user_id,
            "location": comment.get("ip_location"),
            "replies_to": parent,
        }
        return MentionItem(
            platform="xiaohongshu",
            post_id=comment_id,
            text=text,
            url=NOTE_URL.format(note_id) if note_id else None,  # comments have no page of their own
            author=author,
            published_at=epoch(comment.get("create_time")) or objectid_time(comment_id),
            likes=to_int(comment.get("like_count")),
            comments=to_int(comment.get("sub_comment_count")),
            parent_id=str(parent) if parent else note_id or None,
            extra={k: v for k, v in extra.items() if v not in (None, "")},
        )
