"""The typed shape of the YAML config file.

Each domain declares its own section (``sentiment:`` in :mod:`sentiment.config`, ``alerts:`` in
:mod:`alerts.config`, ``tickets:`` in :mod:`tickets.config`, brands and the scheduler in :mod:`crawlers.config`);
this module only assembles them. The ``sources:`` and ``alerts.rules:`` entries are unions built from the
explicit registries in :mod:`crawlers.sources` and :mod:`alerts.registry`: the ``type:`` of an entry selects
the model that validates its options, so a misspelt option of one source type is reported as such.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from alerts.config import AlertsConfig
from alerts.rules.base import RuleConfig
from crawlers.config import BrandConfig, SchedulerConfig
from crawlers.sources import SOURCE_TYPES, CrawlOptions, SourceConfig
from foundation.types import TimeZoneName
from sentiment.config import SentimentConfig
from tickets.config import TicketsConfig

__all__ = ["AlertsConfig", "AppConfig", "BrandConfig", "SchedulerConfig", "SentimentConfig"]

if TYPE_CHECKING:
    # The real types are unions built from the registries at import time, which a type checker cannot
    # follow; every member is a subclass of these.
    SourceEntry = SourceConfig
else:
    SourceEntry = Annotated[Union[tuple(SOURCE_TYPES.values())], Field(discriminator="type")]  # noqa: UP007


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
