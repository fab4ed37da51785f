"""Douyin general search, newest first, and the comments of matched videos (signed; see
:mod:`crawlers.spiders.signed`: the signing service adds ``a_bogus`` to the query).

How a run goes (endpoints of PLATFORMS.md §1/§2.5):

1. Per search word, ``GET {base}/aweme/v1/web/general/search/single/?keyword=&offset=&count=15&sort_type=2``
   (``sort_type=2``: newest first), paging by the answer's ``cursor`` until videos already seen, the backfill
   horizon, the last page or ``max_pages``. The hot comments a search card shows are stored with it.
2. For each new video that names a brand and has comments,
   ``GET {base}/aweme/v1/web/comment/list/?aweme_id=&cursor=&count=20``, ``comment_pages`` deep.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Request, Response

from crawlers.items import MentionItem
from crawlers.platforms.douyin import Douyin
from crawlers.sources.douyin import DouyinSource
from crawlers.spiders.base import guarded
from crawlers.spiders.platform import thread_context
from crawlers.spiders.signed import SignedSpider

SITE = "https://www.douyin.com"
SEARCH_COUNT = 15
COMMENT_COUNT = 20
#: Query parameters the web client sends with every call (the signing service signs them with the rest).
WEB_PARAMS = {"device_platform": "webapp", "aid": "6383", "channel": "channel_pc_web", "pc_client_type": "1"}


class DouyinSpider(SignedSpider):
    source_type = DouyinSource
    source: DouyinSource
    parser = Douyin()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.comments_requested: set[str] = set()

    def first_requests(self) -> Iterable[Request]:
        for word in self.search_words():
            yield self.search(word, 0, 1)

    def search(self, word: str, offset: int, page: int) -> Request:
        query = {
            **WEB_PARAMS,
            "keyword": word,
            "search_channel": "aweme_general",
            "offset": offset,
            "count": SEARCH_COUNT,
            "sort_type": 2,
            "publish_time": 0,
        }
        return self.api(
            f"{self.source.api_base()}/aweme/v1/web/general/search/single/?{urlencode(query)}",
            self.parse_search,
            headers={"Referer": f"{SITE}/search/{word}"},
            key=f"q:{word}",
            cb_kwargs={"word": word, "page": page},
        )

    def comment_page(self, video: str, context: str, cursor: int = 0, page: int = 1) -> Request:
        query = {**WEB_PARAMS, "aweme_id": video, "cursor": cursor, "count": COMMENT_COUNT}
        return self.api(
            f"{self.source.api_base()}/aweme/v1/web/comment/list/?{urlencode(query)}",
            self.parse_comments,
            headers={"Referer": f"{SITE}/video/{video}"},
            cb_kwargs={"video": video, "context": context, "page": page},
        )

    @guarded("search page")
    def parse_search(self, response: Response, word: str, page: int) -> Iterator[Any]:
        result = self.read_signed(response, "search")
        if result is None:
            return
        cursor = self.cursor(f"q:{word}")
        videos = [i for i in result.items if i.extra.get("kind") != "comment"]
        kept, reached_old = self.keep_new(videos, cursor)
        kept_ids = {v.post_id for v in kept}
        contexts = {v.post_id: thread_context(v) for v in kept}
        for item in result.items:
            parent = item.parent_id or ""
            if item.post_id in kept_ids:
                yield item
                if self.is_new(item, cursor):
                    yield from self._comments_of(item)
            elif item.extra.get("kind") == "comment" and parent in kept_ids:
                item.context = contexts[parent]
                yield item
        if result.next is None or reached_old:
            self.finish(cursor)
        elif self.page_budget_left(page, cursor):
            yield self.search(word, int(result.next["cursor"] or 0), page + 1)

    @guarded("comments page")
    def parse_comments(self, response: Response, video: str, context: str, page: int) -> Iterator[Any]:
        result = self.read_signed(response, "comments")
        if result is None:
            return
        for item in result.items:
            item.context = context
            yield item
        if result.next is not None and page < self.source.comment_pages:
            yield self.comment_page(video, context, int(result.next["cursor"] or 0), page + 1)

    def _comments_of(self, video: MentionItem) -> Iterator[Request]:
        if not self.source.comments or self.source.comment_pages < 1 or not video.comments:
            return
        if video.post_id in self.comments_requested or not self.mentions_brand(video):
            return
        self.comments_requested.add(video.post_id)
        yield self.comment_page(video.post_id, thread_context(video))
