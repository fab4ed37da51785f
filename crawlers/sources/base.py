"""The options every source has, and the base classes of source types.

This package is deliberately light (pydantic only) because the config loader imports it to validate the
``sources:`` section before anything runs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Annotated, ClassVar
from urllib.parse import urlparse

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from foundation.types import Duration, Name


def _check_url(value: str) -> str:
    value = value.strip()
    parsed = urlparse(value)
    if parsed.scheme not in {"http", "https", "file"}:
        raise ValueError(f"{value!r} is not an http(s):// or file:// URL")
    if parsed.scheme != "file" and not parsed.netloc:
        raise ValueError(f"{value!r} has no host")
    return value


#: A URL a crawl may start from: http, https or file.
CrawlUrl = Annotated[str, AfterValidator(_check_url)]

_SELECTOR = re.compile(r"^(css|xpath):(.+)$", re.DOTALL)


def _check_selector(value: str) -> str:
    match = _SELECTOR.match(value.strip())
    if not match:
        raise ValueError(f"{value!r} is not a selector; write css:EXPR or xpath:EXPR")
    kind, expr = match.groups()
    # Compile now so a typo is a config error, not a failure in the middle of a crawl.
    from parsel import Selector

    try:
        if kind == "css":
            Selector(text="<html></html>").css(expr)
        else:
            Selector(text="<html></html>").xpath(expr)
    except Exception as exc:  # parsel raises several unrelated types for bad expressions
        raise ValueError(f"invalid {kind} selector {expr!r}: {exc}") from exc
    return f"{kind}:{expr.strip()}"


#: ``css:EXPR`` or ``xpath:EXPR``; checked when the config is loaded.
SelectorText = Annotated[str, AfterValidator(_check_selector)]


class CrawlOptions(BaseModel):
    """Politeness and limits of a crawl. The ``crawl:`` section sets defaults; a source may override any."""

    model_config = ConfigDict(extra="forbid")

    user_agent: str = "YuqingBot/0.1 (brand monitoring; +https://github.com/yuqing-project/yuqing)"
    download_delay: float = Field(default=1.0, ge=0, description="Seconds between requests to one site.")
    autothrottle: bool = True
    autothrottle_start_delay: float = Field(default=1.0, ge=0)
    autothrottle_max_delay: float = Field(default=60.0, gt=0)
    concurrent_requests_per_domain: int = Field(default=2, ge=1, le=16)
    retry_times: int = Field(default=3, ge=0, le=10)
    retry_backoff_base: float = Field(default=1.0, ge=0, description="First retry waits this long, then doubles.")
    retry_backoff_max: float = Field(default=60.0, ge=0)
    retry_after_max: float = Field(default=300.0, ge=0, description="Longest Retry-After honoured; longer gives up.")
    response_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_pages: int = Field(default=10, ge=1, description="List pages followed per start URL per run.")
    batch_size: int = Field(default=200, ge=1, le=5000, description="Mentions written to the index per batch.")


class CrawlOverrides(BaseModel):
    """The same fields as :class:`CrawlOptions`, all optional."""

    model_config = ConfigDict(extra="forbid")

    user_agent: str | None = None
    download_delay: float | None = Field(default=None, ge=0)
    autothrottle: bool | None = None
    autothrottle_start_delay: float | None = Field(default=None, ge=0)
    autothrottle_max_delay: float | None = Field(default=None, gt=0)
    concurrent_requests_per_domain: int | None = Field(default=None, ge=1, le=16)
    retry_times: int | None = Field(default=None, ge=0, le=10)
    retry_backoff_base: float | None = Field(default=None, ge=0)
    retry_backoff_max: float | None = Field(default=None, ge=0)
    retry_after_max: float | None = Field(default=None, ge=0)
    response_max_bytes: int | None = Field(default=None, ge=1024)
    timeout_seconds: float | None = Field(default=None, gt=0)
    max_pages: int | None = Field(default=None, ge=1)
    batch_size: int | None = Field(default=None, ge=1, le=5000)

    def apply(self, defaults: CrawlOptions) -> CrawlOptions:
        return defaults.model_copy(update=self.model_dump(exclude_none=True))


class SourceConfig(BaseModel):
    """Options every source has. Subclasses add the options of one source type."""

    model_config = ConfigDict(extra="forbid")

    spider: ClassVar[str]
    default_platform: ClassVar[str]

    name: Name
    type: str
    enabled: bool = True
    interval: Duration = Field(default=timedelta(minutes=15), description="How often the scheduler crawls it.")
    brands: list[str] = Field(default_factory=list, description="Brands to match; empty means every brand.")
    brand: str | None = Field(
        default=None,
        description="Every item of this source is about this brand (its own app, company page or channel), "
        "whether or not the text names it; exclusion words still apply.",
    )
    platform: str | None = Field(default=None, description="Platform name stored on mentions.")
    language: str | None = Field(default=None, description="Language hint when a page does not say.")
    crawl: CrawlOverrides = Field(default_factory=CrawlOverrides)

    def platform_name(self) -> str:
        return self.platform or self.default_platform

    def crawl_options(self, defaults: CrawlOptions) -> CrawlOptions:
        return self.crawl.apply(defaults)


class PlatformSource(SourceConfig):
    """A source that reads one platform's API or pages, incrementally.

    Subclasses set ``default_base_url`` (where the platform lives) and ``min_delay`` (the politest pace the
    platform is known to tolerate; a source can still set its own ``crawl.download_delay``), and declare
    their credentials as :class:`pydantic.SecretStr` fields, which are never logged or shown.
    """

    default_base_url: ClassVar[str]
    min_delay: ClassVar[float] = 1.0
    #: Whether requests go to an official, authenticated API (OAuth, API key), to which robots.txt does not
    #: apply; scraped endpoints always obey robots.txt.
    official_api: ClassVar[bool] = False

    queries: list[str] = Field(
        default_factory=list, description="Search words; default: the keywords of the source's brands."
    )
    base_url: CrawlUrl | None = Field(
        default=None, description="Where the platform is reached; only for tests, proxies and mirrors."
    )
    backfill: Duration = Field(
        default=timedelta(days=7), description="On the first run (no cursor yet), how far back to fetch."
    )

    def api_base(self) -> str:
        return (self.base_url or self.default_base_url).rstrip("/")

    def crawl_options(self, defaults: CrawlOptions) -> CrawlOptions:
        options = super().crawl_options(defaults)
        if self.crawl.download_delay is None and options.download_delay < self.min_delay:
            options = options.model_copy(update={"download_delay": self.min_delay})
        return options

    def search_words(self, brands: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
        """The words to search: ``queries``, else the keywords of the brands this source watches."""
        if self.queries:
            return list(dict.fromkeys(self.queries))
        words: list[str] = []
        for name, keywords in brands:
            if not self.brands or name in self.brands:
                words.extend(keywords)
        return list(dict.fromkeys(words))

    def missing_credentials(self) -> str | None:
        """What the source still needs to run (``None`` when nothing), said so a person can fix it."""
        return None
