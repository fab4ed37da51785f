"""Reddit through its OAuth API (application-only client credentials)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, SecretStr

from crawlers.sources.base import CrawlUrl, PlatformSource


class RedditSource(PlatformSource):
    """Posts matching the search words (optionally within subreddits), newest first, with their comments.

    Needs a Reddit "script" or "web" app: ``client_id`` and ``client_secret`` (from reddit.com/prefs/apps).
    """

    spider: ClassVar[str] = "crawlers.spiders.reddit.RedditSpider"
    default_platform: ClassVar[str] = "reddit"
    default_base_url: ClassVar[str] = "https://oauth.reddit.com"
    default_auth_url: ClassVar[str] = "https://www.reddit.com/api/v1/access_token"
    min_delay: ClassVar[float] = 1.0  # 60 requests a minute with OAuth
    official_api: ClassVar[bool] = True

    type: Literal["reddit"]
    client_id: SecretStr | None = None
    client_secret: SecretStr | None = None
    auth_url: CrawlUrl | None = Field(default=None, description="Token endpoint; tests only.")
    subreddits: list[str] = Field(default_factory=list, description="Search only these subreddits.")
    comments: bool = Field(default=True, description="Also fetch the comments of matched posts.")

    def token_url(self) -> str:
        return self.auth_url or self.default_auth_url

    def missing_credentials(self) -> str | None:
        if not (self.client_id and self.client_secret):
            return "Reddit needs an OAuth app: set client_id and client_secret (e.g. ${REDDIT_CLIENT_ID})"
        return None
