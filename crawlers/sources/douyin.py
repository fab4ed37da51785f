"""Douyin (抖音): video and note search by keyword (newest first) and the comments of matched videos."""

from __future__ import annotations

from typing import ClassVar, Literal

from crawlers.sources.signed import SignedSource


class DouyinSource(SignedSource):
    """Videos and image notes whose text names the search words, with their first comments.

    Needs the cookies of a logged-in www.douyin.com session (``sessionid``; ``msToken`` and ``webid`` come
    with it) and a signing service for ``a_bogus`` (PLATFORMS.md §2.5).
    """

    spider: ClassVar[str] = "crawlers.spiders.douyin.DouyinSpider"
    default_platform: ClassVar[str] = "douyin"
    default_base_url: ClassVar[str] = "https://www.douyin.com"
    min_delay: ClassVar[float] = 5.0
    login_cookies: ClassVar[tuple[str, ...]] = ("sessionid",)
    sign_cookies: ClassVar[tuple[str, ...]] = ("msToken", "webid")

    type: Literal["douyin"]
