"""Bilibili: video search by keyword (WBI-signed, newest first) and the first page of comments."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, SecretStr

from crawlers.sources.base import CrawlUrl, PlatformSource


class BilibiliSource(PlatformSource):
    """Videos whose title or description mention the search words, with the first comments of each."""

    spider: ClassVar[str] = "crawlers.spiders.bilibili.BilibiliSpider"
    default_platform: ClassVar[str] = "bilibili"
    default_base_url: ClassVar[str] = "https://api.bilibili.com"
    #: The site visited first so that it sets the buvid3 cookie the API wants.
    default_site_url: ClassVar[str] = "https://www.bilibili.com"
    min_delay: ClassVar[float] = 2.0

    type: Literal["bilibili"]
    site_url: CrawlUrl | None = Field(default=None, description="Where the warm-up visit goes; tests only.")
    comments: bool = Field(
        default=True, description="Also fetch the first page of comments (newest first) of new matched videos."
    )
    sessdata: SecretStr | None = Field(
        default=None,
        description="Optional SESSDATA login cookie sent to the API: Bilibili blocks signed-out visitors more "
        "readily (v_voucher). It is checked against /x/web-interface/nav; a refused one stops the run.",
    )

    def site_base(self) -> str:
        return (self.site_url or self.default_site_url).rstrip("/")
