"""Trustpilot: each company's review pages, newest first (``sort=recency``), down to the domain's cursor.

Pages are public HTML, so robots.txt applies, and the source's ``min_delay`` keeps to the slow pace Trustpilot
tolerates (it answers 403 after bursts). A page is read from its embedded Next.js data; paging stops at
reviews already seen (or the backfill horizon), at the last page ``filters.pagination`` announces, or at
``max_pages``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote, urlencode

from scrapy.http import Request, Response

from crawlers.platforms.trustpilot import Trustpilot
from crawlers.sources import TrustpilotSource
from crawlers.spiders.base import guarded
from crawlers.spiders.platform import PlatformSpider


class TrustpilotSpider(PlatformSpider):
    """One paged query per company domain."""

    source_type = TrustpilotSource
    source: TrustpilotSource
    parser = Trustpilot()

    def first_requests(self) -> Iterable[Request]:
        for domain in self.source.domains:
            yield self.page(domain, 1)

    def page(self, domain: str, number: int) -> Request:
        params = urlencode({"page": number, "sort": "recency", "languages": "all"})
        return self.request(
            f"{self.source.api_base()}/review/{quote(domain)}?{params}",
            self.parse_reviews,
            cb_kwargs={"domain": domain, "number": number},
            dont_filter=True,
        )

    @guarded("review page")
    def parse_reviews(self, response: Response, domain: str, number: int) -> Iterator[Any]:
        result = self.read(response, "reviews")
        if result is None:
            return
        cursor = self.cursor(f"domain:{domain}")
        kept, reached_old = self.keep_new(result.items, cursor)
        yield from kept
        if result.next is None or reached_old or not result.items:
            self.finish(cursor)
        elif self.page_budget_left(number, cursor):
            yield self.page(domain, result.next["page"])
