"""The crawlers' config sections, and what a crawl reads of the rest of the configuration.

A crawl runs in its own process and needs more than its source: the brands to match, the sentiment and
ticket sections for the pipelines, and where the stores are. The roof hands it the whole configuration and
settings; :class:`CrawlConfig` and :class:`CrawlSettings` say which parts are read, so the crawlers never
import the ``config`` package (``config.models.AppConfig`` and ``config.settings.Settings`` satisfy them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from crawlers.sources.base import CrawlOptions, SourceConfig
from foundation.types import Duration, NonEmptyText
from index.config import ElasticOptions
from sentiment.config import SentimentConfig
from tickets.config import TicketsConfig


class BrandConfig(BaseModel):
    """A brand to watch: a mention matches when it contains a keyword and none of the exclusion words."""

    model_config = ConfigDict(extra="forbid")

    name: NonEmptyText
    keywords: list[NonEmptyText] = Field(min_length=1)
    exclude: list[NonEmptyText] = Field(default_factory=list)


class SchedulerConfig(BaseModel):
    """How the worker runs crawls."""

    model_config = ConfigDict(extra="forbid")

    concurrent_crawls: int = Field(default=2, ge=1, le=16, description="Crawl processes at once.")
    crawl_timeout: Duration = Field(default=timedelta(minutes=30), description="A crawl running longer is stopped.")


@runtime_checkable
class CrawlConfig(Protocol):
    """The sections of the configuration a crawl reads."""

    @property
    def brands(self) -> Sequence[BrandConfig]: ...
    @property
    def sentiment(self) -> SentimentConfig: ...
    @property
    def tickets(self) -> TicketsConfig: ...
    @property
    def timezone(self) -> str: ...
    @property
    def crawl(self) -> CrawlOptions: ...
    @property
    def scheduler(self) -> SchedulerConfig: ...

    def source(self, name: str) -> SourceConfig: ...


@runtime_checkable
class CrawlSettings(ElasticOptions, Protocol):
    """Where a crawl stores what it finds, and how loudly it logs."""

    @property
    def data_dir(self) -> Path: ...
    @property
    def log_level(self) -> str: ...

    def resolved_database_url(self) -> str: ...

    def resolved_mention_store_url(self) -> str: ...
