"""Negative share: too large a share of a brand's recent mentions are negative."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field

from alerts.rules.base import EvaluationContext, Observation, RuleConfig, RuleType, top_words
from foundation.timeutil import format_duration
from foundation.types import Duration
from foundation.vocabulary import SentimentLabel
from index.base import MentionFilter, SearchRequest


class NegativeShareConfig(RuleConfig):
    """Fires when, within ``window``, a brand has at least ``min_count`` scored mentions and the share of
    negative ones is at least ``threshold``. Unscored mentions (other languages) count in neither."""

    type: Literal["negative_share"]
    threshold: float = Field(gt=0.0, le=1.0, description="Share of negative mentions that fires, e.g. 0.4.")
    window: Duration = Field(default=timedelta(hours=24))
    min_count: int = Field(default=10, ge=1, description="Fewer scored mentions than this never fire.")
    top_posts: int = Field(default=5, ge=0, le=50, description="Negative posts attached to the ticket.")


class NegativeShareRule(RuleType[NegativeShareConfig]):
    """Share of negative mentions in a sliding window above a threshold, with a minimum count."""

    type_name = "negative_share"
    config_model = NegativeShareConfig

    def evaluate(self, ctx: EvaluationContext) -> list[Observation]:
        cfg = self.config
        end = ctx.now
        start = end - cfg.window
        out = []
        for brand in self.keys(ctx):
            scope = self.scope(ctx, brand, start, end)
            counts = ctx.store.label_counts(scope)
            negative = counts[SentimentLabel.negative]
            scored = negative + counts[SentimentLabel.neutral] + counts[SentimentLabel.positive]
            share = negative / scored if scored else 0.0
            firing = scored >= cfg.min_count and share >= cfg.threshold
            mention_ids: list[str] = []
            words: list[tuple[str, int]] = []
            if firing:
                negatives = MentionFilter(**{**scope.model_dump(), "labels": [SentimentLabel.negative]})
                if cfg.top_posts:
                    page = ctx.store.search(SearchRequest(filter=negatives, limit=cfg.top_posts, highlight=False))
                    mention_ids = [hit.mention.id for hit in page.hits]
                words = top_words(ctx.store, negatives, exclude=[brand])
            numbers = {
                "scored": scored,
                "negative": negative,
                "share": round(share, 4),
                "threshold": cfg.threshold,
                "min_count": cfg.min_count,
                "unscored": counts[SentimentLabel.unscored],
                "window": format_duration(cfg.window),
            }
            summary = (
                f"{brand}: {negative}/{scored} mentions negative ({share:.0%}) in the last {numbers['window']}; "
                f"threshold {cfg.threshold:.0%}, minimum {cfg.min_count} mentions."
            )
            out.append(Observation(cfg.name, brand, firing, start, end, numbers, summary, mention_ids, words, brand))
        return out

    def ticket_title(self, observation: Observation) -> str:
        n = observation.numbers
        share = f"{n['share']:.0%} ({n['negative']}/{n['scored']}, {n['window']})"
        return f"负面占比告警 Negative share: {observation.key} {share}"
