"""The common mention item every spider yields, whatever the platform."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from foundation.timeutil import to_utc
from foundation.vocabulary import SentimentLabel
from index.base import Mention, mention_id
from index.reach import reach


@dataclass
class MentionItem:
    """A post, comment or review as a spider found it.

    Spiders fill the platform fields; the pipelines fill ``brands``, ``matched_keywords``, ``language``
    (when the page did not say), the sentiment fields and ``category``. ``extra`` keeps platform-specific
    fields that have no common column (an app version, a developer reply, a complaint's demand).
    """

    platform: str
    post_id: str
    text: str
    source: str = ""
    url: str | None = None
    author: str | None = None
    title: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    rating: float | None = None
    likes: int | None = None
    reposts: int | None = None
    comments: int | None = None
    parent_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    brands: list[str] = field(default_factory=list)
    matched_keywords: list[str] = field(default_factory=list)
    sentiment_score: float | None = None
    sentiment_label: str = SentimentLabel.unscored.value
    category: str | None = None
    collected_at: datetime | None = None
    #: The text of the post a comment answers: brand matching reads it (a reply in a thread about a brand is
    #: about the brand even when it only says "同感"), but it is not stored with the comment.
    context: str | None = None

    @property
    def id(self) -> str:
        return mention_id(self.platform, self.post_id)

    def to_mention(self, now: datetime) -> Mention:
        """The stored form. A post without a date is dated when it was collected, and so is one whose date lies
        far in the future or before the web (a parsing slip, a wrong zone, a placeholder): either way the
        mention is flagged ``date_estimated`` (volume baselines leave it out) and a clamped date is kept in
        ``extra["published_at_given"]``."""
        collected = to_utc(self.collected_at or now)
        published, estimated, extra = clamp_date(self.published_at, collected), False, dict(self.extra)
        if published is None:
            published, estimated = collected, True
            if self.published_at is not None:
                extra["published_at_given"] = to_utc(self.published_at).isoformat()
        return Mention(
            id=self.id,
            platform=self.platform,
            post_id=self.post_id,
            source=self.source,
            url=self.url,
            author=self.author,
            title=self.title,
            text=self.text,
            published_at=published,
            date_estimated=estimated,
            collected_at=collected,
            updated_at=to_utc(now),
            language=self.language or "und",
            rating=self.rating,
            likes=self.likes,
            reposts=self.reposts,
            comments=self.comments,
            parent_id=self.parent_id,
            brands=list(self.brands),
            matched_keywords=list(self.matched_keywords),
            sentiment_score=self.sentiment_score,
            sentiment_label=SentimentLabel(self.sentiment_label),
            category=self.category,
            extra=extra,
            reach=reach(self.platform, self.likes, self.comments, self.reposts, self.extra),
        )


#: Dates further ahead than this are not believed (clocks and zones disagree by hours, not days).
FUTURE_SLACK = timedelta(days=1)
#: Dates before this are not believed either: no platform we crawl published anything earlier.
EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)


def clamp_date(published_at: datetime | None, collected: datetime) -> datetime | None:
    """``published_at`` in UTC, or ``None`` when it is missing or not believable (far future or past)."""
    if published_at is None:
        return None
    value = to_utc(published_at)
    if value > collected + FUTURE_SLACK or value < EARLIEST:
        return None
    return value
