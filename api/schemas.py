"""Request parameters and responses of the mention and statistics endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from index.base import MAX_LIMIT, MAX_OFFSET, Mention, SearchHit, SortOrder
from sentiment.base import SentimentLabel
from yuqing.timeutil import to_utc


def _utc(value: datetime | None) -> datetime | None:
    # A time without a zone is read as UTC rather than rejected: people paste "2026-11-01T08:00".
    return to_utc(value) if value is not None else None


class MentionSearchParams(BaseModel):
    """Query parameters of ``GET /mentions``. Unknown parameters are rejected, so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(default=None, max_length=500, description="Words that must all occur (中文 or English).")
    brand: list[str] = Field(default_factory=list, description="Repeat for several brands.")
    platform: list[str] = Field(default_factory=list)
    source: list[str] = Field(default_factory=list)
    language: list[str] = Field(default_factory=list)
    sentiment: list[SentimentLabel] = Field(default_factory=list, description="negative, neutral, positive, unscored")
    score_min: float | None = Field(default=None, ge=0.0, le=1.0, description="Lowest sentiment score (0 = negative).")
    score_max: float | None = Field(default=None, ge=0.0, le=1.0)
    since: datetime | None = Field(default=None, description="Published at or after (ISO 8601; UTC if no zone).")
    until: datetime | None = Field(default=None, description="Published before.")
    sort: SortOrder = SortOrder.time
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description=f"At most {MAX_OFFSET}; use the cursor beyond.")
    cursor: str | None = Field(default=None, description="next_cursor of the previous page.")
    highlight: bool = True

    @field_validator("since", "until")
    @classmethod
    def _as_utc(cls, value: datetime | None) -> datetime | None:
        return _utc(value)

    @model_validator(mode="after")
    def _coherent(self) -> MentionSearchParams:
        if self.since and self.until and self.since >= self.until:
            raise ValueError("'since' must be earlier than 'until'")
        if self.score_min is not None and self.score_max is not None and self.score_min > self.score_max:
            raise ValueError("'score_min' must not be greater than 'score_max'")
        if self.cursor and self.offset:
            raise ValueError("use either 'cursor' or 'offset', not both")
        return self


class MentionOut(BaseModel):
    """A stored mention. ``text`` and ``title`` are raw crawled text: escape them before showing them."""

    id: str
    platform: str
    post_id: str
    source: str
    url: str | None
    author: str | None
    title: str | None
    text: str
    published_at: datetime
    collected_at: datetime
    updated_at: datetime
    language: str
    rating: float | None
    likes: int | None
    reposts: int | None
    comments: int | None
    parent_id: str | None
    brands: list[str]
    matched_keywords: list[str]
    sentiment_score: float | None
    sentiment_label: SentimentLabel
    extra: dict[str, Any]

    @classmethod
    def of(cls, mention: Mention) -> MentionOut:
        return cls.model_validate(mention.model_dump(exclude={"content_hash"}))


class MentionHitOut(MentionOut):
    """A search result: the mention, its relevance and HTML-safe fragments with ``<mark>`` around matches."""

    score: float | None = None
    highlight: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def of_hit(cls, hit: SearchHit) -> MentionHitOut:
        data = hit.mention.model_dump(exclude={"content_hash"})
        return cls.model_validate({**data, "score": hit.score, "highlight": hit.highlights})


class MentionPage(BaseModel):
    items: list[MentionHitOut]
    total: int
    next_cursor: str | None


class TrendParams(BaseModel):
    """Query parameters of ``GET /stats/trend``."""

    model_config = ConfigDict(extra="forbid")

    brand: list[str] = Field(default_factory=list, description="Default: every configured brand.")
    platform: list[str] = Field(default_factory=list)
    interval: Literal["hour", "day"] = "hour"
    since: datetime | None = Field(default=None, description="Default: 48 hours (hour) or 30 days (day) ago.")
    until: datetime | None = Field(default=None, description="Default: now.")
    tz: str | None = Field(default=None, description="IANA zone for bucket boundaries; default: the config's.")

    @field_validator("since", "until")
    @classmethod
    def _as_utc(cls, value: datetime | None) -> datetime | None:
        return _utc(value)

    @model_validator(mode="after")
    def _coherent(self) -> TrendParams:
        if self.since and self.until and self.since >= self.until:
            raise ValueError("'since' must be earlier than 'until'")
        return self


class TrendPoint(BaseModel):
    start: datetime
    count: int
    negative: int
    negative_share: float | None


class TrendSeries(BaseModel):
    brand: str
    total: int
    negative: int
    buckets: list[TrendPoint]


class TrendOut(BaseModel):
    interval: str
    tz: str
    since: datetime
    until: datetime
    series: list[TrendSeries]
