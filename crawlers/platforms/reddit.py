"""Reddit through its OAuth API (``oauth.reddit.com``), read with ``raw_json=1``.

Kinds:

- ``search``: a ``Listing`` (``{"kind": "Listing", "data": {"children": [...], "after": ...}}``) of posts
  (``t3``) from ``/search`` or ``/r/{sub}/search``. ``after`` is the paging cursor. Each post with comments
  is offered in :attr:`Page.follow` as ``{"article": id36, "post": fullname}``; the spider decides which to
  fetch.
- ``comments``: the two listings ``/comments/{article}`` answers, ``[post, comment tree]``. Comments
  (``t1``) are flattened depth-first, each keeping its ``parent_id`` (the post's or a comment's fullname).
  ``more`` placeholders (the rest of a long thread) are not followed.

Identity: the fullname (``t3_…``, ``t1_…``), which is what a comment's ``parent_id`` names, so a thread can be
rebuilt from stored mentions. Times are ``created_utc`` (epoch seconds, UTC).

The search listing is checked on a real capture (PRAW's cassette, recorded 2016). No real ``/comments``
answer was found; its reading follows the listing format and the field names PRAW and the API
documentation use (``body``, ``parent_id``, ``link_id``, ``replies``), not a capture.

:func:`read_token` reads the answer of the application-only token request; a token is not a mention, so it
is not a kind.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from crawlers.items import MentionItem
from crawlers.platforms.base import (
    CredentialsRejected,
    Page,
    Platform,
    ShapeError,
    dig,
    epoch,
    load_json,
    to_int,
)

SITE = "https://www.reddit.com"
#: What Reddit writes in place of a body or author that is gone.
GONE = frozenset({"[deleted]", "[removed]"})


def read_token(body: bytes) -> str:
    """The bearer token of a ``grant_type=client_credentials`` answer.

    ``{"error": ...}`` (Reddit answers ``invalid_grant`` and the like with 200, and 401 as
    ``{"message": "Unauthorized", "error": 401}``) is :class:`CredentialsRejected`; anything else without a
    token is a :class:`ShapeError`. Neither message quotes the body, which may hold a secret.
    """
    try:
        data = load_json(body, "token")
    except ShapeError:
        raise ShapeError("token", "the token answer is not JSON") from None  # load_json would quote it
    if not isinstance(data, dict):
        raise ShapeError("token", "the token answer is not a JSON object")
    token = data.get("access_token")
    if isinstance(token, str) and token:
        return token
    if "error" in data:
        raise CredentialsRejected("token", f"Reddit refused the app credentials: {data.get('error')}")
    raise ShapeError("token", "no access_token in the token answer")


def _refused(data: Any, kind: str) -> None:
    """Raise for an error answer: ``{"message": "Unauthorized", "error": 401}`` means refused credentials;
    others (403 for a private subreddit, 429, 5xx) are not about the credentials."""
    if isinstance(data, dict) and "error" in data and "data" not in data:
        error, message = data.get("error"), data.get("message") or ""
        if str(error) == "401":
            raise CredentialsRejected(kind, f"HTTP 401 {message}".strip())
        raise ShapeError(kind, f"Reddit answered an error: {error} {message}".strip())


def _is_listing(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and data.get("kind") == "Listing"
        and isinstance(dig(data, "data", "children", kind="listing", required=False), list)
    )


def _kind_of(child: Any) -> str:
    return f"kind {child.get('kind')!r}" if isinstance(child, dict) else f"a {type(child).__name__}"


def _permalink(path: str | None) -> str | None:
    """The absolute URL of a permalink, without the ``?ref=search_posts`` a search adds."""
    if not path:
        return None
    path = path.split("?", 1)[0]
    return path if path.startswith("http") else SITE + path


def comment_permalink(comment: dict[str, Any], post: dict[str, Any]) -> str | None:
    """A comment's own page when the answer leaves ``permalink`` out: the post's permalink plus the comment id
    (``/r/{sub}/comments/{article}/{slug}/{id}/``, the form Reddit's "share" link has), or, without the post's,
    the same path with ``_`` for the slug, which Reddit resolves the same way."""
    comment_id = comment.get("id") or str(comment.get("name") or "").removeprefix("t1_")
    if not comment_id:
        return None
    post_link = _permalink(post.get("permalink"))
    if post_link:
        return f"{post_link.rstrip('/')}/{comment_id}/"
    article = str(comment.get("link_id") or post.get("name") or "").removeprefix("t3_")
    subreddit = comment.get("subreddit") or post.get("subreddit")
    if not article or not subreddit:
        return None
    return f"{SITE}/r/{subreddit}/comments/{article}/_/{comment_id}/"


class Reddit(Platform):
    name = "reddit"
    kinds = ("search", "comments")

    def detect(self, body: bytes) -> str:
        data = load_json(body, "search")
        _refused(data, "search")
        if _is_listing(data):
            return "search"
        if isinstance(data, list) and len(data) == 2 and all(_is_listing(part) for part in data):
            return "comments"
        raise ShapeError("search", "neither a Listing nor a [post, comments] pair of Listings")

    def parse(self, kind: str, body: bytes, *, now: datetime | None = None, source: str = "") -> Page:
        self._check_kind(kind)
        data = load_json(body, kind)
        _refused(data, kind)
        if kind == "search":
            return self._search(data)
        return self._comments(data)

    def _search(self, data: Any) -> Page:
        if not _is_listing(data):
            raise ShapeError("search", "not a Listing ({kind: Listing, data: {children: [...]}})")
        listing = data["data"]
        page = Page("search")
        for index, child in enumerate(listing["children"]):
            try:
                if not isinstance(child, dict) or child.get("kind") != "t3":
                    raise ValueError(f"{_kind_of(child)} is not a post (t3)")
                item = self._post(child["data"])
            except (KeyError, TypeError, ValueError) as exc:
                page.problems.append(f"child {index}: {_problem(exc)}")
                continue
            page.items.append(item)
            if item.comments:
                page.follow.append({"article": item.post_id.removeprefix("t3_"), "post": item.post_id})
        after = listing.get("after")
        if after:
            page.next = {"after": str(after)}
        return page

    def _comments(self, data: Any) -> Page:
        if not (isinstance(data, list) and len(data) == 2 and all(_is_listing(part) for part in data)):
            raise ShapeError("comments", "not a [post, comments] pair of Listings")
        posts = data[0]["data"]["children"]
        post = posts[0].get("data", {}) if posts and isinstance(posts[0], dict) else {}
        page = Page("comments")
        for path, child in _walk(data[1]["data"]["children"]):
            try:
                if not isinstance(child, dict) or child.get("kind") != "t1":
                    raise ValueError(f"{_kind_of(child)} is not a comment (t1)")
                item = self._comment(child["data"], post)
            except (KeyError, TypeError, ValueError) as exc:
                page.problems.append(f"comment {path}: {_problem(exc)}")
                continue
            if item is not None:
                page.items.append(item)
        page.total = to_int(post.get("num_comments"))
        return page

    @staticmethod
    def _post(post: dict[str, Any]) -> MentionItem:
        name = post.get("name") or (f"t3_{post['id']}" if post.get("id") else None)
        if not name:
            raise ValueError("no name or id")
        title = (post.get("title") or "").strip()
        selftext = (post.get("selftext") or "").strip()
        # A link post has no text of its own: its title is what it says.
        text = title if selftext in GONE else selftext or title
        if not text:
            raise ValueError("no title or text")
        author = post.get("author")
        extra: dict[str, Any] = {"kind": "post", "subreddit": post.get("subreddit")}
        if not post.get("is_self") and post.get("url"):
            extra["link"] = post["url"]
        if post.get("over_18"):
            extra["over_18"] = True
        return MentionItem(
            platform="reddit",
            post_id=str(name),
            text=text,
            url=_permalink(post.get("permalink")),
            author=None if author in GONE else author,
            title=title or None,
            published_at=epoch(post.get("created_utc")),
            likes=to_int(post.get("score")),
            comments=to_int(post.get("num_comments")),
            extra={k: v for k, v in extra.items() if v not in (None, "")},
        )

    @staticmethod
    def _comment(comment: dict[str, Any], post: dict[str, Any]) -> MentionItem | None:
        """A comment, or ``None`` for one deleted or removed (nothing left to read; not an error)."""
        name = comment.get("name") or (f"t1_{comment['id']}" if comment.get("id") else None)
        if not name:
            raise ValueError("no name or id")
        body = (comment.get("body") or "").strip()
        if body in GONE:
            return None
        if not body:
            raise ValueError("no body")
        parent = comment.get("parent_id")
        if not parent:
            raise ValueError("no parent_id")
        author = comment.get("author")
        extra = {
            "kind": "comment",
            "link_id": comment.get("link_id") or post.get("name"),
            "subreddit": comment.get("subreddit") or post.get("subreddit"),
            "post_title": post.get("title"),
        }
        return MentionItem(
            platform="reddit",
            post_id=str(name),
            text=body,
            url=_permalink(comment.get("permalink")) or comment_permalink(comment, post),
            author=None if author in GONE else author,
            published_at=epoch(comment.get("created_utc")),
            likes=to_int(comment.get("score")),
            parent_id=str(parent),
            extra={k: v for k, v in extra.items() if v not in (None, "")},
        )


def _walk(children: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """The comment tree depth-first: each child but ``more`` placeholders (the rest of a long thread, behind
    ``/api/morechildren``), with its position ("0.2.1") for error messages."""
    if not isinstance(children, list):
        return
    for index, child in enumerate(children):
        if isinstance(child, dict) and child.get("kind") == "more":
            continue
        here = f"{prefix}{index}"
        yield here, child
        replies = dig(child, "data", "replies", kind="comments", required=False)
        if isinstance(replies, dict):
            yield from _walk(dig(replies, "data", "children", kind="comments", required=False), here + ".")


def _problem(exc: Exception) -> str:
    """What was wrong with an item: a ``KeyError`` says only the key."""
    return f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
