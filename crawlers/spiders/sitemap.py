"""Articles listed in sitemaps (``type: sitemap``), news sitemaps included, read incrementally.

Each configured URL is one stream with its own cursor:

1. a site root (a URL without a path) is read through its robots.txt ``Sitemap:`` lines (Scrapy's
   ``sitemap_urls_from_robots``); a robots.txt without any, or none at all, falls back to ``/sitemap.xml``.
   Any other URL is a sitemap or sitemap index, plain or gzipped.
2. Sitemap indexes are followed to their children, newest ``lastmod`` first, skipping children whose
   ``lastmod`` is older than the cursor's cutoff (nothing in them can be newer), at most ``max_pages``
   sitemap documents per stream.
3. When every sitemap is read (Scrapy's ``spider_idle``), the stream's entries matching ``url_pattern`` and
   not older than the cutoff (by news ``publication_date``, else ``lastmod``; undated entries always
   qualify) are fetched newest first, at most ``max_articles`` of them. If more dated entries qualified, the
   stream is reported capped: the cursor still advances past them.
4. Each article page is read with the source's ``fields`` selectors, or generically
   (:class:`crawlers.platforms.sitemap.Sitemap`, kind ``article``); what the page does not say (title, date,
   language) is taken from the sitemap entry.

A sitemap whose structure is wrong (not XML, malformed, an HTML page) is a shape error: counted, sampled,
and the stream keeps its cursor, as it does when any of its requests fails for good. Article pages refused
by robots.txt are counted by the robots middleware and do not hold the cursor back.

Assumption (no live site at hand): a site that lists articles without any date is re-read up to
``max_articles`` pages per run, because nothing tells new from old; their post ids dedupe them.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlparse
from zoneinfo import ZoneInfo

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response, TextResponse
from scrapy.utils.sitemap import sitemap_urls_from_robots

from crawlers.items import MentionItem
from crawlers.platforms.base import ShapeError
from crawlers.platforms.sitemap import Sitemap, complete_from_entry
from crawlers.sources import SitemapSource
from crawlers.spiders.base import guarded
from crawlers.spiders.html import FieldReader, page_language
from crawlers.spiders.incremental import IncrementalSpider

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: robots.txt answers that mean "no robots.txt here": fall back to /sitemap.xml instead of failing.
NO_ROBOTS = [404, 410]


def is_site_root(url: str) -> bool:
    """Whether ``url`` names a site rather than a sitemap: no path (or ``/``) and no query."""
    parts = urlparse(url)
    return parts.path in ("", "/") and not parts.query


def entry_time(entry: dict[str, Any]) -> datetime | None:
    """When a sitemap entry was published: the news publication date, else its ``lastmod``."""
    when: datetime | None = entry.get("published") or entry.get("lastmod")
    return when


class SitemapSpider(IncrementalSpider):
    """Crawls the sitemaps of a ``type: sitemap`` source and the articles they list (see the module)."""

    source_type = SitemapSource
    source: SitemapSource
    parser = Sitemap()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.zone = ZoneInfo(self.source.timezone)
        self.pattern = re.compile(self.source.url_pattern) if self.source.url_pattern else None
        self.reader = (
            FieldReader(
                self.source.fields,
                zone=self.zone,
                date_format=self.source.date_format,
                platform=self.platform,
                source=self.source.name,
            )
            if self.source.fields
            else None
        )
        self.streams = list(dict.fromkeys(self.source.urls))
        self.sitemaps: set[str] = set()  # sitemap URLs requested, for every stream (an index may repeat one)
        self.sitemaps_per_stream: Counter[str] = Counter()
        self.entries: dict[str, dict[str, dict[str, Any]]] = {}  # stream → article URL → its sitemap entry
        self.articles: set[str] = set()  # article URLs requested
        self.selected = False  # the articles were chosen (after every sitemap was read)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._choose_articles, signal=signals.spider_idle)
        return spider

    async def start(self) -> Any:
        for key in self.streams:
            if is_site_root(key):
                yield self.request(
                    urljoin(key, "/robots.txt"),
                    self.parse_robots,
                    key=key,
                    cb_kwargs={"key": key},
                    meta={"handle_httpstatus_list": NO_ROBOTS},
                    dont_filter=True,
                )
            elif (request := self.sitemap_request(key, key)) is not None:
                yield request

    # -- sitemaps --------------------------------------------------------------------------------------------
    def sitemap_request(self, url: str, key: str) -> Request | None:
        """The request of one sitemap of a stream; ``None`` when already requested or over ``max_pages``."""
        cursor = self.cursor(key)
        if url in self.sitemaps or cursor.capped:
            return None
        if not self.page_budget_left(self.sitemaps_per_stream[key], cursor):
            return None
        self.sitemaps.add(url)
        self.sitemaps_per_stream[key] += 1
        return self.request(url, self.parse_sitemap, key=key, cb_kwargs={"key": key}, dont_filter=True)

    @guarded("robots.txt")
    def parse_robots(self, response: Response, key: str) -> Iterator[Request]:
        self.page_parsed(response)
        urls = list(sitemap_urls_from_robots(response.body, base_url=response.url)) if response.status < 400 else []
        if not urls:
            urls = [urljoin(response.url, "/sitemap.xml")]
            logger.info("source %s: %s lists no sitemap; trying %s", self.source.name, response.url, urls[0])
        for url in urls:
            if (request := self.sitemap_request(url, key)) is not None:
                yield request

    @guarded("sitemap")
    def parse_sitemap(self, response: Response, key: str) -> Iterator[Request]:
        try:
            kind = self.parser.detect(response.body)
            if kind == "article":
                raise ShapeError("sitemap", "an HTML page where a sitemap was expected")
        except ShapeError as exc:
            self.page_parsed(response)
            self.shape_error("sitemap", response, exc.reason)
            self.failed.add(key)
            return
        page = self.read(response, kind, url=response.url, zone=self.zone)
        if page is None:
            self.failed.add(key)
            return
        if kind == "urlset":
            entries = self.entries.setdefault(key, {})
            for entry in page.follow:
                if self.pattern is None or self.pattern.search(entry["url"]):
                    entries.setdefault(entry["url"], entry)
            return
        cutoff = self.cutoff(self.cursor(key))
        dated = sorted((c for c in page.follow if c["lastmod"]), key=lambda c: c["lastmod"], reverse=True)
        for child in dated + [c for c in page.follow if not c["lastmod"]]:
            if child["lastmod"] is not None and child["lastmod"] < cutoff:
                continue  # unchanged since before the cutoff: nothing in it is new
            if (request := self.sitemap_request(child["url"], key)) is not None:
                yield request

    # -- articles --------------------------------------------------------------------------------------------
    def _choose_articles(self, spider: Any) -> None:
        """At the first ``spider_idle`` (every sitemap read): request each stream's newest articles."""
        if spider is not self or self.selected:
            return
        self.selected = True
        requests = [request for key in self.streams for request in self.choose(key)]
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider

    def choose(self, key: str) -> list[Request]:
        """The article requests of one stream (see the module docstring, step 3)."""
        cursor = self.cursor(key)
        cutoff = self.cutoff(cursor)
        fresh = [
            entry
            for url, entry in self.entries.get(key, {}).items()
            if url not in self.articles and ((when := entry_time(entry)) is None or when >= cutoff)
        ]
        dated = [entry for entry in fresh if entry_time(entry) is not None]
        dated.sort(key=lambda entry: entry_time(entry) or cutoff, reverse=True)
        chosen = (dated + [e for e in fresh if not entry_time(e)])[: self.source.max_articles]
        if len(dated) > self.source.max_articles and not cursor.capped:
            self.cap(cursor, f"max_articles={self.source.max_articles}", "max_articles")
        elif len(fresh) > len(chosen):
            logger.info(
                "source %s: %d undated entries of %s left for later runs (max_articles=%d)",
                self.source.name,
                len(fresh) - len(chosen),
                key,
                self.source.max_articles,
            )
        self.finish(cursor)
        requests = []
        for entry in chosen:
            cursor.saw(entry_time(entry))
            self.articles.add(entry["url"])
            requests.append(
                self.request(entry["url"], self.parse_article, key=key, cb_kwargs={"entry": entry}, dont_filter=True)
            )
        return requests

    @guarded("article page")
    def parse_article(self, response: Response, entry: dict[str, Any]) -> Iterator[MentionItem]:
        if self.reader is None:
            content_type = response.headers.get(b"Content-Type")
            page = self.read(
                response,
                "article",
                url=entry["url"],
                content_type=content_type.decode("latin-1") if content_type else None,
                zone=self.zone,
                entry=entry,
            )
            if page is not None:
                yield from page.items
            return
        self.page_parsed(response)
        if not isinstance(response, TextResponse):
            self.shape_error("article", response, f"not an HTML page ({response.headers.get(b'Content-Type')!r})")
            return
        item, problems = self.reader.read(
            response.selector, response, detail_url=entry["url"], language=page_language(response, None)
        )
        for problem in problems:
            self.parse_error("article page", problem, response.url)
        if item is not None:
            complete_from_entry(item, entry)
            item.language = item.language or self.source.language
            yield item
