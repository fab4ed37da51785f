"""English: VADER, a rule and lexicon model for social-media English that runs offline (vaderSentiment).

VADER's compound score is in [-1, 1] and its authors label ``compound <= -0.05`` negative and ``>= 0.05``
positive. The scorer maps it onto a probability-like score in [0, 1], piecewise linearly, so that those two
cut points land on the service's default thresholds: a text VADER calls negative is labelled negative here,
neutral neutral. (There is no labelled English corpus here to calibrate it against: the score orders texts
by VADER's opinion, it is not an estimated probability like the Chinese model's.)

Like the Chinese scorer, a text that asks for a remedy ("I want a refund", "still waiting for ...") is capped
into the negative band: VADER reads "please refund me as soon as possible" as positive.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from typing import Any

from sentiment.base import Scorer, Thresholds

log = logging.getLogger(__name__)

#: VADER's documented cut points on the compound score.
VADER_NEGATIVE, VADER_POSITIVE = -0.05, 0.05

COMPLAINT = re.compile(
    r"\b(?:(?:want|need|demand|request(?:ed)?|asked for|give me|where is|still no|waiting (?:for|on)|please)"
    r"\s+(?:a\s+|my\s+|the\s+)?refund|refund me|chargeback|(?:want|need) my money back"
    r"|still (?:waiting|haven'?t|hasn'?t|not)"
    r"|never (?:arrived|received|got|came|answered|replied|responded|refunded|delivered)"
    r"|(?:no one|nobody) (?:answers|answered|replies|replied|responds|responded|helps|helped)"
    r"|file (?:a|my) complaint|complain(?:ed|ing)? to|report(?:ed|ing)? (?:you|them|this) to|scam(?:med)?"
    r"|rip(?:ped)?[ -]off|class action|small claims)\b",
    re.IGNORECASE,
)

_analyzer: Any = None
_analyzer_lock = threading.Lock()


def _vader() -> Any:
    """VADER's analyzer, built once per process (it reads its lexicon files: about 0.1 s)."""
    global _analyzer
    if _analyzer is None:
        with _analyzer_lock:
            if _analyzer is None:
                from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

                _analyzer = SentimentIntensityAnalyzer()
    return _analyzer


def compound_to_score(compound: float, thresholds: Thresholds) -> float:
    """Map VADER's compound score onto [0, 1] with its cut points on ``thresholds`` (monotone, piecewise linear)."""
    c = max(-1.0, min(1.0, compound))
    lo, hi = thresholds.negative_below, thresholds.positive_above
    if c <= VADER_NEGATIVE:
        return lo * (c + 1.0) / (VADER_NEGATIVE + 1.0)
    if c >= VADER_POSITIVE:
        return hi + (1.0 - hi) * (c - VADER_POSITIVE) / (1.0 - VADER_POSITIVE)
    return lo + (hi - lo) * (c - VADER_NEGATIVE) / (VADER_POSITIVE - VADER_NEGATIVE)


class VaderScorer(Scorer):
    """English sentiment with VADER (vaderSentiment from PyPI, offline)."""

    name = "vader"

    def __init__(self, thresholds: Thresholds | None = None) -> None:
        self.thresholds = thresholds or Thresholds()

    def languages(self) -> frozenset[str]:
        return frozenset({"en"})

    def score_batch(self, texts: Sequence[str]) -> list[float | None]:
        analyzer = _vader()
        cap = self.thresholds.negative_below / 2
        out: list[float | None] = []
        for text in texts:
            if not isinstance(text, str) or not text.strip():
                out.append(None)
                continue
            try:
                score = compound_to_score(float(analyzer.polarity_scores(text)["compound"]), self.thresholds)
            except Exception as exc:  # one bad text must not fail the batch
                log.warning("vader could not score a text (%s): %.40r", type(exc).__name__, text)
                out.append(None)
                continue
            out.append(min(score, cap) if COMPLAINT.search(text) else score)
        return out
