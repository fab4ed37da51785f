"""The base of every Yuqing spider: the source it crawls, and how it reports what went wrong.

A spider must never raise out of a callback: Scrapy would log a traceback, count a "spider exception" and
the items a page still had would be lost with it. Callbacks are wrapped with :func:`guarded` instead, which
counts the failure in ``yuqing/parse_errors`` and logs it with the source name, and a malformed item or field
is reported with :meth:`SourceSpider.parse_error` and skipped. A rising ``yuqing/parse_errors`` is how a
layout change shows up in the source health report.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import scrapy
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError

from crawlers.config import CrawlConfig
from crawlers.middlewares.robots import RobotsBlocked
from crawlers.settings import (
    CRAWL_OPTIONS,
    SOURCE,
    STAT_PAGES,
    STAT_PARSE_ERRORS,
    STAT_REQUEST_FAILED,
    STAT_REQUEST_IGNORED,
    redact_url,
    required_app_config,
    required_setting,
)
from crawlers.sources import CrawlOptions, SourceConfig

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure


logger = logging.getLogger(__name__)

Callback = Callable[..., Iterator[Any]]


def guarded(what: str) -> Callable[[Callback], Callback]:
    """Decorate a generator callback so that an exception inside it becomes a counted parse error.

    Whatever the callback yielded before the exception is kept. ``what`` names the page kind in the log
    ("feed", "list page", ...).
    """

    def decorate(func: Callback) -> Callback:
        @functools.wraps(func)
        def wrapper(self: SourceSpider, response: Response, *args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from func(self, response, *args, **kwargs)
            except CloseSpider:
                raise  # a deliberate stop (refused credentials), not a malformed page
            except Exception as exc:
                self.parse_error(what, f"{type(exc).__name__}: {exc}", response.url, exc_info=True)

        return wrapper

    return decorate


class SourceSpider(scrapy.Spider):
    """A spider crawling one configured source.

    Extension point: subclass it for a new source type, set :attr:`source_type`, implement ``start()`` and
    the callbacks (decorated with :func:`guarded`), build requests with :meth:`request` so failures are
    counted, call :meth:`page_parsed` once per parsed response and :meth:`parse_error` for anything
    malformed. The spider is named after the source, so log lines say which source they are about.
    """

    #: The source config class this spider crawls (checked when the spider is built).
    source_type: ClassVar[type[SourceConfig]] = SourceConfig
    name = "source"

    def __init__(
        self,
        source: SourceConfig,
        options: CrawlOptions,
        app_config: CrawlConfig | None = None,
        **kwargs: Any,
    ):
        if not isinstance(source, self.source_type):
            raise TypeError(f"{type(self).__name__} crawls {self.source_type.__name__}, not {type(source).__name__}")
        super().__init__(name=source.name, **kwargs)
        self.source = source
        self.options = options
        self.app_config = app_config

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        settings = crawler.settings
        source = required_setting(settings, SOURCE, cls.source_type)
        options = required_setting(settings, CRAWL_OPTIONS, CrawlOptions)
        app_config = required_app_config(settings)
        spider = cls(source, options, app_config, *args, **kwargs)
        spider._set_crawler(crawler)
        return spider

    # -- helpers for subclasses -----------------------------------------------------------------------------
    @property
    def platform(self) -> str:
        return self.source.platform_name()

    def request(self, url: str, callback: Callback, **kwargs: Any) -> Request:
        """A request whose failure (HTTP error, network error) is counted and logged by :meth:`on_error`."""
        return Request(url, callback=callback, errback=self.on_error, **kwargs)

    def page_parsed(self, response: Response) -> None:
        """Count a response a callback parsed (``yuqing/pages``): zero pages means nothing was fetched."""
        self._inc(STAT_PAGES)

    def parse_error(self, what: str, reason: str, url: str | None = None, *, exc_info: bool = False) -> None:
        """Count and log something malformed (an item, a page, a field) and carry on."""
        self._inc(STAT_PARSE_ERRORS)
        logger.warning(
            "source %s: malformed %s%s: %s",
            self.source.name,
            what,
            f" at {redact_url(url)}" if url else "",
            reason,
            exc_info=exc_info,
        )

    def on_error(self, failure: Failure) -> None:
        """Errback of every request: count why it produced no page."""
        exc = failure.value
        request = getattr(failure, "request", None)
        url = redact_url(request.url) if request is not None else "?"
        if isinstance(exc, RobotsBlocked):
            return  # counted (yuqing/robots_blocked) and explained by the robots middleware
        if isinstance(exc, HttpError):
            kind, reason = "http", f"HTTP {exc.response.status}"
        elif isinstance(exc, IgnoreRequest):
            # Left out on purpose by a component (an offsite link, say): policy, not a failure of the source.
            self._inc(STAT_REQUEST_IGNORED)
            logger.info("source %s: %s not fetched: %s", self.source.name, url, exc)
            return
        else:
            kind, reason = "network", f"{type(exc).__name__}: {exc}"
        self._inc(STAT_REQUEST_FAILED)
        self._inc(f"{STAT_REQUEST_FAILED}/{kind}")
        logger.warning("source %s: %s failed: %s", self.source.name, url, reason)

    def _inc(self, key: str) -> None:
        self.crawler.stats.inc_value(key)
