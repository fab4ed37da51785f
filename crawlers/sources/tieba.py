"""Baidu Tieba (tieba.baidu.com), behind a "bring your own cookie" option."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, SecretStr

from crawlers.sources.base import PlatformSource


class TiebaSource(PlatformSource):
    """Tieba keyword search (newest first) and the first page of each matched thread, with a logged-in browser
    cookie ("bring your own cookie": BDUSS and the rest, as copied from the browser).

    Targets Tieba's PC HTML layout as it was up to 2024 (``div.s_post`` results, ``div.l_post`` floors). Since
    2026-04 Tieba serves search and floors through signed JSON APIs instead; against that site this source
    reports a changed layout (degraded, samples saved) rather than storing wrong data.
    """

    spider: ClassVar[str] = "crawlers.spiders.tieba.TiebaSpider"
    default_platform: ClassVar[str] = "tieba"
    default_base_url: ClassVar[str] = "https://tieba.baidu.com"
    min_delay: ClassVar[float] = 3.0  # a logged-in account is at stake: browse at a person's pace

    type: Literal["tieba"]
    cookie: SecretStr | None = Field(default=None, description="A logged-in tieba.baidu.com cookie (BDUSS=...).")
    replies: bool = Field(default=True, description="Also read the first page of replies of matched threads.")

    def cookies(self) -> dict[str, str]:
        """The ``cookie`` string ("BDUSS=...; STOKEN=...", as copied from the browser) as name → value."""
        if self.cookie is None:
            return {}
        pairs = (part.strip().partition("=") for part in self.cookie.get_secret_value().split(";"))
        return {name.strip(): value.strip() for name, sep, value in pairs if sep and name.strip()}

    def missing_credentials(self) -> str | None:
        if self.cookie is None or not self.cookie.get_secret_value().strip():
            return "Tieba needs a logged-in browser cookie: set `cookie:` (e.g. cookie: ${TIEBA_COOKIE})"
        return None
