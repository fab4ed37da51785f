"""The base of sources for platforms that sign their requests and want a logged-in session (Xiaohongshu,
Douyin, Zhihu, Taobao/Tmall).

Yuqing bundles no signing code for these platforms: their signatures (Xiaohongshu X-s/X-t, Douyin a_bogus,
Zhihu x-zse-96, mtop ``sign``) are computed by JavaScript that changes often. The operator runs a signing
service of their choice and gives its URL; the spider asks it to sign each request (see
:mod:`crawlers.spiders.signed` for the exchange). The operator's cookies come from a logged-in browser session.
Neither is ever logged.
"""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from pydantic import Field, SecretStr

from crawlers.sources.base import CrawlUrl, PlatformSource


class SignedSource(PlatformSource):
    """A platform source with the operator's session cookies and an optional signing service.

    Extension point: a subclass sets ``needs_signature`` (whether the platform refuses unsigned requests),
    ``login_cookies`` (the cookie names a working session must have, said back when missing) and
    ``sign_cookies`` (the ones the signing service needs to compute the signature).
    """

    needs_signature: ClassVar[bool] = True
    login_cookies: ClassVar[tuple[str, ...]] = ()
    sign_cookies: ClassVar[tuple[str, ...]] = ()

    cookie: SecretStr | None = Field(
        default=None,
        description="The whole Cookie header of a logged-in browser session on the platform, e.g. ${XHS_COOKIE}.",
    )
    signing_url: CrawlUrl | None = Field(
        default=None,
        description="URL of the operator's signing service: POSTed {platform, method, url, body, cookies}, it "
        "answers {headers, query} to add to the request.",
    )
    refresh: timedelta | None = Field(
        default=timedelta(hours=6),
        description="Posts published within this long are read again on every run, so that their likes, comments "
        "and shares (and so their reach) stay current and a post that spreads fast is seen spreading; their "
        "comments are not fetched again. null: read each post once.",
    )
    comments: bool = Field(default=True, description="Also fetch the comments of new posts that name a brand.")
    comment_pages: int = Field(default=1, ge=0, le=10, description="Comment pages read per post.")

    def cookie_pairs(self) -> dict[str, str]:
        """The cookies of ``cookie`` by name."""
        if self.cookie is None:
            return {}
        pairs: dict[str, str] = {}
        for part in self.cookie.get_secret_value().split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name.strip():
                pairs[name.strip()] = value.strip()
        return pairs

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookie_pairs().items())

    def missing_credentials(self) -> str | None:
        name = self.platform_name()
        pairs = self.cookie_pairs()
        if not pairs:
            return (
                f"{name} answers only a logged-in session: set `cookie:` to the Cookie header of a browser logged "
                f"in to {name}" + (f" (it must hold {', '.join(self.login_cookies)})" if self.login_cookies else "")
            )
        missing = [c for c in self.login_cookies if not pairs.get(c)]
        if missing:
            return (
                f"the {name} `cookie:` has no {', '.join(missing)}: copy the whole Cookie header of a logged-in session"
            )
        if self.needs_signature and self.signing_url is None:
            return (
                f"{name} refuses unsigned requests: set `signing_url:` to the signing service you run "
                "(Yuqing bundles no signing code for this platform)"
            )
        return None
