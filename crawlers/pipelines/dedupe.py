"""Drop a post the run has already seen.

Feeds repeat entries across pages and list pages shift while they are read (a new post pushes one onto the
next page), so one run can meet the same post twice. The store would take both (writes are idempotent by
mention id) but the second costs a sentiment score and a write, and would be counted twice in the report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import DropItem

from crawlers.items import MentionItem
from crawlers.settings import STAT_DROPPED

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


class DedupePipeline:
    """Drops repeats of ``(platform, post_id)`` within one run, counted in ``yuqing/dropped/duplicate``.

    The first occurrence wins. Memory grows with the number of posts of one run (tens of bytes each).
    """

    def __init__(self, stats: StatsCollector):
        self.stats = stats
        self._seen: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.stats)

    def process_item(self, item: MentionItem) -> MentionItem:
        key = (item.platform, item.post_id)
        if key in self._seen:
            self.stats.inc_value(f"{STAT_DROPPED}/duplicate")
            raise DropItem(f"duplicate post {item.platform}/{item.post_id}")
        self._seen.add(key)
        return item
