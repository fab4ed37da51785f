"""The base of spiders that read a platform incrementally (:class:`crawlers.sources.PlatformSource`).

On top of :class:`~crawlers.spiders.base.SourceSpider` it gives a platform spider:

- **cursors**: per query, the newest post time stored so far. A query reads newest first and stops at posts
  already seen (or, on a first run, at the backfill horizon), at the last page, or at ``max_pages``. Cursors
  are saved when the crawl closes, after the store pipeline flushed, and only if no mention was lost; a query
  interrupted before it reached what was seen keeps its old cursor, so no gap opens.
- **shape changes**: a response the platform parser does not recognise is counted, saved under
  ``<data_dir>/samples/<source>/`` for debugging (a few per run, size-capped) and stores nothing.
- **credentials**: a source missing its cookie or key, or whose credentials the platform refuses (HTTP 432,
  a login page), ends the run as ``needs_credentials`` with the reason, instead of retrying forever.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy import signals
from scrapy.exceptions import CloseSpider
from scrapy.http import Request, Response

from config.settings import Settings as AppSettings
from crawlers.items import MentionItem
from crawlers.platforms.base import CredentialsRejected, Page, Platform, ShapeError
from crawlers.settings import (
    APP_SETTINGS,
    STAT_CAPPED,
    STAT_CREDENTIALS,
    STAT_SAMPLES,
    STAT_SHAPE_ERRORS,
    STAT_STORE_FAILED,
    STAT_STORED,
    redact_url,
    required_setting,
)
from crawlers.sources import PlatformSource
from crawlers.spiders.base import SourceSpider
from crawlers.state import Cursor, CursorStore
from yuqing.db import Database
from yuqing.timeutil import utcnow

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

MAX_SAMPLES_PER_RUN = 5
MAX_SAMPLE_BYTES = 512 * 1024
NEEDS_CREDENTIALS = "needs_credentials"  # the close reason of a spider stopped for credentials


class PlatformSpider(SourceSpider):
    """A spider for one platform; subclasses implement :meth:`first_requests` and their callbacks.

    Extension point: set ``source_type`` and ``parser`` (the platform's :class:`Platform`), build requests
    with :meth:`request`, read responses with :meth:`read` (which handles shape changes, expired credentials
    and per-item problems), and pass a page's items through :meth:`keep_new` with the query's cursor to
    decide whether to fetch the next page.
    """

    source_type: ClassVar[type[PlatformSource]] = PlatformSource
    source: PlatformSource
    parser: ClassVar[Platform]

    def __init__(
        self, *args: Any, cursor_store: CursorStore | None = None, data_dir: Path | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.cursor_store = cursor_store
        self.data_dir = data_dir
        self.started = utcnow()
        self.cursors: dict[str, Cursor] = cursor_store.load(self.source.name) if cursor_store else {}
        self.samples: list[str] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        app_settings = required_setting(crawler.settings, APP_SETTINGS, AppSettings)
        db = Database(app_settings.resolved_database_url())
        kwargs.setdefault("cursor_store", CursorStore(db))
        kwargs.setdefault("data_dir", app_settings.data_dir)
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._save_cursors, signal=signals.spider_closed)
        return spider

    # -- start ----------------------------------------------------------------------------------------------
    async def start(self) -> Any:
        problem = self.source.missing_credentials()
        if problem:
            self.needs_credentials(problem)
            return
        for request in self.first_requests():
            yield request

    def first_requests(self) -> Iterable[Request]:
        """The requests a run starts with (one or more per query)."""
        raise NotImplementedError

    def search_words(self) -> list[str]:
        """The source's ``queries``, else its brands' keywords."""
        brands = [(b.name, b.keywords) for b in (self.app_config.brands if self.app_config else [])]
        return self.source.search_words(brands)

    # -- reading responses ----------------------------------------------------------------------------------
    def read(self, response: Response, kind: str) -> Page | None:
        """Parse ``response`` as ``kind``; ``None`` (after counting and saving a sample) when it cannot be."""
        self.page_parsed(response)
        try:
            page = self.parser.parse(kind, response.body, now=self.started, source=self.source.name)
        except CredentialsRejected as exc:
            self.needs_credentials(f"{self.parser.name} refused the credentials ({exc.reason})")
            raise CloseSpider(NEEDS_CREDENTIALS) from exc
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

    def cursor(self, key: str) -> Cursor:
        """The cursor of one query (created on first use)."""
        if key not in self.cursors:
            self.cursors[key] = Cursor(key)
        return self.cursors[key]

    def keep_new(self, items: Iterable[MentionItem], cursor: Cursor) -> tuple[list[MentionItem], bool]:
        """The items newer than the cursor's cutoff, and whether older posts were met (stop paging).

        Every item counts towards the cursor's new high-water mark, kept or not.
        """
        cutoff = cursor.cutoff(self.started, self.source.backfill)
        kept: list[MentionItem] = []
        reached_old = False
        for item in items:
            if item.published_at is not None and item.published_at < cutoff:
                reached_old = True
                continue
            cursor.saw(item.published_at)
            kept.append(item)
        return kept, reached_old

    def page_budget_left(self, page_number: int, cursor: Cursor) -> bool:
        """Whether another page of this query may be fetched; records a query capped by ``max_pages``."""
        if page_number < self.options.max_pages:
            return True
        cursor.capped = True
        self.crawler.stats.inc_value(STAT_CAPPED)
        logger.warning(
            "source %s: query %r stopped at max_pages=%d before reaching posts already seen; older posts of "
            "this run's window may be missing (raise crawl.max_pages or crawl more often)",
            self.source.name,
            cursor.key,
            self.options.max_pages,
        )
        return False

    def finish(self, cursor: Cursor) -> None:
        """A query read down to what was already seen (or its last page): its cursor may advance."""
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

    def needs_credentials(self, reason: str) -> None:
        """Record that the source cannot run until a person gives it (new) credentials."""
        self.crawler.stats.set_value(STAT_CREDENTIALS, reason)
        logger.error("source %s needs credentials: %s", self.source.name, reason)

    def _save_sample(self, kind: str, response: Response) -> str | None:
        if self.data_dir is None or len(self.samples) >= MAX_SAMPLES_PER_RUN:
            return None
        folder = self.data_dir / "samples" / self.source.name
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        ext = (
            "json"
            if "json" in content_type
            else "html"
            if "html" in content_type
            else "xml"
            if "xml" in content_type
            else "txt"
        )
        path = folder / f"{self.started:%Y%m%dT%H%M%SZ}-{kind}-{len(self.samples) + 1}.{ext}"
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
        if spider is not self or self.cursor_store is None or not self.cursors:
            return
        stats = self.crawler.stats
        lost = stats.get_value(f"{STAT_STORED}/lost", 0) or stats.get_value(STAT_STORE_FAILED)
        if lost:
            logger.warning(
                "source %s: mentions were not stored; cursors stay where they were, so the next run "
                "fetches those posts again",
                self.source.name,
            )
            return
        for cursor in self.cursors.values():
            if not (cursor.complete or cursor.capped):
                cursor.seen_max = None  # interrupted before reaching what was seen: keep the old mark
        self.cursor_store.save(self.source.name, self.cursors, utcnow())


def newest_first(items: list[MentionItem]) -> list[MentionItem]:
    """Items sorted newest first (undated last), for platforms that do not sort their answers."""
    dated = [i for i in items if i.published_at is not None]
    dated.sort(key=lambda i: i.published_at or datetime.min, reverse=True)
    return dated + [i for i in items if i.published_at is None]
