"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds (``type: feed``), read incrementally.

Parsing is :class:`crawlers.platforms.feed.Feed`'s (``yuqing parse rss FILE`` reads the same way). Each feed
URL has a cursor: a run yields the entries not older than the cursor's cutoff (the backfill on a first run);
undated entries are always yielded and their post id dedupes them.

With ``discover``, the URLs are site pages: each is fetched and the feeds its ``<link rel="alternate">``
tags announce are read (each feed once, however many pages link it).

Feeds are polled often and mostly unchanged, so a feed that sent an ``ETag`` or ``Last-Modified`` is asked
for conditionally next time; a ``304 Not Modified`` answer is a page read with nothing new.

A feed shows only its newest entries (WordPress: 10). When more than that were posted since the last run, the
older ones are on the feed's next pages (RFC 5005 ``rel="next"``, WordPress ``?paged=2``): the spider follows
them until it reaches a post the last run saw first (the cursor keeps the ids at the top of the last run's
first page), a post older than the cursor's cutoff, the feed's last page, or ``crawl.max_pages`` (capped: the
run says so). So a burst between two runs is read whole, and a quiet feed costs one request as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Request, Response

from crawlers.platforms.feed import Feed
from crawlers.sources import FeedSource
from crawlers.spiders.base import guarded
from crawlers.spiders.incremental import IncrementalSpider
from crawlers.state import Cursor

NOT_MODIFIED = 304
#: Cursor state: the post ids at the top of the last complete run's first page (paging stops at any of them).
KNOWN = "known_ids"
#: How many of the first page's ids are kept: the newest may be deleted before the next run.
KNOWN_KEPT = 5
#: HTTP validators kept in a feed's cursor state → the request header that sends each back.
VALIDATORS = {"etag": ("ETag", "If-None-Match"), "last_modified": ("Last-Modified", "If-Modified-Since")}


class FeedSpider(IncrementalSpider):
    """Crawls the ``urls`` of a ``type: feed`` source (or the feeds their pages link, with ``discover``)."""

    source_type = FeedSource
    source: FeedSource
    parser = Feed()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.feeds: set[str] = set()  # feed URLs requested this run
        # feed URL -> what its first page this run leaves in the cursor once the stream is read (ids, validators)
        self.top_ids: dict[str, dict[str, Any]] = {}

    async def start(self) -> Any:
        for url in dict.fromkeys(self.source.urls):
            if self.source.discover:
                yield self.request(url, self.parse_page, dont_filter=True)
            else:
                yield self.feed_request(url)

    def feed_request(self, url: str) -> Request:
        """The request of one feed, conditional when an earlier run kept its validators."""
        self.feeds.add(url)
        state = self.cursor(url).state
        headers = {header: state[name] for name, (_, header) in VALIDATORS.items() if state.get(name)}
        return self.request(
            url,
            self.parse_feed,
            key=url,
            headers=headers,
            cb_kwargs={"key": url},
            meta={"handle_httpstatus_list": [NOT_MODIFIED]},
            dont_filter=True,
        )

    @guarded("site page")
    def parse_page(self, response: Response) -> Iterator[Request]:
        page = self.read(response, "page", url=response.url, content_type=_content_type(response))
        if page is None:
            return
        for feed in page.follow:
            if feed["url"] not in self.feeds:
                yield self.feed_request(feed["url"])

    @guarded("feed")
    def parse_feed(self, response: Response, key: str, page_number: int = 1) -> Iterator[Any]:
        cursor = self.cursor(key)
        if response.status == NOT_MODIFIED:
            self.page_parsed(response)
            self.finish(cursor)
            return
        page = self.read(response, "feed", url=response.url, content_type=_content_type(response))
        if page is None:
            return
        known = set(cursor.state.get(KNOWN) or [])
        reached_known = any(item.post_id in known for item in page.items)
        kept, reached_old = self.keep_new(page.items, cursor)
        yield from kept
        if page_number == 1:
            # Kept aside until the stream is read down to what was seen: after a run that failed on page 3, the
            # next must neither stop at these posts nor be told "304 Not Modified", or pages 2–3 stay unread.
            state: dict[str, Any] = {KNOWN: [item.post_id for item in page.items[:KNOWN_KEPT]]}
            for name, (header, _) in VALIDATORS.items():
                value = response.headers.get(header)
                state[name] = value.decode("latin-1") if value else None
            self.top_ids[key] = state
        older = (page.next or {}).get("url")
        if older and not reached_known and not reached_old:
            # (A first run knows no ids: it pages back to the backfill cutoff, like any stream.)
            if self.page_budget_left(page_number, cursor):
                yield self.request(
                    older,
                    self.parse_feed,
                    key=key,
                    cb_kwargs={"key": key, "page_number": page_number + 1},
                    dont_filter=True,
                )
                return
            self.remember_top(cursor)  # capped: the cursor advances anyway (the run is reported degraded)
            return
        self.finish(cursor)

    def finish(self, cursor: Cursor) -> None:
        super().finish(cursor)
        self.remember_top(cursor)

    def remember_top(self, cursor: Cursor) -> None:
        """The stream ended (read down to what was seen, or capped): its first page's top ids are the stop
        mark of the next run, and its validators make the next request conditional."""
        for name, value in self.top_ids.pop(cursor.key, {}).items():
            if value:
                cursor.state[name] = value
            else:
                cursor.state.pop(name, None)


def _content_type(response: Response) -> str | None:
    value = response.headers.get(b"Content-Type")
    return value.decode("latin-1") if value else None
