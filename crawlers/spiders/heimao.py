"""Heimao 黑猫投诉: the complaints a company received, and (with a login cookie) keyword search.

Every request is signed in pure Python (:func:`crawlers.platforms.heimao.heimao_signature`) with a fresh
13-digit millisecond ``ts`` and a 16-character random ``rs``:

- company feed ``/api/company/received_complaints?couid=&type=1&page_size=&page=&ts=&rs=&signature=``, no
  cookie, read newest first down to complaints already seen (cursor ``company:{couid}``);
- keyword search ``/api/index/s?keywords=&page_size=&page=&ts=&rs=&signature=`` with the user's cookie (kept
  in a cookie jar of its own, so it is never sent with the company feed), cursor ``q:{word}``. Its order is
  not documented (it may be relevance), so a query ends at the first page with nothing new rather than at the
  first old complaint.

A login page or a "请先登录" answer ends the run as ``needs_credentials``. Heimao blocks fast clients with
HTTP 456 (reported by a public scraper); that status is not retried, and ``min_delay`` keeps the pace low.
"""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Request, Response

from crawlers.platforms.heimao import Heimao, heimao_signature
from crawlers.sources import HeimaoSource
from crawlers.spiders.base import guarded
from crawlers.spiders.platform import PlatformSpider

FEED_TYPE = "1"  # the "received complaints" list of a company page, as every public client sends it
_RS_ALPHABET = string.digits + string.ascii_letters


def signed_query(params: dict[str, str], signed: list[str]) -> str:
    """``params`` plus ``ts``, ``rs`` and the ``signature`` over the values named in ``signed``, URL-encoded."""
    ts = str(int(time.time() * 1000))
    rs = "".join(secrets.choice(_RS_ALPHABET) for _ in range(16))
    signature = heimao_signature(ts, rs, *(params[name] for name in signed))
    return urlencode({**params, "ts": ts, "rs": rs, "signature": signature})


class HeimaoSpider(PlatformSpider):
    """One query per company id and (with ``keyword_search``) per search word."""

    source_type = HeimaoSource
    source: HeimaoSource
    parser = Heimao()

    def first_requests(self) -> Iterable[Request]:
        for couid in self.source.company_ids:
            yield self.company(couid, 1)
        if self.source.keyword_search and not self.source.has_cookie():
            # The company feed runs; the search waits for a cookie, and the run says so (degraded).
            self.parse_error("keyword search", "skipped: keyword search needs a logged-in cookie (set `cookie:`)")
        elif self.source.keyword_search:
            for word in self.search_words():
                yield self.search(word, 1)

    def company(self, couid: str, page: int) -> Request:
        params = {"couid": couid, "type": FEED_TYPE, "page_size": str(self.source.page_size), "page": str(page)}
        query = signed_query(params, ["couid", "type", "page_size", "page"])
        return self.request(
            f"{self.source.api_base()}/api/company/received_complaints?{query}",
            self.parse_company,
            headers={"Referer": f"{self.source.api_base()}/company/view/?{urlencode({'couid': couid})}"},
            cb_kwargs={"couid": couid, "page": page},
            dont_filter=True,
        )

    def search(self, word: str, page: int) -> Request:
        params = {"keywords": word, "page_size": str(self.source.page_size), "page": str(page)}
        query = signed_query(params, ["keywords", "page_size", "page"])
        return self.request(
            f"{self.source.api_base()}/api/index/s?{query}",
            self.parse_search,
            headers={"Referer": f"{self.source.api_base()}/index/search/?{urlencode({'keywords': word, 't': 1})}"},
            cookies=dict(self.source.cookies()),
            meta={"cookiejar": "search"},
            cb_kwargs={"word": word, "page": page},
            dont_filter=True,
        )

    @guarded("company feed page")
    def parse_company(self, response: Response, couid: str, page: int) -> Iterator[Any]:
        result = self.read(response, "complaints")
        if result is None:
            return
        cursor = self.cursor(f"company:{couid}")
        kept, reached_old = self.keep_new(result.items, cursor)
        yield from kept
        if result.next is None or reached_old or not result.items:
            self.finish(cursor)
        elif self.page_budget_left(page, cursor):
            yield self.company(couid, page + 1)

    @guarded("search page")
    def parse_search(self, response: Response, word: str, page: int) -> Iterator[Any]:
        result = self.read(response, "search")
        if result is None:
            return
        cursor = self.cursor(f"q:{word}")
        kept, _ = self.keep_new(result.items, cursor)
        yield from kept
        if result.next is None or not kept:
            self.finish(cursor)
        elif self.page_budget_left(page, cursor):
            yield self.search(word, page + 1)
