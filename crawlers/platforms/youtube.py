"""YouTube: a channel's video feed and the Data API's comment threads.

Kinds:

- ``feed``: the Atom feed ``youtube.com/feeds/videos.xml?channel_id=`` (the latest 15 videos, newest first).
  Each entry is a video (``yt:videoId``, title, ``media:description``, views); all are offered in
  :attr:`Page.follow` as ``{"video_id", "published_at"}`` so the spider can fetch their comments.
- ``comments``: a ``youtube#commentThreadListResponse`` of ``commentThreads.list`` (``part=snippet,replies``,
  ``order=time``: newest thread first; ``nextPageToken`` pages). A thread's top-level comment has the video
  as its parent; the replies the API includes (a few per thread; the rest need ``comments.list``, not read
  here) have their ``parentId``, the top-level comment. A video's post id is its video id, so comments and
  videos link up.

Both kinds are checked on real captures (a 2022 commentThreads answer, a 2023 channel feed). The comment URL
``watch?v={video}&lc={comment}`` is the form YouTube's own "link to comment" uses; it is not verified here.

An error answer (``{"error": {"code", "message", "errors": [{"reason"}], "details": [{"reason"}]}}``) is read by
:func:`api_error`: a refused or unusable key is :class:`CredentialsRejected`, anything else (quota, comments
disabled) a :class:`ShapeError` saying what Google said.

The InnerTube ``next`` continuation (a 2026 capture through the TikHub proxy) is deliberately not a kind: it
is undocumented, changes with YouTube's web client, and the only capture came through a paid third-party
proxy; the Data API gives the same comments officially, for one quota unit a page.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser

from crawlers.items import MentionItem
from crawlers.pipelines.normalize import html_to_text
from crawlers.platforms.base import (
    CredentialsRejected,
    Page,
    Platform,
    ShapeError,
    dig,
    load_json,
    looks_like,
    to_int,
)

WATCH_URL = "https://www.youtube.com/watch?v={}"
COMMENT_URL = "https://www.youtube.com/watch?v={}&lc={}"
THREADS_KIND = "youtube#commentThreadListResponse"

#: Error reasons meaning the key itself is refused or cannot use the API: a person must fix the key.
#: ``errors[].reason`` of the Data API, and ``details[].reason`` of Google's newer ErrorInfo.
CREDENTIAL_REASONS = frozenset(
    {
        "keyInvalid",
        "keyExpired",
        "forbidden",
        "accessNotConfigured",
        "ipRefererBlocked",
        "API_KEY_INVALID",
        "API_KEY_EXPIRED",
        "API_KEY_SERVICE_BLOCKED",
        "API_KEY_HTTP_REFERRER_BLOCKED",
        "API_KEY_IP_ADDRESS_BLOCKED",
        "SERVICE_DISABLED",
    }
)
#: The project's daily quota is spent: every further call fails the same way until it resets.
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
#: The video's owner turned comments off: nothing to read there, nothing wrong with the source.
COMMENTS_DISABLED = "commentsDisabled"


@dataclass(frozen=True)
class ApiError:
    """What a Data API error answer says."""

    code: int | None
    reasons: tuple[str, ...]
    message: str

    @property
    def credentials(self) -> bool:
        return any(reason in CREDENTIAL_REASONS for reason in self.reasons)

    @property
    def quota(self) -> bool:
        return any(reason in QUOTA_REASONS for reason in self.reasons)

    @property
    def comments_disabled(self) -> bool:
        return COMMENTS_DISABLED in self.reasons

    def __str__(self) -> str:
        reasons = "/".join(self.reasons) or "no reason given"
        return f"HTTP {self.code} {reasons}: {self.message}".strip()


def api_error(body: bytes) -> ApiError | None:
    """The error a Data API answer carries, or ``None`` when it is not an error answer."""
    if not body.lstrip().startswith(b"{"):
        return None
    try:
        return _error_of(load_json(body, "comments"))
    except ShapeError:
        return None


def _error_of(data: Any) -> ApiError | None:
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return None
    reasons = [e.get("reason") for e in error.get("errors") or [] if isinstance(e, dict)]
    reasons += [d.get("reason") for d in error.get("details") or [] if isinstance(d, dict)]
    return ApiError(
        code=to_int(error.get("code")),
        reasons=tuple(dict.fromkeys(str(r) for r in reasons if r)),
        message=html_to_text(str(error.get("message") or "")),
    )


def iso_time(value: Any) -> datetime | None:
    """A UTC datetime from the API's RFC 3339 times (``2022-12-17T04:19:11Z``)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _struct_to_utc(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)  # feedparser's struct_time is UTC
    except (OverflowError, TypeError, ValueError):
        return None


