"""Language, sentiment score and label of each mention.

The service is built once per crawl from the config's ``sentiment:`` section; the scorer model loads on the
first text it scores. Scoring never fails an item: a text the scorer cannot handle is stored ``unscored``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from crawlers.items import MentionItem
from crawlers.settings import STAT_SENTIMENT, required_app_config
from sentiment import SCORER_FAILED, SentimentLabel, SentimentResult, SentimentService, Thresholds

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


def primary_language(tag: str | None) -> str | None:
    """``zh-CN`` → ``zh``, ``en_US`` → ``en``: scorers are registered by primary language subtag."""
    if not tag:
        return None
    primary = tag.replace("_", "-").split("-", 1)[0].strip().lower()
    return primary if primary.isalpha() and primary != "und" else None


class SentimentPipeline:
    """Sets ``language``, ``sentiment_score`` and ``sentiment_label``; counts ``yuqing/sentiment/<label>``.

    The page's declared language (``item.language``) is passed on as a hint; the service decides (it trusts
    the text over a declaration, since sites declare one language for everything they carry).
    The title is scored with the text, since a review's title often carries its verdict.
    """

    def __init__(self, service: SentimentService, stats: StatsCollector):
        self.service = service
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        config = required_app_config(crawler.settings).sentiment
        thresholds = Thresholds(negative_below=config.negative_below, positive_above=config.positive_above)
        return cls(SentimentService.from_names([config.scorer], thresholds), crawler.stats)

    def process_item(self, item: MentionItem) -> MentionItem:
        try:
            result = self.service.analyze(scored_text(item), primary_language(item.language))
        except Exception:  # a scorer bug must not lose the mention: store it unscored and say so
            logger.exception("sentiment scoring failed for %s/%s; stored unscored", item.platform, item.post_id)
            self._unscored(item)
            return item
        self._apply(item, result)
        return item

    def process_batch(self, items: Sequence[MentionItem]) -> None:
        """Score ``items`` in place as :meth:`process_item` would, one batch call for all (the store pipeline runs
        this on each batch before writing it: ``crawlers.settings.SCORING_STAGES``)."""
        if not items:
            return
        try:
            results = self.service.analyze_batch(
                [scored_text(item) for item in items], [primary_language(item.language) for item in items]
            )
        except Exception:  # one text the service chokes on must not leave the others unscored
            logger.exception("sentiment scoring failed on a batch of %d; scoring one by one", len(items))
            for item in items:
                self.process_item(item)
            return
        retry = []
        for item, result in zip(items, results, strict=True):
            if result.reason == SCORER_FAILED and len(items) > 1:
                retry.append(item)  # the scorer failed the batch as a whole: find the text it cannot take
            else:
                self._apply(item, result)
        for item in retry:
            self.process_item(item)

    def _apply(self, item: MentionItem, result: SentimentResult) -> None:
        item.language = result.language
        item.sentiment_score = result.score
        item.sentiment_label = result.label.value
        self.stats.inc_value(f"{STAT_SENTIMENT}/{result.label.value}")

    def _unscored(self, item: MentionItem) -> None:
        self.stats.inc_value(f"{STAT_SENTIMENT}/failed")
        item.language = primary_language(item.language) or item.language
        item.sentiment_score = None
        item.sentiment_label = SentimentLabel.unscored.value


def scored_text(item: MentionItem) -> str:
    """What is scored and classified: the text, after the title when the text does not already hold it (a
    review's title often carries its verdict)."""
    return item.text if not item.title or item.title in item.text else f"{item.title}\n{item.text}"
