"""Run one crawl of one source in this process, and record how it went.

``yuqing crawl SOURCE`` calls :func:`crawl`; the scheduler runs that command as a subprocess, so a crawl
never shares a process with the API and Twisted's reactor (which cannot be restarted) runs once per process.

:func:`crawl` migrates the relational database first (a run that cannot be recorded is not started), runs
the source's spider with :class:`scrapy.crawler.CrawlerProcess`, turns the crawler stats into a
:class:`~foundation.health.RunReport` (:func:`report_from_stats`), records it with
:class:`~foundation.health.SourceRunStore` and returns it.

Run status:

``failed``
    nothing was fetched (no page parsed: every request failed, or robots.txt disallowed everything), the
    mention store failed (mentions were not stored), or the crawl raised.
``degraded``
    pages were fetched, but something needs a look: parse errors (a layout change?), requests that failed
    for good, mentions the store rejected, a pipeline error, or the crawl stopped early (timeout).
``needs_credentials`` / ``blocked``
    the spider stopped because the platform refused the credentials, or answered with a captcha, a rate
    block or a flagged-account notice (the platform's own message is in ``error``).
``ok``
    everything else. HTTP errors that a retry overcame leave a run ``ok``; they are still listed in
    ``http_errors`` (every error response, by status, retries included).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.utils.misc import load_object
from sqlalchemy.exc import SQLAlchemyError

from crawlers.settings import (
    STAT_BLOCKED,
    STAT_BRAND,
    STAT_CAPPED,
    STAT_CREDENTIALS,
    STAT_DECODE_ERRORS,
    STAT_DROPPED,
    STAT_HTTP_STATUS,
    STAT_ITEM_ERRORS,
    STAT_MATCHED,
    STAT_PAGES,
    STAT_PARSE_ERRORS,
    STAT_REQUEST_FAILED,
    STAT_RETRY_AFTER_TOO_LONG,
    STAT_ROBOTS_BLOCKED,
    STAT_SAMPLES,
    STAT_SHAPE_ERRORS,
    STAT_STORE_FAILED,
    STAT_STORED,
    build_settings,
    redact,
)
from foundation.db import Database
from foundation.errors import CrawlError, StoreUnavailable
from foundation.health import (
    RUN_BLOCKED,
    RUN_DEGRADED,
    RUN_FAILED,
    RUN_NEEDS_CREDENTIALS,
    RUN_OK,
    RunReport,
    SourceRunStore,
)
from foundation.retry import BACKGROUND
from foundation.timeutil import utcnow

if TYPE_CHECKING:
    from twisted.python.failure import Failure

    from crawlers.config import CrawlConfig, CrawlSettings
    from crawlers.sources import SourceConfig

logger = logging.getLogger(__name__)

OK, DEGRADED, FAILED = RUN_OK, RUN_DEGRADED, RUN_FAILED


def crawl(
    app_config: CrawlConfig, settings: CrawlSettings, source_name: str, *, install_signal_handlers: bool = True
) -> RunReport:
    """Crawl the source named ``source_name`` once, record the run and return its report.

    Raises :class:`~foundation.errors.CrawlError` for an unknown source and
    :class:`~foundation.errors.StoreUnavailable` when the relational database cannot be migrated or the run
    cannot be recorded. Can be called once per process (Twisted's reactor cannot be restarted).
    """
    try:
        source = app_config.source(source_name)
    except KeyError as exc:
        raise CrawlError(str(exc.args[0])) from exc
    if not source.enabled:
        logger.warning("source %s is disabled in the config; crawling it because it was asked for", source.name)
    db = Database(settings.resolved_database_url())
    try:
        db.migrate()
        started = utcnow()
        runs = SourceRunStore(db)
        try:
            # Written before anything runs: if this process is killed, the open record shows it.
            run_id = BACKGROUND.call(runs.start, source.name, started)
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"cannot record the run of {source.name} in {db.describe()}: {exc}") from exc
        try:
            report = run_crawl(app_config, settings, source, install_signal_handlers=install_signal_handlers)
        except Exception as exc:  # Scrapy itself failed: still a run, and it must show as failed
            logger.exception("crawl of %s could not run", source.name)
            error = redact(f"{type(exc).__name__}: {exc}")
            report = report_from_stats(source.name, started, utcnow(), {}, error=error)
        try:
            BACKGROUND.call(runs.finish, run_id, report)  # SQLite busy with another writer: wait and retry
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"cannot record the run of {source.name} in {db.describe()}: {exc}") from exc
    finally:
        db.close()
    log = logger.info if report.status == OK else logger.warning
    log(
        "crawl of %s %s: %d pages, %d items, %d matched, %d created, %d updated, %d unchanged%s",
        source.name,
        report.status,
        report.pages,
        report.items_scraped,
        report.items_matched,
        report.created,
        report.updated,
        report.unchanged,
        f" ({report.error})" if report.error else "",
    )
    return report


def run_crawl(
    app_config: CrawlConfig, settings: CrawlSettings, source: SourceConfig, *, install_signal_handlers: bool = True
) -> RunReport:
    """Run the crawl with Scrapy (blocking until it ends) and report it; records nothing."""
    process = CrawlerProcess(build_settings(app_config, settings, source))
    crawler = process.create_crawler(load_object(source.spider))

    def count_item_error(**_: Any) -> None:
        # A pipeline raised something other than DropItem: Scrapy logs it; the report must show it too.
        crawler.stats.inc_value(STAT_ITEM_ERRORS)

    crawler.signals.connect(count_item_error, signal=signals.item_error)
    errors: list[BaseException] = []

    def crawl_failed(failure: Failure) -> None:
        errors.append(failure.value if failure.value is not None else RuntimeError(failure.getErrorMessage()))

    started = utcnow()
    process.crawl(crawler).addErrback(crawl_failed)
    process.start(install_signal_handlers=install_signal_handlers)
    finished = utcnow()
    # The underscored attribute: the public one raises when the crawl failed before Scrapy created it.
    collector = crawler._stats
    stats: Mapping[str, Any] = dict(collector.get_stats()) if collector is not None else {}
    error = redact(f"{type(errors[0]).__name__}: {errors[0]}") if errors else None
    return report_from_stats(source.name, started, finished, stats, error=error)


def _int(stats: Mapping[str, Any], key: str) -> int:
    value = stats.get(key, 0)
    return int(value) if isinstance(value, int | float) else 0


def _by_suffix(stats: Mapping[str, Any], prefix: str) -> dict[str, int]:
    start = prefix + "/"
    return {key[len(start) :]: int(value) for key, value in sorted(stats.items()) if key.startswith(start) and value}


def report_from_stats(
    source: str,
    started_at: datetime,
    finished_at: datetime,
    stats: Mapping[str, Any],
    *,
    error: str | None = None,
) -> RunReport:
    """The run report of a crawl from its Scrapy stats (see the module docstring for the status rules)."""
    pages = _int(stats, STAT_PAGES)
    parse_errors = _int(stats, STAT_PARSE_ERRORS)
    robots_blocked = _int(stats, STAT_ROBOTS_BLOCKED)
    requests_failed = _int(stats, STAT_REQUEST_FAILED)
    item_errors = _int(stats, STAT_ITEM_ERRORS)
    stored_failed = _int(stats, f"{STAT_STORED}/failed")
    lost = _int(stats, f"{STAT_STORED}/lost")
    deferred = _int(stats, f"{STAT_STORED}/deferred")
    store_failure = stats.get(STAT_STORE_FAILED)
    http_errors = _by_suffix(stats, STAT_HTTP_STATUS)
    credentials = stats.get(STAT_CREDENTIALS)
    blocked = stats.get(STAT_BLOCKED)
    shape_errors = _int(stats, STAT_SHAPE_ERRORS)
    capped = _int(stats, STAT_CAPPED)
    dropped = _by_suffix(stats, STAT_DROPPED)
    finish_reason = stats.get("finish_reason")

    fatal: list[str] = []
    problems: list[str] = []
    if error:
        fatal.append(f"crawl raised {error}")
    if store_failure and str(store_failure) not in (error or ""):  # the exception may already say it
        fatal.append(str(store_failure) + (f" ({lost} mentions not stored)" if lost else ""))
    if blocked:
        fatal.append(f"blocked by the platform: {blocked}")
    elif credentials:
        fatal.append(f"needs credentials: {credentials}")
    elif pages == 0 and not error:
        if robots_blocked:
            fatal.append(f"robots.txt disallowed every request ({robots_blocked} refused)")
        else:
            fatal.append(_nothing_fetched(http_errors, requests_failed))
    if shape_errors:
        problems.append(f"{shape_errors} responses with an unknown structure (the platform may have changed)")
    decode_errors = _int(stats, STAT_DECODE_ERRORS)
    if decode_errors:
        problems.append(f"{decode_errors} pages could not be decoded in any character encoding")
    if parse_errors - shape_errors - decode_errors > 0:
        problems.append(f"{parse_errors - shape_errors - decode_errors} parse errors")
    if capped:
        problems.append(f"{capped} queries stopped at their page or article cap before reaching what was seen")
    if requests_failed and pages:
        problems.append(f"{requests_failed} requests failed")
    if stats.get(STAT_RETRY_AFTER_TOO_LONG):
        problems.append(f"{stats[STAT_RETRY_AFTER_TOO_LONG]} Retry-After waits above retry_after_max")
    if stored_failed:
        problems.append(f"{stored_failed} mentions rejected by the store")
    if deferred:
        problems.append(f"{deferred} mentions queued on disk until the store takes them (cursors held back)")
    if item_errors:
        problems.append(f"{item_errors} pipeline errors")
    if finish_reason not in (None, "finished"):
        problems.append(f"stopped early: {finish_reason}")

    status = (
        RUN_BLOCKED
        if blocked
        else RUN_NEEDS_CREDENTIALS
        if credentials
        else FAILED
        if fatal
        else DEGRADED
        if problems
        else OK
    )
    return RunReport(
        source=source,
        started_at=started_at,
        finished_at=finished_at,
        status=status,
        finish_reason=str(finish_reason) if finish_reason is not None else None,
        pages=pages,
        items_scraped=_int(stats, "item_scraped_count") + _int(stats, "item_dropped_count") + item_errors,
        items_matched=_int(stats, STAT_MATCHED),
        created=_int(stats, f"{STAT_STORED}/created"),
        updated=_int(stats, f"{STAT_STORED}/updated"),
        unchanged=_int(stats, f"{STAT_STORED}/unchanged"),
        dropped=dropped,
        parse_errors=parse_errors,
        store_errors=stored_failed + lost + deferred,
        http_errors=http_errors,
        robots_blocked=robots_blocked,
        brands=_by_suffix(stats, STAT_BRAND),
        error="; ".join(fatal + problems) or None,
        shape_errors=shape_errors,
        samples=[str(path) for path in stats.get(STAT_SAMPLES) or []],
    )


def _nothing_fetched(http_errors: Mapping[str, int], requests_failed: int) -> str:
    if http_errors:
        detail = ", ".join(f"HTTP {status} ×{n}" for status, n in http_errors.items())
        return f"nothing fetched ({detail})"
    if requests_failed:
        return f"nothing fetched ({requests_failed} requests failed)"
    return "nothing fetched"


def report_to_json(report: RunReport) -> str:
    """The report as JSON for ``yuqing crawl`` to print (dates in ISO 8601)."""
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=2, sort_keys=False)
