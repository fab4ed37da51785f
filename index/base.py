"""The mention store interface and the shapes that cross it.

Every backend implements :class:`MentionStore`; ``tests/index/test_contract*.py`` run the same contract
against each one, so a caller never needs to know which backend it has.
"""

from __future__ import annotations

import base64
import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from foundation.errors import InvalidQuery, StoreError
from foundation.timeutil import to_utc
from foundation.vocabulary import Category, SentimentLabel
from index.query import query_is_ranked
from index.reach_groups import ReachGroups, group_mentions

MAX_OFFSET = 1000  # deeper pages must use the cursor: offsets cost O(offset) on both backends
MAX_LIMIT = 100
MAX_FACET_SIZE = 100
MAX_FACET_SAMPLE = 5000
#: Reach-weighted volumes count a mention as ``1 + reach / REACH_PER_MENTION`` (see
#: :meth:`MentionStore.reach_weighted_count`).
REACH_PER_MENTION = 25.0

#: Search totals are exact up to this many; beyond, a page says "at least this many" (``total_exact`` false),
#: as search engines do, so that a page of a common word does not cost a count of every match.
TOTAL_CAP = 10_000
#: The facets :meth:`MentionStore.facets` counts, by their names in the API.
FACET_FIELDS = ("platform", "brand", "sentiment", "category", "language")
_CATEGORIES = frozenset(c.value for c in Category)


#: ``json.dumps(payload, sort_keys=True, ensure_ascii=False)`` of :meth:`Mention.compute_hash`, built once
#: (``json.dumps`` with options builds an encoder per call).
_HASH_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False)


def mention_id(platform: str, post_id: str) -> str:
    """The deterministic id of a post: the same platform and post id always give the same mention."""
    digest = hashlib.blake2b(f"{platform}\x1f{post_id}".encode(), digest_size=12)
    return digest.hexdigest()


