"""Google Play reviews (the store's own ``batchexecute`` endpoint)."""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field

from crawlers.sources.base import PlatformSource

# Android application ids: two or more dot-separated segments of letters, digits and underscores, each
# starting with a letter.
_PACKAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$")


def _package(value: str) -> str:
    value = value.strip()
    if not _PACKAGE.match(value):
        raise ValueError(f"{value!r} is not an Android package name (com.example.app)")
    return value


#: An Android package name, as in ``play.google.com/store/apps/details?id=...``.
PackageName = Annotated[str, AfterValidator(_package)]


class GooglePlaySource(PlatformSource):
    """Reviews of the brand's Android apps, newest first, paged with continuation tokens.

    Reviews rarely name the brand: set ``brand:`` so every review counts as a mention of it.
    """

    spider: ClassVar[str] = "crawlers.spiders.google_play.GooglePlaySpider"
    default_platform: ClassVar[str] = "google_play"
    default_base_url: ClassVar[str] = "https://play.google.com"
    min_delay: ClassVar[float] = 2.0

    type: Literal["google_play"]
    app_ids: list[PackageName] = Field(min_length=1, description="Package names, e.g. com.example.app.")
    lang: str = Field(
        default="zh", pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$", description="Review language (hl)."
    )
    country: str = Field(default="cn", pattern=r"^[A-Za-z]{2}$", description="Storefront country (gl).")
    per_page: int = Field(default=100, ge=1, le=199, description="Reviews per call; Google Play gives at most 199.")
