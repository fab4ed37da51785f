"""Trustpilot company reviews (the review pages' embedded data)."""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field

from crawlers.sources.base import PlatformSource

_DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")


def _check_domain(value: str) -> str:
    domain = value.strip().lower()
    if not _DOMAIN.match(domain):
        raise ValueError(
            f"{value!r} is not a domain as in trustpilot.com/review/DOMAIN (e.g. 'www.example.com': no scheme, no path)"
        )
    return domain


#: A company's domain, the last part of its Trustpilot page address.
TrustpilotDomain = Annotated[str, AfterValidator(_check_domain)]


class TrustpilotSource(PlatformSource):
    """Reviews on the company's Trustpilot page, newest first, with the company's replies.

    Reviews rarely name the brand: set ``brand:`` so every review counts as a mention of it.
    """

    spider: ClassVar[str] = "crawlers.spiders.trustpilot.TrustpilotSpider"
    default_platform: ClassVar[str] = "trustpilot"
    default_base_url: ClassVar[str] = "https://www.trustpilot.com"
    min_delay: ClassVar[float] = 2.0  # Trustpilot answers 403 after bursts

    type: Literal["trustpilot"]
    domains: list[TrustpilotDomain] = Field(
        min_length=1, description="Company domains as in trustpilot.com/review/DOMAIN."
    )
