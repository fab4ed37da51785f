"""Bilibili: video search (``/x/web-interface/wbi/search/type``) and video comments (``/x/v2/reply``,
``/x/v2/reply/wbi/main``), plus the WBI request signature both endpoints want.

Kinds:

- ``search``: ``{code, message, data: {page, numPages, numResults, result: [video, ...]}}``; only
  ``type == "video"`` results are mentions. Titles carry ``<em class="keyword">`` around the matched word and
  HTML entities (``&lt;``); both are removed. Each video also becomes a :attr:`Page.follow` entry (its
  ``aid``), from which the spider fetches the first page of comments.
- ``comments``: ``{code, data: {replies: [...], page|cursor, ...}}``, from either the old paged endpoint or the
  WBI one. Sub-replies shown under a comment (``replies[].replies``), hot comments and the pinned comment are
  mentions too (each once). A reply keeps its parent comment in ``parent_id``; a top-level comment's parent is
  the video, whose ``bvid`` the answer does not carry, so the spider fills it in (``extra["aid"]`` says which).

Answers that wrap the Bilibili JSON in a proxy envelope (TikHub: ``{code: 200, router, data: {code, data}}``)
are unwrapped first.

Blocked requests: Bilibili answers ``code -412`` (request intercepted), ``-352`` (risk-control check failed)
or a ``data.v_voucher`` captcha challenge (docs/misc/sign/wbi.md: also what a missing or wrong signature gets)
to clients it does not trust, and ``-101`` where a login is required. These are
:class:`CredentialsRejected`: nothing is stored and the run stops as ``needs_credentials`` rather than keep
asking, because a person must act (supply a ``SESSDATA`` cookie, slow down, or check the signer).

WBI signature (bilibili-API-collect docs/misc/sign/wbi.md): ``img_key`` and ``sub_key`` are the file stems of
``data.wbi_img.img_url``/``sub_url`` in ``/x/web-interface/nav``; ``mixin_key`` is ``img_key + sub_key``
permuted by a fixed 64-entry table, first 32 characters; the request adds ``wts`` (Unix seconds), sorts its
parameters, strips ``!'()*`` from the values, percent-encodes them (upper-case escapes, space as ``%20``) and
sets ``w_rid = md5(query + mixin_key)``. The table and the worked example in the tests come from that page;
whether today's Bilibili still accepts exactly this scheme could not be checked without live access.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from crawlers.items import MentionItem
from crawlers.pipelines.normalize import html_to_text
from crawlers.platforms.base import (
    CredentialsRejected,
    Page,
    Platform,
    ShapeError,
    dig,
    epoch,
    join_text,
    load_json,
    to_int,
)

VIDEO_URL = "https://www.bilibili.com/video/{}"
COMMENT_URL = "https://www.bilibili.com/video/av{aid}#reply{rpid}"

#: The fixed permutation applied to ``img_key + sub_key`` (docs/misc/sign/wbi.md, ``MIXIN_KEY_ENC_TAB``).
MIXIN_KEY_TABLE: tuple[int, ...] = (
    46, 47, 18, 2, 53, 8, 23, 32, 15, 50, 10, 31, 58, 3, 45, 35, 27, 43, 5, 49,
    33, 9, 42, 19, 29, 28, 14, 39, 12, 38, 41, 13, 37, 48, 7, 16, 24, 55, 40,
    61, 26, 17, 0, 1, 60, 51, 30, 4, 22, 25, 54, 21, 56, 59, 6, 63, 57, 62, 11,
    36, 20, 34, 44, 52,
)  # fmt: skip

_STRIPPED = str.maketrans("", "", "!'()*")
_KEY = re.compile(r"^[0-9A-Za-z]{16,64}$")

#: Answer codes meaning "not for you": the request was intercepted or needs a login (see the module doc).
BLOCKED_CODES = {
    -412: "request intercepted by risk control (code -412)",
    -352: "risk-control check failed (code -352)",
    -101: "a login is required (code -101)",
}
#: A video whose comment section is closed answers with this code; that is an empty page, not an error.
COMMENTS_CLOSED = 12002


# -- WBI signature ---------------------------------------------------------------------------------------------
def mixin_key(img_key: str, sub_key: str) -> str:
    """The signing key of the day: ``img_key + sub_key`` permuted by :data:`MIXIN_KEY_TABLE`, 32 characters."""
    raw = img_key + sub_key
    if len(raw) < len(MIXIN_KEY_TABLE):
        raise ValueError(f"img_key + sub_key must be {len(MIXIN_KEY_TABLE)} characters, got {len(raw)}")
    return "".join(raw[i] for i in MIXIN_KEY_TABLE)[:32]


def wbi_query(params: Mapping[str, str | int]) -> str:
    """The canonical query WBI signs: keys sorted, ``!'()*`` removed from values, ``encodeURIComponent``-style
    escapes (upper-case hex, space as ``%20``, ``/`` escaped)."""
    cleaned = {key: str(params[key]).translate(_STRIPPED) for key in sorted(params)}
    return urlencode(cleaned, quote_via=quote, safe="")


def wbi_sign(params: Mapping[str, str | int], img_key: str, sub_key: str, wts: int) -> str:
    """The signed query string of a request: ``params`` plus ``wts`` and ``w_rid``, ready to append after ``?``."""
    query = wbi_query({**params, "wts": wts})
    w_rid = hashlib.md5((query + mixin_key(img_key, sub_key)).encode(), usedforsecurity=False).hexdigest()
    return f"{query}&w_rid={w_rid}"


def wbi_keys(body: bytes) -> tuple[str, str]:
    """``(img_key, sub_key)`` from a ``/x/web-interface/nav`` answer; :class:`ShapeError` when absent,
    :class:`CredentialsRejected` when the visit was blocked.

    The answer has ``code -101`` for a visitor who is not logged in, and still carries the keys then.
    """
    data = _unwrap(load_json(body, "nav"))
    code = to_int(data.get("code")) if isinstance(data, dict) else None
    if code in (-412, -352):
        raise CredentialsRejected("nav", BLOCKED_CODES[code])
    keys = []
    for field in ("img_url", "sub_url"):
        url = dig(data, "data", "wbi_img", field, kind="nav")
        stem = urlsplit(str(url)).path.rsplit("/", 1)[-1].split(".", 1)[0]
        if not _KEY.match(stem):
            raise ShapeError("nav", f"{field} {url!r} does not end in a key")
        keys.append(stem)
    return keys[0], keys[1]


def nav_logged_in(body: bytes) -> bool:
    """Whether a ``/x/web-interface/nav`` answer is for a logged-in visitor (a SESSDATA cookie that works)."""
    data = _unwrap(load_json(body, "nav"))
    return bool(dig(data, "data", "isLogin", kind="nav", required=False))


# -- parser ----------------------------------------------------------------------------------------------------
class Bilibili(Platform):
    name = "bilibili"
    kinds = ("search", "comments")

    def detect(self, body: bytes) -> str:
        data = _unwrap(load_json(body, "search"))
        if isinstance(data, dict) and to_int(data.get("code")) == COMMENTS_CLOSED:
            return "comments"
        _check_code(data, "search")
        inner = data.get("data") if isinstance(data, dict) else None
        if isinstance(inner, dict):
            if "result" in inner or "numResults" in inner:
                return "search"
            if "replies" in inner and ("page" in inner or "cursor" in inner):
                return "comments"
        raise ShapeError("search", "neither a search answer (data.result) nor a comment answer (data.replies)")

    def parse(self, kind: str, body: bytes, *, now: datetime | None = None, source: str = "") -> Page:
        self._check_kind(kind)
        data = _unwrap(load_json(body, kind))
        if _check_code(data, kind) == COMMENTS_CLOSED:
            return Page(kind, total=0)
        inner = dig(data, "data", kind=kind)
        if not isinstance(inner, dict):
            raise ShapeError(kind, "'data' is not an object")
        return self._search(inner) if kind == "search" else self._comments(inner)

    # -- search ----------------------------------------------------------------------------------------------
    def _search(self, data: dict[str, Any]) -> Page:
        results = data.get("result")
        if results is None and to_int(data.get("numResults")) == 0:
            results = []  # nothing found: tolerate an answer that leaves the list out
        if not isinstance(results, list):
            raise ShapeError("search", "'data.result' is not a list")
        page = Page("search", total=to_int(data.get("numResults")))
        for index, result in enumerate(results):
            if not isinstance(result, dict):
                page.problems.append(f"result {index}: not an object")
                continue
            if result.get("type", "video") != "video":
                continue  # courses, live rooms, users: not videos
            try:
                item = self._video(result)
            except (KeyError, TypeError, ValueError) as exc:
                page.problems.append(f"result {index}: {_problem(exc)}")
                continue
            page.items.append(item)
            page.follow.append({"aid": item.extra["aid"], "post_id": item.post_id})
        number, pages = to_int(data.get("page")), to_int(data.get("numPages"))
        if number is not None and pages is not None and number < pages:
            page.next = {"page": number + 1}
        return page

    @staticmethod
    def _video(result: dict[str, Any]) -> MentionItem:
        aid = to_int(result.get("aid") or result.get("id"))
        if aid is None:
            raise ValueError("no aid")
        bvid = str(result.get("bvid") or "")
        title = html_to_text(str(result.get("title") or ""))  # <em class="keyword">, &lt; ...
        text = join_text(title, html_to_text(str(result.get("description") or "")))
        if not text:
            raise ValueError("no title or description")
        extra = {
            "kind": "video",
            "aid": aid,
            "mid": to_int(result.get("mid")),
            "views": to_int(result.get("play")),
            "favorites": to_int(result.get("favorites")),
            "danmaku": to_int(result.get("video_review")),
            "duration": result.get("duration"),
            "category": result.get("typename"),
            "tags": result.get("tag"),
        }
        return MentionItem(
            platform="bilibili",
            post_id=bvid or f"av{aid}",
            text=text,
            url=VIDEO_URL.format(bvid or f"av{aid}"),
            author=result.get("author") or None,
            title=title or None,
            published_at=epoch(result.get("pubdate")),
            likes=to_int(result.get("like")),
            comments=to_int(result.get("review")),
            extra={k: v for k, v in extra.items() if v not in (None, "")},
        )

    # -- comments --------------------------------------------------------------------------------------------
    def _comments(self, data: dict[str, Any]) -> Page:
        replies = data.get("replies")
        if replies is not None and not isinstance(replies, list):
            raise ShapeError("comments", "'data.replies' is not a list")
        counts = data.get("page") if isinstance(data.get("page"), dict) else data.get("cursor")
        page = Page("comments", total=to_int(counts.get("count", counts.get("all_count"))) if counts else None)
        seen: set[str] = set()
        for where, reply in _all_replies(data):
            try:
                item = self._reply(reply)
            except (KeyError, TypeError, ValueError) as exc:
                page.problems.append(f"{where}: {_problem(exc)}")
                continue
            if item.post_id not in seen:
                seen.add(item.post_id)
                page.items.append(item)
        return page

    @staticmethod
    def _reply(reply: dict[str, Any]) -> MentionItem:
        rpid = to_int(reply["rpid"])
        if rpid is None:
            raise ValueError(f"rpid {reply['rpid']!r} is not a number")
        message = reply["content"]["message"]
        if not isinstance(message, str):
            raise ValueError("content.message is not text")
        aid, parent, root = to_int(reply.get("oid")), to_int(reply.get("parent")), to_int(reply.get("root"))
        member, control = reply.get("member"), reply.get("reply_control")
        extra = {
            "kind": "comment",
            "aid": aid,
            "root": str(root) if root else None,
            "mid": to_int(reply.get("mid")),
            "location": control.get("location") if isinstance(control, dict) else None,
        }
        return MentionItem(
            platform="bilibili",
            post_id=str(rpid),
            text=message,
            url=COMMENT_URL.format(aid=aid, rpid=rpid) if aid else None,
            author=(member.get("uname") or None) if isinstance(member, dict) else None,
            published_at=epoch(reply.get("ctime")),
            likes=to_int(reply.get("like")),
            comments=to_int(reply.get("rcount")),
            parent_id=str(parent) if parent else None,
            extra={k: v for k, v in extra.items() if v not in (None, "")},
        )


def _all_replies(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every comment object of a comment answer, with where it was: the page, the sub-replies shown under
    each, the hot comments and the pinned ones."""
    upper = data.get("upper")
    pinned = upper.get("top") if isinstance(upper, dict) else None
    groups: list[tuple[str, Any]] = [
        ("reply", data.get("replies")),
        ("hot", data.get("hots")),
        ("top", data.get("top_replies")),
        ("pinned", [pinned] if pinned else None),
    ]
    for name, group in groups:
        for index, reply in enumerate(group or []):
            where = f"{name} {index}"
            if not isinstance(reply, dict):
                raise ShapeError("comments", f"{where} is not an object")
            yield where, reply
            for sub_index, sub in enumerate(reply.get("replies") or []):
                if isinstance(sub, dict):
                    yield f"{where} reply {sub_index}", sub


