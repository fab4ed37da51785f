"""Many crawls in one long-lived process: one reactor, models and imports loaded once.

:func:`crawlers.runner.crawl` runs one crawl per process (Twisted's reactor cannot be restarted), so each crawl
pays for starting Python, importing Scrapy and loading the sentiment and complaint models: about ten seconds
for a crawl that waits a fraction of a second on its pages. A :class:`CrawlSession` installs the asyncio
reactor once and runs any number of crawls on it, one after another or side by side (each its own
:class:`scrapy.crawler.Crawler` with the settings of its source, started through
:class:`scrapy.crawler.AsyncCrawlerRunner`). The relational database is migrated once, when the session opens;
every run is recorded exactly as :func:`~crawlers.runner.crawl` records it.

It is meant for a process of its own (the queue's warm crawl child), never the API's: the reactor lives as
long as the process.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.settings import Settings
from scrapy.utils.misc import load_object
from sqlalchemy.exc import SQLAlchemyError

from crawlers.pipelines.store import SharedStore
from crawlers.runner import OK, report_from_stats
from crawlers.settings import MENTION_STORE, STAT_ITEM_ERRORS, Shared, build_settings, redact
from crawlers.spiders.incremental import IncrementalSpider
from crawlers.state import CursorStore
from foundation.db import Database
from foundation.errors import CrawlError, StoreUnavailable
from foundation.health import RunReport, SourceRunStore
from foundation.retry import BACKGROUND
from foundation.timeutil import utcnow
from index.factory import open_mention_store

if TYPE_CHECKING:
    from crawlers.config import CrawlConfig, CrawlSettings
    from crawlers.sources import SourceConfig

logger = logging.getLogger(__name__)

#: The reactor every crawl of the project runs on (``crawlers.settings.build_settings`` asks for the same one).
REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


def install_reactor() -> None:
    """Install the asyncio reactor in this process (before anything imports ``twisted.internet.reactor``)."""
    from scrapy.utils.reactor import install_reactor as scrapy_install

    scrapy_install(REACTOR)


def warm_up(app_config: CrawlConfig, spiders: Iterable[str] = ()) -> None:
    """Load what every crawl would otherwise load on its first item: Scrapy's engine and our components,
    ``spiders`` (the spider classes of the sources to be crawled, by path), the sentiment scorers and the
    complaint classifier of the config (all shared by every crawl of the process once loaded); then freezes what
    it loaded (:func:`gc.freeze`)."""
    import importlib

    from crawlers.settings import DOWNLOADER_MIDDLEWARES, ITEM_PIPELINES, SCORING_STAGES
    from sentiment import SentimentService, Thresholds
    from tickets.policy import TicketPolicy

    for module in ("scrapy.core.engine", "scrapy.core.downloader.handlers.http11"):
        importlib.import_module(module)
    for path, order in {**DOWNLOADER_MIDDLEWARES, **ITEM_PIPELINES}.items():
        if order is not None:
            load_object(path)
    for path in (*SCORING_STAGES, *spiders):
        load_object(path)

    config = app_config.sentiment
    thresholds = Thresholds(negative_below=config.negative_below, positive_above=config.positive_above)
    SentimentService.from_names([config.scorer], thresholds).analyze("预热：加载模型 warm-up", "zh")
    policy = TicketPolicy.from_config(app_config.tickets, app_config.timezone)
    policy.warm_up()  # here, not on a crawl's first post
    # Everything loaded so far lives as long as the process: moved out of the garbage collector's sight, so its
    # full collections, which a crawl's allocations start every so often, no longer walk the models each time
    # (5-10% of every ingest stage's CPU time in bench/ingest_stages.py, --no-freeze to compare).
    gc.freeze()


class CrawlSession:
    """Runs crawls on the reactor of this process; open it inside a running asyncio loop (the reactor's)."""

    def __init__(self, app_config: CrawlConfig, settings: CrawlSettings):
        self.app_config = app_config
        self.settings = settings
        self.runner = AsyncCrawlerRunner(Settings({"TWISTED_REACTOR": REACTOR}))
        self.db = Database(settings.resolved_database_url())
        self.runs = SourceRunStore(self.db)
        # One cursor store (one connection pool) for every crawl of the session: a spider left to itself opens
        # its own per crawl, and with 4 workers of 4 crawls each that ran PostgreSQL out of connections.
        self.cursors = CursorStore(self.db)
        # And one mention store, its schema checked once, not a client and a schema check per crawl.
        url = settings.resolved_mention_store_url()
        self.store = SharedStore(lambda: open_mention_store(url, settings))
        self.crawls = 0

    def open(self) -> CrawlSession:
        """Migrate the relational database (once for the session: a run that cannot be recorded is not started)."""
        try:
            self.db.migrate()
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"cannot migrate {self.db.describe()}: {exc}") from exc
        return self

    def close(self) -> None:
        self.store.close()
        self.db.close()

    async def crawl(self, source_name: str) -> RunReport:
        """Crawl ``source_name`` once on this process's reactor, record the run and return its report.

        Raises :class:`~foundation.errors.CrawlError` for an unknown source and
        :class:`~foundation.errors.StoreUnavailable` when the run cannot be recorded, like
        :func:`crawlers.runner.crawl`.
        """
        try:
            source = self.app_config.source(source_name)
        except KeyError as exc:
            raise CrawlError(str(exc.args[0])) from exc
        started = utcnow()
        try:
            # Written before anything runs: if this process is killed, the open record shows it.
            run_id = await asyncio.to_thread(BACKGROUND.call, self.runs.start, source.name, started)
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"cannot record the run of {source.name} in {self.db.describe()}: {exc}") from exc
        try:
            report = await self._run(source)
        except Exception as exc:  # Scrapy itself failed: still a run, and it must show as failed
            logger.exception("crawl of %s could not run", source.name)
            report = report_from_stats(source.name, started, utcnow(), {}, error=redact(f"{type(exc).__name__}: {exc}"))
        try:
            await asyncio.to_thread(BACKGROUND.call, self.runs.finish, run_id, report)
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"cannot record the run of {source.name} in {self.db.describe()}: {exc}") from exc
        self.crawls += 1
        log = logger.info if report.status == OK else logger.warning
        log(
            "crawl of %s %s: %d pages, %d matched, %d created, %d updated%s",
            source.name,
            report.status,
            report.pages,
            report.items_matched,
            report.created,
            report.updated,
            f" ({report.error})" if report.error else "",
        )
        return report

    async def _run(self, source: SourceConfig) -> RunReport:
        """Run the crawl with Scrapy (until it ends) and report it; records nothing."""
        spider = load_object(source.spider)
        settings = build_settings(self.app_config, self.settings, source)
        settings.set(MENTION_STORE, Shared(self.store), priority="project")
        crawler = Crawler(spider, settings)
        shared = {"cursor_store": self.cursors} if issubclass(spider, IncrementalSpider) else {}

        def count_item_error(**_: Any) -> None:
            # A pipeline raised something other than DropItem: Scrapy logs it; the report must show it too.
            crawler.stats.inc_value(STAT_ITEM_ERRORS)

        crawler.signals.connect(count_item_error, signal=signals.item_error)
        started = utcnow()
        error = None
        try:
            await self.runner.crawl(crawler, **shared)
        except Exception as exc:
            error = redact(f"{type(exc).__name__}: {exc}")
        finished = utcnow()
        # The underscored attribute: the public one raises when the crawl failed before Scrapy created it.
        collector = crawler._stats
        stats: Mapping[str, Any] = dict(collector.get_stats()) if collector is not None else {}
        return report_from_stats(source.name, started, finished, stats, error=error)
