"""Keep only posts that really mention a brand.

Platform search is fuzzy and feeds carry everything a site publishes, so each item is checked against the
configured brands' keywords and exclusion words (:class:`crawlers.matching.BrandMatcher`), over its title
and text together: a headline may name the brand when the body does not repeat it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import DropItem

from crawlers.items import MentionItem
from crawlers.matching import BrandMatcher
from crawlers.settings import (
    SOURCE,
    STAT_BRAND,
    STAT_DROPPED,
    STAT_MATCHED,
    required_app_config,
    required_setting,
)
from crawlers.sources import SourceConfig

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


class BrandPipeline:
    """Fills ``brands`` and ``matched_keywords``; drops items that match no brand.

    With the source's ``brands:`` set, only those brands are considered; with its ``brand:`` set (the brand's
    own app, page or channel) every item is that brand's unless an exclusion word occurs. Counts
    ``yuqing/matched``, ``yuqing/brand/<name>`` per brand and ``yuqing/dropped/no_brand``.
    """

    def __init__(
        self,
        matcher: BrandMatcher,
        stats: StatsCollector,
        only: Sequence[str] | None = None,
        owned: str | None = None,
    ):
        self.matcher = matcher
        self.stats = stats
        self.only = list(only) if only else None
        self.owned = owned

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        app_config = required_app_config(crawler.settings)
        source = required_setting(crawler.settings, SOURCE, SourceConfig)
        return cls(BrandMatcher.from_config(app_config.brands), crawler.stats, source.brands, source.brand)

    def process_item(self, item: MentionItem) -> MentionItem:
        text = "\n".join(part for part in (item.title, item.text, item.context) if part)
        matches = self.matcher.match(text, self.only, self.owned)
        if not matches:
            self.stats.inc_value(f"{STAT_DROPPED}/no_brand")
            raise DropItem(f"mentions no brand: {item.platform}/{item.post_id}")
        item.brands = [m.brand for m in matches]
        # Several brands can share a keyword; each keyword is listed once, in the order found.
        item.matched_keywords = list(dict.fromkeys(k for m in matches for k in m.keywords))
        self.stats.inc_value(STAT_MATCHED)
        for brand in item.brands:
            self.stats.inc_value(f"{STAT_BRAND}/{brand}")
        return item
