"""The base class of alert rule types and the shapes a rule evaluation produces.

Extension point: a rule type subclasses :class:`RuleType`, declares its options as a subclass of
:class:`RuleConfig` (fields without a default are required; the YAML loader validates them before anything
runs) and is added to :data:`alerts.registry.RULE_TYPES`.

There are two kinds of rule:

- **window** rules (:attr:`RuleType.kind` ``"window"``) look at a stretch of time per key (a brand, a source)
  and say whether a condition holds now; the engine turns "holds" into an incident that fires once and
  resolves when the condition clears. They can be replayed over history and backtested on a count series.
- **event** rules (``"event"``) look at the mentions stored or changed since their last look and fire once
  per matching mention (a safety word, a one-star review); an event never resolves.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from alerts.incidents import Policy
from foundation.errors import InvalidQuery, YuqingError
from foundation.types import Duration, Name
from foundation.vocabulary import Category, Priority
from index.base import MentionFilter, MentionStore, SearchRequest
from index.query import combine_queries, parse
from index.text import segment
from index.words import excluded_words, is_content_word

if TYPE_CHECKING:
    from foundation.health import SourceHealth
    from foundation.queue_health import QueueHealth


class RuleScopeError(YuqingError):
    """A rule's scope cannot be used now: its saved search is missing, ambiguous or no longer valid.

    The engine pauses that rule (and only that rule) and reports why.
    """


def query_problem(query: str) -> str | None:
    """Why ``query`` is not valid in the search language (one line, with the column), or ``None``."""
    try:
        parse(query)
    except InvalidQuery as exc:
        return str(exc).splitlines()[0]
    return None


class RuleConfig(BaseModel):
    """Options every rule has: its name, scope (brands, platforms, query, saved search), what its tickets look
    like, and where its notifications go."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    type: str
    enabled: bool = True
    description: str | None = None
    brands: list[str] = Field(default_factory=list, description="Brands to watch, one alert key each; empty: all.")
    platforms: list[str] = Field(default_factory=list, description="Only mentions from these platforms.")
    query: str | None = Field(
        default=None,
        description="Only mentions matching this query in the search language (as GET /mentions?q=); plain words: "
        "all must occur.",
    )
    saved_search: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Only mentions matching the shared saved search of this name (looked up at each evaluation; "
        "missing or invalid, it pauses this rule).",
    )
    priority: Priority = Priority.major
    realert: Duration = Field(
        default=timedelta(hours=6), description="After a condition clears, how long before the same key fires again."
    )
    quiet_period: Duration = Field(
        default=timedelta(hours=24),
        description="While an incident lasts, at most one repeat notification per this period.",
    )
    resolve_after: Duration = Field(
        default=timedelta(0),
        description="An incident resolves once its condition has stayed clear this long (window rules).",
    )
    open_ticket: bool = Field(default=True, description="Open (or comment on) a ticket when it fires.")
    notify: list[str] = Field(default_factory=list, description="Channels told when it fires and resolves.")

    @field_validator("query")
    @classmethod
    def _valid_query(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or not value.strip():
            return None
        problem = query_problem(value)
        if problem:
            raise ValueError(f"rule {info.data.get('name', '?')!r}: {problem}")
        return value.strip()

    def policy(self) -> Policy:
        """When its incidents open, remind, resolve and open again (see :mod:`alerts.incidents`)."""
        return Policy(quiet_period=self.quiet_period, resolve_after=self.resolve_after, realert=self.realert)

    def scope(
        self,
        brand: str,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        saved_query: str | None = None,
        timezone: str = "UTC",
        now: datetime | None = None,
    ) -> MentionFilter:
        """The mentions this rule looks at for one brand; ``saved_query`` is its saved search's query, which
        the engine looks up (a rule with a ``saved_search`` must get it: see :meth:`RuleType.scope`). Dates
        written without a zone in the queries are in ``timezone``; relative ones (``now-7d``) count back from
        ``now``, the evaluation moment (default: the wall clock)."""
        return MentionFilter(
            brands=[brand],
            platforms=self.platforms,
            query=combine_queries(self.query, saved_query),
            query_tz=timezone,
            query_now=now,
            since=since,
            until=until,
        )


@dataclass
class Observation:
    """The outcome of evaluating a rule for one key (a brand, a mention, a source) at one moment.

    ``numbers`` are what made the decision (counts, share, threshold, baseline); ``top_words`` the words most
    frequent in the mentions behind it. Both are shown on the alert and the ticket, so a person can see why it
    fired.
    """

    rule: str
    key: str
    firing: bool
    window_start: datetime
    window_end: datetime
    numbers: dict[str, Any]
    summary: str
    mention_ids: list[str] = field(default_factory=list)
    top_words: list[tuple[str, int]] = field(default_factory=list)
    brand: str | None = None
    #: Event rules: observations of one group (a thread of posts) are handled one after another, different
    #: groups at the same time; a ticket opened for one post of a thread is joined by the next, never raced.
    group: str | None = None


@dataclass
class EvaluationContext:
    """What a rule needs: the index, the moment, the brands, and for some rules more."""

    store: MentionStore
    now: datetime
    brands: Sequence[str]
    timezone: str = "Asia/Shanghai"
    #: Event rules: look at mentions stored or changed at or after this moment.
    since: datetime | None = None
    #: Source rules: the health of each configured source, with its crawl interval.
    sources: Sequence[tuple[SourceHealth, timedelta]] = ()
    #: The query of the rule's ``saved_search``, looked up by the engine for this evaluation.
    saved_query: str | None = None
    #: Queue rules: the shared work queue's health (``None``: no queue configured, or none reporting).
    queue: QueueHealth | None = None


ConfigT = TypeVar("ConfigT", bound=RuleConfig)


class RuleType(ABC, Generic[ConfigT]):
    """A kind of alert rule. One instance per configured rule.

    ``evaluate`` must be a pure read: state (firing, suppressed, ticket) is kept by the engine, so a rule can
    be re-evaluated (or replayed over history) any number of times with the same result.
    """

    #: The YAML ``type:`` value.
    type_name: ClassVar[str]
    #: The options model; its fields without defaults are the rule's required options.
    config_model: ClassVar[type[RuleConfig]]
    #: ``window``: fires and resolves per key; ``event``: fires once per matching mention.
    kind: ClassVar[Literal["window", "event"]] = "window"
    #: Whether :meth:`evaluate` reads ``ctx.sources``: the source health costs a query per source, so the engine
    #: builds it only for the rules that read it (an event rule in a crisis is evaluated every few seconds).
    uses_sources: ClassVar[bool] = False
    #: The category given to the tickets it opens (``None``: classified from the text).
    ticket_category: ClassVar[Category | None] = None
    #: Which of an observation's ``numbers`` are the value it had to reach and what is usual, for the alerts
    #: API's explanation of an incident (``None``: the rule has no such number).
    threshold_number: ClassVar[str | None] = "threshold"
    baseline_number: ClassVar[str | None] = None

    def __init__(self, config: ConfigT):
        self.config = config

    @property
    def name(self) -> str:
        return self.config.name

    def keys(self, ctx: EvaluationContext) -> list[str]:
        """The alert keys (brands) this rule evaluates."""
        return list(self.config.brands or ctx.brands)

    def scope(
        self, ctx: EvaluationContext, brand: str, since: datetime | None = None, until: datetime | None = None
    ) -> MentionFilter:
        """The mentions this rule looks at for one brand: its brands, platforms, query and saved search.

        Every store call of a rule goes through this, so the whole scope applies everywhere.
        """
        if self.config.saved_search and ctx.saved_query is None:
            raise RuleScopeError(
                f"rule {self.name!r} is scoped by the saved search {self.config.saved_search!r}, "
                "which was not looked up for this evaluation"
            )
        return self.config.scope(brand, since, until, saved_query=ctx.saved_query, timezone=ctx.timezone, now=ctx.now)

    @abstractmethod
    def evaluate(self, ctx: EvaluationContext) -> list[Observation]:
        """One observation per key (window rules), or one per matching mention (event rules)."""

    @abstractmethod
    def ticket_title(self, observation: Observation) -> str:
        """The title of the ticket opened when the rule fires."""

    def ticket_description(self, observation: Observation) -> str:
        """The body of the ticket: the summary, the numbers and the words behind it."""
        lines = [observation.summary, ""]
        lines.append(f"规则 Rule: {self.name} ({self.type_name})")
        lines.append(f"窗口 Window: {observation.window_start.isoformat()} – {observation.window_end.isoformat()}")
        for key, value in observation.numbers.items():
            lines.append(f"{key}: {value}")
        if observation.top_words:
            lines.append("热词 Top words: " + ", ".join(f"{w} ({n})" for w, n in observation.top_words))
        return "\n".join(lines)


_WORDY = re.compile(r"[^\W\d_]", re.UNICODE)


def top_words(
    store: MentionStore, flt: MentionFilter, *, exclude: Sequence[str] = (), limit: int = 10, sample: int = 200
) -> list[tuple[str, int]]:
    """The most frequent meaningful words in (the newest ``sample`` of) the mentions matching ``flt``.

    Each word counts once per mention, so one long rant does not dominate. The words are the same as the
    dashboard's hot words (:func:`index.words.is_content_word`): no stop word (的, 了, 是…), single character,
    number or brand word.
    """
    page = store.search(SearchRequest(filter=flt, limit=min(sample, 100), highlight=False))
    hits = list(page.hits)
    if sample > 100 and page.next_cursor:
        more = store.search(SearchRequest(filter=flt, limit=100, cursor=page.next_cursor, highlight=False))
        hits.extend(more.hits[: sample - 100])
    skip = excluded_words(exclude)
    counts: Counter[str] = Counter()
    for hit in hits:
        words = {
            w
            for w in segment(f"{hit.mention.title or ''} {hit.mention.text}")
            if _WORDY.search(w) and is_content_word(w, skip)
        }
        counts.update(words)
    return counts.most_common(limit)
