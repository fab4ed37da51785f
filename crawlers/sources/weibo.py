"""Weibo (m.weibo.cn): keyword search, real-time, and the comments of matched posts."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, SecretStr

from crawlers.sources.base import PlatformSource


class WeiboSource(PlatformSource):
    """Weibo keyword search through m.weibo.cn, newest first, with the first comments of each matched post.

    Since 2025 m.weibo.cn answers HTTP 432 to clients without a login cookie: give the ``SUB`` cookie of a
    logged-in m.weibo.cn session (from the browser), e.g. ``cookie: ${WEIBO_SUB}``.
    """

    spider: ClassVar[str] = "crawlers.spiders.weibo.WeiboSpider"
    default_platform: ClassVar[str] = "weibo"
    default_base_url: ClassVar[str] = "https://m.weibo.cn"
    min_delay: ClassVar[float] = 3.0  # weibo rate-limits hard; many reports of 432 and bans when faster

    type: Literal["weibo"]
    cookie: SecretStr | None = Field(
        default=None,
        description="The SUB cookie: its value, 'SUB=value', or a whole cookie string (only SUB is sent).",
    )
    search_type: Literal["realtime", "hot", "all"] = Field(
        default="realtime", description="realtime: newest posts (containerid type 61); hot: 60; all: 1."
    )
    comments: bool = Field(default=True, description="Also fetch the first page of comments of matched posts.")
    comment_pages: int = Field(default=1, ge=0, le=10, description="Comment pages read per matched post.")

    def sub_cookie(self) -> str | None:
        """The value of SUB from ``cookie``: the fix for HTTP 432 (weibo-crawler PR #582) sends SUB alone, since
        cookies copied from weibo.com rather than m.weibo.cn carry others that make things worse."""
        if self.cookie is None:
            return None
        text = self.cookie.get_secret_value().strip()
        if "=" not in text:
            return text or None
        for part in text.split(";"):
            name, _, value = part.strip().partition("=")
            if name.strip() == "SUB" and value.strip():
                return value.strip()
        return None

    def missing_credentials(self) -> str | None:
        if self.cookie is None or not self.cookie.get_secret_value().strip():
            return (
                "Weibo answers HTTP 432 without a login cookie: set `cookie:` to the SUB cookie of a logged-in "
                "m.weibo.cn session, e.g. cookie: ${WEIBO_SUB}"
            )
        if self.sub_cookie() is None:
            return "the Weibo `cookie:` has no SUB=...: give the SUB cookie of a logged-in m.weibo.cn session"
        return None
