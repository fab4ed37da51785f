"""Trustpilot company reviews (the review pages' embedded data)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from crawlers.sources.base import PlatformSource


class TrustpilotSource(PlatformSource):
    """Reviews on the company's Trustpilot page, newest first, with the company's replies.

    Reviews rarely name the brand: set ``brand:`` so every review counts as a mention of it.
    """

    spider: ClassVar[str] = "crawlers.spiders.trustpilot.TrustpilotSpider"
    default_platform: ClassVar[str] = "trustpilot"
    default_base_url: ClassVar[str] = "https://www.trustpilot.com"
    min_delay: ClassVar[float] = 2.0  # Trustpilot answers 403 after bursts

    type: Literal["trustpilot"]
    domains: list[str] = Field(min_length=1, description="Company domains as in trustpilot.com/review/DOMAIN.")
