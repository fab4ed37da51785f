"""Write mentions to the mention store, in batches.

Nothing crawled may be lost silently. Items are buffered and written ``batch_size`` at a time with
:meth:`index.base.MentionStore.upsert` (idempotent by mention id, so a re-crawl never duplicates). When a
write raises (the store is down), it is first retried under the retry policy (:mod:`foundation.retry`); past
the budget the batch stays in memory, the crawl is asked to stop (fetching more would only grow what is at
risk) and the write is tried again when the spider closes. If that fails too, the mentions go to the on-disk
retry queue (:mod:`crawlers.spool`), counted in ``yuqing/stored/deferred``, and the error is put in
``yuqing/store/failed`` (which makes the run *failed*). Mentions the store refuses one by one for a reason
that passes (429/5xx per item) go to the same queue. Either way the source's cursors stay where they were, and
the next run first replays the queue. Only when even the queue cannot be written are mentions counted in
``yuqing/stored/lost`` and logged as CRITICAL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import build_from_crawler, load_object

from crawlers.items import MentionItem, clamp_date
from crawlers.settings import (
    CRAWL_OPTIONS,
    MENTION_STORE,
    SCORING_STAGES_SETTING,
    SOURCE,
    STAT_STORE_FAILED,
    STAT_STORE_OUTAGES,
    STAT_STORED,
    Shared,
    redact,
    required_app_settings,
    required_setting,
)
from crawlers.sources import CrawlOptions, SourceConfig
from crawlers.spool import Spool
from foundation.errors import StoreError
from foundation.gcpause import cycle_collection_paused
from foundation.retry import BACKGROUND, NONE, RetryPolicy
from foundation.timeutil import utcnow
from index.base import Mention, MentionStore, WriteResult
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


class SharedStore:
    """One mention store for every crawl of a long-lived process (:class:`crawlers.session.CrawlSession`).

    A crawl left to itself opens the store and checks its schema (on Elasticsearch: the index template and the
    mapping sent whole, and an alias lookup) and closes it again: three requests and a new client for every
    crawl, when a worker runs several crawls a second. Here the store is opened and its schema checked on first
    use; if that fails nothing is kept and the next crawl tries again.
    """

    def __init__(self, open_store: Callable[[], MentionStore]):
        self._open = open_store
        self._store: MentionStore | None = None

    def get(self) -> MentionStore:
        """The store, opened with its schema checked (raises what opening or checking raised)."""
        if self._store is None:
            store = self._open()
            try:
                store.ensure_schema()
            except Exception:
                store.close()
                raise
            self._store = store
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class BatchStage(Protocol):
    """Extension point: work on a whole batch of items, in place, just before the batch is written (scoring:
    :data:`crawlers.settings.SCORING_STAGES`). Built with ``from_crawler``; must not raise for one bad item (it
    handles that item itself: a mention is stored without what a stage could not give it, never lost)."""

    def process_batch(self, items: Sequence[MentionItem]) -> None: ...


class StorePipeline:
    """Buffers items and upserts them as :class:`~index.base.Mention` objects; refreshes the store at close.

    Counts ``yuqing/stored/created|updated|unchanged|failed`` (failed: rejected one by one by the store or
    invalid as a Mention), ``yuqing/store/outages`` and, at worst, ``yuqing/stored/lost``.

    ``open_store`` returns the store to write to (opened in ``open_spider``); ``stop_crawl`` is called once
    when the store fails, with the close reason. With ``owns_store=False`` the store is another's (a
    :class:`SharedStore`'s, which checked the schema): the pipeline neither checks its schema nor closes it.
    ``stages`` run over each batch, in order, before it is written (each item once, also when a write is retried).
    """

    def __init__(
        self,
        open_store: Callable[[], MentionStore],
        stats: StatsCollector,
        batch_size: int,
        *,
        stop_crawl: Callable[[str], None] | None = None,
        clock: Callable[[], datetime] = utcnow,
        spool: Spool | None = None,
        policy: RetryPolicy = NONE,
        owns_store: bool = True,
        stages: Sequence[BatchStage] = (),
    ):
        self.open_store = open_store
        self.stages = tuple(stages)
        self.owns_store = owns_store
        self.spool = spool
        self.policy = policy
        self.stats = stats
        self.batch_size = batch_size
        self.stop_crawl = stop_crawl
        self.clock = clock
        self.store: MentionStore | None = None
        self.pending: list[MentionItem] = []
        self._staged = 0  # pending[:_staged] have been through the stages (a failed write keeps them pending)
        self._last_error: str | None = None
        self._stopping = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = required_app_settings(crawler.settings)
        options = required_setting(crawler.settings, CRAWL_OPTIONS, CrawlOptions)
        url = settings.resolved_mention_store_url()

        def open_store() -> MentionStore:
            return open_mention_store(url, settings)

        shared = crawler.settings.get(MENTION_STORE)
        owns_store = True
        if isinstance(shared, Shared) and isinstance(shared.value, SharedStore):
            open_store = shared.value.get
            owns_store = False

        def stop_crawl(reason: str) -> None:
            # Not awaited: closing waits for the items in flight, including the one being processed now.
            deferred_from_coro(crawler.engine.close_spider_async(reason=reason))

        source = required_setting(crawler.settings, SOURCE, SourceConfig)
        spool = Spool(settings.data_dir / "spool", source.name)
        return cls(
            open_store,
            crawler.stats,
            options.batch_size,
            stop_crawl=stop_crawl,
            spool=spool,
            policy=BACKGROUND,
            owns_store=owns_store,
            stages=[
                build_from_crawler(load_object(path), crawler)
                for path in crawler.settings.getlist(SCORING_STAGES_SETTING)
            ],
        )

    def open_spider(self) -> None:
        try:
            store = self.open_store()
            if self.owns_store:
                store.ensure_schema()
        except Exception as exc:  # a crawl without a store would fetch everything only to lose it
            message = redact(f"cannot open the mention store: {exc}")
            self.stats.set_value(STAT_STORE_FAILED, message)
            logger.critical("%s; not crawling", message)
            # Not chained: Scrapy logs the traceback, and the original message may hold credentials.
            raise StoreError(message) from None
        self.store = store
        logger.info("writing mentions to %s in batches of %d", store.describe(), self.batch_size)
        self._replay_spool(store)

    def _replay_spool(self, store: MentionStore) -> None:
        """Write what earlier runs queued on disk, before fetching anything new."""
        if self.spool is None:
            return

        def upsert(mentions: Sequence[Mention]) -> WriteResult:
            # Stamped now, as every write is: the failed write's stamp is older than the event rules' cursor by
            # the time the next crawl replays the queue, and they would never read these mentions.
            at = self.clock()
            for mention in mentions:
                mention.updated_at = at
            return store.upsert(mentions)

        try:
            outcome = self.spool.replay(lambda mentions: self.policy.call(upsert, mentions))
        except Exception as exc:  # still unavailable: the queue stays; this run's writes will show it
            logger.error("could not replay the retry queue %s: %s", self.spool.path, redact(str(exc)))
            return
        if outcome.stored or outcome.rejected or outcome.kept:
            self.stats.inc_value(f"{STAT_STORED}/replayed", outcome.stored)
            self.stats.inc_value(f"{STAT_STORED}/failed", outcome.rejected)
            self.stats.inc_value(f"{STAT_STORED}/deferred", outcome.kept)
            logger.warning(
                "retry queue %s: %d stored, %d rejected for good, %d still queued",
                self.spool.path,
                outcome.stored,
                outcome.rejected,
                outcome.kept,
            )

    def process_item(self, item: MentionItem) -> MentionItem:
        self.pending.append(item)
        if len(self.pending) >= self.batch_size and not self._stopping:
            self.flush()
        return item

    def close_spider(self) -> None:
        if not self.flush():
            self.stats.set_value(STAT_STORE_FAILED, f"mention store unavailable: {self._last_error}")
            queued = self._to_spool(self.pending, f"mention store unavailable: {self._last_error}")
            if queued < len(self.pending):
                lost = len(self.pending) - queued
                self.stats.inc_value(f"{STAT_STORED}/lost", lost)
                logger.critical(
                    "%d mentions were NOT stored because the mention store is unavailable (%s) and the retry "
                    "queue could not be written; the run is marked failed and the next run fetches them again",
                    lost,
                    self._last_error,
                )
            self.pending = []
            self._staged = 0
        if self.store is None:
            return
        try:
            self.store.refresh()
        except Exception as exc:  # the writes are done; searches just see them a little later
            logger.error("mention store refresh failed: %s", redact(str(exc)))
        finally:
            if self.owns_store:
                self.store.close()

    def _stored_versions(self, store: MentionStore) -> dict[str, Mention]:
        """The stored versions of the buffered posts (one read per batch), for two things:

        - a post that has no (believable) date of its own is dated as when it was first stored, not as now:
          :meth:`~crawlers.items.MentionItem.to_mention` dates such a post with its collection time, which is
          part of the stored content hash, so every re-crawl would otherwise count as an update of an unchanged
          post; the stored date becomes the item's collection time (the post stays flagged ``date_estimated``);
        - a re-crawled post remembers its previous reach (:func:`index.reach.carry_reach`).
        """
        stored = {m.id: m for m in store.get_many(list(dict.fromkeys(item.id for item in self.pending)))}
        now = self.clock()
        for item in self.pending:
            if item.id in stored and clamp_date(item.published_at, now) is None:
                item.collected_at = stored[item.id].published_at
        return stored

    def _to_spool(self, items: list[MentionItem], reason: str) -> int:
        """Queue ``items`` on disk; how many were queued (0 when the queue cannot be written)."""
        if self.spool is None or not items:
            return 0
        now = self.clock()
        mentions = []
        for item in items:
            try:
                mentions.append(item.to_mention(now))
            except ValueError as exc:  # invalid as a Mention: never storable, so failed (counted, logged)
                self.stats.inc_value(f"{STAT_STORED}/failed")
                logger.error("mention %s not stored: %s", item.id, exc)
        try:
            queued = self.spool.add(mentions, dict.fromkeys((m.id for m in mentions), reason))
        except OSError as exc:
            logger.critical("cannot write the retry queue %s: %s", self.spool.path, exc)
            return 0
        self.stats.inc_value(f"{STAT_STORED}/deferred", queued)
        logger.error("%d mentions queued in %s for the next run (%s)", queued, self.spool.path, reason)
        return len(items)

    def _spool_deferred(self, mentions: list[Mention], deferred: dict[str, str]) -> dict[str, str]:
        """Queue the mentions the store refused for a reason that passes; returns those that could not be."""
        chosen = [m for m in mentions if m.id in deferred]
        if self.spool is None:
            return deferred
        try:
            self.spool.add(chosen, deferred)
        except OSError as exc:
            logger.critical("cannot write the retry queue %s: %s", self.spool.path, exc)
            return deferred
        self.stats.inc_value(f"{STAT_STORED}/deferred", len(chosen))
        logger.warning(
            "%d mentions refused for now (%s); queued in %s",
            len(chosen),
            next(iter(deferred.values())),
            self.spool.path,
        )
        return {}

    def _run_stages(self) -> None:
        """The stages over the items that have not been through them yet."""
        fresh = self.pending[self._staged :]
        with cycle_collection_paused():  # the stages make no cycles, only garbage: see foundation.gcpause
            self._run_each(fresh)
        self._staged = len(self.pending)

    def _run_each(self, fresh: Sequence[MentionItem]) -> None:
        for stage in self.stages:
            try:
                stage.process_batch(fresh)
            except Exception:  # a stage's bug: the items go on without what it adds, counted by the stage if it can
                logger.exception("%s failed on a batch of %d items", type(stage).__name__, len(fresh))

    def flush(self) -> bool:
        """Write the buffered items; ``False`` (items kept) when the store raised."""
        if not self.pending:
            return True
        self._run_stages()
        if self.store is None:
            self._last_error = "the store was never opened"
            return False
        now = self.clock()
        mentions: list[Mention] = []
        invalid: dict[str, str] = {}
        try:
            stored = self._stored_versions(self.store)
            with cycle_collection_paused():
                for item in self.pending:
                    try:
                        mentions.append(carry_reach(item.to_mention(now), stored.get(item.id)))
                    except ValueError as exc:  # pydantic's ValidationError: a field the store cannot hold
                        invalid[item.id] = f"invalid mention {item.platform}/{item.post_id}: {exc}"
            store = self.store

            def write() -> WriteResult:
                # Stamped when written, at each attempt: event rules read what was stored since their last
                # look by this time, with a short overlap, so it must not lag behind the write (a retry).
                at = self.clock()
                for mention in mentions:
                    mention.updated_at = at
                return store.upsert(mentions)

            result = self.policy.call(write)
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
        self._staged = 0
        unqueued = self._spool_deferred(mentions, result.deferred) if result.deferred else {}
        failures = {**invalid, **result.failed, **unqueued}
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
