"""YouTube: new videos of channels (their RSS feed) and comments through the Data API."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, SecretStr

from crawlers.sources.base import CrawlUrl, PlatformSource


class YouTubeSource(PlatformSource):
    """Comments on the brand's videos: the channels' feeds list new videos, the Data API (commentThreads,
    1 quota unit per call) gives their comments, newest first. Needs a Data API key."""

    spider: ClassVar[str] = "crawlers.spiders.youtube.YouTubeSpider"
    default_platform: ClassVar[str] = "youtube"
    default_base_url: ClassVar[str] = "https://www.googleapis.com/youtube/v3"
    default_feed_url: ClassVar[str] = "https://www.youtube.com"
    min_delay: ClassVar[float] = 0.5
    official_api: ClassVar[bool] = True

    type: Literal["youtube"]
    api_key: SecretStr | None = None
    channel_ids: list[str] = Field(default_factory=list, description="Channels whose new videos to follow.")
    video_ids: list[str] = Field(default_factory=list, description="Videos to follow in any case.")
    feed_url: CrawlUrl | None = Field(default=None, description="Where channel feeds are read; tests only.")

    def feed_base(self) -> str:
        return (self.feed_url or self.default_feed_url).rstrip("/")

    def missing_credentials(self) -> str | None:
        if self.api_key is None or not self.api_key.get_secret_value().strip():
            return "YouTube comments need a Data API key: set api_key (e.g. api_key: ${YOUTUBE_API_KEY})"
        return None