def _problem(exc: Exception) -> str:
    return f"missing {exc}" if isinstance(exc, KeyError) else str(exc)


def _unwrap(data: Any) -> Any:
    """The Bilibili answer inside a proxy envelope (TikHub puts it under ``data``); else ``data`` itself."""
    if isinstance(data, dict) and "router" in data and isinstance(data.get("data"), dict):
        inner = data["data"]
        if "code" in inner and "data" in inner:
            return inner
    return data


def _check_code(data: Any, kind: str) -> int:
    """The answer's ``code``: 0, or :data:`COMMENTS_CLOSED` for comments. Blocked answers raise
    :class:`CredentialsRejected`, other error codes :class:`ShapeError`."""
    if not isinstance(data, dict) or "code" not in data:
        raise ShapeError(kind, "not a Bilibili API answer (no 'code')")
    code = to_int(data["code"])
    message = str(data.get("message") or "")
    if code in BLOCKED_CODES:
        raise CredentialsRejected(kind, f"{BLOCKED_CODES[code]}: {message!r}")
    inner = data.get("data")
    if code == 0 and isinstance(inner, dict) and "v_voucher" in inner:
        raise CredentialsRejected(
            kind, "answered with a v_voucher captcha challenge (an untrusted client, or a wrong WBI signature)"
        )
    if code != 0 and not (code == COMMENTS_CLOSED and kind == "comments"):
        raise ShapeError(kind, f"error code {data['code']}: {message!r}")
    return code
