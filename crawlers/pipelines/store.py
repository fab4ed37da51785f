"""Write mentions to the mention store, in batches.

Nothing crawled may be lost silently. Items are buffered and written ``batch_size`` at a time with
:meth:`index.base.MentionStore.upsert` (idempotent by mention id, so a re-crawl never duplicates). When a
write raises (the store is down), the batch stays in memory, the crawl is asked to stop (fetching more would
only grow what is at risk) and the write is tried again when the spider closes. If that fails too, the
mentions are counted in ``yuqing/stored/lost``, the error is put in ``yuqing/store/failed`` (which makes the
run *failed*) and logged as CRITICAL. Since a crawl keeps no "seen" state between runs, the next run fetches
those posts again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from scrapy.utils.defer import deferred_from_coro

from crawlers.items import MentionItem
from crawlers.settings import (
    CRAWL_OPTIONS,
    STAT_STORE_FAILED,
    STAT_STORE_OUTAGES,
    STAT_STORED,
    redact,
    required_app_settings,
    required_setting,
)
from crawlers.sources import CrawlOptions
from foundation.errors import StoreError
from foundation.timeutil import utcnow
from index.base import Mention, MentionStore
from index.factory import open_mention_store
from index.reach import carry_reach

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

#: The close reason of a crawl stopped because the store could not take writes.
STORE_UNAVAILABLE = "store_unavailable"
_FAILURES_LOGGED = 20  # per-mention failures logged one by one; the rest are only counted


class StorePipeline:
    """Buffers items and upserts them as :class:`~index.base.Mention` objects; refreshes the store at close.

    Counts ``yuqing/stored/created|updated|unchanged|failed`` (failed: rejected one by one by the store or
    invalid as a Mention), ``yuqing/store/outages`` and, at worst, ``yuqing/stored/lost``.

    ``open_store`` returns the store to write to (opened in ``open_spider``); ``stop_crawl`` is called once
    when the store fails, with the close reason.
    """

    def __init__(
        self,
        open_store: Callable[[], MentionStore],
        stats: StatsCollector,
        batch_size: int,
        *,
        stop_crawl: Callable[[str], None] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.open_store = open_store
        self.stats = stats
        self.batch_size = batch_size
        self.stop_crawl = stop_crawl
        self.clock = clock
        self.store: MentionStore | None = None
        self.pending: list[MentionItem] = []
        self._last_error: str | None = None
        self._stopping = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = required_app_settings(crawler.settings)
        options = required_setting(crawler.settings, CRAWL_OPTIONS, CrawlOptions)
        url = settings.resolved_mention_store_url()

        def open_store() -> MentionStore:
            return open_mention_store(url, settings)

        def stop_crawl(reason: str) -> None:
            # Not awaited: closing waits for the items in flight, including the one being processed now.
            deferred_from_coro(crawler.engine.close_spider_async(reason=reason))

        return cls(open_store, crawler.stats, options.batch_size, stop_crawl=stop_crawl)

    def open_spider(self) -> None:
        try:
            store = self.open_store()
            store.ensure_schema()
        except Exception as exc:  # a crawl without a store would fetch everything only to lose it
            message = redact(f"cannot open the mention store: {exc}")
            self.stats.set_value(STAT_STORE_FAILED, message)
            logger.critical("%s; not crawling", message)
            # Not chained: Scrapy logs the traceback, and the original message may hold credentials.
            raise StoreError(message) from None
        self.store = store
        logger.info("writing mentions to %s in batches of %d", store.describe(), self.batch_size)

    def process_item(self, item: MentionItem) -> MentionItem:
        self.pending.append(item)
        if len(self.pending) >= self.batch_size and not self._stopping:
            self.flush()
        return item

    def close_spider(self) -> None:
        if not self.flush():
            lost = len(self.pending)
            self.stats.inc_value(f"{STAT_STORED}/lost", lost)
            self.stats.set_value(STAT_STORE_FAILED, f"mention store unavailable: {self._last_error}")
            logger.critical(
                "%d mentions were NOT stored because the mention store is unavailable (%s); "
                "the run is marked failed and the next run will fetch them again",
                lost,
                self._last_error,
            )
            self.pending = []
        if self.store is None:
            return
        try:
            self.store.refresh()
        except Exception as exc:  # the writes are done; searches just see them a little later
            logger.error("mention store refresh failed: %s", redact(str(exc)))
        finally:
            self.store.close()

    def _stored_versions(self, store: MentionStore) -> dict[str, Mention]:
        """The stored versions of the buffered posts (one read per batch), for two things:

        - a post that has no date of its own keeps the date it was first stored with, not now:
          :meth:`~crawlers.items.MentionItem.to_mention` dates it with the crawl time, which is part of the
          content hash, so every re-crawl would otherwise count as an update of an unchanged post;
        - a re-crawled post remembers its previous reach (:func:`index.reach.carry_reach`).
        """
        stored = {m.id: m for m in store.get_many(list(dict.fromkeys(item.id for item in self.pending)))}
        for item in self.pending:
            if item.published_at is None and item.id in stored:
                item.published_at = stored[item.id].published_at
        return stored

    def flush(self) -> bool:
        """Write the buffered items; ``False`` (items kept) when the store raised."""
        if not self.pending:
            return True
        if self.store is None:
            self._last_error = "the store was never opened"
            return False
        now = self.clock()
        mentions: list[Mention] = []
        invalid: dict[str, str] = {}
        try:
            stored = self._stored_versions(self.store)
            for item in self.pending:
                try:
                    mentions.append(carry_reach(item.to_mention(now), stored.get(item.id)))
                except ValueError as exc:  # pydantic's ValidationError: a field the store cannot hold
                    invalid[item.id] = f"invalid mention {item.platform}/{item.post_id}: {exc}"
            result = self.store.upsert(mentions)
        except Exception as exc:  # an outage: keep the batch, stop fetching, try once more at close
            self._last_error = redact(f"{type(exc).__name__}: {exc}")
            self.stats.inc_value(STAT_STORE_OUTAGES)
            logger.error(
                "writing %d mentions to the mention store failed (%s); kept in memory, stopping the crawl",
                len(self.pending),
                self._last_error,
            )
            if not self._stopping:
                self._stopping = True
                if self.stop_crawl is not None:
                    self.stop_crawl(STORE_UNAVAILABLE)
            return False
        self.pending = []
        failures = {**invalid, **result.failed}
        self.stats.inc_value(f"{STAT_STORED}/created", len(result.created))
        self.stats.inc_value(f"{STAT_STORED}/updated", len(result.updated))
        self.stats.inc_value(f"{STAT_STORED}/unchanged", len(result.unchanged))
        self.stats.inc_value(f"{STAT_STORED}/failed", len(failures))
        for i, (mention_id, reason) in enumerate(failures.items()):
            if i == _FAILURES_LOGGED:
                logger.error("... and %d more mentions not stored", len(failures) - i)
                break
            logger.error("mention %s not stored: %s", mention_id, redact(reason))
        logger.debug(
            "stored a batch: %d created, %d updated, %d unchanged, %d failed",
            len(result.created),
            len(result.updated),
            len(result.unchanged),
            len(failures),
        )
        return True
