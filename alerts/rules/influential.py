"""Influential negative post: one negative mention that can travel, alerted on its own, before the volume moves.

A crisis rarely starts as many posts: it starts as one post by an account people listen to, or one that spreads
fast, and the volume follows hours later. This event rule looks at the mentions stored or changed since its
last look (a re-crawl that found more likes is a change) and fires once per mention that is negative and

- has a **reach** (:mod:`index.reach`, 0–100, normalised per platform) of at least ``min_reach``; or
- is by an author with at least ``min_followers`` followers, or a **verified** one (``verified_authors``); or
- **grows fast**: its reach rose by at least ``min_growth`` points since the previous crawl, and that crawl was
  at most ``growth_within`` ago (a slow climb over days is not a fire). The previous reach is what the store
  pipeline remembers on a re-crawl (``extra["reach_prev"]``, ``extra["reach_prev_at"]``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import Field

from alerts.rules.base import EvaluationContext, Observation, RuleConfig
from alerts.rules.events import EventRule
from foundation.timeutil import format_duration
from foundation.types import Duration
from index.base import Mention
from sentiment.base import SentimentLabel
from tickets.enums import Priority


class InfluentialNegativeConfig(RuleConfig):
    """Options of ``influential_negative``."""

    type: Literal["influential_negative"]
    min_reach: float = Field(default=60.0, ge=0, le=100, description="A negative post with this reach fires.")
    min_followers: int | None = Field(
        default=100_000, ge=1, description="Or one by an author with this many followers (None: not used)."
    )
    verified_authors: bool = Field(default=True, description="Or one by a verified account (微博 V, 抖音认证 …).")
    min_growth: float | None = Field(
        default=15.0, gt=0, le=100, description="Or one whose reach rose this much between two crawls (None: off)."
    )
    growth_within: Duration = Field(
        default=timedelta(hours=6), description="The two crawls of a growth at most this far apart."
    )
    max_score: float | None = Field(
        default=None, ge=0, le=1, description="Also count as negative a score at or below this (any label)."
    )
    priority: Priority = Priority.major


def growth(mention: Mention) -> tuple[float, timedelta] | None:
    """How much the reach rose since the previous crawl, and over how long; ``None`` without a previous one."""
    before, at = mention.extra.get("reach_prev"), mention.extra.get("reach_prev_at")
    if mention.reach is None or not isinstance(before, int | float) or not isinstance(at, str):
        return None
    try:
        then = datetime.fromisoformat(at)
    except ValueError:
        return None
    return mention.reach - float(before), mention.updated_at - then


class InfluentialNegativeRule(EventRule):
    """A negative post with a large reach, by a large or verified account, or growing fast: an urgent ticket."""

    type_name = "influential_negative"
    config_model = InfluentialNegativeConfig
    config: InfluentialNegativeConfig
    threshold_number = "min_reach"

    def negative(self, mention: Mention) -> bool:
        cfg = self.config
        if mention.sentiment_label == SentimentLabel.negative:
            return True
        return (
            cfg.max_score is not None
            and mention.sentiment_score is not None
            and mention.sentiment_score <= cfg.max_score
        )

    def reasons(self, mention: Mention) -> list[str]:
        """Why a negative mention is influential (empty: it is not)."""
        cfg = self.config
        why: list[str] = []
        if mention.reach is not None and mention.reach >= cfg.min_reach:
            why.append("reach")
        followers = mention.extra.get("followers")
        if cfg.min_followers is not None and isinstance(followers, int | float) and followers >= cfg.min_followers:
            why.append("followers")
        if cfg.verified_authors and mention.extra.get("verified") is True:
            why.append("verified")
        grew = growth(mention)
        if cfg.min_growth is not None and grew is not None:
            rise, over = grew
            if rise >= cfg.min_growth and timedelta(0) < over <= cfg.growth_within:
                why.append("growth")
        return why

    def evaluate(self, ctx: EvaluationContext) -> list[Observation]:
        out = []
        for brand in self.keys(ctx):
            for mention in self.new_mentions(ctx, brand):
                if not self.negative(mention):
                    continue
                why = self.reasons(mention)
                if why:
                    out.append(
                        self.observe(
                            ctx, mention, brand, self._numbers(mention, why), self._summary(mention, brand, why)
                        )
                    )
        return out

    def _numbers(self, mention: Mention, why: list[str]) -> dict[str, Any]:
        grew = growth(mention)
        return {
            "why": why,
            "reach": mention.reach,
            "min_reach": self.config.min_reach,
            "followers": mention.extra.get("followers"),
            "verified": mention.extra.get("verified"),
            "reach_growth": round(grew[0], 1) if grew else None,
            "growth_over": format_duration(grew[1]) if grew else None,
            "likes": mention.likes,
            "comments": mention.comments,
            "reposts": mention.reposts,
            "score": mention.sentiment_score,
            "platform": mention.platform,
            "author": mention.author,
            "url": mention.url,
        }

    @staticmethod
    def _summary(mention: Mention, brand: str, why: list[str]) -> str:
        labels = {"reach": "影响力大 high reach", "followers": "大V large account", "verified": "认证账号 verified",
                  "growth": "传播加速 growing fast"}  # fmt: skip
        reasons = "、".join(labels[w] for w in why)
        reach = f"{mention.reach:g}" if mention.reach is not None else "?"
        return (
            f"{brand}: negative {mention.platform} post by {mention.author or 'anonymous'} ({reasons}; reach {reach}): "
            f"{mention.text[:80]}"
        )

    def ticket_title(self, observation: Observation) -> str:
        n = observation.numbers
        who = n["author"] or "anonymous"
        return f"高影响负面 Influential negative: {observation.brand} {n['platform']} {who} reach {n['reach']}"
