"""Volume spike: far more mentions than usual for this time of day (and weekday).

The baseline is the count in the same window at the same time of day on each of the previous
``baseline_days`` days (or, with ``seasonality: weekly``, the same weekday and time on previous weeks), so the
ordinary evening peak is compared with other evenings, not with the night. The spread is the median absolute
deviation, which a past spike does not inflate the way a standard deviation would. A count fires when it is
at least ``min_count``, at least ``min_ratio`` times the median, and more than ``sensitivity`` robust standard
deviations above it (never less than the Poisson noise of the median, so a quiet brand going from 1 to 3
mentions is not a spike).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field, model_validator

from alerts.rules.base import EvaluationContext, Observation, RuleConfig, RuleType, top_words
from foundation.timeutil import format_duration
from foundation.types import Duration
from foundation.vocabulary import SentimentLabel
from index.base import MentionFilter, SearchRequest

MAD_TO_SIGMA = 1.4826  # makes the MAD estimate a standard deviation for normally distributed noise


class VolumeSpikeConfig(RuleConfig):
    """Options of ``volume_spike``."""

    type: Literal["volume_spike"]
    window: Duration = Field(default=timedelta(hours=1), description="The stretch counted (trailing).")
    seasonality: Literal["daily", "weekly"] = Field(
        default="daily", description="Compare with the same time of day (daily) or of the week (weekly)."
    )
    baseline_days: int = Field(default=14, ge=3, le=90, description="How many past days (or weeks) to compare.")
    sensitivity: float = Field(default=3.0, gt=0, description="Robust standard deviations above the median.")
    min_count: int = Field(default=20, ge=1, description="Fewer mentions than this never fire.")
    min_ratio: float = Field(default=2.0, ge=1.0, description="And at least this multiple of the median.")
    labels: list[SentimentLabel] = Field(default_factory=list, description="Count only these labels (e.g. negative).")
    top_posts: int = Field(default=5, ge=0, le=50)
    min_history_days: int = Field(
        default=7, ge=1, description="Past days (or weeks) with data needed before anything can fire."
    )

    @model_validator(mode="after")
    def _history_fits(self) -> VolumeSpikeConfig:
        if self.min_history_days > self.baseline_days:
            raise ValueError("min_history_days cannot exceed baseline_days")
        return self


@dataclass(frozen=True)
class SpikeDecision:
    firing: bool
    median: float
    spread: float
    threshold: float
    ratio: float


def decide_spike(
    current: int, baseline: Sequence[int], sensitivity: float, min_count: int, min_ratio: float
) -> SpikeDecision:
    """Whether ``current`` is a spike against ``baseline`` (the counts of the same window on past days)."""
    if not baseline:
        return SpikeDecision(False, 0.0, 0.0, math.inf, 0.0)
    median = float(statistics.median(baseline))
    mad = float(statistics.median(abs(b - median) for b in baseline))
    spread = max(MAD_TO_SIGMA * mad, math.sqrt(max(median, 1.0)))
    threshold = max(median + sensitivity * spread, min_ratio * max(median, 1.0), float(min_count))
    ratio = current / max(median, 1.0)
    return SpikeDecision(current >= threshold, median, round(spread, 3), round(threshold, 3), round(ratio, 3))


class VolumeSpikeRule(RuleType[VolumeSpikeConfig]):
    """Mention count in a window against a seasonal baseline (median and MAD)."""

    type_name = "volume_spike"
    config_model = VolumeSpikeConfig
    baseline_number = "baseline_median"

    def evaluate(self, ctx: EvaluationContext) -> list[Observation]:
        cfg = self.config
        period = timedelta(days=7 if cfg.seasonality == "weekly" else 1)
        end = ctx.now
        start = end - cfg.window
        out = []
        for brand in self.keys(ctx):

            def counted(since: datetime, until: datetime, brand: str = brand) -> MentionFilter:
                # Volume is counted over dated posts only: 200 undated posts collected in one crawl all carry
                # the crawl time and would otherwise look like a burst (Mention.date_estimated).
                flt = self.scope(ctx, brand, since, until).model_copy(update={"dated_only": True})
                return flt.model_copy(update={"labels": list(cfg.labels)}) if cfg.labels else flt

            current = ctx.store.count(counted(start, end))
            baseline = []
            for k in range(1, cfg.baseline_days + 1):
                past_start, past_end = start - period * k, end - period * k
                # A past day with no data at all (before history began, or an outage) says nothing about what
                # is usual: it is left out rather than counted as a quiet day.
                around = ctx.store.count(
                    self.scope(ctx, brand, past_end - timedelta(hours=12), past_end + timedelta(hours=12))
                )
                if around:
                    baseline.append(ctx.store.count(counted(past_start, past_end)))
            d = decide_spike(current, baseline, cfg.sensitivity, cfg.min_count, cfg.min_ratio)
            if len(baseline) < cfg.min_history_days:
                # A new brand or source has no past to compare with: any lunch would look like a spike.
                d = SpikeDecision(False, d.median, d.spread, d.threshold, d.ratio)
            mention_ids: list[str] = []
            words: list[tuple[str, int]] = []
            if d.firing:
                if cfg.top_posts:
                    page = ctx.store.search(
                        SearchRequest(filter=counted(start, end), limit=cfg.top_posts, highlight=False)
                    )
                    mention_ids = [hit.mention.id for hit in page.hits]
                words = top_words(ctx.store, counted(start, end), exclude=[brand])
            numbers = {
                "count": current,
                "baseline_median": d.median,
                "baseline_spread": d.spread,
                # No baseline yet: no threshold (JSON, and so PostgreSQL and the API, have no infinity).
                "threshold": d.threshold if math.isfinite(d.threshold) else None,
                "ratio": d.ratio,
                "baseline": baseline,
                "window": format_duration(cfg.window),
                "seasonality": cfg.seasonality,
                "history_days": len(baseline),
            }
            summary = (
                f"{brand}: {current} mentions in the last {numbers['window']}, {d.ratio:.1f}× the usual "
                f"{d.median:g} at this time ({cfg.seasonality}); "
                + (f"threshold {d.threshold:g}." if math.isfinite(d.threshold) else "no baseline yet.")
            )
            out.append(Observation(cfg.name, brand, d.firing, start, end, numbers, summary, mention_ids, words, brand))
        return out

    def ticket_title(self, observation: Observation) -> str:
        n = observation.numbers
        return f"声量激增 Volume spike: {observation.key} {n['count']} in {n['window']} ({n['ratio']:.1f}× usual)"
