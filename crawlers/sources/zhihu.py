"""Zhihu (知乎): general search by keyword and the comments of matched answers and articles."""

from __future__ import annotations

from typing import ClassVar, Literal

from crawlers.sources.signed import SignedSource


class ZhihuSource(SignedSource):
    """Answers and articles whose text names the search words, with their first comments.

    Needs the ``z_c0`` login cookie and ``d_c0`` of a logged-in www.zhihu.com session and a signing service
    for ``x-zse-96`` (PLATFORMS.md §2.5). Unverified against a real answer: no capture exists.
    """

    spider: ClassVar[str] = "crawlers.spiders.zhihu.ZhihuSpider"
    default_platform: ClassVar[str] = "zhihu"
    default_base_url: ClassVar[str] = "https://www.zhihu.com"
    min_delay: ClassVar[float] = 3.0
    login_cookies: ClassVar[tuple[str, ...]] = ("z_c0", "d_c0")
    sign_cookies: ClassVar[tuple[str, ...]] = ("d_c0",)

    type: Literal["zhihu"]
