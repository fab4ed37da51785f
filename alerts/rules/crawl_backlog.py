"""Crawl backlog: the oldest crawl job has waited on the shared queue longer than ``older_than``.

With many workers a crisis shows up first as a queue that grows faster than it drains: sources are crawled
late, and so are the complaints in them. This tells the admins to add workers (``--scale worker=N``) before
the delay matters. It reads the queue's published health (``foundation.queue_health``); without a queue
(the embedded ``yuqing run``) it observes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, model_validator

from alerts.rules.base import EvaluationContext, Observation, RuleConfig, RuleType
from foundation.types import Duration

#: The one key of this rule: there is one crawl queue.
QUEUE_KEY = "crawl-queue"


class CrawlBacklogConfig(RuleConfig):
    """Options of ``crawl_backlog``."""

    type: Literal["crawl_backlog"]
    older_than: Duration = Field(default=timedelta(minutes=10), description="Fire when the oldest job waited longer.")
    open_ticket: bool = False  # the admins add workers; complaint agents cannot

    @model_validator(mode="after")
    def _no_mention_scope(self) -> CrawlBacklogConfig:
        for option in ("query", "saved_search", "platforms", "brands"):
            if getattr(self, option):
                raise ValueError(f"{option} does not apply to crawl_backlog (it watches the crawl queue)")
        if self.older_than <= timedelta(0):
            raise ValueError("older_than must be positive")
        return self


class CrawlBacklogRule(RuleType[CrawlBacklogConfig]):
    """One key, the crawl queue: fires while its oldest waiting job is older than the limit."""

    type_name = "crawl_backlog"
    config_model = CrawlBacklogConfig
    threshold_number = "limit_minutes"

    def keys(self, ctx: EvaluationContext) -> list[str]:
        return [QUEUE_KEY] if ctx.queue is not None else []

    def evaluate(self, ctx: EvaluationContext) -> list[Observation]:
        queue = ctx.queue
        if queue is None:
            return []
        limit = self.config.older_than
        age = queue.oldest_job_age_seconds
        firing = age is not None and age > limit.total_seconds()
        numbers = {
            "depth": queue.depth,
            "oldest_job_age_minutes": round(age / 60, 1) if age is not None else None,
            "limit_minutes": round(limit.total_seconds() / 60, 1),
            "running": queue.running,
            "workers_alive": queue.workers_alive,
            "failed": queue.failed,
            "retried": queue.retried,
        }
        if firing:
            summary = (
                f"抓取队列积压 crawl backlog: oldest job waited {numbers['oldest_job_age_minutes']} min "
                f"(limit {numbers['limit_minutes']}), {queue.depth} waiting, {queue.workers_alive} workers alive"
            )
        else:
            summary = f"crawl queue ok: {queue.depth} waiting, {queue.workers_alive} workers alive"
        return [Observation(self.config.name, QUEUE_KEY, firing, ctx.now - limit, ctx.now, numbers, summary)]

    def ticket_title(self, observation: Observation) -> str:
        return "抓取队列积压 Crawl backlog"