class YouTube(Platform):
    name = "youtube"
    kinds = ("comments", "feed")

    def detect(self, body: bytes) -> str:
        if body.lstrip()[:1] in (b"{", b"["):
            self._threads(body, "comments")
            return "comments"
        if looks_like(body, [b"http://www.youtube.com/xml/schemas/2015", b"<yt:videoId"]):
            return "feed"
        raise ShapeError("comments", "neither a commentThreads answer nor a YouTube channel feed")

    def parse(self, kind: str, body: bytes, *, now: datetime | None = None, source: str = "") -> Page:
        self._check_kind(kind)
        if kind == "feed":
            return self._feed(body)
        data = self._threads(body, kind)
        page = Page(kind)
        for index, thread in enumerate(data["items"]):
            try:
                page.items.extend(self._thread(thread))
            except (KeyError, TypeError, ValueError) as exc:
                page.problems.append(f"thread {index}: {_problem(exc)}")
        token = data.get("nextPageToken")
        if token:
            page.next = {"pageToken": str(token)}
        return page

    # -- comments -------------------------------------------------------------------------------------------
    @staticmethod
    def _threads(body: bytes, kind: str) -> dict[str, Any]:
        data = load_json(body, kind)
        error = _error_of(data)
        if error is not None:
            if error.credentials:
                raise CredentialsRejected(kind, f"the Data API refused the key ({error})")
            raise ShapeError(kind, f"the Data API answered an error ({error})")
        if not isinstance(data, dict) or data.get("kind") != THREADS_KIND:
            got = data.get("kind") if isinstance(data, dict) else type(data).__name__
            raise ShapeError(kind, f"not a {THREADS_KIND} (kind {got!r})")
        if not isinstance(dig(data, "items", kind=kind), list):
            raise ShapeError(kind, "'items' is not a list")
        return data

    def _thread(self, thread: dict[str, Any]) -> list[MentionItem]:
        snippet = thread["snippet"]
        video = str(snippet["videoId"])
        top_level = snippet["topLevelComment"]
        items = []
        top = self._comment(top_level, video, parent=video)
        if top is not None:
            top.comments = to_int(snippet.get("totalReplyCount"))
            items.append(top)
        for reply in dig(thread, "replies", "comments", kind="comments", required=False) or []:
            parent = str(reply["snippet"].get("parentId") or top_level["id"])
            comment = self._comment(reply, video, parent=parent)
            if comment is not None:
                items.append(comment)
        return items

    @staticmethod
    def _comment(comment: dict[str, Any], video: str, parent: str) -> MentionItem | None:
        """A comment, or ``None`` when it has no text (only a custom emoji or sticker, as in the real
        capture): nothing to read, but nothing malformed either."""
        comment_id = str(comment["id"])
        snippet = comment["snippet"]
        # textOriginal is what the author wrote; textDisplay is HTML (or plain with textFormat=plainText).
        text = (snippet.get("textOriginal") or "").strip() or html_to_text(snippet.get("textDisplay") or "")
        if not text:
            return None
        published = iso_time(snippet.get("publishedAt"))
        updated = iso_time(snippet.get("updatedAt"))
        extra: dict[str, Any] = {
            "kind": "comment" if parent == video else "reply",
            "video_id": video,
            "author_channel_id": dig(snippet, "authorChannelId", "value", kind="comments", required=False),
        }
        if updated and published and updated > published:
            extra["edited_at"] = updated.isoformat()
        return MentionItem(
            platform="youtube",
            post_id=comment_id,
            text=text,
            url=COMMENT_URL.format(video, comment_id),
            author=snippet.get("authorDisplayName") or None,
            published_at=published,
            likes=to_int(snippet.get("likeCount")),
            parent_id=parent,
            extra={k: v for k, v in extra.items() if v not in (None, "")},
        )

    # -- channel feed ---------------------------------------------------------------------------------------
    @staticmethod
    def _feed(body: bytes) -> Page:
        # Bytes, never a str: given a str, feedparser would take it for a URL or a file name and open it.
        parsed = feedparser.parse(body)
        if not (parsed.get("version") or "").startswith("atom"):
            raise ShapeError("feed", "not an Atom feed (a YouTube channel feed is Atom)")
        page = Page("feed", total=len(parsed.entries))
        for index, entry in enumerate(parsed.entries):
            video = entry.get("yt_videoid")
            if not video:
                page.problems.append(f"entry {index}: no yt:videoId")
                continue
            published = _struct_to_utc(entry.get("published_parsed") or entry.get("updated_parsed"))
            title = (entry.get("title") or "").strip()
            description = html_to_text(entry.get("summary") or "")
            extra = {
                "kind": "video",
                "channel_id": entry.get("yt_channelid"),
                "views": to_int((entry.get("media_statistics") or {}).get("views")),
            }
            page.items.append(
                MentionItem(
                    platform="youtube",
                    post_id=str(video),
                    text=description or title,
                    url=entry.get("link") or WATCH_URL.format(video),
                    author=entry.get("author") or None,
                    title=title or None,
                    published_at=published,
                    extra={k: v for k, v in extra.items() if v is not None},
                )
            )
            page.follow.append({"video_id": str(video), "published_at": published})
        return page


def _problem(exc: Exception) -> str:
    """What was wrong with an item: a ``KeyError`` says only the key."""
    return f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
