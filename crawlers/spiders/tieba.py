"""Baidu Tieba with the user's own cookie: keyword search, newest first, and the first page of matched threads.

- Search: ``/f/search/res?ie=utf-8&qw={word}&rn=20&pn={n}&sm=1`` (``sm=1``: newest first), read down to posts
  already seen (cursor ``q:{word}``), the backfill horizon, the last page or ``max_pages``.
- Threads (``replies: true``): ``/p/{tid}``, first page only, once per thread and run; its floors and the
  replies inside them are kept when newer than the query's cutoff (the first floor of an old thread is not).

The cookie goes with every request. A redirect to Baidu's login or security check (``wappass``, ``passport``)
or such a page in place of results ends the run as ``needs_credentials``; a thread that redirects elsewhere
(deleted, moved) is skipped.

This reads the PC HTML layout of up to 2024 (see :mod:`crawlers.platforms.tieba`); Tieba moved search and
floors to signed JSON APIs in 2026, which this source does not call.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

from scrapy.http import Request, Response

from crawlers.platforms.tieba import Tieba
from crawlers.sources import TiebaSource
from crawlers.spiders.base import guarded
from crawlers.spiders.platform import PlatformSpider, thread_context

logger = logging.getLogger(__name__)

RESULTS_PER_PAGE = 20
REDIRECTS = (301, 302, 303, 307, 308)
_CHALLENGE_HINTS = ("wappass", "passport", "login", "captcha")


class TiebaSpider(PlatformSpider):
    """One search query per word; the first page of each thread a new result belongs to."""

    source_type = TiebaSource
    source: TiebaSource
    parser = Tieba()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.threads_requested: set[str] = set()

    def first_requests(self) -> Iterable[Request]:
        for word in self.search_words():
            yield self.search(word, 1)

    def search(self, word: str, pn: int) -> Request:
        query = urlencode({"ie": "utf-8", "qw": word, "rn": RESULTS_PER_PAGE, "pn": pn, "sm": 1})
        return self._page(f"{self.source.api_base()}/f/search/res?{query}", self.parse_search, word=word, pn=pn)

    def thread(self, tid: str, word: str, context: str) -> Request:
        return self._page(f"{self.source.api_base()}/p/{tid}", self.parse_thread, word=word, tid=tid, context=context)

    def _page(self, url: str, callback: Any, **cb_kwargs: Any) -> Request:
        return self.request(
            url,
            callback,
            headers={"Referer": f"{self.source.api_base()}/"},
            cookies=dict(self.source.cookies()),
            # A redirect to the login or security check must be seen, not followed to another host.
            meta={"dont_redirect": True, "handle_httpstatus_list": list(REDIRECTS)},
            cb_kwargs=cb_kwargs,
            dont_filter=True,
        )

    @guarded("search page")
    def parse_search(self, response: Response, word: str, pn: int) -> Iterator[Any]:
        if not self._accepted(response, "search"):
            return
        result = self.read(response, "search")
        if result is None:
            return
        cursor = self.cursor(f"q:{word}")
        kept, reached_old = self.keep_new(result.items, cursor)
        for item in kept:
            yield item
            tid = item.extra.get("thread_id")
            if self.source.replies and tid and tid not in self.threads_requested:
                self.threads_requested.add(tid)
                yield self.thread(tid, word, thread_context(item))
        if result.next is None or reached_old or not result.items:
            self.finish(cursor)
        elif self.page_budget_left(pn, cursor):
            yield self.search(word, pn + 1)

    @guarded("thread page")
    def parse_thread(self, response: Response, word: str, tid: str, context: str) -> Iterator[Any]:
        if not self._accepted(response, "thread"):
            return
        result = self.read(response, "thread")
        if result is None:
            return
        cutoff = self.cursor(f"q:{word}").cutoff(self.started, self.source.backfill)
        for item in result.items:
            if item.published_at is None or item.published_at >= cutoff:
                item.context = context
                yield item

    def _accepted(self, response: Response, kind: str) -> bool:
        """Whether Tieba answered with a page; a redirect to its login or security check stops the run."""
        if response.status not in REDIRECTS:
            return True
        location = (response.headers.get(b"Location") or b"").decode("latin-1")
        if any(hint in location.lower() for hint in _CHALLENGE_HINTS):
            self.stop_for_credentials(
                f"Tieba redirected to its login or security check ({urlsplit(location).netloc or location}): "
                "log in to tieba.baidu.com in a browser again and give the new cookie"
            )
        elif kind == "thread":
            logger.info("source %s: thread %s redirects elsewhere (deleted?); skipped", self.source.name, response.url)
        else:
            self.shape_error(kind, response, f"unexpected redirect (HTTP {response.status}) to {location!r}")
        return False
