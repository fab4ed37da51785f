"""Baidu Tieba (tieba.baidu.com), behind a "bring your own cookie" option."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, SecretStr

from crawlers.sources.base import PlatformSource


class TiebaSource(PlatformSource):
    """Tieba keyword search and thread replies. Tieba's pages need a logged-in browser cookie (BDUSS)."""

    spider: ClassVar[str] = "crawlers.spiders.tieba.TiebaSpider"
    default_platform: ClassVar[str] = "tieba"
    default_base_url: ClassVar[str] = "https://tieba.baidu.com"
    min_delay: ClassVar[float] = 3.0

    type: Literal["tieba"]
    cookie: SecretStr | None = Field(default=None, description="A logged-in tieba.baidu.com cookie (BDUSS=...).")
    replies: bool = Field(default=True, description="Also read the first page of replies of matched threads.")

    def missing_credentials(self) -> str | None:
        if self.cookie is None or not self.cookie.get_secret_value().strip():
            return "Tieba needs a logged-in browser cookie: set `cookie:` (e.g. cookie: ${TIEBA_COOKIE})"
        return None
