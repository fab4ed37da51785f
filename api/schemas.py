"""Request parameters and responses of the mention and statistics endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from foundation.pii import find_pii
from foundation.timeutil import request_time
from index.base import MAX_FACET_SIZE, MAX_LIMIT, MAX_OFFSET, Mention, MentionFilter, SearchHit, SortOrder
from index.highlight import MARK_CLOSE, MARK_OPEN
from sentiment.base import SentimentLabel
from tickets.masking import mask_text


def _utc(value: datetime | None) -> datetime | None:
    # A time without a zone is read as UTC rather than rejected: people paste "2026-11-01T08:00".
    return request_time(value) if value is not None else None


#: The ``q`` parameter's description in the OpenAPI document: the search language in brief.
QUERY_SYNTAX = """The search language (README "Search language" has it all). Plain words must all occur,
Chinese or English: `退款 物流`. A Chinese word is matched as the phrase of its jieba tokens.

- `"申请 退款"` phrase; `refun*` prefix (leading wildcards and /regex/ are refused: 400)
- `a OR b` (`||`), `a AND b` (`&&`, or just a space), `NOT a` / `-a`, parentheses; NOT > AND > OR
- `"质量 退款"~5` or `质量 NEAR/5 退款`: within 5 tokens of each other, any order
- fields: `platform:weibo`, `brand:鲜达外卖`, `lang:en`, `author:"张三"`, `source:…`, `category:logistics`,
  `sentiment:negative`, `sentiment:<0.3`, `sentiment:[0.2 TO 0.4]`, `rating:<=2`, `rating:[1 TO 2]`,
  `date:[2026-11-01 TO 2026-11-07]`, `date:>=2026-11-01`, `date:>now-7d` (dates in the config's time zone);
  `title:…` and `text:…` restrict words to one part. `platform:(weibo OR douyin)` lists values.

A query that cannot be read is a 400 whose `details` give the `position` (column) and what was `expected`."""


class MentionFilterParams(BaseModel):
    """The filter parameters shared by ``GET /mentions`` and ``GET /mentions/facets``.

    Unknown parameters are rejected, so typos do not pass silently.
    """

    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(default=None, description=QUERY_SYNTAX)
    brand: list[str] = Field(default_factory=list, description="Repeat for several brands.")
    platform: list[str] = Field(default_factory=list)
    source: list[str] = Field(default_factory=list)
    language: list[str] = Field(default_factory=list)
    sentiment: list[SentimentLabel] = Field(default_factory=list, description="negative, neutral, positive, unscored")
    score_min: float | None = Field(default=None, ge=0.0, le=1.0, description="Lowest sentiment score (0 = negative).")
    score_max: float | None = Field(default=None, ge=0.0, le=1.0)
    since: datetime | None = Field(default=None, description="Published at or after (ISO 8601; UTC if no zone).")
    until: datetime | None = Field(default=None, description="Published before.")

    @field_validator("since", "until")
    @classmethod
    def _as_utc(cls, value: datetime | None) -> datetime | None:
        return _utc(value)

    @model_validator(mode="after")
    def _coherent_filter(self) -> MentionFilterParams:
        if self.since and self.until and self.since >= self.until:
            raise ValueError("'since' must be earlier than 'until'")
        if self.score_min is not None and self.score_max is not None and self.score_min > self.score_max:
            raise ValueError("'score_min' must not be greater than 'score_max'")
        return self

    def to_filter(self, brands: list[str], tz: str, **overrides: Any) -> MentionFilter:
        """The store filter: ``brands`` as the caller may see them, dates in ``q`` read in ``tz``."""
        values: dict[str, Any] = {
            "query": self.q,
            "query_tz": tz,
            "brands": brands,
            "platforms": self.platform,
            "sources": self.source,
            "languages": self.language,
            "labels": self.sentiment,
            "score_min": self.score_min,
            "score_max": self.score_max,
            "since": self.since,
            "until": self.until,
        }
        values.update(overrides)
        return MentionFilter(**values)


class MentionSearchParams(MentionFilterParams):
    """Query parameters of ``GET /mentions``."""

    sort: SortOrder = SortOrder.time
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description=f"At most {MAX_OFFSET}; use the cursor beyond.")
    cursor: str | None = Field(default=None, description="next_cursor of the previous page.")
    highlight: bool = True

    @model_validator(mode="after")
    def _one_paging_mode(self) -> MentionSearchParams:
        if self.cursor and self.offset:
            raise ValueError("use either 'cursor' or 'offset', not both")
        return self


class FacetParams(MentionFilterParams):
    """Query parameters of ``GET /mentions/facets``: the filter of ``GET /mentions``, and how much to list.

    Without ``since``/``until`` the period is the last 24 hours; the words are compared with the period of the
    same length just before it.
    """

    size: int = Field(default=10, ge=1, le=MAX_FACET_SIZE, description="Values listed per facet.")
    words: int = Field(default=20, ge=0, le=100, description="Top and rising words listed.")


class FacetValueOut(BaseModel):
    value: str
    count: int


class WordOut(BaseModel):
    word: str
    count: int = Field(description="Mentions containing the word: exact from the store's word counts, else estimated.")


class RisingWordOut(WordOut):
    previous: int = Field(description="Mentions containing it in the previous period.")
    ratio: float = Field(description="(count + 1) / (previous + 1)")


class FacetPeriodOut(BaseModel):
    since: datetime
    until: datetime
    previous_since: datetime
    previous_until: datetime


class FacetsOut(BaseModel):
    """Counts of the matching mentions by platform, brand, sentiment, category and language, and their words."""

    total: int
    facets: dict[str, list[FacetValueOut]]
    top_words: list[WordOut]
    rising_words: list[RisingWordOut]
    #: False when the word counts are estimates: a long range of a large store counts each day's top words
    #: only (and samples the range's ragged edges), or the store keeps no word counts and a sample was read.
    words_exact: bool = True
    period: FacetPeriodOut


class MentionOut(BaseModel):
    """A stored mention. ``text`` and ``title`` are raw crawled text with personal data masked (phones, ID and
    bank card numbers, e-mails, names): escape them before showing them."""

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
    category: str | None = None
    reach: float | None = None
    extra: dict[str, Any]

    @classmethod
    def of(cls, mention: Mention) -> MentionOut:
        return cls.model_validate(_masked(mention.model_dump(exclude={"content_hash"})))


class MentionHitOut(MentionOut):
    """A search result: the mention, its relevance and HTML-safe fragments with ``<mark>`` around matches."""

    score: float | None = None
    highlight: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def of_hit(cls, hit: SearchHit) -> MentionHitOut:
        data = _masked(hit.mention.model_dump(exclude={"content_hash"}))
        highlight = {name: _masked_fragment(fragment) for name, fragment in hit.highlights.items()}
        return cls.model_validate({**data, "score": hit.score, "highlight": highlight})


def _masked_fragment(fragment: str) -> str:
    """A highlighted fragment with its personal data masked. ``<mark>`` may split a number
    ("<mark>138</mark>12345678"), so the detector reads the text without the marks, and the marks are put back
    around what is shown."""
    plain = fragment.replace(MARK_OPEN, "").replace(MARK_CLOSE, "")
    findings = find_pii(plain, snippet=True)
    if not findings:
        return fragment
    out: list[str] = []
    at = 0  # position in ``plain``
    i = 0
    k = 0
    while i < len(fragment):
        tag = next((t for t in (MARK_OPEN, MARK_CLOSE) if fragment.startswith(t, i)), None)
        if tag is not None:
            out.append(tag)
            i += len(tag)
            continue
        finding = findings[k] if k < len(findings) else None
        if finding is not None and at == finding.start:
            out.append(finding.mask)
        if finding is None or not finding.start <= at < finding.end:
            out.append(fragment[i])
        at += 1
        i += 1
        if finding is not None and at >= finding.end:
            k += 1
    return "".join(out)


def _masked(data: dict[str, Any]) -> dict[str, Any]:
    # Complainants post their phone numbers and e-mail addresses for the brand to call back; the API and the
    # dashboard show them masked like a ticket's contact (the original post is one link away for those allowed
    # to follow it, and an unmasked export needs pii and is audited).
    return {**data, "title": mask_text(data.get("title")), "text": mask_text(data.get("text")) or ""}


class MentionPage(BaseModel):
    items: list[MentionHitOut]
    total: int = Field(description="Matching mentions; with total_exact false, at least this many (10,000+).")
    total_exact: bool = True
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
