"""Event rules: each new mention that matches fires once, at once.

- ``critical_words`` (危急值): a mention touching safety or a crisis — fire, explosion, poisoning, injury,
  death, rights protection, media exposure, 315 — opens an urgent ticket immediately, whatever the volume.
- ``bad_review``: a review with a low rating or a very negative score, on a review platform, opens a ticket
  for that single review, so someone answers the customer — unless the complaint reader finds the text is praise
  (a one-star "非常好用,五星好评" is a slip of the thumb, not a complaint): praise opens no ticket.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any, Literal

from pydantic import Field

from alerts.rules.base import EvaluationContext, Observation, RuleConfig, RuleType
from foundation.vocabulary import Priority
from index.base import Mention
from index.text import normalize
from tickets.classify import DEFAULT_URGENT_WORDS, ModelClassifier
from tickets.understanding.urgency import UrgencyDetector

log = logging.getLogger(__name__)

#: Crisis words beyond the ticket classifier's urgent list: what a PR team must see within minutes.
DEFAULT_CRITICAL_WORDS: tuple[str, ...] = (
    *DEFAULT_URGENT_WORDS,
    "死了",
    "炸了",
    "烧伤",
    "窒息",
    "致癌",
    "召回",
    "集体投诉",
    "上热搜",
    "央视",
    "黑猫投诉",
    "recall",
    "death",
    "died",
)
#: Mentions read per evaluation at most. They come newest published first, so a capped read could skip a post
#: stored late: the cap is far above a crisis's few seconds of mentions, and reaching it is logged.
MAX_PER_EVALUATION = 5000


def _pattern(word: str) -> re.Pattern[str]:
    folded = re.escape(normalize(word))
    if word[:1].isascii() and word[:1].isalnum():
        folded = r"(?<![0-9a-z])" + folded
    if word[-1:].isascii() and word[-1:].isalnum():
        folded += r"(?![0-9a-z])"
    return re.compile(folded)


class EventRule(RuleType[RuleConfig]):
    """Shared by event rules: walk the mentions stored or changed since the last look."""

    kind = "event"

    def new_mentions(self, ctx: EvaluationContext, brand: str) -> list[Mention]:
        since = ctx.since or ctx.now - timedelta(hours=1)
        flt = self.scope(ctx, brand).model_copy(update={"updated_since": since, "updated_until": ctx.now})
        # In as few requests as the store allows: in a crisis this read is most of an evaluation's time.
        out = ctx.store.read_many(flt, MAX_PER_EVALUATION + 1)
        if len(out) > MAX_PER_EVALUATION:
            log.error("%s: over %d mentions stored since %s; the rest are not read", self.name, len(out) - 1, since)
            del out[MAX_PER_EVALUATION:]
        return out

    def observe(
        self, ctx: EvaluationContext, mention: Mention, brand: str, numbers: dict[str, Any], summary: str
    ) -> Observation:
        return Observation(
            self.name,
            mention.id,
            True,
            mention.published_at,
            ctx.now,
            numbers,
            summary,
            [mention.id],
            [],
            brand,
            group=f"{mention.platform}:{mention.parent_id or mention.post_id}",  # the ticket intake's thread
        )


class CriticalWordsConfig(RuleConfig):
    """Options of ``critical_words``."""

    type: Literal["critical_words"]
    words: list[str] = Field(default_factory=lambda: list(DEFAULT_CRITICAL_WORDS), min_length=1)
    priority: Priority = Priority.urgent


class CriticalWordsRule(EventRule):
    """Any new mention with a crisis word: an immediate alert and an urgent ticket."""

    type_name = "critical_words"
    config_model = CriticalWordsConfig
    config: CriticalWordsConfig

    def __init__(self, config: CriticalWordsConfig):
        super().__init__(config)
        self._patterns = [(w, _pattern(w)) for w in config.words]
        # Bare words over-fire: "打不着火", "报警灯", "没有拉肚子" are no crisis. The urgent detector's harmless
        # phrases and negations guard the matches.
        self._guard = UrgencyDetector()

    def evaluate(self, ctx: EvaluationContext) -> list[Observation]:
        out = []
        for brand in self.keys(ctx):
            for mention in self.new_mentions(ctx, brand):
                text = self._guard.masked(normalize(f"{mention.title or ''}\n{mention.text}"))
                found = [
                    w
                    for w, p in self._patterns
                    if any(not self._guard.negated(text, m.start()) for m in p.finditer(text))
                ]
                if found:
                    summary = (
                        f"{brand}: crisis words {', '.join(found)} in a {mention.platform} post: {mention.text[:80]}"
                    )
                    out.append(
                        self.observe(
                            ctx,
                            mention,
                            brand,
                            {"words": found, "platform": mention.platform, "url": mention.url},
                            summary,
                        )
                    )
        return out

    def ticket_title(self, observation: Observation) -> str:
        words = "、".join(observation.numbers["words"][:3])
        return f"危急值 Critical: {observation.brand} — {words}"


class BadReviewConfig(RuleConfig):
    """Options of ``bad_review``."""

    type: Literal["bad_review"]
    platforms: list[str] = Field(
        default=["app_store", "google_play", "trustpilot", "heimao", "taobao", "reviews"],
        description="Review platforms (by the platform name stored on mentions).",
    )
    max_rating: float = Field(default=2.0, ge=0, description="A rating at or below this is bad (of 5).")
    max_score: float = Field(default=0.1, ge=0, le=1, description="Or a sentiment score at or below this.")
    priority: Priority = Priority.general
    skip_praise: bool = Field(
        default=True, description="A review the complaint reader finds is praise opens no ticket (whatever its stars)."
    )


class BadReviewRule(EventRule):
    """A single bad review gets a ticket, so the customer gets an answer; the text's type (complaint, suggestion,
    enquiry, praise) is read first and shown on the alert, and praise opens none."""

    type_name = "bad_review"
    config_model = BadReviewConfig
    config: BadReviewConfig

    def __init__(self, config: BadReviewConfig):
        super().__init__(config)
        self._reader: ModelClassifier | None = None

    def text_type(self, mention: Mention) -> str | None:
        """complaint, suggestion, enquiry, praise or other; ``None`` for a text not in Chinese, which the reader
        was not trained on ("App keeps crashing" reads as praise to it). The model loads on the first candidate."""
        if not (mention.language or "").startswith("zh"):
            return None
        if self._reader is None:
            self._reader = ModelClassifier()
        return self._reader.classify(f"{mention.title or ''}\n{mention.text}".strip()).type

    def evaluate(self, ctx: EvaluationContext) -> list[Observation]:
        cfg = self.config
        out = []
        for brand in self.keys(ctx):
            for m in self.new_mentions(ctx, brand):
                low_rating = m.rating is not None and m.rating <= cfg.max_rating
                very_negative = m.sentiment_score is not None and m.sentiment_score <= cfg.max_score
                if low_rating or very_negative:
                    kind = self.text_type(m)
                    if kind == "praise" and cfg.skip_praise:
                        continue
                    why = (
                        f"rating {m.rating:g}"
                        if low_rating and m.rating is not None
                        else f"sentiment {m.sentiment_score:.2f}"
                    )
                    summary = f"{brand}: bad review on {m.platform} ({why}) by {m.author or 'anonymous'}: {m.text[:80]}"
                    numbers = {
                        "why": "rating" if low_rating else "sentiment",
                        "rating": m.rating,
                        "score": m.sentiment_score,
                        "platform": m.platform,
                        "url": m.url,
                        "type": kind,
                    }
                    out.append(self.observe(ctx, m, brand, numbers, summary))
        return out

    def ticket_title(self, observation: Observation) -> str:
        n = observation.numbers
        why = f"{n['rating']:g}★" if n["why"] == "rating" else f"sentiment {n['score']:.2f}"
        return f"差评 Bad review: {observation.brand} {n['platform']} {why}"
