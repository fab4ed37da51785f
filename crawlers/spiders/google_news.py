"""Google News search RSS: one feed per search word and edition, read down to what the last run stored.

The feed has no paging and no date filter, so every run fetches it whole; incremental means that articles
at or below the query's cursor (its high-water mark, less the overlap) are not passed on. Each
(word, edition) pair has a cursor of its own, because editions list different articles at different times.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Request, Response

from crawlers.platforms.google_news import GoogleNews
from crawlers.sources import GoogleNewsSource, NewsEdition
from crawlers.spiders.base import guarded
from crawlers.spiders.platform import PlatformSpider


def search_query(word: str, exact: bool) -> str:
    """The ``q`` of a search: the word as an exact phrase when ``exact`` (quotes inside it dropped)."""
    word = word.strip()
    if not exact:
        return word
    phrase = " ".join(word.replace('"', " ").split())
    return f'"{phrase}"'


class GoogleNewsSpider(PlatformSpider):
    """One request per search word and edition (``hl``/``gl``/``ceid``); no paging."""

    source_type = GoogleNewsSource
    source: GoogleNewsSource
    parser = GoogleNews()

    def first_requests(self) -> Iterable[Request]:
        for word in self.search_words():
            for edition in self.source.editions:
                key = f"q:{word}|{edition.ceid}"
                params = {
                    "q": search_query(word, self.source.exact),
                    "hl": edition.hl,
                    "gl": edition.gl,
                    "ceid": edition.ceid,
                }
                yield self.request(
                    f"{self.source.api_base()}/rss/search?{urlencode(params)}",
                    self.parse_search,
                    cb_kwargs={"key": key, "edition": edition},
                    dont_filter=True,
                )

    @guarded("search feed")
    def parse_search(self, response: Response, key: str, edition: NewsEdition) -> Iterator[Any]:
        page = self.read(response, "search")
        if page is None:
            return
        cursor = self.cursor(key)
        # The feed is ordered by relevance, not date: every item is checked, none ends the query early.
        kept, _ = self.keep_new(page.items, cursor)
        for item in kept:
            item.extra["edition"] = edition.ceid
            if item.language is None:
                item.language = edition.hl
            yield item
        self.finish(cursor)
