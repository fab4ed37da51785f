"""Generic web sources: RSS/Atom/RDF feeds, pages read with per-site selectors, and sitemaps.

All three are read incrementally (:mod:`crawlers.spiders.incremental`): a run yields only what is newer than
what the previous runs saw, and a first run reaches back ``backfill``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crawlers.sources.base import CrawlUrl, SelectorText, SourceConfig
from foundation.types import Duration, TimeZoneName


class FeedSource(SourceConfig):
    """RSS 2.0, RSS 1.0 (RDF) or Atom feeds. A URL may also be a site's page: with ``discover`` its feeds are
    found from its ``<link rel="alternate">`` tags."""

    spider: ClassVar[str] = "crawlers.spiders.feed.FeedSpider"
    default_platform: ClassVar[str] = "rss"

    type: Literal["feed"]
    urls: list[CrawlUrl] = Field(min_length=1)
    discover: bool = Field(default=False, description="Treat the URLs as pages and follow the feeds they link.")
    backfill: Duration = Field(
        default=timedelta(days=7), description="On the first run of a feed, how old an entry may be."
    )


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
    backfill: Duration = Field(
        default=timedelta(days=7),
        description="On the first run of a start URL, how old a post may be (posts without a date are kept).",
    )


class SitemapSource(SourceConfig):
    """Articles listed in sitemaps (news sitemaps included), read with per-site selectors like ``html`` or,
    without ``fields``, a generic article extraction.

    ``urls`` are sitemap or sitemap-index URLs (``.xml`` or ``.xml.gz``), or a site's root (a URL without a
    path, e.g. ``https://news.example.cn/``), whose robots.txt ``Sitemap:`` lines are used. Each run reads at
    most ``crawl.max_pages`` sitemap documents per URL, and fetches the articles dated (news
    ``publication_date``, else ``lastmod``) after what earlier runs saw, newest first, at most
    ``max_articles`` of them.
    """

    spider: ClassVar[str] = "crawlers.spiders.sitemap.SitemapSpider"
    default_platform: ClassVar[str] = "web"

    type: Literal["sitemap"]
    urls: list[CrawlUrl] = Field(min_length=1)
    url_pattern: str | None = Field(default=None, description="Only article URLs matching this regex (search).")
    fields: HtmlFields | None = Field(
        default=None,
        description="Selectors on the article page; default: the title, main text and date found generically.",
    )
    date_format: str | None = None
    timezone: TimeZoneName = "UTC"
    max_articles: int = Field(default=200, ge=1, le=5000, description="Articles fetched per run, newest first.")
    backfill: Duration = Field(default=timedelta(days=2), description="On the first run, how far back to read.")

    @field_validator("url_pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        # Compile now so a typo is a config error, not a failure in the middle of a crawl.
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {value!r}: {exc}") from exc
        return value
