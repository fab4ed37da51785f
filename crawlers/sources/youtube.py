"""YouTube: new videos of channels (their RSS feed) and comments through the Data API."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar, Literal, Self

from pydantic import Field, SecretStr, model_validator

from crawlers.sources.base import CrawlUrl, PlatformSource
from foundation.types import Duration


class YouTubeSource(PlatformSource):
    """Comments on the brand's videos: the channels' feeds list new videos, the Data API (commentThreads,
    1 quota unit per call) gives their comments, newest first. Needs a Data API key.

    Keyword search (``search.list``) is not used: it costs 100 units a call and is capped at 100 calls a
    day, so ``queries`` play no part here; follow the channels and videos that matter instead.
    """

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
    video_max_age: Duration = Field(
        default=timedelta(days=30),
        description="Follow the comments of a channel's videos published this recently (each costs a quota "
        "unit per run).",
    )
    store_videos: bool = Field(
        default=False,
        description="Also store the channels' videos as mentions: for channels of others that review the "
        "brand, not for the brand's own channel, whose videos are not what people say about it.",
    )
    feed_url: CrawlUrl | None = Field(default=None, description="Where channel feeds are read; tests only.")

    @model_validator(mode="after")
    def _something_to_follow(self) -> Self:
        if not (self.channel_ids or self.video_ids):
            raise ValueError("a youtube source needs channel_ids or video_ids to follow")
        return self

    def feed_base(self) -> str:
        return (self.feed_url or self.default_feed_url).rstrip("/")

    def missing_credentials(self) -> str | None:
        if self.api_key is None or not self.api_key.get_secret_value().strip():
            return "YouTube comments need a Data API key: set api_key (e.g. api_key: ${YOUTUBE_API_KEY})"
        return None
