"""Zhihu general search and the comments of matched answers and articles (signed; see
:mod:`crawlers.spiders.signed`: the signing service adds ``x-zse-93``/``x-zse-96`` headers).

Unverified against a real answer (no capture exists; see :mod:`crawlers.platforms.zhihu`).

1. Per search word, ``GET {base}/api/v4/search_v3?t=general&q=&correction=1&offset=0&limit=20``, following
   ``paging.next`` until answers already seen, the backfill horizon, the end or ``max_pages``. Search is ordered
   by relevance, so a query ends at the first page with nothing new rather than at the first old answer.
2. For each new answer or article that names a brand and has comments,
   ``GET {base}/api/v4/comment_v5/{answers|articles}/{id}/root_comment?order_by=ts&limit=20``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

from scrapy.http import Request, Response

from crawlers.platforms.zhihu import Zhihu
from crawlers.sources.zhihu import ZhihuSource
from crawlers.spiders.base import guarded
from crawlers.spiders.platform import thread_context
from crawlers.spiders.signed import SignedSpider

SITE = "https://www.zhihu.com"


class ZhihuSpider(SignedSpider):
    source_type = ZhihuSource
    source: ZhihuSource
    parser = Zhihu()

    def first_requests(self) -> Iterable[Request]:
        for word in self.search_words():
            query = {"t": "general", "q": word, "correction": 1, "offset": 0, "limit": 20}
            yield self.search(f"{self.source.api_base()}/api/v4/search_v3?{urlencode(query)}", word, 1)

    def search(self, url: str, word: str, page: int) -> Request:
        return self.api(
            url,
            self.parse_search,
            headers={"Referer": f"{SITE}/search?type=content&q={word}", "x-requested-with": "fetch"},
            key=f"q:{word}",
            cb_kwargs={"word": word, "page": page},
        )

    @guarded("search page")
    def parse_search(self, response: Response, word: str, page: int) -> Iterator[Any]:
        result = self.read_signed(response, "search")
        if result is None:
            return
        cursor = self.cursor(f"q:{word}")
        kept, _ = self.keep_new(result.items, cursor)
        by_id = {item.post_id: item for item in kept}
        yield from kept
        for follow in result.follow:
            item = by_id.get(f"{follow['type'][:-1]}:{follow['id']}")
            wanted = self.source.comments and self.source.comment_pages
            if item is not None and wanted and self.is_new(item, cursor) and self.mentions_brand(item):
                path = f"/api/v4/comment_v5/{follow['type']}/{follow['id']}/root_comment?order_by=ts&limit=20"
                yield self.api(
                    f"{self.source.api_base()}{path}",
                    self.parse_comments,
                    cb_kwargs={"post": item.post_id, "url": item.url, "context": thread_context(item), "page": 1},
                )
        # Relevance order: a page with nothing new (refreshed posts aside) ends the query.
        if result.next is None or not any(self.is_new(item, cursor) for item in kept):
            self.finish(cursor)
        elif self.page_budget_left(page, cursor):
            yield self.search(self._same_host(result.next["url"]), word, page + 1)

    @guarded("comments page")
    def parse_comments(self, response: Response, post: str, url: str | None, context: str, page: int) -> Iterator[Any]:
        result = self.read_signed(response, "comments")
        if result is None:
            return
        for item in result.items:
            item.parent_id = item.parent_id or post
            item.url = item.url or url  # comments have no page of their own
            item.context = context
            yield item
        if result.next is not None and page < self.source.comment_pages:
            yield self.api(
                self._same_host(result.next["url"]),
                self.parse_comments,
                cb_kwargs={"post": post, "url": url, "context": context, "page": page + 1},
            )

    def _same_host(self, url: str) -> str:
        """``paging.next`` names www.zhihu.com; keep the source's base (a mirror, a test server) instead."""
        parts = urlsplit(url)
        return f"{self.source.api_base()}{parts.path}" + (f"?{parts.query}" if parts.query else "")
