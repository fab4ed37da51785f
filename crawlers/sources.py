"""Source types: the options each kind of source takes in the YAML config, and the spider that crawls it.

This module is deliberately light (pydantic only) because the config loader imports it to validate the
``sources:`` section before anything runs.

Extension point: a new source type subclasses :class:`SourceConfig`, fixes ``type`` with a ``Literal``, sets
``spider`` to the dotted path of its spider and ``default_platform``, and is added to :data:`SOURCE_TYPES`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, ClassVar, Literal
from urllib.parse import urlparse

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from config.types import Duration, Name, TimeZoneName


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
    platform: str | None = Field(default=None, description="Platform name stored on mentions.")
    language: str | None = Field(default=None, description="Language hint when a page does not say.")
    crawl: CrawlOverrides = Field(default_factory=CrawlOverrides)

    def platform_name(self) -> str:
        return self.platform or self.default_platform

    def crawl_options(self, defaults: CrawlOptions) -> CrawlOptions:
        return self.crawl.apply(defaults)


class FeedSource(SourceConfig):
    """An RSS 2.0, RSS 1.0 (RDF) or Atom feed."""

    spider: ClassVar[str] = "crawlers.spiders.feed.FeedSpider"
    default_platform: ClassVar[str] = "rss"

    type: Literal["feed"]
    urls: list[CrawlUrl] = Field(min_length=1)


class HtmlFields(BaseModel):
    """Where each field of a mention is on the page (``css:`` or ``xpath:`` selectors).

    On a list page the selectors are relative to one item; with ``link`` set they apply to the detail page.
    """

    model_config = ConfigDict(extra="forbid")

    text: SelectorText
    id: SelectorText | None = None
    title: SelectorText | None = None
    author: SelectorText | None = None
    published_at: SelectorText | None = None
    rating: SelectorText | None = None
    likes: SelectorText | None = None
    comments: SelectorText | None = None
    url: SelectorText | None = None


class HtmlSource(SourceConfig):
    """Review or forum pages read with per-site selectors: a list page, optionally a detail page per item."""

    spider: ClassVar[str] = "crawlers.spiders.html.HtmlSpider"
    default_platform: ClassVar[str] = "web"

    type: Literal["html"]
    start_urls: list[CrawlUrl] = Field(min_length=1)
    item: SelectorText = Field(description="Selects each post/review on a list page.")
    link: SelectorText | None = Field(default=None, description="Within an item: the detail page URL.")
    next_page: SelectorText | None = Field(default=None, description="On a list page: the next page URL.")
    fields: HtmlFields
    date_format: str | None = Field(default=None, description="strptime format; default: any common format.")
    timezone: TimeZoneName = Field(default="UTC", description="Zone of dates that carry none.")
    rating_scale: float = Field(default=5.0, gt=0, description="Ratings are stored as given; this is the maximum.")


#: Every source type, by the ``type`` value that selects it in YAML.
SOURCE_TYPES: dict[str, type[SourceConfig]] = {
    "feed": FeedSource,
    "html": HtmlSource,
}
