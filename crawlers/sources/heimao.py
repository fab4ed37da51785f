"""Heimao 黑猫投诉 (tousu.sina.com.cn): complaints filed against a company, and keyword search."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, SecretStr, model_validator

from crawlers.sources.base import PlatformSource


class HeimaoSource(PlatformSource):
    """Complaints about the brand on 黑猫投诉, each with its demand (诉求) kept as its own field.

    The company feed (``company_ids``, the ``couid`` in the address of the company's page) needs no login; every
    complaint there is about the company, so set ``brand:`` on such a source. Keyword search is reported to need
    a login cookie (one public project says so; unverified).
    """

    spider: ClassVar[str] = "crawlers.spiders.heimao.HeimaoSpider"
    default_platform: ClassVar[str] = "heimao"
    default_base_url: ClassVar[str] = "https://tousu.sina.com.cn"
    min_delay: ClassVar[float] = 2.0  # a public scraper measured blocking (HTTP 456) above about 40 requests/min

    type: Literal["heimao"]
    company_ids: list[str] = Field(default_factory=list, description="couid of each company page to follow.")
    keyword_search: bool = Field(default=False, description="Also search complaints by keyword (needs cookie).")
    cookie: SecretStr | None = Field(default=None, description="A logged-in tousu.sina.com.cn cookie.")
    page_size: int = Field(default=10, ge=1, le=50)

    @model_validator(mode="after")
    def _something_to_read(self) -> HeimaoSource:
        if not self.company_ids and not self.keyword_search:
            raise ValueError("give company_ids, or set keyword_search: true (with a cookie)")
        return self

    def cookies(self) -> dict[str, str]:
        """The ``cookie`` string ("a=1; b=2", as copied from the browser) as name → value."""
        if self.cookie is None:
            return {}
        pairs = (part.strip().partition("=") for part in self.cookie.get_secret_value().split(";"))
        return {name.strip(): value.strip() for name, sep, value in pairs if sep and name.strip()}

    def has_cookie(self) -> bool:
        return self.cookie is not None and bool(self.cookie.get_secret_value().strip())

    def missing_credentials(self) -> str | None:
        # The company feed needs no login: only a source that has nothing but keyword search must stop.
        if self.keyword_search and not self.company_ids and not self.has_cookie():
            return "Heimao keyword search needs a logged-in tousu.sina.com.cn cookie: set `cookie:`"
        return None
