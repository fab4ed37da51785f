"""Incremental crawling for any spider: cursors, the cutoff rule, shape-change samples and saving at close.

This is the cursor machinery of :class:`~crawlers.spiders.platform.PlatformSpider`, lifted so that spiders
of sources that are not platform sources (feeds, per-site HTML pages, sitemaps) follow the same rules:

- **cursors** (:class:`crawlers.state.Cursor`), one per stream the source reads (a search query, a feed URL,
  a start URL, a sitemap): what is older than the cursor's cutoff (before its high-water mark, or the
  ``backfill`` on a first run) is not yielded; undated items are always yielded (their identity dedupes
  them). Every kept item moves the new high-water mark.
- cursors are **saved when the crawl closes**, after the store pipeline flushed, and only if no mention was
  lost; a stream's new mark is kept only if the stream was read down to what was seen (:meth:`finish`) or
  stopped by a cap (:meth:`cap`), and no request of it failed (:meth:`on_error`). Otherwise it keeps its old
  mark, so no gap opens: the next run reads that window again.
- **shape changes**: a response the parser does not recognise is counted, saved under
  ``<data_dir>/samples/<source>/`` (a few per run, size-capped) and stores nothing.

The source must have a ``backfill`` option (a :class:`~datetime.timedelta`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from crawlers.items import MentionItem
from crawlers.platforms.base import CredentialsRejected, Page, Platform, ShapeError
from crawlers.settings import (
    STAT_CAPPED,
    STAT_SAMPLES,
    STAT_SHAPE_ERRORS,
    STAT_STORE_FAILED,
    STAT_STORED,
    redact_url,
    required_app_settings,
)
from crawlers.spiders.base import Callback, SourceSpider
from crawlers.state import Cursor, CursorStore
from foundation.db import Database
from foundation.timeutil import utcnow

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

MAX_SAMPLES_PER_RUN = 5
MAX_SAMPLE_BYTES = 512 * 1024
#: Request meta key: the cursor a request reads for (its failure keeps that cursor where it was).
CURSOR_KEY = "yuqing_cursor"


class IncrementalSpider(SourceSpider):
    """A spider that reads its source's streams incrementally.

    Extension point: build requests with :meth:`request` passing ``key=`` (the stream's cursor key), read
    responses with :meth:`read` (spiders with a :attr:`parser`) or report a changed page with
    :meth:`shape_error`, pass items through :meth:`keep_new`, and call :meth:`finish` when a stream was read
    down to what was seen (or :meth:`page_budget_left`/:meth:`cap` when a limit stopped it).
    """

    #: The pure parser :meth:`read` uses (spiders that read with selectors have none).
    parser: ClassVar[Platform]

    def __init__(
        self,
        *args: Any,
        cursor_store: CursorStore | None = None,
        database_url: str | None = None,
        data_dir: Path | None = None,
        **kwargs: Any,
    ):
        """``cursor_store``, or else ``database_url`` (opened on first use, so that building a spider touches
        no database), keeps the cursors between runs; without either they last one run."""
        super().__init__(*args, **kwargs)
        backfill = getattr(self.source, "backfill", None)
        if not isinstance(backfill, timedelta):
            raise TypeError(f"{type(self).__name__} needs a source with a backfill period")
        self.backfill: timedelta = backfill
        self._cursor_store = cursor_store
        self._database_url = database_url
        self._cursors: dict[str, Cursor] | None = None
        self.data_dir = data_dir
        self.started = utcnow()
        self.failed: set[str] = set()  # cursor keys with a request that failed for good
        self.samples: list[str] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        app_settings = required_app_settings(crawler.settings)
        if "cursor_store" not in kwargs:  # tests pass cursor_store=None for cursors that last one run
            kwargs.setdefault("database_url", app_settings.resolved_database_url())
        kwargs.setdefault("data_dir", app_settings.data_dir)
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._save_cursors, signal=signals.spider_closed)
        return spider

    @property
    def cursor_store(self) -> CursorStore | None:
        if self._cursor_store is None and self._database_url is not None:
            self._cursor_store = CursorStore(Database(self._database_url))
        return self._cursor_store

    @property
    def cursors(self) -> dict[str, Cursor]:
        """The source's cursors by key, loaded on first use."""
        if self._cursors is None:
            store = self.cursor_store
            self._cursors = store.load(self.source.name) if store is not None else {}
        return self._cursors

    # -- requests --------------------------------------------------------------------------------------------
    def request(self, url: str, callback: Callback, *, key: str | None = None, **kwargs: Any) -> Request:
        """As :meth:`SourceSpider.request`; ``key`` names the cursor the request reads for."""
        if key is not None:
            kwargs["meta"] = {**kwargs.get("meta", {}), CURSOR_KEY: key}
        return super().request(url, callback, **kwargs)

    def on_error(self, failure: Failure) -> None:
        """Count the failure; a request that failed for good keeps its cursor where it was.

        A request refused by policy (robots.txt, offsite) is not a failure: it would be refused next time too,
        and holding the cursor back for it would re-read the same window on every run.
        """
        super().on_error(failure)
        request = getattr(failure, "request", None)
        key = request.meta.get(CURSOR_KEY) if request is not None else None
        if key is not None and not isinstance(failure.value, IgnoreRequest):
            self.failed.add(key)

    # -- reading ---------------------------------------------------------------------------------------------
    def read(self, response: Response, kind: str, **options: Any) -> Page | None:
        """Parse ``response`` as ``kind`` with :attr:`parser` (``options`` go to its ``parse``); ``None``
        (after counting and saving a sample) when the structure is not what the parser knows."""
        self.page_parsed(response)
        try:
            page = self.parser.parse(kind, response.body, now=self.started, source=self.source.name, **options)
        except CredentialsRejected as exc:
            self.credentials_rejected(kind, response, exc)
            return None
        except ShapeError as exc:
            self.shape_error(kind, response, exc.reason)
            return None
        for problem in page.problems:
            self.parse_error(f"{kind} item", problem, response.url)
        for item in page.items:
            item.source = self.source.name
            item.platform = self.platform
            if item.language is None and self.source.language:
                item.language = self.source.language
        return page

    # -- cursors ---------------------------------------------------------------------------------------------
    def cursor(self, key: str) -> Cursor:
        """The cursor of one stream (created on first use)."""
        if key not in self.cursors:
            self.cursors[key] = Cursor(key)
        return self.cursors[key]

    def cutoff(self, cursor: Cursor) -> datetime:
        """What is older than this is not fetched: the high-water mark less its overlap, or the backfill."""
        return cursor.cutoff(self.started, self.backfill)

    def keep_new(self, items: Iterable[MentionItem], cursor: Cursor) -> tuple[list[MentionItem], bool]:
        """The items not older than the cursor's cutoff, and whether older ones were met (stop paging).

        Undated items are kept. Every kept item counts towards the cursor's new high-water mark.
        """
        cutoff = self.cutoff(cursor)
        kept: list[MentionItem] = []
        reached_old = False
        for item in items:
            if item.published_at is not None and item.published_at < cutoff:
                reached_old = True
                continue
            cursor.saw(item.published_at)
            kept.append(item)
        return kept, reached_old

    def page_budget_left(self, pages_read: int, cursor: Cursor) -> bool:
        """Whether another page of this stream may be fetched; records a stream capped by ``max_pages``."""
        if pages_read < self.options.max_pages:
            return True
        self.cap(cursor, f"max_pages={self.options.max_pages}", "crawl.max_pages")
        return False

    def cap(self, cursor: Cursor, limit: str, option: str) -> None:
        """Record that ``limit`` stopped a stream before it reached what was already seen.

        The stream's cursor still advances (the newest posts were read), so what lay between is skipped for
        good: the run is reported degraded, and the warning says which ``option`` to raise.
        """
        cursor.capped = True
        self.crawler.stats.inc_value(STAT_CAPPED)
        logger.warning(
            "source %s: %r stopped at %s before reaching posts already seen; older posts of this run's window "
            "may be missing (raise %s or crawl more often)",
            self.source.name,
            cursor.key,
            limit,
            option,
        )

    def finish(self, cursor: Cursor) -> None:
        """A stream read down to what was already seen (or to its end): its cursor may advance."""
        cursor.complete = True

    # -- trouble ---------------------------------------------------------------------------------------------
    def shape_error(self, kind: str, response: Response, reason: str) -> None:
        """A response whose structure changed: count it, keep a sample, store nothing from it."""
        self.crawler.stats.inc_value(STAT_SHAPE_ERRORS)
        sample = self._save_sample(kind, response)
        self.parse_error(
            f"{kind} response",
            f"unrecognised structure: {reason}" + (f" (saved to {sample})" if sample else ""),
            response.url,
        )

    def credentials_rejected(self, kind: str, response: Response, exc: CredentialsRejected) -> None:
        """A login page or an auth error instead of data. A source without credentials can only see it as a
        changed page; spiders of sources with credentials override this to stop the run for them."""
        self.shape_error(kind, response, exc.reason)

    def _save_sample(self, kind: str, response: Response) -> str | None:
        if self.data_dir is None or len(self.samples) >= MAX_SAMPLES_PER_RUN:
            return None
        folder = self.data_dir / "samples" / self.source.name
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        ext = next((e for e in ("json", "html", "xml") if e in content_type), "txt")
        path = folder / f"{self.started:%Y%m%dT%H%M%SZ}-{kind.replace(' ', '-')}-{len(self.samples) + 1}.{ext}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            # Response bodies only: request headers (cookies, keys) are never written.
            path.write_bytes(response.body[:MAX_SAMPLE_BYTES])
        except OSError as exc:
            logger.warning(
                "source %s: could not save a sample of %s: %s", self.source.name, redact_url(response.url), exc
            )
            return None
        self.samples.append(str(path))
        self.crawler.stats.set_value(STAT_SAMPLES, list(self.samples))
        return str(path)

    # -- closing ---------------------------------------------------------------------------------------------
    def _save_cursors(self, spider: Any, reason: str) -> None:
        # spider_closed fires after the item pipelines closed, i.e. after the last batch was written.
        if spider is not self or not self._cursors or self.cursor_store is None:
            return  # no cursor was used (or there is nowhere to keep them)
        stats = self.crawler.stats
        lost = stats.get_value(f"{STAT_STORED}/lost", 0) or stats.get_value(STAT_STORE_FAILED)
        # Queued on disk is not stored yet: the cursor only moves past what the store holds.
        lost = lost or stats.get_value(f"{STAT_STORED}/deferred", 0)
        if lost:
            logger.warning(
                "source %s: mentions were not stored; cursors stay where they were, so the next run "
                "fetches those posts again",
                self.source.name,
            )
            return
        for cursor in self.cursors.values():
            if not (cursor.complete or cursor.capped) or cursor.key in self.failed:
                cursor.seen_max = None  # not read down to what was seen: keep the old mark
        self.cursor_store.save(self.source.name, self._cursors, utcnow())
