"""robots.txt, strictly as RFC 9309 says.

Scrapy's ``RobotsTxtMiddleware`` allows every URL when robots.txt cannot be fetched. RFC 9309 §2.3.1.4 says
the opposite: when robots.txt is *unreachable* (a 5xx answer or a network error) the crawler must assume
everything is disallowed, because the site may be down or overloaded precisely when its rules matter.

============================================  =========================================================
robots.txt fetch outcome                      policy for every URL of that origin
============================================  =========================================================
2xx                                           the rules in the file (parsed with Protego)
4xx except 429 ("unavailable", §2.3.1.3)      allow everything
429, 5xx, after retries ("unreachable")       disallow everything
network error after retries, redirect loop    disallow everything
any other status (1xx, a 3xx left over)       disallow everything (the RFC does not allow it either)
============================================  =========================================================

The fetch goes through the other downloader middlewares, so robots.txt is retried with backoff like any page
and redirects are followed (five at most, §2.3.1.2). Policies are kept per origin (scheme, host, port) for
the crawl; ``file://`` and ``data:`` URLs have no robots.txt and are always allowed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from protego import Protego
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached

from crawlers.settings import (
    STAT_ROBOTS_BLOCKED,
    STAT_ROBOTS_STATUS,
    STAT_ROBOTS_UNREACHABLE,
    redact_url,
    robots_user_agent,
)

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

#: Request meta key marking the robots.txt requests this middleware makes; other components may skip them.
ROBOTS_REQUEST = "yuqing_robots_txt"
#: RFC 9309 §2.5: a crawler must parse at least the first 500 KiB of robots.txt, whatever the page size limit.
MIN_ROBOTS_BYTES = 512 * 1024
#: RFC 9309 §2.3.1.2: follow at least five consecutive redirects.
ROBOTS_REDIRECTS = 5
#: robots.txt goes ahead of every page waiting for it.
ROBOTS_PRIORITY = 1000


class RobotsBlocked(IgnoreRequest):
    """A request robots.txt does not allow (the spider's errback tells it apart from other ignored requests)."""


@dataclass(frozen=True)
class RobotsPolicy:
    """What robots.txt says for one origin: its rules, or allow/disallow everything, and why."""

    origin: str
    reason: str
    allow_all: bool = False
    rules: Any = None  # a Protego parser when the file was fetched

    def allows(self, url: str, user_agent: str) -> bool:
        if self.rules is not None:
            return bool(self.rules.can_fetch(url, user_agent))
        return self.allow_all

    @classmethod
    def from_response(cls, origin: str, status: int, body: bytes) -> RobotsPolicy:
        """The policy a robots.txt answer gives (see the module docstring for the table)."""
        if 200 <= status < 300:
            text = body.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
            try:
                rules = Protego.parse(text)
            except Exception as exc:  # Protego is lenient; anything it still cannot read means "no usable rules"
                return cls(origin, f"robots.txt (HTTP {status}) could not be parsed: {exc}")
            return cls(origin, f"robots.txt rules (HTTP {status})", rules=rules)
        if 400 <= status < 500 and status != 429:
            return cls(origin, f"robots.txt unavailable (HTTP {status}): no rules", allow_all=True)
        return cls(origin, f"robots.txt unreachable (HTTP {status})")

    @classmethod
    def unreachable(cls, origin: str, exc: BaseException) -> RobotsPolicy:
        return cls(origin, f"robots.txt unreachable ({type(exc).__name__}: {exc})")


class StrictRobotsTxtMiddleware:
    """Downloader middleware refusing requests robots.txt does not allow (RFC 9309, strictly).

    Counts refused requests in ``yuqing/robots_blocked`` and logs, once per origin, why they are refused.
    Needs ``ROBOTSTXT_OBEY``; matches groups against ``ROBOTSTXT_USER_AGENT`` (default: the product token
    of ``USER_AGENT``). A request with ``dont_obey_robotstxt`` in its meta is let through.
    """

    def __init__(self, crawler: Crawler, user_agent: str, max_bytes: int):
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.user_agent = user_agent
        self.max_bytes = max_bytes
        self._policies: dict[str, asyncio.Future[RobotsPolicy]] = {}
        self._reported: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured("ROBOTSTXT_OBEY is off")
        user_agent = settings.get("ROBOTSTXT_USER_AGENT") or robots_user_agent(settings.get("USER_AGENT") or "")
        page_limit = settings.getint("DOWNLOAD_MAXSIZE")
        # 0 means "no limit" to Scrapy; otherwise never below what the RFC requires to be read.
        max_bytes = 0 if page_limit == 0 else max(page_limit, MIN_ROBOTS_BYTES)
        return cls(crawler, user_agent, max_bytes)

    async def process_request(self, request: Request) -> None:
        if request.meta.get("dont_obey_robotstxt") or request.meta.get(ROBOTS_REQUEST):
            return
        parts = urlparse_cached(request)
        if parts.scheme not in ("http", "https"):
            return  # file: and data: URLs have no robots.txt
        # The origin without user:password, so credentials in a URL never reach a log line.
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host  # an IPv6 address
        origin = f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")
        policy = await self.policy(origin)
        if policy.allows(request.url, self.user_agent):
            return
        self.stats.inc_value(STAT_ROBOTS_BLOCKED)
        if origin not in self._reported:
            self._reported.add(origin)
            logger.warning(
                "robots.txt forbids %s (%s); further refusals on %s are logged at DEBUG",
                redact_url(request.url),
                policy.reason,
                origin,
            )
        else:
            logger.debug("robots.txt forbids %s (%s)", redact_url(request.url), policy.reason)
        raise RobotsBlocked(f"forbidden by robots.txt: {policy.reason}")

    async def policy(self, origin: str) -> RobotsPolicy:
        """The policy of ``origin``, fetching its robots.txt once; concurrent requests wait for that fetch."""
        pending = self._policies.get(origin)
        if pending is None:
            pending = asyncio.ensure_future(self._fetch(origin))
            self._policies[origin] = pending
        # shield: one cancelled waiter must not cancel the fetch every other request of the origin waits for.
        return await asyncio.shield(pending)

    async def _fetch(self, origin: str) -> RobotsPolicy:
        request = Request(
            f"{origin}/robots.txt",
            priority=ROBOTS_PRIORITY,
            callback=NO_CALLBACK,
            meta={
                ROBOTS_REQUEST: True,
                "dont_obey_robotstxt": True,
                "redirect_ttl": ROBOTS_REDIRECTS,
                "download_maxsize": self.max_bytes,
            },
        )
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as exc:  # any failure to get an answer, after retries, is "unreachable"
            policy = RobotsPolicy.unreachable(origin, exc)
        else:
            self.stats.inc_value(f"{STAT_ROBOTS_STATUS}/{response.status}")
            policy = RobotsPolicy.from_response(origin, response.status, response.body)
        if policy.rules is None and not policy.allow_all:
            self.stats.inc_value(STAT_ROBOTS_UNREACHABLE)
            logger.warning("%s: every URL of %s is treated as disallowed (RFC 9309 §2.3.1.4)", policy.reason, origin)
        elif policy.allow_all:
            logger.info("%s: every URL of %s is allowed (RFC 9309 §2.3.1.3)", policy.reason, origin)
        else:
            logger.info("%s: obeying them for %s as %r", policy.reason, origin, self.user_agent)
        return policy
