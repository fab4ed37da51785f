"""Volume spike: far more mentions than usual for this time of day (and weekday).

``method: seasonal`` (the default) judges the last hour and its last half hour against the same stretches on
past days and weeks, scaled by the recent level, under a count model (:mod:`alerts.seasonal`), and fires only
when the stretches ending at consecutive bucket ends agree. ``method: mad`` is the earlier rule: the median
and MAD of the same window on the previous ``baseline_days`` days (or weeks, ``seasonality: weekly``); a
count fires when it is at least ``min_count``, at least ``min_ratio`` times the median, and more than
``sensitivity`` robust standard deviations above it (never less than the Poisson noise of the median).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator

from alerts.rules.base import EvaluationContext, Observation, RuleConfig, RuleType, top_words
from alerts.seasonal import Assessment, Lag, SeasonalParams, assess, tail
from foundation.timeutil import format_duration, isoformat_z
from foundation.types import Duration
from index.base import SearchRequest
from sentiment.base import SentimentLabel

DAY = timedelta(days=1)
WEEK = timedelta(days=7)

MAD_TO_SIGMA = 1.4826  # makes the MAD estimate a standard deviation for normally distributed noise


class VolumeSpikeConfig(RuleConfig):
    """Options of ``volume_spike``. ``method: seasonal`` (the default) uses :mod:`alerts.seasonal`;
    ``method: mad`` is the earlier rule (median and MAD of the same window on past days), kept for configs
    tuned on it: ``sensitivity`` and ``seasonality`` apply to it only."""

    type: Literal["volume_spike"]
    method: Literal["seasonal", "mad"] = Field(
        default="seasonal", description="seasonal: count model with daily+weekly rhythm and level; mad: the old rule."
    )
    window: Duration = Field(default=timedelta(hours=1), description="The stretch counted (trailing).")
    adapt: Duration = Field(
        default=timedelta(hours=24),
        description="seasonal: the span before the window whose level scales the expectation (how fast a new "
        "level becomes the normal).",
    )
    short_window: Duration | None = Field(
        default=timedelta(minutes=30),
        description="seasonal: also judge this shorter trailing stretch (null: only window), so a burst is seen "
        "before it fills the whole window; max_p is shared between the stretches (Bonferroni). Ignored unless "
        "shorter than window.",
    )
    confirm_buckets: int = Field(
        default=2,
        ge=1,
        le=12,
        description="seasonal: the windows ending at this many consecutive bucket ends must all look unusual "
        "before anything fires (persistence: one odd bucket in a noisy series is not an incident).",
    )
    bucket: Duration = Field(
        default=timedelta(minutes=5), description="Windows end on multiples of this: only complete buckets are judged."
    )
    settle: Duration = Field(
        default=timedelta(0), description="How long after a bucket ends before its late posts are all in."
    )
    seasonality: Literal["daily", "weekly"] = Field(
        default="daily", description="mad: compare with the same time of day (daily) or of the week (weekly)."
    )
    baseline_days: int = Field(default=7, ge=2, le=90, description="How many past days (or weeks, mad) to compare.")
    baseline_weeks: int = Field(default=4, ge=0, le=26, description="seasonal: past weeks at the same time.")
    min_weeks: int = Field(default=2, ge=1, description="seasonal: weeks with data before the weekly rhythm is used.")
    max_p: float = Field(
        default=1e-5, gt=0, lt=1, description="seasonal: fires when a count at least this high is this improbable."
    )
    min_spread: float = Field(
        default=0.1, ge=0, description="seasonal: the least relative spread assumed beyond counting noise."
    )
    spread_margin: float = Field(
        default=1.0,
        ge=0,
        description="seasonal: widen the spread read off past days by this many of its standard errors.",
    )
    sensitivity: float = Field(default=3.0, gt=0, description="mad: robust standard deviations above the median.")
    weight: Literal["count", "reach"] = Field(
        default="count",
        description="count: every mention is one; reach: a mention weighs 1 + reach/25 (index.reach), so a few posts "
        "by large accounts move the volume as much as many anonymous ones. min_count is then in weighted mentions "
        "(rounded to whole mentions for the seasonal count model).",
    )
    min_count: int = Field(default=10, ge=1, description="Fewer mentions than this never fire.")
    min_ratio: float = Field(default=1.5, ge=1.0, description="And at least this multiple of what is usual.")
    labels: list[SentimentLabel] = Field(default_factory=list, description="Count only these labels (e.g. negative).")
    top_posts: int = Field(default=5, ge=0, le=50)
    resolve_after: Duration = Field(
        default=timedelta(hours=2),
        description="An incident resolves once the count has stayed normal this long: one incident per event.",
    )
    min_history_days: int = Field(
        default=2, ge=1, description="Past days with data needed before anything can fire (the warm-up)."
    )

    @model_validator(mode="after")
    def _history_fits(self) -> VolumeSpikeConfig:
        if self.min_history_days > self.baseline_days:
            raise ValueError("min_history_days cannot exceed baseline_days")
        return self

    def params(self) -> SeasonalParams:
        return SeasonalParams(
            max_p=self.max_p,
            min_spread=self.min_spread,
            spread_margin=self.spread_margin,
            min_count=self.min_count,
            min_ratio=self.min_ratio,
            min_history_days=self.min_history_days,
            min_weeks=self.min_weeks,
        )


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
    """Mention count in a trailing window against what is usual then (see :mod:`alerts.seasonal`)."""

    uses_sources = True

    type_name = "volume_spike"
    config_model = VolumeSpikeConfig
    baseline_number = "expected"

    def judged_end(self, ctx: EvaluationContext) -> datetime:
        """The end of the window judged now: the last bucket boundary by which posts are all in.

        Posts arrive after they are published (crawl intervals, platform delays): a bucket is complete once
        ``settle`` has passed and every source that is crawling normally has run past it. A source that has
        not succeeded for an hour does not hold the others back (``source_silent`` reports it).
        """
        cfg = self.config
        frontier = ctx.now - cfg.settle
        recent = [
            h.last_success_at
            for h, _ in ctx.sources
            if h.last_success_at is not None and ctx.now - h.last_success_at <= timedelta(hours=1)
        ]
        if recent:
            frontier = min(frontier, *recent)
        return floor_time(frontier, cfg.bucket)

    def evaluate(self, ctx: EvaluationContext) -> list[Observation]:
        cfg = self.config
        end = self.judged_end(ctx) if cfg.method == "seasonal" else ctx.now
        start = end - cfg.window
        out = []
        for brand in self.keys(ctx):

            def counted(since: datetime, until: datetime, brand: str = brand) -> int:
                # Volume is counted over dated posts only: 200 undated posts collected in one crawl all carry
                # the crawl time and would otherwise look like a burst (Mention.date_estimated).
                flt = self.scope(ctx, brand, since, until).model_copy(update={"dated_only": True})
                flt = flt.model_copy(update={"labels": list(cfg.labels)}) if cfg.labels else flt
                if cfg.weight == "reach":
                    return round(ctx.store.reach_weighted_count(flt))
                return ctx.store.count(flt)

            def has_data(past_end: datetime, brand: str = brand) -> bool:
                # A past day with no data at all (before history began, or an outage) says nothing about what
                # is usual: it is left out rather than counted as a quiet day.
                return bool(ctx.store.count(self.scope(ctx, brand, past_end - DAY, past_end)))

            current = counted(start, end)
            if cfg.method == "seasonal":
                numbers, summary, firing = self._seasonal(ctx, brand, start, end, current, counted, has_data)
            else:
                numbers, summary, firing = self._mad(brand, start, end, current, counted, has_data)
            numbers["weight"] = cfg.weight
            if cfg.weight == "reach":
                summary += " (按影响力加权 / reach-weighted mentions)"
            mention_ids: list[str] = []
            words: list[tuple[str, int]] = []
            if firing:
                flt = self.scope(ctx, brand, start, end)
                flt = flt.model_copy(update={"labels": list(cfg.labels)}) if cfg.labels else flt
                if cfg.top_posts:
                    page = ctx.store.search(SearchRequest(filter=flt, limit=cfg.top_posts, highlight=False))
                    mention_ids = [hit.mention.id for hit in page.hits]
                words = top_words(ctx.store, flt, exclude=[brand])
            out.append(Observation(cfg.name, brand, firing, start, end, numbers, summary, mention_ids, words, brand))
        return out

    def _seasonal(
        self,
        ctx: EvaluationContext,
        brand: str,
        start: datetime,
        end: datetime,
        current: int,
        counted: Callable[[datetime, datetime], int],
        has_data: Callable[[datetime], bool],
    ) -> tuple[dict[str, Any], str, bool]:
        cfg = self.config
        short = cfg.short_window
        windows = [cfg.window] + ([short] if short is not None and short < cfg.window else [])
        # Each stretch judged is one more chance of a false alarm: they share max_p (Bonferroni).
        params = replace(cfg.params(), max_p=cfg.max_p / len(windows))
        known: dict[datetime, bool] = {}

        def data(past_end: datetime) -> bool:
            if past_end not in known:
                known[past_end] = has_data(past_end)
            return known[past_end]

        def judge(until: datetime, window: timedelta) -> Assessment:
            since = until - window

            def lags(period: timedelta, how_many: int) -> list[Lag]:
                out = []
                for k in range(1, how_many + 1):
                    shift = period * k
                    if data(until - shift):
                        before = counted(since - cfg.adapt - shift, since - shift)
                        out.append(Lag(counted(since - shift, until - shift), before))
                return out

            count = current if (until, window) == (end, cfg.window) else counted(since, until)
            span = counted(since - cfg.adapt, since)
            return assess(count, span, lags(DAY, cfg.baseline_days), lags(WEEK, cfg.baseline_weeks), params)

        views = [(judge(end, w), w) for w in windows]
        firing = any(a.firing for a, _ in views)
        # Persistence: the stretches ending at the previous bucket ends must look unusual too. Checked only
        # when this one does, so a quiet evaluation costs no more queries.
        for k in range(1, cfg.confirm_buckets):
            if not firing:
                break
            firing = any(judge(end - cfg.bucket * k, w).firing for w in windows)
        # The explanation names the stretch that is the most improbable (the full window when none stands out).
        a, window = min(views, key=lambda view: (view[0].p_value, -view[1].total_seconds()))
        a = replace(a, firing=firing)
        threshold = None if a.warming_up else firing_count(a.expected, a.spread, params)
        numbers: dict[str, Any] = {
            "count": a.count,
            "expected": a.expected,
            "p99": a.upper,
            "threshold": threshold,
            "p_value": float(f"{a.p_value:.3g}"),
            "seasonal": a.season,
            "level": a.level,
            "spread": a.spread,
            "basis": a.basis,
            "history": a.history,
            "window": format_duration(window),
            "window_end": isoformat_z(end),
            "confirm_buckets": cfg.confirm_buckets,
        }
        return numbers, explain(brand, a, window, end, ctx.timezone, cfg.min_history_days), firing

    def _mad(
        self,
        brand: str,
        start: datetime,
        end: datetime,
        current: int,
        counted: Callable[[datetime, datetime], int],
        has_data: Callable[[datetime], bool],
    ) -> tuple[dict[str, Any], str, bool]:
        cfg = self.config
        period = WEEK if cfg.seasonality == "weekly" else DAY
        baseline = [
            counted(start - period * k, end - period * k)
            for k in range(1, cfg.baseline_days + 1)
            if has_data(end - period * k)
        ]
        d = decide_spike(current, baseline, cfg.sensitivity, cfg.min_count, cfg.min_ratio)
        if len(baseline) < cfg.min_history_days:
            # A new brand or source has no past to compare with: any lunch would look like a spike.
            d = SpikeDecision(False, d.median, d.spread, d.threshold, d.ratio)
        numbers = {
            "count": current,
            "expected": d.median,
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
        return numbers, summary, d.firing

    def ticket_title(self, observation: Observation) -> str:
        n = observation.numbers
        usual = max(float(n.get("expected") or 0.0), 1.0)
        return (
            f"声量激增 Volume spike: {observation.key} {n['count']} in {n['window']} ({n['count'] / usual:.1f}× usual)"
        )


def floor_time(moment: datetime, bucket: timedelta) -> datetime:
    """``moment`` rounded down to a multiple of ``bucket`` since the Unix epoch (in UTC)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + bucket * ((moment - epoch) // bucket)


def firing_count(expected: float, spread: float, params: SeasonalParams) -> int:
    """The smallest count that fires against ``expected``: improbable enough, ``min_count``, ``min_ratio``."""
    improbable = 1
    while tail(improbable, expected, spread) >= params.max_p:
        # Doubling then bisecting: the tail is monotone in the count.
        improbable *= 2
    low = improbable // 2
    while low + 1 < improbable:
        middle = (low + improbable) // 2
        if tail(middle, expected, spread) >= params.max_p:
            low = middle
        else:
            improbable = middle
    return max(improbable, params.min_count, math.ceil(params.min_ratio * expected))


WEEKDAYS_ZH = "一二三四五六日"
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def explain(brand: str, a: Assessment, window: timedelta, end: datetime, timezone: str, needed: int) -> str:
    """What was seen and what was expected, Chinese first: the notification and the ticket say this."""
    span = format_duration(window)
    if a.warming_up:
        return (
            f"{brand}：最近{span} {a.count} 条；预热中，仅有 {a.history} 天历史（需 {needed} 天），暂不判断。"
            f" / {brand}: {a.count} mentions in the last {span}; warming up: {a.history} of {needed} days of "
            "history, not judged yet."
        )
    local = (end - window).astimezone(ZoneInfo(timezone))
    at_zh = f"周{WEEKDAYS_ZH[local.weekday()]} {local:%H:%M}"
    at_en = f"a {WEEKDAYS_EN[local.weekday()]} {local:%H:%M}"
    level = ""
    if abs(a.level - 1.0) >= 0.25:
        level = f"（近期整体为常态的 {a.level:.1f} 倍）"
    verdict_zh = "异常" if a.firing else "正常范围"
    return (
        f"{brand}：最近{span} {a.count} 条提及；按{at_zh}的常态预计 {a.expected:.0f} 条（99% 分位 {a.upper:.0f}）"
        f"{level}，{verdict_zh}。 / {brand}: {a.count} mentions in the last {span}; expected {a.expected:.0f} "
        f"for {at_en} (99th pct {a.upper:.0f}); p = {a.p_value:.2g}."
    )
