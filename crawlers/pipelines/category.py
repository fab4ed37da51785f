"""The complaint category of each mention, for ``category:`` searches and the facets of the mention list.

The classifier the ticket store builds from the config (the trained model by default, or the lexicon rules), so
a mention and the ticket opened from it agree. It runs after the sentiment pipeline and, when that scored the
text with the model the reader was trained on, reuses the score instead of scoring again (``bench/classify_speed.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from crawlers.items import MentionItem
from crawlers.pipelines.sentiment import scored_text
from crawlers.settings import STAT_CATEGORY, required_app_config
from tickets.classify import Classifier, ModelClassifier
from tickets.policy import TicketPolicy

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)
#: Scorer settings under which the sentiment pipeline scores Chinese with the model the complaint reader reads.
SAME_SCORER = frozenset({"default", "yuqing-zh"})


class CategoryPipeline:
    """Sets ``category`` from the title and text; counts ``yuqing/category/<category>``.

    Classifying never fails an item: if the classifier raises, the mention is stored without a category
    (counted in ``yuqing/category/failed``) rather than lost.
    """

    def __init__(self, classifier: Classifier | ModelClassifier, stats: StatsCollector, reuse_sentiment: bool = False):
        self.classifier = classifier
        self.stats = stats
        #: The sentiment pipeline's score is the model's own sentiment feature only when the crawl scores Chinese
        #: with the same default model; then it is passed on instead of scoring the text a second time.
        self.reuse_sentiment = reuse_sentiment

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        config = required_app_config(crawler.settings)
        # Built the way the ticket store builds it, so the lexicon means the same in both places.
        policy = TicketPolicy.from_config(config.tickets, config.timezone)
        reuse = isinstance(policy.classifier, ModelClassifier) and config.sentiment.scorer in SAME_SCORER
        return cls(policy.classifier, crawler.stats, reuse)

    def process_item(self, item: MentionItem) -> MentionItem:
        try:
            item.category = self.classifier.category(scored_text(item), sentiment=self._score(item)).value
        except Exception:  # a lexicon bug must not lose the mention
            logger.exception("classifying %s/%s failed; stored without a category", item.platform, item.post_id)
            self.stats.inc_value(f"{STAT_CATEGORY}/failed")
            item.category = None
            return item
        self.stats.inc_value(f"{STAT_CATEGORY}/{item.category}")
        return item

    def process_batch(self, items: Sequence[MentionItem]) -> None:
        """Classify ``items`` in place as :meth:`process_item` would: the trained reader scores the whole batch
        in one sparse product (``ModelClassifier.categories``, the same categories); the lexicon rules, which
        have no batch form, go item by item. A batch that raises is classified again item by item, so one text
        the classifier cannot take loses only its own category."""
        many = getattr(self.classifier, "categories", None)
        if many is None or not items:
            for item in items:
                self.process_item(item)
            return
        try:
            found = many([scored_text(item) for item in items], [self._score(item) for item in items])
        except Exception:
            logger.exception("classifying a batch of %d failed; classifying one by one", len(items))
            for item in items:
                self.process_item(item)
            return
        for item, category in zip(items, found, strict=True):
            item.category = category.value
            self.stats.inc_value(f"{STAT_CATEGORY}/{item.category}")

    def _score(self, item: MentionItem) -> float | None:
        """The sentiment pipeline's score, when it is the model's own sentiment feature (else scored again)."""
        return item.sentiment_score if self.reuse_sentiment and item.language == "zh" else None
