"""Apple App Store customer reviews (the per-country RSS feed)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from crawlers.sources.base import PlatformSource


class AppStoreSource(PlatformSource):
    """Reviews of the brand's apps, newest first, per country storefront (pages 1-10 of 50 reviews).

    Reviews rarely name the brand: set ``brand:`` so every review counts as a mention of it.
    """

    spider: ClassVar[str] = "crawlers.spiders.app_store.AppStoreSpider"
    default_platform: ClassVar[str] = "app_store"
    default_base_url: ClassVar[str] = "https://itunes.apple.com"
    min_delay: ClassVar[float] = 1.0

    type: Literal["app_store"]
    app_ids: list[str] = Field(min_length=1, description="Numeric App Store ids (id1404176564 → 1404176564).")
    countries: list[str] = Field(default=["cn"], min_length=1, description="Storefronts (cn, us, jp, ...).")
