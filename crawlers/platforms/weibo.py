"""Weibo through m.weibo.cn: ``api/container/getIndex`` card lists and ``comments/hotflow`` comments.

Kinds:

``search``
    the ``getIndex`` envelope ``{ok, data: {cardlistInfo, cards}}``. Posts are cards with ``card_type == 9``
    (``mblog``), at the top level or inside a ``card_group``; other cards (users, topics, banners) are left out.
    Keyword search (``containerid=100103type=...``) and a user's timeline (``containerid=107603...``) share
    this shape, so both are read as ``search``. ``{"ok": 0, "msg": "这里还没有内容"}`` is the empty last page.
``comments``
    the ``hotflow`` envelope ``{ok, data: {data: [comment], max_id, max_id_type, total_number}}``. A
    comment's nested replies (``comments``) become mentions of their own whose parent is that comment.

Decisions:

- **Reposts.** A repost is a mention of its own (the reposter's words, ``extra["retweet_of"]`` naming the
  original), and the reposted original is a separate mention with its own id, marked with
  ``extra["via_repost"]``: the original is usually what names the brand, and keeping it under its own id
  means the same original reached through several reposts is stored once. Spiders must not let an
  original's (often old) date stop paging; see :class:`crawlers.spiders.weibo.WeiboSpider`.
- **Long posts** (``isLongText``): the list only carries the first ~140 characters and a "全文" link. The
  text kept is what is there, without that link, and ``extra["truncated"]`` says so; fetching the full text
  costs one request per post and is not done.
- **Pinned posts** (``isTop``, timelines only) carry ``extra["pinned"]``: they break the newest-first order.
- **Dates** come in many forms (see :func:`parse_chinese_time`); a post whose date cannot be read is skipped
  and reported, because a wrong date would corrupt incremental crawling and alert windows.
- **Expired login.** ``{"ok": -100, "url": ".../login..."}`` or an HTML login page is
  :class:`CredentialsRejected`. HTTP 432 never reaches the parser: the spider handles the status.

The hotflow shape is taken from public crawler code (PLATFORMS.md §2.1); no real hotflow or search body with
provenance was available, so the tests use our own fixtures for both.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bs4 import BeautifulSoup

from crawlers.items import MentionItem
from crawlers.pipelines.normalize import html_to_text, looks_like_html
from crawlers.platforms.base import (
    CredentialsRejected,
    Page,
    Platform,
    ShapeError,
    dig,
    first,
    load_json,
    looks_like,
    to_int,
)
from crawlers.platforms.times import parse_chinese_time

#: Weibo shows times in China Standard Time (no daylight saving since 1991).
POST_URL = "https://m.weibo.cn/detail/{}"

_LOGIN_MARKERS = (b"passport.weibo", b"/signin/login", b"m.weibo.cn/login")


def weibo_text(markup: str) -> str:
    """The readable text of a post's or comment's ``text`` HTML.

    Emoticons are ``<img alt="[doge]">``: their alt text is kept, as Weibo's own plain text does. The "全文"
    link that ends a truncated long post is removed; other links keep their text (#topics#, @names).
    """
    if not looks_like_html(markup):
        return html_to_text(markup)
    soup = BeautifulSoup(markup, "html.parser")
    for img in soup.find_all("img"):
        alt = str(img.get("alt") or "")
        img.replace_with(alt)
    for link in soup.find_all("a"):
        if link.get_text(strip=True) == "全文" and "/status/" in str(link.get("href") or ""):
            link.decompose()
    return html_to_text(str(soup))


def _object(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one (a missing or ``null`` user)."""
    return value if isinstance(value, dict) else {}


def _count(value: Any) -> int | None:
    """Counts are ints, or strings like "100万+" when large."""
    if isinstance(value, str):
        value = value.strip().rstrip("+")
    return to_int(value)


class Weibo(Platform):
    name = "weibo"
    kinds = ("search", "comments")

    def detect(self, body: bytes) -> str:
        data = self._envelope(body, "search")
        inner = data.get("data")
        if isinstance(inner, dict):
            if isinstance(inner.get("cards"), list):
                return "search"
            if isinstance(inner.get("data"), list):
                return "comments"
        if data.get("ok") == 0:
            return "search"  # the empty last page of a card list
        raise ShapeError("search", "not a getIndex card list or a hotflow comment list")

    def parse(self, kind: str, body: bytes, *, now: datetime | None = None, source: str = "") -> Page:
        self._check_kind(kind)
        now = now or datetime.now(UTC)
        data = self._envelope(body, kind)
        if kind == "search":
            return self._search(data, now)
        return self._comments(data, now)

    # -- envelopes --------------------------------------------------------------------------------------------
    @staticmethod
    def _envelope(body: bytes, kind: str) -> dict[str, Any]:
        """The JSON object of a response; a login page or login redirect is :class:`CredentialsRejected`."""
        stripped = body.lstrip()[:1]
        if stripped == b"<" and looks_like(body, _LOGIN_MARKERS):
            raise CredentialsRejected(kind, "got a login page instead of data: the SUB cookie expired")
        data = load_json(body, kind)
        if not isinstance(data, dict):
            raise ShapeError(kind, f"expected a JSON object, got {type(data).__name__}")
        if data.get("ok") == -100 or "login" in str(data.get("url") or ""):
            raise CredentialsRejected(kind, f"login required (ok={data.get('ok')}): the SUB cookie expired")
        return data

    # -- search / card lists ----------------------------------------------------------------------------------
    def _search(self, data: dict[str, Any], now: datetime) -> Page:
        kind = "search"
        if data.get("ok") == 0 and not isinstance(data.get("data"), dict):
            return Page(kind)  # "这里还没有内容": past the last page
        cards = dig(data, "data", "cards", kind=kind)
        if not isinstance(cards, list):
            raise ShapeError(kind, "'data.cards' is not a list")
        info = dig(data, "data", "cardlistInfo", kind=kind, required=False) or {}
        page = Page(kind, total=to_int(info.get("total")) if isinstance(info, dict) else None)
        posts = 0
        for index, blog in self._blogs(cards):
            try:
                items = self._post(blog, now)
            except (KeyError, TypeError, ValueError) as exc:
                page.problems.append(f"card {index}: {exc}")
                continue
            posts += 1
            page.items.extend(items)
        if posts or page.problems:
            # More may follow; the platform's own hint (cardlistInfo.page) is kept for inspection.
            hint = to_int(info.get("page")) if isinstance(info, dict) else None
            page.next = {"page": hint} if hint is not None else {"more": True}
        return page

    @staticmethod
    def _blogs(cards: list[Any]) -> list[tuple[str, Any]]:
        """The ``mblog`` of every post card, with where it was (for problem reports)."""
        found: list[tuple[str, Any]] = []
        for i, card in enumerate(cards):
            if not isinstance(card, dict):
                continue
            if card.get("card_type") == 9:
                found.append((str(i), card.get("mblog")))
            for j, inner in enumerate(card.get("card_group") or []):
                if isinstance(inner, dict) and inner.get("card_type") == 9:
                    found.append((f"{i}.{j}", inner.get("mblog")))
        return found

    def _post(self, blog: Any, now: datetime) -> list[MentionItem]:
        """The post, and before it the original it reposts (if any)."""
        if not isinstance(blog, dict):
            raise ValueError("card has no mblog object")
        post = self._blog(blog, now)
        original = blog.get("retweeted_status")
        if not isinstance(original, dict):
            return [post]
        original_id = first(original.get("mid"), original.get("id"))
        if original_id is not None:
            post.extra["retweet_of"] = str(original_id)
        if not original.get("user"):
            return [post]  # the original was deleted: only its id is left
        try:
            reposted = self._blog(original, now)
        except (KeyError, TypeError, ValueError):
            return [post]  # an unreadable original does not cost the repost
        reposted.extra["via_repost"] = post.post_id
        return [post, reposted]

    @staticmethod
    def _blog(blog: dict[str, Any], now: datetime) -> MentionItem:
        mid = str(first(blog.get("mid"), blog.get("id")) or "")
        if not mid:
            raise ValueError("no mid or id")
        published = parse_chinese_time(blog.get("created_at"), now)
        if published is None:
            raise ValueError(f"unreadable created_at {blog.get('created_at')!r}")
        text = weibo_text(str(first(blog.get("text"), blog.get("raw_text")) or ""))
        if not text:
            raise ValueError("no text")
        user = _object(blog.get("user"))
        extra = {
            "kind": "post",
            "bid": blog.get("bid"),
            "user_id": str(user["id"]) if user.get("id") is not None else None,
            **author_influence(user),
            "client": blog.get("source") or None,
            "region": blog.get("region_name") or None,
            "truncated": True if blog.get("isLongText") else None,
            "pinned": True if blog.get("isTop") else None,
        }
        return MentionItem(
            platform="weibo",
            post_id=mid,
            text=text,
            url=POST_URL.format(mid),
            author=user.get("screen_name") or None,
            published_at=published,
            likes=_count(blog.get("attitudes_count")),
            reposts=_count(blog.get("reposts_count")),
            comments=_count(blog.get("comments_count")),
            extra={k: v for k, v in extra.items() if v is not None},
        )

    # -- comments ---------------------------------------------------------------------------------------------
    def _comments(self, data: dict[str, Any], now: datetime) -> Page:
        kind = "comments"
        if data.get("ok") == 0 and not isinstance(data.get("data"), dict):
            return Page(kind)  # no (more) comments
        comments = dig(data, "data", "data", kind=kind)
        if not isinstance(comments, list):
            raise ShapeError(kind, "'data.data' is not a list")
        inner = data["data"]
        page = Page(kind, total=to_int(inner.get("total_number")))
        for index, comment in enumerate(comments):
            try:
                top = self._comment(comment, now, parent=None)
            except (KeyError, TypeError, ValueError) as exc:
                page.problems.append(f"comment {index}: {exc}")
                continue
            page.items.append(top)
            replies = comment.get("comments")
            for j, reply in enumerate(replies if isinstance(replies, list) else []):
                try:
                    page.items.append(self._comment(reply, now, parent=top.post_id))
                except (KeyError, TypeError, ValueError) as exc:
                    page.problems.append(f"comment {index} reply {j}: {exc}")
        max_id = to_int(inner.get("max_id"))
        if max_id:
            page.next = {"max_id": max_id, "max_id_type": to_int(inner.get("max_id_type")) or 0}
        return page

    @staticmethod
    def _comment(comment: Any, now: datetime, parent: str | None) -> MentionItem:
        """One comment. Its parent is the comment it replies to (``rootid``); a top-level comment's parent,
        the post, is not in the body: the spider, which asked for that post's comments, fills it in."""
        if not isinstance(comment, dict):
            raise TypeError("comment is not an object")
        if comment.get("id") in (None, ""):
            raise ValueError("no id")
        comment_id = str(comment["id"])
        published = parse_chinese_time(comment.get("created_at"), now)
        if published is None:
            raise ValueError(f"unreadable created_at {comment.get('created_at')!r}")
        text = weibo_text(str(comment.get("text") or ""))
        if not text:
            raise ValueError("no text")
        root = str(comment.get("rootid") or "")
        if parent is None and root and root != comment_id:
            parent = root
        user = _object(comment.get("user"))
        extra = {
            "kind": "comment",
            "user_id": str(user["id"]) if user.get("id") is not None else None,
            **author_influence(user),
            "ip_location": comment.get("source") or None,  # "来自北京"
        }
        return MentionItem(
            platform="weibo",
            post_id=comment_id,
            text=text,
            author=user.get("screen_name") or None,
            published_at=published,
            likes=_count(first(comment.get("like_count"), comment.get("like_counts"))),
            comments=_count(comment.get("total_number")),
            parent_id=parent,
            extra={k: v for k, v in extra.items() if v is not None},
        )


def author_influence(user: dict[str, Any]) -> dict[str, Any]:
    """Followers and the V badge of a post's author, for its reach (index.reach): ``verified_type`` 0 is a
    personal (orange) V, 1-7 an organisation (blue) V, -1 none."""
    if not user:
        return {}
    kind = _count(user.get("verified_type"))
    return {
        "followers": _count(user.get("followers_count")),
        "verified": bool(user.get("verified")) if "verified" in user else None,
        "verified_reason": user.get("verified_reason") or None,
        "account_type": "organization" if user.get("verified") and kind is not None and kind >= 1 else None,
    }
