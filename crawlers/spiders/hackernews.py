"""Hacker News through Algolia: newest first, only what is newer than the cursor (``created_at_i>``); with
``threads``, the whole comment thread (``/api/v1/items/{id}``, nested ``children``) of each new story that names a
brand."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Request, Response

from crawlers.platforms.hackernews import HackerNews
from crawlers.sources import HackerNewsSource
from crawlers.spiders.base import guarded
from crawlers.spiders.platform import PlatformSpider, thread_context


class HackerNewsSpider(PlatformSpider):
    """One query per search word (full text) and per domain (stories linking to it)."""

    source_type = HackerNewsSource
    source: HackerNewsSource
    parser = HackerNews()

    def first_requests(self) -> Iterable[Request]:
        tags = ",".join(self.source.tags)
        for word in self.search_words():
            yield self.search(f"q:{word}", {"query": word, "tags": f"({tags})"}, 0)
        for domain in self.source.domains:
            yield self.search(
                f"domain:{domain}", {"query": domain, "restrictSearchableAttributes": "url", "tags": "story"}, 0
            )

    def search(self, key: str, params: dict[str, str], page: int) -> Request:
        # The API filters by time itself, so a later run asks only for what is newer than its cursor.
        since = int(self.cursor(key).cutoff(self.started, self.source.backfill).timestamp())
        query = {
            **params,
            "numericFilters": f"created_at_i>{since}",
            "page": page,
            "hitsPerPage": self.source.hits_per_page,
        }
        url = f"{self.source.api_base()}/api/v1/search_by_date?{urlencode(query)}"
        return self.request(
            url, self.parse_search, cb_kwargs={"key": key, "params": params, "page": page}, dont_filter=True
        )

    @guarded("search page")
    def parse_search(self, response: Response, key: str, params: dict[str, str], page: int) -> Iterator[Any]:
        result = self.read(response, "search")
        if result is None:
            return
        cursor = self.cursor(key)
        kept, reached_old = self.keep_new(result.items, cursor)
        for item in kept:
            yield item
            if (
                self.source.threads
                and item.extra.get("kind") == "story"
                and item.comments
                and self.mentions_brand(item)
            ):
                yield self.request(
                    f"{self.source.api_base()}/api/v1/items/{item.post_id}",
                    self.parse_thread,
                    cb_kwargs={"story": item.post_id, "context": thread_context(item)},
                )
        if result.next is None or reached_old or not result.items:
            self.finish(cursor)
        elif self.page_budget_left(page + 1, cursor):
            yield self.search(key, params, page + 1)

    @guarded("thread")
    def parse_thread(self, response: Response, story: str, context: str) -> Iterator[Any]:
        result = self.read(response, "item")
        if result is None:
            return
        for item in result.items:
            if item.post_id != story:  # the story itself came with the search
                item.context = context
                yield item
