"""Google Play reviews (the store's own ``batchexecute`` endpoint)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from crawlers.sources.base import PlatformSource


class GooglePlaySource(PlatformSource):
    """Reviews of the brand's Android apps, newest first, paged with continuation tokens.

    Reviews rarely name the brand: set ``brand:`` so every review counts as a mention of it.
    """

    spider: ClassVar[str] = "crawlers.spiders.google_play.GooglePlaySpider"
    default_platform: ClassVar[str] = "google_play"
    default_base_url: ClassVar[str] = "https://play.google.com"
    min_delay: ClassVar[float] = 2.0

    type: Literal["google_play"]
    app_ids: list[str] = Field(min_length=1, description="Package names, e.g. com.example.app.")
    lang: str = Field(default="zh", description="Review language (hl).")
    country: str = Field(default="cn", description="Storefront country (gl).")
    per_page: int = Field(default=100, ge=1, le=199)