class Mention(BaseModel):
    """One post, comment or review that mentions a brand, as stored in the index."""

    model_config = ConfigDict(extra="forbid")

    id: str
    platform: str = Field(min_length=1, max_length=64)
    post_id: str = Field(min_length=1, max_length=512)
    source: str
    url: str | None = None
    author: str | None = None
    title: str | None = None
    text: str
    published_at: AwareDatetime
    collected_at: AwareDatetime
    updated_at: AwareDatetime
    language: str = "und"
    rating: float | None = None
    likes: int | None = None
    reposts: int | None = None
    comments: int | None = None
    parent_id: str | None = None
    brands: list[str] = Field(default_factory=list)
    matched_keywords: list[str] = Field(default_factory=list)
    sentiment_score: float | None = Field(default=None, ge=0.0, le=1.0)
    sentiment_label: SentimentLabel = SentimentLabel.unscored
    category: str | None = Field(
        default=None, description="Complaint category (tickets.enums.Category) set at ingest; None before it was."
    )
    extra: dict[str, Any] = Field(default_factory=dict)
    reach: float | None = Field(
        default=None,
        ge=0.0,
        le=100.0,
        description="How far it is likely to travel, 0-100, from engagement and author influence (index.reach); "
        "None when the platform's answer carried neither.",
    )
    date_estimated: bool = Field(
        default=False,
        description="The post gave no usable date: published_at is when it was first collected (or a date far in "
        "the future or past, clamped to that). Volume baselines leave such mentions out (MentionFilter.dated_only).",
    )
    content_hash: str = ""

    @field_validator("published_at", "collected_at", "updated_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if type(value) is datetime and value.tzinfo is UTC and not value.microsecond % 1000:
            return value  # UTC and whole milliseconds already (most mentions): what the two steps below give
        # Both backends keep milliseconds; cutting here makes a mention round-trip equal to itself.
        value = to_utc(value)
        return value.replace(microsecond=value.microsecond // 1000 * 1000)

    @field_validator("brands")
    @classmethod
    def _brand_set(cls, value: list[str]) -> list[str]:
        # A set in a stable order: the same post matched in another order is not a change.
        return sorted(set(value))

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str | None) -> str | None:
        if value is not None and value not in _CATEGORIES:
            raise ValueError(f"unknown category {value!r}; one of {', '.join(sorted(_CATEGORIES))}")
        return value

    @model_validator(mode="after")
    def _derived(self) -> Mention:
        expected = mention_id(self.platform, self.post_id)
        if self.id != expected:
            raise ValueError(f"id {self.id!r} does not match platform+post_id (expected {expected!r})")
        if not self.content_hash:
            self.content_hash = self.compute_hash()
        return self

    @classmethod
    def stored(cls, data: dict[str, Any]) -> Mention:
        """A mention from a store's row, every field given and already validated when it was written: built
        without validation, like ``model_construct`` but without its per-field work (a sixth of the time)."""
        mention = cls.__new__(cls)
        object.__setattr__(mention, "__dict__", data)
        object.__setattr__(mention, "__pydantic_fields_set__", set(data))
        object.__setattr__(mention, "__pydantic_extra__", None)
        object.__setattr__(mention, "__pydantic_private__", None)
        return mention

    def compute_hash(self) -> str:
        """Hash of everything a re-crawl could change; timestamps of our own are left out."""
        payload = self.model_dump(mode="json", exclude={"collected_at", "updated_at", "content_hash"})
        for optional in ("category", "reach"):
            if payload[optional] is None:
                # Mentions stored before these existed keep their hash: unchanged posts stay unchanged.
                del payload[optional]
        if not payload["date_estimated"]:
            del payload["date_estimated"]  # likewise for mentions stored before the flag existed
        raw = _HASH_JSON.encode(payload).encode()
        return hashlib.blake2b(raw, digest_size=16).hexdigest()


class MentionFilter(BaseModel):
    """Structured conditions on mentions. Empty lists mean "any"; ``until`` is exclusive."""

    model_config = ConfigDict(extra="forbid")

    brands: list[str] = Field(default_factory=list)
    platforms: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    labels: list[SentimentLabel] = Field(default_factory=list)
    score_min: float | None = Field(default=None, ge=0.0, le=1.0)
    score_max: float | None = Field(default=None, ge=0.0, le=1.0)
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    text: str | None = Field(default=None, description="Words that must all occur (Chinese or English).")
    query: str | None = Field(
        default=None,
        description="A search-language query (index.query): words, phrases, AND/OR/NOT, NEAR, field filters.",
    )
    query_tz: str = Field(default="UTC", description="IANA zone of dates written without one in 'query'.")
    query_now: AwareDatetime | None = Field(
        default=None,
        description="The moment 'now' means in the query's relative dates (now-7d); default: when it runs. "
        "Alert rules set it to the moment they evaluate, so a replay or a catch-up sees what was then.",
    )
    updated_since: AwareDatetime | None = Field(default=None, description="Stored or changed at or after.")
    updated_until: AwareDatetime | None = Field(default=None, description="Stored or changed before.")
    dated_only: bool = Field(
        default=False,
        description="Leave out mentions whose date was estimated (see Mention.date_estimated): counts that "
        "measure volume over time use it, so a crawl of many undated posts cannot look like a burst.",
    )

    @model_validator(mode="after")
    def _ranges(self) -> MentionFilter:
        if self.since and self.until and self.since >= self.until:
            raise ValueError("'since' must be earlier than 'until'")
        if self.updated_since and self.updated_until and self.updated_since >= self.updated_until:
            raise ValueError("'updated_since' must be earlier than 'updated_until'")
        if self.score_min is not None and self.score_max is not None and self.score_min > self.score_max:
            raise ValueError("'score_min' must not be greater than 'score_max'")
        if self.text is not None and not self.text.strip():
            self.text = None
        if self.query is not None and not self.query.strip():
            self.query = None
        try:
            ZoneInfo(self.query_tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.query_tz!r}; use an IANA name such as Asia/Shanghai") from exc
        return self

    def has_words(self) -> bool:
        """Whether there are words to rank by: ``text``, or words in ``query`` outside any NOT."""
        return bool(self.text) or (self.query is not None and query_is_ranked(self.query))


class SortOrder(StrEnum):
    time = "time"  # newest first
    relevance = "relevance"  # best match first; falls back to time without words


class SearchRequest(BaseModel):
    """A page of a search: conditions, order and where the page starts (a cursor or an offset)."""

    model_config = ConfigDict(extra="forbid")

    filter: MentionFilter = Field(default_factory=MentionFilter)
    sort: SortOrder = SortOrder.time
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    cursor: str | None = None
    highlight: bool = True

    @model_validator(mode="after")
    def _one_paging_mode(self) -> SearchRequest:
        if self.cursor and self.offset:
            raise ValueError("use either 'cursor' or 'offset', not both")
        return self

    def effective_sort(self) -> SortOrder:
        return self.sort if self.filter.has_words() else SortOrder.time

    def fingerprint(self) -> str:
        """Identifies the search a cursor belongs to, so a cursor cannot be replayed on another search."""
        payload = {"f": self.filter.model_dump(mode="json"), "s": self.effective_sort().value}
        raw = _HASH_JSON.encode(payload).encode()
        return hashlib.blake2b(raw, digest_size=6).hexdigest()


def encode_cursor(request: SearchRequest, values: Sequence[Any]) -> str:
    """An opaque cursor holding the sort values of the last hit of a page."""
    raw = json.dumps({"f": request.fingerprint(), "v": list(values)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(request: SearchRequest) -> list[Any] | None:
    """The sort values stored in the request's cursor; :class:`InvalidQuery` when it is not ours."""
    if not request.cursor:
        return None
    try:
        padded = request.cursor + "=" * (-len(request.cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        values = data["v"]
        fingerprint = data["f"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidQuery("the cursor is malformed; use the next_cursor of a previous page") from exc
    if fingerprint != request.fingerprint():
        raise InvalidQuery("the cursor belongs to a different search (the filters or sort changed)")
    if (
        not isinstance(values, list)
        or len(values) != 2
        or not isinstance(values[1], str)
        or not (values[0] is None or (isinstance(values[0], int | float) and not isinstance(values[0], bool)))
    ):
        raise InvalidQuery("the cursor is malformed; use the next_cursor of a previous page")
    return values


@dataclass
class SearchHit:
    """A mention with its relevance score (``None`` when sorted by time) and highlighted fragments.

    Scores order the hits of one search on one backend; they are not comparable across backends.
    """

    mention: Mention
    score: float | None = None
    highlights: dict[str, str] = field(default_factory=dict)


@dataclass
class SearchPage:
    """One page of results; ``next_cursor`` is ``None`` on the last page.

    ``total`` is exact when ``total_exact``; otherwise at least :data:`TOTAL_CAP` mentions match and
    ``total`` is :data:`TOTAL_CAP` (shown as "10,000+").
    """

    hits: list[SearchHit]
    total: int
    next_cursor: str | None = None
    total_exact: bool = True


@dataclass
class TrendBucket:
    """Mentions published in ``[start, start + interval)``, local to the requested time zone."""

    start: datetime
    count: int
    negative: int


@dataclass
class WriteResult:
    """What a batch write did: each id counted once, failures with the reason."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    #: Refused for a reason that passes (the store answered 429 or 5xx for this item): try again later.
    deferred: dict[str, str] = field(default_factory=dict)

    def merge(self, other: WriteResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.failed.update(other.failed)
        self.deferred.update(other.deferred)


@dataclass
class WordFrequencies:
    """In how many of ``total`` matching mentions each content word (:func:`index.words.is_content_word`) occurs."""

    total: int
    counts: dict[str, int]
    #: False when the counts are estimates (a long range of a large store: see index.sqlite_words).
    exact: bool = True


@dataclass
class FacetCount:
    value: str
    count: int


@dataclass
class FacetResult:
    """Counts of matching mentions per value of each of :data:`FACET_FIELDS`, and a sample for word statistics.

    Each facet lists its ``size`` most frequent values, most frequent first (ties by value); a mention with
    several brands counts once for each; mentions without a category are not in the category facet.
    ``sample`` holds the jieba tokens (title, then text) of the newest matching mentions, newest first.
    """

    total: int
    facets: dict[str, list[FacetCount]]
    sample: list[list[str]] = field(default_factory=list)


def exact_total(flt: MentionFilter) -> bool:
    """Whether a search counts all its matches (no words: the stores count those cheaply) or stops at
    :data:`TOTAL_CAP` (words or a query: counting every match of a common word costs more than the page)."""
    return not (flt.text or flt.query)


def check_facet_request(size: int, sample: int) -> None:
    """:class:`InvalidQuery` unless ``size`` and ``sample`` are within the limits every backend honours."""
    if not 0 <= size <= MAX_FACET_SIZE:
        raise InvalidQuery(f"facet size must be between 0 and {MAX_FACET_SIZE}")
    if not 0 <= sample <= MAX_FACET_SAMPLE:
        raise InvalidQuery(f"the word sample must be between 0 and {MAX_FACET_SAMPLE} mentions")


TrendInterval = Literal["hour", "day"]


def resolve_zone(name: str) -> ZoneInfo:
    """An IANA time zone, or :class:`InvalidQuery` naming the bad value."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidQuery(f"unknown time zone {name!r}; use an IANA name such as Asia/Shanghai or UTC") from exc


class MentionStore(ABC):
    """Stores mentions and answers searches and counts over them.

    Extension point: a new backend subclasses this, passes ``tests/index/test_contract*.py``, and is added
    to :func:`index.factory.open_mention_store`. Writes are idempotent by mention id; a batch never leaves
    half a mention behind.
    """

    backend: str = "abstract"

    @abstractmethod
    def ensure_schema(self) -> None:
        """Create or migrate tables / index templates. Safe to call on every start."""

    @abstractmethod
    def upsert(self, mentions: Sequence[Mention]) -> WriteResult:
        """Insert new mentions and update changed ones (by id); unchanged ones are left alone.

        ``collected_at`` of a mention that already exists is kept: it records when it was first seen.
        """

    @abstractmethod
    def get(self, mention_id: str) -> Mention | None:
        """One mention by id."""

    @abstractmethod
    def get_many(self, mention_ids: Sequence[str]) -> list[Mention]:
        """The mentions that exist among ``mention_ids``, in the order asked."""

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchPage:
        """A page of mentions matching the filter, in the requested order."""

    @abstractmethod
    def count(self, flt: MentionFilter) -> int:
        """How many mentions match."""

    def reach_weighted_count(self, flt: MentionFilter) -> float:
        """The matching mentions each weighted ``1 + reach / REACH_PER_MENTION`` (a mention without reach counts
        1, one of reach 100 counts 5): a volume in which a viral post by a large account weighs more than an
        anonymous comment. Backends may answer it in one query; this default reads the mentions page by page."""
        total, cursor = 0.0, None
        while True:
            page = self.search(SearchRequest(filter=flt, limit=MAX_LIMIT, cursor=cursor, highlight=False))
            total += sum(1 + (hit.mention.reach or 0.0) / REACH_PER_MENTION for hit in page.hits)
            if not page.next_cursor:
                return total
            cursor = page.next_cursor

    def reach_groups(self, flt: MentionFilter, *, sources: int = 10, authors: int = 10) -> ReachGroups:
        """The ``sources`` crawl sources and ``authors`` authors of largest summed reach among the matching
        mentions, exact however many match (see :class:`index.reach_groups.ReachGroups` for the order). Backends
        answer it in one query; this default reads the mentions page by page."""
        return group_mentions(self._every(flt), sources=sources, authors=authors)

    def read_many(self, flt: MentionFilter, limit: int) -> list[Mention]:
        """Up to ``limit`` matching mentions, newest published first, in as few requests as the backend can: what
        an event rule reads of the mentions stored since its last look. The default reads search pages."""
        out: list[Mention] = []
        for mention in self._every(flt):
            if len(out) >= limit:
                break
            out.append(mention)
        return out

    def _every(self, flt: MentionFilter) -> Iterator[Mention]:
        cursor = None
        while True:
            page = self.search(SearchRequest(filter=flt, limit=MAX_LIMIT, cursor=cursor, highlight=False))
            yield from (hit.mention for hit in page.hits)
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    @abstractmethod
    def label_counts(self, flt: MentionFilter) -> dict[SentimentLabel, int]:
        """How many matching mentions carry each sentiment label (every label present, zero if none)."""

    @abstractmethod
    def trend(self, flt: MentionFilter, interval: TrendInterval, tz: str = "UTC") -> list[TrendBucket]:
        """Counts per hour or day between ``flt.since`` and ``flt.until`` (both required), zero-filled."""

    def facets(self, flt: MentionFilter, *, size: int = 10, sample: int = 0) -> FacetResult:
        """Counts by platform, brand, sentiment label, category and language, plus ``sample`` token lists.

        ``size=0`` skips the counts (total and sample only). Both backends implement this; a store that only
        knows counts (the backtest's series) has no values to count and says so.
        """
        raise StoreError(f"the {self.backend} store cannot count facets")

    def word_frequencies(self, flt: MentionFilter) -> WordFrequencies | None:
        """Word frequencies of the matching mentions, where this store keeps them for such a filter: exact, or
        estimated from roll-ups pruned to each day's top words (``exact`` false) when exact ones cost too much.

        ``None`` means "not cheaply": the caller then counts words in :meth:`facets`' sample instead.
        """
        return None

    def delete(self, mention_ids: Sequence[str]) -> list[str]:
        """Delete mentions by id (with everything counted from them); the ids that existed."""
        raise StoreError(f"the {self.backend} store cannot delete mentions")

    @abstractmethod
    def refresh(self) -> None:
        """Make every completed write visible to searches (a no-op where writes are visible at once)."""

    @abstractmethod
    def ping(self) -> bool:
        """Whether the backend answers."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    def describe(self) -> str:
        """Where the data lives, for people (no secrets)."""
        return self.backend
