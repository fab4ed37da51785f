"""Xiaohongshu note search, newest first, with note details and comments (signed; see
:mod:`crawlers.spiders.signed`).

How a run goes (endpoints of PLATFORMS.md §2.5 and the shared captures' PROVENANCE.md):

1. Per search word, ``POST {base}/api/sns/web/v1/search/notes`` with ``sort: time_descending``, 20 a page,
   until notes already seen (a card's date is its id's, :func:`~crawlers.platforms.xiaohongshu.objectid_time`),
   the backfill horizon, the last page or ``max_pages``.
2. A search card has a title, likes and an author. A card without a title (seen in the capture), or every new
   card when ``details: true``, is read in full with ``POST {base}/api/sns/web/v1/feed`` (``source_note_id`` and
   the card's ``xsec_token``). ``details`` is off by default: every extra call raises the risk of the account
   being flagged (300011).
3. For each new note that names a brand, ``GET {base}/api/sns/web/v2/comment/page?note_id=&cursor=&xsec_token=``
   ``comment_pages`` deep, and the replies of each comment (``/comment/sub/page``) ``sub_comment_pages`` deep.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Request, Response

from crawlers.items import MentionItem
from crawlers.platforms.xiaohongshu import Xiaohongshu, objectid_time
from crawlers.sources.xiaohongshu import XiaohongshuSource
from crawlers.spiders.base import guarded
from crawlers.spiders.platform import thread_context
from crawlers.spiders.signed import SignedSpider

SITE = "https://www.xiaohongshu.com"
PAGE_SIZE = 20
IMAGE_FORMATS = "jpg,webp,avif"
_ID_ALPHABET = string.ascii_lowercase + string.digits


class XiaohongshuSpider(SignedSpider):
    source_type = XiaohongshuSource
    source: XiaohongshuSource
    parser = Xiaohongshu()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.search_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(21))
        self.comments_requested: set[str] = set()

    def _headers(self) -> dict[str, str]:
        return {"Origin": SITE, "Referer": f"{SITE}/"}

    # -- requests ----------------------------------------------------------------------------------------------
    def first_requests(self) -> Iterable[Request]:
        for word in self.search_words():
            yield self.search(word, 1)

    def search(self, word: str, page: int) -> Request:
        body = {
            "keyword": word,
            "page": page,
            "page_size": PAGE_SIZE,
            "search_id": self.search_id,
            "sort": "time_descending",
            "note_type": 0,
        }
        return self.api(
            f"{self.source.api_base()}/api/sns/web/v1/search/notes",
            self.parse_search,
            method="POST",
            body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
            headers=self._headers(),
            key=f"q:{word}",
            cb_kwargs={"word": word, "page": page},
        )

    def detail(self, note_id: str, token: str) -> Request:
        body = {
            "source_note_id": note_id,
            "image_formats": IMAGE_FORMATS.split(","),
            "extra": {"need_body_topic": "1"},
            "xsec_source": "pc_search",
            "xsec_token": token,
        }
        return self.api(
            f"{self.source.api_base()}/api/sns/web/v1/feed",
            self.parse_note,
            method="POST",
            body=json.dumps(body, separators=(",", ":")),
            headers=self._headers(),
            cb_kwargs={"token": token},
        )

    def comment_page(self, note: MentionItem, token: str, cursor: str = "", page: int = 1) -> Request:
        query = {"note_id": note.post_id, "cursor": cursor, "top_comment_id": "", "image_formats": IMAGE_FORMATS}
        return self.api(
            f"{self.source.api_base()}/api/sns/web/v2/comment/page?{urlencode({**query, 'xsec_token': token})}",
            self.parse_comments,
            headers=self._headers(),
            cb_kwargs={"note_id": note.post_id, "token": token, "page": page, "context": thread_context(note)},
        )

    def sub_comment_page(self, follow: dict[str, str], token: str, context: str, page: int = 1) -> Request:
        query = {**follow, "num": 10, "image_formats": IMAGE_FORMATS, "xsec_token": token}
        return self.api(
            f"{self.source.api_base()}/api/sns/web/v2/comment/sub/page?{urlencode(query)}",
            self.parse_sub_comments,
            headers=self._headers(),
            cb_kwargs={"follow": follow, "token": token, "page": page, "context": context},
        )

    # -- callbacks -----------------------------------------------------------------------------------------------
    @guarded("search page")
    def parse_search(self, response: Response, word: str, page: int) -> Iterator[Any]:
        result = self.read_signed(response, "search")
        if result is None:
            return
        cursor = self.cursor(f"q:{word}")
        cutoff = self.cutoff(cursor)
        kept, reached_old = self.keep_new(result.items, cursor)
        titled = {item.post_id: item for item in kept}
        for follow in result.follow:
            note_id, token = follow["note_id"], follow["xsec_token"]
            item = titled.get(note_id)
            created = objectid_time(note_id)
            if item is None and (created is None or created < cutoff or note_id in {i.post_id for i in result.items}):
                continue  # old, or titled but already seen
            if item is None or self.source.details:
                if item is None and created is not None:
                    cursor.saw(created)
                yield self.detail(note_id, token)
                continue
            yield item
            if self.is_new(item, cursor):
                yield from self._comments_of(item, token)
        if result.next is None or reached_old:
            self.finish(cursor)
        elif self.page_budget_left(page, cursor):
            yield self.search(word, page + 1)

    @guarded("note detail")
    def parse_note(self, response: Response, token: str) -> Iterator[Any]:
        result = self.read_signed(response, "note")
        if result is None:
            return
        for item in result.items:
            item.extra.setdefault("xsec_token", token)
            yield item
            yield from self._comments_of(item, token)

    @guarded("comments page")
    def parse_comments(self, response: Response, note_id: str, token: str, page: int, context: str) -> Iterator[Any]:
        result = self.read_signed(response, "comments")
        if result is None:
            return
        yield from self._with_context(result.items, context)
        if self.source.sub_comment_pages:
            for follow in result.follow:
                yield self.sub_comment_page(follow, token, context)
        if result.next is not None and page < self.source.comment_pages:
            note = MentionItem(platform=self.platform, post_id=note_id, text=context)
            yield self.comment_page(note, token, result.next["cursor"], page + 1)

    @guarded("reply page")
    def parse_sub_comments(
        self, response: Response, follow: dict[str, str], token: str, page: int, context: str
    ) -> Iterator[Any]:
        result = self.read_signed(response, "comments")
        if result is None:
            return
        yield from self._with_context(result.items, context)
        if result.next is not None and page < self.source.sub_comment_pages:
            yield self.sub_comment_page({**follow, "cursor": result.next["cursor"]}, token, context, page + 1)

    # -- helpers ---------------------------------------------------------------------------------------------------
    def _comments_of(self, note: MentionItem, token: str) -> Iterator[Request]:
        """The first comment page of a note that names a brand and may have comments (search cards do not
        say how many: unknown counts as "may")."""
        if not self.source.comments or self.source.comment_pages < 1 or note.comments == 0:
            return
        if note.post_id in self.comments_requested or not self.mentions_brand(note):
            return
        self.comments_requested.add(note.post_id)
        yield self.comment_page(note, token)

    @staticmethod
    def _with_context(items: list[MentionItem], context: str) -> Iterator[MentionItem]:
        for item in items:
            item.context = context
            yield item
