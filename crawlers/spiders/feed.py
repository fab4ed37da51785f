"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds (``type: feed``), read incrementally.

Parsing is :class:`crawlers.platforms.feed.Feed`'s (``yuqing parse rss FILE`` reads the same way). Each feed
URL has a cursor: a run yields the entries not older than the cursor's cutoff (the backfill on a first run);
undated entries are always yielded and their post id dedupes them.

With ``discover``, the URLs are site pages: each is fetched and the feeds its ``<link rel="alternate">``
tags announce are read (each feed once, however many pages link it).

Feeds are polled often and mostly unchanged, so a feed that sent an ``ETag`` or ``Last-Modified`` is asked
for conditionally next time; a ``304 Not Modified`` answer is a page read with nothing new.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Request, Response

from crawlers.items import MentionItem
from crawlers.platforms.feed import Feed
from crawlers.sources import FeedSource
from crawlers.spiders.base import guarded
from crawlers.spiders.incremental import IncrementalSpider

NOT_MODIFIED = 304
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
    def parse_feed(self, response: Response, key: str) -> Iterator[MentionItem]:
        cursor = self.cursor(key)
        if response.status == NOT_MODIFIED:
            self.page_parsed(response)
            self.finish(cursor)
            return
        page = self.read(response, "feed", url=response.url, content_type=_content_type(response))
        if page is None:
            return
        kept, _ = self.keep_new(page.items, cursor)
        yield from kept
        for name, (header, _) in VALIDATORS.items():
            value = response.headers.get(header)
            if value:
                cursor.state[name] = value.decode("latin-1")
            else:
                cursor.state.pop(name, None)
        self.finish(cursor)


def _content_type(response: Response) -> str | None:
    value = response.headers.get(b"Content-Type")
    return value.decode("latin-1") if value else None
