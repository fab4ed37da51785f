"""Sustained rise: a daily rate above its baseline for N consecutive days opens a quality review.

The complaint process watches the complaint rate against its baseline: three days in a row above it means
something changed (a batch, a supplier, a release) and deserves a quality review even if no single day was
alarming. Days are local days of the business time zone.
"""

from __future__ import annotations

import statistics
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field

from alerts.rules.base import EvaluationContext, Observation, RuleConfig, RuleType, top_words
from foundation.vocabulary import Category, SentimentLabel
from index.base import MentionFilter


class SustainedRiseConfig(RuleConfig):
    """Options of ``sustained_rise``."""

    type: Literal["sustained_rise"]
    measure: Literal["negative_share", "negative_count", "mentions"] = Field(
        default="negative_share", description="The daily rate watched."
    )
    days: int = Field(default=3, ge=1, le=30, description="Consecutive days above the baseline that fire.")
    baseline_days: int = Field(default=14, ge=3, le=90, description="Days before the run that make the baseline.")
    margin: float = Field(default=0.25, ge=0.0, description="Above the baseline by more than this fraction.")
    min_delta: float = Field(default=0.0, ge=0.0, description="And by at least this much (e.g. 0.05 of share).")
    min_daily_count: int = Field(default=10, ge=1, description="Days with fewer mentions never count as above.")


class SustainedRiseRule(RuleType[SustainedRiseConfig]):
    """A daily rate above its baseline for ``days`` consecutive complete days."""

    type_name = "sustained_rise"
    config_model = SustainedRiseConfig
    threshold_number = "bar"
    baseline_number = "baseline"
    ticket_category = Category.product_quality  # a quality review

    def evaluate(self, ctx: EvaluationContext) -> list[Observation]:
        cfg = self.config
        zone = ZoneInfo(ctx.timezone)
        today = datetime.combine(ctx.now.astimezone(zone).date(), time(0), zone)
        run_start = today - timedelta(days=cfg.days)
        base_start = run_start - timedelta(days=cfg.baseline_days)
        out = []
        for brand in self.keys(ctx):
            scope = self.scope(ctx, brand, base_start, today)
            buckets = ctx.store.trend(scope, "day", ctx.timezone)
            rates = [(b.start, b.count, self._rate(b.count, b.negative)) for b in buckets]
            baseline_values = [r for start, n, r in rates if start < run_start and n >= cfg.min_daily_count]
            run = [(start, n, r) for start, n, r in rates if start >= run_start]
            base = float(statistics.median(baseline_values)) if baseline_values else None
            bar = None if base is None else max(base * (1 + cfg.margin), base + cfg.min_delta)
            above = [bar is not None and n >= cfg.min_daily_count and r > bar for _, n, r in run]
            firing = len(run) == cfg.days and all(above)
            words: list[tuple[str, int]] = []
            if firing:
                negatives = MentionFilter(
                    **{**self.scope(ctx, brand, run_start, today).model_dump(), "labels": [SentimentLabel.negative]}
                )
                words = top_words(ctx.store, negatives, exclude=[brand])
            numbers = {
                "measure": cfg.measure,
                "days": [round(r, 4) for _, _, r in run],
                "counts": [n for _, n, _ in run],
                "baseline": None if base is None else round(base, 4),
                "bar": None if bar is None else round(bar, 4),
                "days_above": sum(above),
                "baseline_days": len(baseline_values),
            }
            summary = (
                f"{brand}: {cfg.measure} {numbers['days']} on the last {cfg.days} days, "
                f"{'all' if firing else f'{sum(above)} of them'} above the baseline {numbers['baseline']} "
                f"(+{cfg.margin:.0%})."
            )
            out.append(Observation(cfg.name, brand, firing, run_start, today, numbers, summary, [], words, brand))
        return out

    def _rate(self, count: int, negative: int) -> float:
        if self.config.measure == "negative_share":
            return negative / count if count else 0.0
        return float(negative if self.config.measure == "negative_count" else count)

    def ticket_title(self, observation: Observation) -> str:
        return (
            f"质量复盘 Quality review: {observation.key} {self.config.measure} above baseline "
            f"{self.config.days} days running"
        )
