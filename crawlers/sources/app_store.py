"""Apple App Store customer reviews (the per-country RSS feed)."""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field

from crawlers.sources.base import PlatformSource

_APP_ID = re.compile(r"^(?:id)?(\d{5,12})$", re.IGNORECASE)
_COUNTRY = re.compile(r"^[a-z]{2}$")


def _app_id(value: str) -> str:
    match = _APP_ID.match(value.strip())
    if not match:
        raise ValueError(f"{value!r} is not an App Store id: write the number in the app's URL (id1404176564)")
    return match[1]


def _country(value: str) -> str:
    value = value.strip().lower()
    if not _COUNTRY.match(value):
        raise ValueError(f"{value!r} is not a two-letter storefront code (cn, us, jp, ...)")
    return value


#: A numeric App Store id; ``id1404176564`` (as in the app's URL) is accepted and becomes ``1404176564``.
AppId = Annotated[str, AfterValidator(_app_id)]
#: A storefront: an ISO 3166 two-letter country code, lower case.
Storefront = Annotated[str, AfterValidator(_country)]


class AppStoreSource(PlatformSource):
    """Reviews of the brand's apps, newest first, per country storefront (pages 1-10 of 50 reviews).

    Reviews rarely name the brand: set ``brand:`` so every review counts as a mention of it.
    """

    spider: ClassVar[str] = "crawlers.spiders.app_store.AppStoreSpider"
    default_platform: ClassVar[str] = "app_store"
    default_base_url: ClassVar[str] = "https://itunes.apple.com"
    min_delay: ClassVar[float] = 1.0

    type: Literal["app_store"]
    app_ids: list[AppId] = Field(min_length=1, description="Numeric App Store ids (id1404176564 → 1404176564).")
    countries: list[Storefront] = Field(default=["cn"], min_length=1, description="Storefronts (cn, us, jp, ...).")
