"""The typed shape of the YAML config file.

The ``sources:`` and ``alerts.rules:`` entries are unions built from the explicit registries in
:mod:`crawlers.sources` and :mod:`alerts.registry`: the ``type:`` of an entry selects the model that
validates its options, so a misspelt option of one source type is reported as such.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from alerts.channels import ChannelConfig, channel_config_type
from alerts.registry import rule_config_type
from alerts.rules.base import RuleConfig
from config.types import Duration, NonEmptyText, TimeZoneName
from crawlers.sources import SOURCE_TYPES, CrawlOptions, SourceConfig
from sentiment import DEFAULT_SCORERS, SCORERS, Thresholds
from tickets.config import TicketsConfig

if TYPE_CHECKING:
    # The real types are unions built from the registries at import time, which a type checker cannot
    # follow; every member is a subclass of these.
    SourceEntry = SourceConfig
    RuleEntry = RuleConfig
    ChannelEntry = ChannelConfig
else:
    SourceEntry = Annotated[Union[tuple(SOURCE_TYPES.values())], Field(discriminator="type")]  # noqa: UP007
    RuleEntry = rule_config_type()
    ChannelEntry = channel_config_type()


class BrandConfig(BaseModel):
    """A brand to watch: a mention matches when it contains a keyword and none of the exclusion words."""

    model_config = ConfigDict(extra="forbid")

    name: NonEmptyText
    keywords: list[NonEmptyText] = Field(min_length=1)
    exclude: list[NonEmptyText] = Field(default_factory=list)


class SentimentConfig(BaseModel):
    """Which scorers to use and where the label thresholds are.

    ``scorer`` names a registered scorer (:data:`sentiment.SCORERS`) or ``default``: the Chinese model
    trained on the shared corpora (``yuqing-zh``) and VADER for English. The default thresholds are the ones
    calibrated for that model (see ``sentiment/models/README.md``); another scorer may need its own.
    """

    model_config = ConfigDict(extra="forbid")

    scorer: str = "default"
    negative_below: float = Field(default=Thresholds.negative_below, ge=0.0, le=1.0)
    positive_above: float = Field(default=Thresholds.positive_above, ge=0.0, le=1.0)

    @field_validator("scorer")
    @classmethod
    def _known(cls, value: str) -> str:
        if value != "default" and value not in SCORERS:
            known = ", ".join(["default", *SCORERS])
            raise ValueError(f"unknown scorer {value!r}; known: {known} (default = {' + '.join(DEFAULT_SCORERS)})")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> SentimentConfig:
        if self.negative_below > self.positive_above:
            raise ValueError("negative_below must not be greater than positive_above")
        return self


class AlertsConfig(BaseModel):
    """When rules are evaluated, what they are, and where notifications go."""

    model_config = ConfigDict(extra="forbid")

    evaluate_every: Duration = Field(default=timedelta(minutes=1))
    rules: list[RuleEntry] = Field(default_factory=list)
    channels: list[ChannelEntry] = Field(default_factory=list)
    notify: list[str] = Field(default_factory=list, description="Channels of rules that name none themselves.")
    escalation_notify: list[str] = Field(
        default_factory=list, description="Channels told about ticket warnings, escalations and revisits."
    )
    allowed_hosts: list[str] = Field(
        default_factory=list, description="Webhook and SMTP hosts allowed besides the robots' own hosts."
    )
    allow_private_hosts: list[str] = Field(
        default_factory=list, description="Hosts allowed to resolve to internal addresses (on-premises relays)."
    )


class SchedulerConfig(BaseModel):
    """How the worker runs crawls."""

    model_config = ConfigDict(extra="forbid")

    concurrent_crawls: int = Field(default=2, ge=1, le=16, description="Crawl processes at once.")
    crawl_timeout: Duration = Field(default=timedelta(minutes=30), description="A crawl running longer is stopped.")


class AppConfig(BaseModel):
    """The whole YAML file."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    timezone: TimeZoneName = Field(
        default="Asia/Shanghai", description="Business time zone: the yyyymm of ticket numbers, trend days."
    )
    settings: dict[str, Any] = Field(
        default_factory=dict, description="Storage URLs, paths, API keys: read by config.settings."
    )
    brands: list[BrandConfig] = Field(min_length=1)
    sentiment: SentimentConfig = Field(default_factory=SentimentConfig)
    crawl: CrawlOptions = Field(default_factory=CrawlOptions)
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)
    sources: list[SourceEntry] = Field(default_factory=list)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    tickets: TicketsConfig = Field(default_factory=TicketsConfig)

    def brand_names(self) -> list[str]:
        return [b.name for b in self.brands]

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise KeyError(f"no source named {name!r} (configured: {known})")

    def rules(self) -> list[RuleConfig]:
        return list(self.alerts.rules)
