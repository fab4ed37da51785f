"""Xiaohongshu (小红书): note search by keyword (newest first), note details and comments."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from crawlers.sources.signed import SignedSource


class XiaohongshuSource(SignedSource):
    """Notes whose text names the search words, with their details and first comments.

    Needs the ``a1`` and ``web_session`` cookies of a logged-in www.xiaohongshu.com session and a signing
    service for X-s/X-t/X-s-common (PLATFORMS.md §2.5). The account can be flagged (code 300011) when read too
    fast: ``min_delay`` is high on purpose.
    """

    spider: ClassVar[str] = "crawlers.spiders.xiaohongshu.XiaohongshuSpider"
    default_platform: ClassVar[str] = "xiaohongshu"
    default_base_url: ClassVar[str] = "https://edith.xiaohongshu.com"
    min_delay: ClassVar[float] = 5.0
    login_cookies: ClassVar[tuple[str, ...]] = ("a1", "web_session")
    sign_cookies: ClassVar[tuple[str, ...]] = ("a1",)

    type: Literal["xiaohongshu"]
    details: bool = Field(
        default=False,
        description="Fetch every new note's detail (full text, all counts); off: only untitled cards "
        "(fewer calls, less "
        "risk of the account being flagged).",
    )
    sub_comment_pages: int = Field(default=0, ge=0, le=10, description="Reply pages read per comment.")
