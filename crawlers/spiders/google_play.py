"""Google Play reviews: per app, the ``UsvDTd`` batchexecute RPC, newest first, paged by continuation token.

One query per package name: ``POST /_/PlayStoreUi/data/batchexecute?hl={lang}&gl={country}`` with the form
field ``f.req`` (:func:`crawlers.platforms.google_play.reviews_request`), ``per_page`` reviews a call (at most
199), then the token of each answer, until a review older than the query's cursor (or the backfill), the last
page (no token) or ``max_pages``. The endpoint is the store's own, undocumented one: robots.txt is obeyed for it
like for any scraped page.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy.http import FormRequest, Request, Response

from crawlers.platforms.google_play import GooglePlay, review_url, reviews_request
from crawlers.sources import GooglePlaySource
from crawlers.spiders.base import guarded
from crawlers.spiders.platform import PlatformSpider

RPC_PATH = "/_/PlayStoreUi/data/batchexecute"


class GooglePlaySpider(PlatformSpider):
    """Reviews of the brand's Android apps."""

    source_type = GooglePlaySource
    source: GooglePlaySource
    parser = GooglePlay()

    def first_requests(self) -> Iterable[Request]:
        for app_id in self.source.app_ids:
            yield self.reviews(app_id, None, 1)

    def reviews(self, app_id: str, token: str | None, page: int) -> Request:
        query = urlencode({"hl": self.source.lang, "gl": self.source.country})
        return FormRequest(
            f"{self.source.api_base()}{RPC_PATH}?{query}",
            formdata={"f.req": reviews_request(app_id, self.source.per_page, token)},
            callback=self.parse_reviews,
            errback=self.on_error,
            cb_kwargs={"app_id": app_id, "page": page},
            dont_filter=True,
        )

    @guarded("reviews answer")
    def parse_reviews(self, response: Response, app_id: str, page: int) -> Iterator[Any]:
        result = self.read(response, "reviews")
        if result is None:
            return
        for item in result.items:
            item.url = review_url(app_id, item.post_id, self.source.lang, self.source.country)
            item.extra["app_id"] = app_id
        cursor = self.cursor(f"app:{app_id}")
        kept, reached_old = self.keep_new(result.items, cursor)
        yield from kept
        if result.next is None or reached_old or not result.items:
            self.finish(cursor)
        elif self.page_budget_left(page, cursor):
            yield self.reviews(app_id, str(result.next["token"]), page + 1)
