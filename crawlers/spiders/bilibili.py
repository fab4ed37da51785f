"""Bilibili: WBI-signed video search, newest first, and the first page of comments of each matched video.

A run goes: a warm-up visit to the site (it sets the ``buvid3`` cookie the API wants; without it Bilibili
answers -412), ``/x/web-interface/nav`` for the day's WBI keys, then per search word the signed
``/x/web-interface/wbi/search/type?search_type=video&order=pubdate`` pages until posts already seen (the
query's cursor), the last page or ``max_pages``. Every API request carries a Referer under the site.

Comments: for each new video on those pages that really names a brand (the same matcher as the brand
pipeline, so fuzzy search hits do not cost a request) and has comments, the signed
``/x/v2/reply/wbi/main?oid={aid}&type=1&mode=2`` (newest first). Signed out, Bilibili shows only that first
page; an optional ``sessdata`` login cookie is sent to the API and checked against ``nav`` (``isLogin``).
Comments are read when their video is first seen: later comments on an older video are not revisited.

Blocked answers (-412, -352, ``v_voucher``; an HTTP 412) end the run as ``needs_credentials`` (see
:mod:`crawlers.platforms.bilibili`). Not verified live: the exact parameters today's site sends besides the
documented ones, and what api.bilibili.com's robots.txt allows (it is obeyed).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawlers.platforms.base import CredentialsRejected, ShapeError
from crawlers.platforms.bilibili import Bilibili, nav_logged_in, wbi_keys, wbi_sign
from crawlers.sources import BilibiliSource
from crawlers.spiders.base import guarded
from crawlers.spiders.platform import PlatformSpider, thread_context

SEARCH_PATH = "/x/web-interface/wbi/search/type"
COMMENTS_PATH = "/x/v2/reply/wbi/main"
NAV_PATH = "/x/web-interface/nav"
#: Comment order of ``/x/v2/reply/wbi/main``: 2 is by time, newest first.
COMMENTS_BY_TIME = 2
#: Bilibili answers a request it intercepts with HTTP 412 as well as with code -412 in a 200 answer.
BLOCKED_STATUS = 412


class BilibiliSpider(PlatformSpider):
    """One search query per word; comments followed from the search pages."""

    source_type = BilibiliSource
    source: BilibiliSource
    parser = Bilibili()

    def first_requests(self) -> Iterable[Request]:
        yield Request(
            self.source.site_base() + "/",
            callback=self.after_warmup,
            errback=self.warmup_failed,
            dont_filter=True,
        )

    # -- warm-up and keys ------------------------------------------------------------------------------------
    @guarded("warm-up page")
    def after_warmup(self, response: Response) -> Iterator[Any]:
        yield self.nav_request()

    def warmup_failed(self, failure: Failure) -> Iterator[Request]:
        """The warm-up only collects cookies: count its failure, then try the API anyway (it says if it minds)."""
        self.on_error(failure)
        yield self.nav_request()

    def nav_request(self) -> Request:
        cookies = {"SESSDATA": self.source.sessdata.get_secret_value()} if self.source.sessdata else None
        return self.api_request(NAV_PATH, self.parse_nav, cookies=cookies)

    @guarded("nav answer")
    def parse_nav(self, response: Response) -> Iterator[Any]:
        # Nothing else is pending while the keys are fetched: a refusal here just ends the run.
        if response.status == BLOCKED_STATUS:
            self.needs_credentials(f"bilibili intercepted the request (HTTP {BLOCKED_STATUS})")
            return
        self.page_parsed(response)
        try:
            keys = wbi_keys(response.body)
            logged_in = nav_logged_in(response.body)
        except CredentialsRejected as exc:
            self.needs_credentials(f"bilibili refused the visit ({exc.reason})")
            return
        except ShapeError as exc:
            self.shape_error("nav", response, exc.reason)
            return
        if self.source.sessdata and not logged_in:
            self.needs_credentials("bilibili does not accept the SESSDATA cookie (nav says not logged in)")
            return
        for word in self.search_words():
            yield self.search(word, keys, 1)

    # -- search ----------------------------------------------------------------------------------------------
    def search(self, word: str, keys: tuple[str, str], page: int) -> Request:
        params: dict[str, str | int] = {"search_type": "video", "keyword": word, "order": "pubdate", "page": page}
        return self.api_request(
            SEARCH_PATH,
            self.parse_search,
            query=signed(params, keys),
            cb_kwargs={"word": word, "keys": keys, "page": page},
        )

    @guarded("search page")
    def parse_search(self, response: Response, word: str, keys: tuple[str, str], page: int) -> Iterator[Any]:
        self.stop_if_refused(response)
        result = self.read(response, "search")
        if result is None:
            return
        cursor = self.cursor(f"q:{word}")
        kept, reached_old = self.keep_new(result.items, cursor)
        aids = {follow["post_id"]: follow["aid"] for follow in result.follow}
        for item in kept:
            yield item
            if self.source.comments and item.comments != 0 and self.mentions_brand(item):
                yield self.comments(aids[item.post_id], item.post_id, keys, thread_context(item))
        if result.next is None or reached_old or not result.items:
            self.finish(cursor)
        elif self.page_budget_left(page, cursor):  # pages are numbered from 1: ``page`` were read
            yield self.search(word, keys, page + 1)

    # -- comments --------------------------------------------------------------------------------------------
    def comments(self, aid: int, video: str, keys: tuple[str, str], context: str) -> Request:
        params: dict[str, str | int] = {"oid": aid, "type": 1, "mode": COMMENTS_BY_TIME}
        return self.api_request(
            COMMENTS_PATH,
            self.parse_comments,
            query=signed(params, keys),
            referer=f"{self.source.site_base()}/video/{video}",
            cb_kwargs={"video": video, "context": context},
        )

    @guarded("comment page")
    def parse_comments(self, response: Response, video: str, context: str) -> Iterator[Any]:
        self.stop_if_refused(response)
        result = self.read(response, "comments")
        if result is None:
            return
        for item in result.items:
            if item.parent_id is None:
                item.parent_id = video  # a top-level comment answers the video
            item.extra["video"] = video
            item.context = context
            yield item

    # -- requests and refusals -------------------------------------------------------------------------------
    def api_request(
        self, path: str, callback: Any, *, query: str = "", referer: str | None = None, **kwargs: Any
    ) -> Request:
        """A GET of the API with a Referer under the site; an HTTP 412 reaches the callback, which stops."""
        return self.request(
            self.source.api_base() + path + (f"?{query}" if query else ""),
            callback,
            headers={"Referer": referer or self.source.site_base() + "/"},
            meta={"handle_httpstatus_list": [BLOCKED_STATUS]},
            dont_filter=True,
            **kwargs,
        )

    def stop_if_refused(self, response: Response) -> None:
        """An HTTP 412 stops the run for credentials, like a refusal inside an answer does (:meth:`read`):
        the requests still queued would be refused too."""
        if response.status == BLOCKED_STATUS:
            self.stop_for_credentials(f"bilibili intercepted the request (HTTP {BLOCKED_STATUS})")


def signed(params: dict[str, str | int], keys: tuple[str, str]) -> str:
    """The WBI-signed query of ``params``, stamped now."""
    return wbi_sign(params, *keys, wts=int(time.time()))
