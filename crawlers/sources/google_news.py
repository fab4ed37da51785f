"""Google News search RSS, per brand query and edition (language and country)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from crawlers.sources.base import PlatformSource


class NewsEdition(BaseModel):
    """A Google News edition: ``hl`` language, ``gl`` country, ``ceid`` country:language."""

    model_config = ConfigDict(extra="forbid")

    hl: str = Field(examples=["zh-CN", "en-US"])
    gl: str = Field(examples=["CN", "US"])
    ceid: str = Field(examples=["CN:zh-Hans", "US:en"])


class GoogleNewsSource(PlatformSource):
    """News articles matching each search word in each edition. No paging: poll it often."""

    spider: ClassVar[str] = "crawlers.spiders.google_news.GoogleNewsSpider"
    default_platform: ClassVar[str] = "google_news"
    default_base_url: ClassVar[str] = "https://news.google.com"
    min_delay: ClassVar[float] = 2.0

    type: Literal["google_news"]
    editions: list[NewsEdition] = Field(
        default_factory=lambda: [NewsEdition(hl="zh-CN", gl="CN", ceid="CN:zh-Hans")], min_length=1
    )
    exact: bool = Field(default=True, description='Search each word as an exact phrase ("...").')
