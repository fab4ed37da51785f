"""The base class of alert rule types and the shapes a rule evaluation produces.

Extension point: a rule type subclasses :class:`RuleType`, declares its options as a subclass of
:class:`RuleConfig` (fields without a default are required; the YAML loader validates them before anything
runs) and is added to :data:`alerts.registry.RULE_TYPES`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from config.types import Duration, Name
from index.base import MentionFilter, MentionStore
from tickets.enums import Priority


class RuleConfig(BaseModel):
    """Options every rule has: its name, scope (brands, platforms, query) and what its tickets look like."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    type: str
    enabled: bool = True
    description: str | None = None
    brands: list[str] = Field(default_factory=list, description="Brands to watch, one alert key each; empty: all.")
    platforms: list[str] = Field(default_factory=list, description="Only mentions from these platforms.")
    query: str | None = Field(default=None, description="Only mentions containing all these words.")
    priority: Priority = Priority.major
    realert: Duration = Field(
        default=timedelta(hours=6), description="After a condition clears, how long before the same key fires again."
    )

    def scope(self, brand: str, since: datetime | None = None, until: datetime | None = None) -> MentionFilter:
        """The mentions this rule looks at for one brand."""
        return MentionFilter(brands=[brand], platforms=self.platforms, text=self.query, since=since, until=until)


@dataclass
class Observation:
    """The outcome of evaluating a rule for one key (a brand) at one moment.

    ``numbers`` are what made the decision (counts, share, threshold, baseline); they are shown on the alert
    and the ticket so a person can see why it fired.
    """

    rule: str
    key: str
    firing: bool
    window_start: datetime
    window_end: datetime
    numbers: dict[str, Any]
    summary: str
    mention_ids: list[str] = field(default_factory=list)


@dataclass
class EvaluationContext:
    """What a rule needs to evaluate: the index, the moment, and the brands in the config."""

    store: MentionStore
    now: datetime
    brands: Sequence[str]


ConfigT = TypeVar("ConfigT", bound=RuleConfig)


class RuleType(ABC, Generic[ConfigT]):
    """A kind of alert rule. One instance per configured rule.

    ``evaluate`` must be a pure read of the index: state (firing, suppressed, ticket) is kept by the engine,
    so a rule can be re-evaluated any number of times with the same result.
    """

    #: The YAML ``type:`` value.
    type_name: ClassVar[str]
    #: The options model; its fields without defaults are the rule's required options.
    config_model: ClassVar[type[RuleConfig]]

    def __init__(self, config: ConfigT):
        self.config = config

    @property
    def name(self) -> str:
        return self.config.name

    def keys(self, ctx: EvaluationContext) -> list[str]:
        """The alert keys (brands) this rule evaluates."""
        return list(self.config.brands or ctx.brands)

    @abstractmethod
    def evaluate(self, ctx: EvaluationContext) -> list[Observation]:
        """One observation per key."""

    @abstractmethod
    def ticket_title(self, observation: Observation) -> str:
        """The title of the ticket opened when the rule fires."""

    def ticket_description(self, observation: Observation) -> str:
        """The body of the ticket: the summary and the numbers behind it."""
        lines = [observation.summary, ""]
        lines.append(f"规则 Rule: {self.name} ({self.type_name})")
        lines.append(f"窗口 Window: {observation.window_start.isoformat()} – {observation.window_end.isoformat()}")
        for key, value in observation.numbers.items():
            lines.append(f"{key}: {value}")
        return "\n".join(lines)
