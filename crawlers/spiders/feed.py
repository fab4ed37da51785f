"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds, read with feedparser.

Each entry becomes one mention:

- ``post_id``: the entry's ``id``/``guid`` as written in the feed, else its link. Feedparser is given the
  bytes only, never the feed URL, so a relative guid is not turned into a URL that would change with the
  address the feed was fetched from.
- ``text``: the entry's content, else its summary, with the HTML stripped; ``title`` and ``author`` likewise.
- ``published_at``: ``published``, else ``updated``, in UTC (feedparser converts the zone).
- ``language``: declared by the entry or the feed, else the source's ``language`` hint.

An entry without id and link, or without text, is a parse error and skipped; so is a response that is not a
feed at all (feedparser found no feed and no entries). A feed with recoverable errors (``bozo``) that still
has entries is read.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
from scrapy.http import Response

from crawlers.items import MentionItem
from crawlers.pipelines.normalize import html_to_text, normalize_line
from crawlers.sources import FeedSource
from crawlers.spiders.base import SourceSpider, guarded

logger = logging.getLogger(__name__)


def _entry_datetime(entry: Any, key: str) -> datetime | None:
    parsed = entry.get(key)
    if not parsed:
        return None
    try:
        # feedparser's struct_time is already UTC.
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _entry_text(entry: Any) -> str:
    """Full content when the feed has it, else the summary; HTML stripped."""
    for content in entry.get("content") or []:
        text = html_to_text(content.get("value") or "")
        if text:
            return text
    return html_to_text(entry.get("summary") or "")


def _count(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


class FeedSpider(SourceSpider):
    """Crawls the ``urls`` of a ``type: feed`` source."""

    source_type = FeedSource
    source: FeedSource

    async def start(self) -> Any:
        for url in self.source.urls:
            yield self.request(url, self.parse_feed, dont_filter=True)

    @guarded("feed")
    def parse_feed(self, response: Response) -> Iterator[MentionItem]:
        self.page_parsed(response)
        yield from self.parse_entries(response.body, response.url, response.headers.get(b"Content-Type"))

    def parse_entries(self, body: bytes, url: str, content_type: bytes | None = None) -> Iterator[MentionItem]:
        """The mentions in a feed document; counts malformed entries and non-feeds as parse errors."""
        headers = {"content-type": content_type.decode("latin-1")} if content_type else {}
        # Bytes, not a str: given a str, feedparser would take it for a URL or a file name and open it.
        parsed = feedparser.parse(body, response_headers=headers)
        if not parsed.entries:
            if parsed.bozo or not parsed.version:
                reason = parsed.get("bozo_exception") or "no RSS or Atom feed found"
                self.parse_error("feed", f"not a feed: {reason}", url)
            return
        if parsed.bozo:
            logger.info("source %s: feed %s has errors, read anyway: %s", self.source.name, url, parsed.bozo_exception)
        feed = parsed.feed
        feed_language = feed.get("language") or None
        feed_title = normalize_line(feed.get("title"))
        for index, entry in enumerate(parsed.entries):
            item = self.entry_item(entry, url, index, feed_language, feed_title)
            if item is not None:
                yield item

    def entry_item(
        self, entry: Any, url: str, index: int, feed_language: str | None, feed_title: str | None
    ) -> MentionItem | None:
        link = (entry.get("link") or "").strip()
        link = urljoin(url, link) if link else ""
        post_id = (entry.get("id") or "").strip() or link
        where = f"entry {index + 1}" + (f" ({post_id})" if post_id else "")
        if not post_id:
            self.parse_error("feed entry", f"{where} has neither an id/guid nor a link", url)
            return None
        text = _entry_text(entry)
        if not text:
            self.parse_error("feed entry", f"{where} has no content or summary", url)
            return None
        author_detail = entry.get("author_detail") or {}
        contents = entry.get("content") or [{}]
        language = contents[0].get("language") or entry.get("language") or feed_language or self.source.language
        extra: dict[str, Any] = {}
        if feed_title:
            extra["feed_title"] = feed_title
        tags = [t.get("term") for t in entry.get("tags") or [] if t.get("term")]
        if tags:
            extra["tags"] = tags
        return MentionItem(
            platform=self.platform,
            post_id=post_id,
            text=text,
            source=self.source.name,
            url=link or None,
            author=author_detail.get("name") or entry.get("author") or None,
            title=normalize_line(html_to_text(entry.get("title") or "")),
            published_at=_entry_datetime(entry, "published_parsed") or _entry_datetime(entry, "updated_parsed"),
            language=language,
            comments=_count(entry.get("slash_comments")),
            extra=extra,
        )
