"""Retries with exponential backoff and jitter, honouring ``Retry-After``.

Scrapy's ``RetryMiddleware`` re-sends a failed request at once, which hammers a server that is failing
because it is overloaded, and ignores the ``Retry-After`` a 429 or 503 answer carries. This middleware
replaces it (same settings: ``RETRY_TIMES``, ``RETRY_HTTP_CODES``, ``RETRY_EXCEPTIONS``, the ``dont_retry``
and ``max_retry_times`` meta keys, the ``retry/*`` stats) and adds:

- a wait before each retry: ``YUQING_RETRY_BACKOFF_BASE`` seconds, doubling per retry, capped at
  ``YUQING_RETRY_BACKOFF_MAX``, each drawn at random between half and all of it so that the requests that
  failed together do not come back together;
- on 429 and 503, a ``Retry-After`` (seconds or an HTTP date) replaces that wait and pauses *every* request to
  the host until then, since it is the host that asked; a ``Retry-After`` longer than
  ``YUQING_RETRY_AFTER_MAX`` is not waited for: the request gives up at once, counted in
  ``yuqing/retry/retry_after_too_long``;
- every HTTP error response (status >= 400, each attempt) counted in ``yuqing/http_status/<status>``.

The wait happens inside the middleware, so the request stays active in the downloader and the crawl does not
finish while a retry is pending.
"""

from __future__ import annotations

import logging
import random
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from time import monotonic
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import sleep
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import load_object
from scrapy.utils.response import response_status_message

from crawlers.middlewares.robots import ROBOTS_REQUEST
from crawlers.settings import (
    RETRY_AFTER_MAX,
    RETRY_BACKOFF_BASE,
    RETRY_BACKOFF_MAX,
    STAT_HTTP_STATUS,
    STAT_RETRY_AFTER_TOO_LONG,
    STAT_RETRY_WAITED,
)

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

_SECONDS = re.compile(r"\d+(\.\d+)?")

#: Statuses whose Retry-After header is honoured (RFC 9110 §10.2.3, RFC 6585 §4).
RETRY_AFTER_STATUSES = frozenset({429, 503})


def parse_retry_after(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds or an HTTP date; ``None`` if absent or bad."""
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if not text:
        return None
    if _SECONDS.fullmatch(text):
        return float(text)  # RFC 9110 says an integer; "1.5" is read too rather than ignored
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT; a zone-less one is taken as such
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware:
    """Downloader middleware: retry transient failures after an exponential, jittered backoff.

    Built from ``crawler.settings`` (see the module docstring for the keys). ``rng`` returns a float in
    [0, 1) and exists so tests can remove the randomness.
    """

    def __init__(
        self,
        crawler: Crawler,
        *,
        max_retry_times: int,
        retry_http_codes: frozenset[int],
        exceptions_to_retry: tuple[type[BaseException], ...],
        priority_adjust: int,
        backoff_base: float,
        backoff_max: float,
        retry_after_max: float,
        rng: random.Random | None = None,
    ):
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_retry_times = max_retry_times
        self.retry_http_codes = retry_http_codes
        self.exceptions_to_retry = exceptions_to_retry
        self.priority_adjust = priority_adjust
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.retry_after_max = retry_after_max
        self._rng = rng or random.Random()
        self._host_resumes: dict[str, float] = {}  # host -> monotonic time its Retry-After pause ends

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("RETRY_ENABLED"):
            raise NotConfigured("RETRY_ENABLED is off")
        exceptions = tuple(
            load_object(name) if isinstance(name, str) else name for name in settings.getlist("RETRY_EXCEPTIONS")
        )
        return cls(
            crawler,
            max_retry_times=settings.getint("RETRY_TIMES"),
            retry_http_codes=frozenset(int(code) for code in settings.getlist("RETRY_HTTP_CODES")),
            exceptions_to_retry=exceptions,
            priority_adjust=settings.getint("RETRY_PRIORITY_ADJUST"),
            backoff_base=settings.getfloat(RETRY_BACKOFF_BASE, 1.0),
            backoff_max=settings.getfloat(RETRY_BACKOFF_MAX, 60.0),
            retry_after_max=settings.getfloat(RETRY_AFTER_MAX, 300.0),
        )

    # -- the middleware interface ---------------------------------------------------------------------------
    async def process_request(self, request: Request) -> None:
        """Hold requests to a host that asked, with Retry-After, not to be called before a given time."""
        host = urlparse_cached(request).hostname or ""
        wait = self._host_resumes.get(host, 0.0) - monotonic()
        if wait > 0:
            await self._sleep(wait)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status >= 400 and not request.meta.get(ROBOTS_REQUEST):
            # robots.txt answers are counted by the robots middleware: a 404 there is normal, not an error.
            self.stats.inc_value(f"{STAT_HTTP_STATUS}/{response.status}")
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        delay = self.backoff(request)
        if response.status in RETRY_AFTER_STATUSES:
            retry_after = parse_retry_after(response.headers.get(b"Retry-After"))
            if retry_after is not None:
                if retry_after > self.retry_after_max:
                    self.stats.inc_value(STAT_RETRY_AFTER_TOO_LONG)
                    logger.warning(
                        "%s answered %d with Retry-After %.0f s, longer than retry_after_max (%.0f s): giving up",
                        request.url,
                        response.status,
                        retry_after,
                        self.retry_after_max,
                    )
                    return response
                # Never earlier than asked; a little later at random so paused requests do not return at once.
                delay = retry_after * (1 + 0.1 * self._rng.random())
                self._pause_host(request, retry_after)
        retry = self._retry_request(request, response_status_message(response.status))
        if retry is None:
            return response
        await self._sleep(delay)
        return retry

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self._retry_request(request, exception)
        if retry is None:
            return None
        await self._sleep(self.backoff(request))
        return retry

    # -- helpers --------------------------------------------------------------------------------------------
    def backoff(self, request: Request) -> float:
        """The wait before the next retry of ``request``: base·2^retries, capped, with "equal jitter"."""
        retries_so_far = int(request.meta.get("retry_times", 0))
        ceiling = min(self.backoff_max, self.backoff_base * (2.0**retries_so_far))
        return ceiling * (0.5 + 0.5 * self._rng.random())

    def _retry_request(self, request: Request, reason: str | Exception) -> Request | None:
        spider = self.crawler.spider
        assert spider is not None  # a request is only processed while a spider is open
        return get_retry_request(
            request,
            spider=spider,
            reason=reason,
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
            priority_adjust=request.meta.get("priority_adjust", self.priority_adjust),
            logger=logger,
        )

    def _pause_host(self, request: Request, seconds: float) -> None:
        host = urlparse_cached(request).hostname or ""
        resume = monotonic() + seconds
        self._host_resumes[host] = max(resume, self._host_resumes.get(host, 0.0))

    async def _sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        self.stats.inc_value(STAT_RETRY_WAITED, round(seconds * 1000))
        await sleep(seconds)
