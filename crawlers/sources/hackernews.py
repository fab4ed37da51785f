"""Hacker News (Algolia search API)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from crawlers.sources.base import PlatformSource


class HackerNewsSource(PlatformSource):
    """Hacker News stories and comments that mention the search words, or link to the brand's domains."""

    spider: ClassVar[str] = "crawlers.spiders.hackernews.HackerNewsSpider"
    default_platform: ClassVar[str] = "hackernews"
    default_base_url: ClassVar[str] = "https://hn.algolia.com"
    min_delay: ClassVar[float] = 1.0  # Algolia allows about 10,000 requests an hour per address

    type: Literal["hackernews"]
    domains: list[str] = Field(default_factory=list, description="Also find stories linking to these domains.")
    tags: list[Literal["story", "comment"]] = Field(default=["story", "comment"], min_length=1)
    hits_per_page: int = Field(default=100, ge=1, le=1000)
    threads: bool = Field(
        default=False,
        description="Also read the whole comment thread (/api/v1/items/{id}) of new stories that name a brand.",
    )
