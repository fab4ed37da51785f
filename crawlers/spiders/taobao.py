"""Taobao/Tmall item reviews, newest first, through mtop ``mtop.wdetail.getitemrates`` (signed; see
:mod:`crawlers.spiders.signed`: the signing service answers the ``t`` and ``sign`` query parameters, which mtop
computes from the ``_m_h5_tk`` token cookie, the appKey and ``data``).

Per item id: ``GET {base}/h5/mtop.wdetail.getitemrates/3.0/?jsv=2.4.8&appKey=&api=mtop.wdetail.getitemrates&v=3.0
&type=json&dataType=json&data={"auctionNumId","pageNo","pageSize":20,"orderType":"feedbackdate"}``, page after
page until reviews already seen, the backfill horizon, ``totalPage`` or ``max_pages``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Request, Response

from crawlers.platforms.taobao import Taobao
from crawlers.sources.taobao import TaobaoSource
from crawlers.spiders.base import guarded
from crawlers.spiders.platform import newest_first
from crawlers.spiders.signed import SignedSpider

API = "mtop.wdetail.getitemrates"
PAGE_SIZE = 20


class TaobaoSpider(SignedSpider):
    source_type = TaobaoSource
    source: TaobaoSource
    parser = Taobao()

    def first_requests(self) -> Iterable[Request]:
        for item_id in dict.fromkeys(self.source.item_ids):
            yield self.reviews(item_id, 1)

    def reviews(self, item_id: str, page: int) -> Request:
        data = {
            "auctionNumId": item_id,
            "pageNo": page,
            "pageSize": PAGE_SIZE,
            "rateType": "",
            "orderType": "feedbackdate",
            "expression": "",
        }
        query = {
            "jsv": "2.4.8",
            "appKey": self.source.app_key,
            "api": API,
            "v": "3.0",
            "type": "json",
            "dataType": "json",
            "data": json.dumps(data, separators=(",", ":")),
        }
        return self.api(
            f"{self.source.api_base()}/h5/{API}/3.0/?{urlencode(query)}",
            self.parse_reviews,
            headers={"Referer": "https://h5.m.taobao.com/"},
            key=f"item:{item_id}",
            cb_kwargs={"item_id": item_id, "page": page},
        )

    @guarded("reviews page")
    def parse_reviews(self, response: Response, item_id: str, page: int) -> Iterator[Any]:
        result = self.read_signed(response, "reviews")
        if result is None:
            return
        cursor = self.cursor(f"item:{item_id}")
        kept, reached_old = self.keep_new(newest_first(result.items), cursor)
        yield from kept
        pages = (result.next or {}).get("total_pages", 0)
        if not result.items or page >= pages or reached_old:
            self.finish(cursor)
        elif self.page_budget_left(page, cursor):
            yield self.reviews(item_id, page + 1)
