"""The base of spiders that read a platform incrementally (:class:`crawlers.sources.PlatformSource`).

On top of :class:`~crawlers.spiders.incremental.IncrementalSpider` (cursors, shape changes and samples, saving
cursors at close) it gives a platform spider:

- **queries**: one cursor per query; a query reads newest first and stops at posts already seen (or, on a
  first run, at the backfill horizon), at the last page, or at ``max_pages``.
- **credentials**: a source missing its cookie or key, or whose credentials the platform refuses (HTTP 432,
  a login page), ends the run as ``needs_credentials`` with the reason, instead of retrying forever.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar, NoReturn

from scrapy.exceptions import CloseSpider
from scrapy.http import Request, Response

from crawlers.items import MentionItem
from crawlers.matching import BrandMatcher
from crawlers.platforms.base import CredentialsRejected, Platform
from crawlers.settings import STAT_CREDENTIALS
from crawlers.sources import PlatformSource
from crawlers.spiders.incremental import IncrementalSpider

logger = logging.getLogger(__name__)

NEEDS_CREDENTIALS = "needs_credentials"  # the close reason of a spider stopped for credentials


class PlatformSpider(IncrementalSpider):
    """A spider for one platform; subclasses implement :meth:`first_requests` and their callbacks.

    Extension point: set ``source_type`` and ``parser`` (the platform's :class:`Platform`), build requests
    with :meth:`request`, read responses with :meth:`read` (which handles shape changes, expired credentials
    and per-item problems), and pass a page's items through :meth:`keep_new` with the query's cursor to
    decide whether to fetch the next page.
    """

    source_type: ClassVar[type[PlatformSource]] = PlatformSource
    source: PlatformSource
    parser: ClassVar[Platform]

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

    @cached_property
    def matcher(self) -> BrandMatcher:
        return BrandMatcher.from_config(self.app_config.brands if self.app_config else [])

    def mentions_brand(self, item: MentionItem) -> bool:
        """Whether the brand pipeline will keep ``item``: platform search is fuzzy, and the comments of a post
        that does not mention a brand are not worth a request."""
        return bool(self.matcher.match(thread_context(item), self.source.brands or None, self.source.brand))

    # -- trouble ---------------------------------------------------------------------------------------------
    def credentials_rejected(self, kind: str, response: Response, exc: CredentialsRejected) -> None:
        self.stop_for_credentials(f"{self.parser.name} refused the credentials ({exc.reason})")

    def stop_for_credentials(self, reason: str) -> NoReturn:
        """End the run as ``needs_credentials``: the requests still queued would meet the same refusal, and
        retrying them would only look like an attack to the platform."""
        self.needs_credentials(reason)
        raise CloseSpider(NEEDS_CREDENTIALS)

    def needs_credentials(self, reason: str) -> None:
        """Record that the source cannot run until a person gives it (new) credentials."""
        self.crawler.stats.set_value(STAT_CREDENTIALS, reason)
        logger.error("source %s needs credentials: %s", self.source.name, reason)


def thread_context(post: MentionItem) -> str:
    """What a comment of ``post`` inherits for brand matching (see :attr:`MentionItem.context`)."""
    return "\n".join(part for part in (post.title, post.text, post.context) if part)[:4000]


def newest_first(items: list[MentionItem]) -> list[MentionItem]:
    """Items sorted newest first (undated last), for platforms that do not sort their answers."""
    dated = [i for i in items if i.published_at is not None]
    dated.sort(key=lambda i: i.published_at or datetime.min, reverse=True)
    return dated + [i for i in items if i.published_at is None]
