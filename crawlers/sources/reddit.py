"""Reddit through its OAuth API (application-only client credentials)."""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field, SecretStr

from crawlers.sources.base import CrawlUrl, PlatformSource

_SUBREDDIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$")


def _check_subreddit(value: str) -> str:
    name = value.strip().removeprefix("/").removeprefix("r/").strip("/")
    if not _SUBREDDIT.match(name):
        raise ValueError(f"{value!r} is not a subreddit name (2-21 letters, digits or '_', e.g. 'Android')")
    return name


#: A subreddit name; ``r/Android`` and ``/r/Android/`` are read as ``Android``.
Subreddit = Annotated[str, AfterValidator(_check_subreddit)]


class RedditSource(PlatformSource):
    """Posts matching the search words (optionally within subreddits), newest first, with their comments.

    Needs a Reddit "script" or "web" app: ``client_id`` and ``client_secret`` (from reddit.com/prefs/apps).
    Reddit asks API clients for a unique, descriptive User-Agent naming the app and a contact; the crawl's
    ``user_agent`` is sent as is, so set it (``crawl: {user_agent: ...}``) to name your deployment.
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
    subreddits: list[Subreddit] = Field(default_factory=list, description="Search only these subreddits.")
    comments: bool = Field(
        default=True, description="Also fetch the comments of new posts that mention a brand (one request each)."
    )

    def token_url(self) -> str:
        return self.auth_url or self.default_auth_url

    def missing_credentials(self) -> str | None:
        if not (self.client_id and self.client_secret):
            return "Reddit needs an OAuth app: set client_id and client_secret (e.g. ${REDDIT_CLIENT_ID})"
        if not (self.client_id.get_secret_value().strip() and self.client_secret.get_secret_value().strip()):
            return "Reddit's client_id or client_secret is empty (is its environment variable set?)"
        return None
