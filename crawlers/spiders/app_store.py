"""App Store reviews: per app and storefront, the ``mostrecent`` XML feed, page 1 on to posts already seen.

One query per ``(country, app id)``: ``/{cc}/rss/customerreviews/page={n}/id={app}/sortby=mostrecent/xml``,
newest first, 50 reviews a page, followed while the feed's ``rel="last"`` link says there are more (Apple
serves 10 pages at most), until a review older than the query's cursor (or the backfill) or ``max_pages``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from scrapy.http import Request, Response

from crawlers.platforms.app_store import MAX_PAGE, AppStore
from crawlers.sources import AppStoreSource
from crawlers.spiders.base import guarded
from crawlers.spiders.platform import PlatformSpider

FEED_PATH = "/{country}/rss/customerreviews/page={page}/id={app_id}/sortby=mostrecent/xml"


class AppStoreSpider(PlatformSpider):
    """Customer reviews of the brand's apps, one feed per storefront."""

    source_type = AppStoreSource
    source: AppStoreSource
    parser = AppStore()

    def first_requests(self) -> Iterable[Request]:
        for app_id in self.source.app_ids:
            for country in self.source.countries:
                yield self.feed(country, app_id, 1)

    def feed(self, country: str, app_id: str, page: int) -> Request:
        url = self.source.api_base() + FEED_PATH.format(country=country, page=page, app_id=app_id)
        return self.request(
            url, self.parse_feed, cb_kwargs={"country": country, "app_id": app_id, "page": page}, dont_filter=True
        )

    @guarded("review feed")
    def parse_feed(self, response: Response, country: str, app_id: str, page: int) -> Iterator[Any]:
        result = self.read(response, "reviews")
        if result is None:
            return
        cursor = self.cursor(f"{country}:{app_id}")
        kept, reached_old = self.keep_new(result.items, cursor)
        yield from kept
        if result.next is None or reached_old or page >= MAX_PAGE:
            self.finish(cursor)
        elif self.page_budget_left(page, cursor):
            yield self.feed(country, app_id, page + 1)
