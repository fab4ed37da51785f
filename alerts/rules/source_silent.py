"""Source silent: a source that produced nothing, or only errors, for longer than expected alerts the admins.

A source is silent when its last productive run (pages parsed and items found) is older than ``silent_after``
(default: three of its crawl intervals, at least an hour), or when its last runs all failed. Users of other
products learn weeks later that a cookie expired or a layout changed; this says so the same day.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, model_validator

from alerts.rules.base import EvaluationContext, Observation, RuleConfig, RuleType
from foundation.types import Duration


class SourceSilentConfig(RuleConfig):
    """Options of ``source_silent``."""

    type: Literal["source_silent"]
    sources: list[str] = Field(default_factory=list, description="Sources to watch; empty: all enabled ones.")
    silent_after: Duration | None = Field(default=None, description="Default: 3 crawl intervals, at least 1 h.")
    failures: int = Field(default=3, ge=1, description="Or this many failed runs in a row.")
    open_ticket: bool = False  # the admins fix sources; complaint agents do not

    @model_validator(mode="after")
    def _no_mention_scope(self) -> SourceSilentConfig:
        # It watches sources, not mentions: a mention scope would silently mean nothing.
        for option in ("query", "saved_search", "platforms"):
            if getattr(self, option):
                raise ValueError(f"{option} does not apply to source_silent (it watches sources; use sources:)")
        return self


class SourceSilentRule(RuleType[SourceSilentConfig]):
    """Per source: silent for too long, or failing run after run."""

    uses_sources = True

    type_name = "source_silent"
    config_model = SourceSilentConfig
    threshold_number = "limit_minutes"

    def keys(self, ctx: EvaluationContext) -> list[str]:
        names = [health.name for health, _ in ctx.sources]
        return [n for n in names if not self.config.sources or n in self.config.sources]

    def evaluate(self, ctx: EvaluationContext) -> list[Observation]:
        cfg = self.config
        wanted = set(self.keys(ctx))
        out = []
        for health, interval in ctx.sources:
            if health.name not in wanted or health.last_run_at is None:
                continue  # never run yet: nothing to be silent about
            limit = cfg.silent_after or max(interval * 3, timedelta(hours=1))
            productive = health.last_productive_at
            silent_for = ctx.now - productive if productive else None
            too_quiet = productive is None or (silent_for is not None and silent_for > limit)
            failing = health.consecutive_failures >= cfg.failures
            # A source that has run for less than the limit and produced nothing yet gets the benefit of the doubt.
            young = productive is None and health.first_run_at is not None and ctx.now - health.first_run_at < limit
            firing = (too_quiet and not young) or failing
            numbers = {
                "state": health.state.value,
                "last_productive_at": productive.isoformat() if productive else None,
                "silent_for_minutes": int(silent_for.total_seconds() // 60) if silent_for else None,
                "limit_minutes": int(limit.total_seconds() // 60),
                "consecutive_failures": health.consecutive_failures,
                "last_error": health.last_error,
            }
            why = (
                f"{health.consecutive_failures} failed runs in a row"
                if failing
                else f"nothing new for {numbers['silent_for_minutes'] or 'ever'} min (limit {numbers['limit_minutes']})"
            )
            summary = f"source {health.name} is silent: {why}" + (
                f"; last error: {health.last_error}" if health.last_error else ""
            )
            start = productive or health.first_run_at or ctx.now
            out.append(Observation(cfg.name, health.name, firing, start, ctx.now, numbers, summary))
        return out

    def ticket_title(self, observation: Observation) -> str:
        return f"数据源中断 Source silent: {observation.key}"
