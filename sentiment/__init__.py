"""Sentiment: a probability that a text is positive, and a label from configurable thresholds.

:class:`SentimentService` detects each text's language and sends it to a scorer for that language; texts
no scorer handles are labelled ``unscored``. Scorers are registered in :data:`SCORERS`; the name ``default``
stands for :data:`DEFAULT_SCORERS`: the trained Chinese model (``yuqing-zh``) and VADER for English.
:mod:`sentiment.config` is the ``sentiment:`` config section.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence

from foundation.gcpause import cycle_collection_paused
from sentiment.base import SCORER_FAILED, Scorer, SentimentLabel, SentimentResult, Thresholds
from sentiment.english import VaderScorer
from sentiment.language import detect_language
from sentiment.snow import SnowNLPScorer
from sentiment.zh import GeneralZhScorer, RetrainedSnowNLPScorer, ZhScorer

log = logging.getLogger(__name__)

#: Scorer factories by the name used in the config's ``sentiment.scorer``. Creating a scorer loads nothing:
#: models load on the first text, once per process.
SCORERS: dict[str, Callable[[], Scorer]] = {
    "yuqing-zh": ZhScorer,
    "vader": VaderScorer,
    "snownlp": SnowNLPScorer,  # snownlp's bundled model (shopping reviews): the baseline
    "snownlp-retrained": RetrainedSnowNLPScorer,  # snownlp's classifier retrained here, alone
    "yuqing-zh-general": GeneralZhScorer,  # the default Chinese model without its per-domain experts
}

#: What ``default`` means: Chinese (simplified and traditional) and English; other languages stay unscored.
DEFAULT_SCORERS: tuple[str, ...] = ("yuqing-zh", "vader")

__all__ = [
    "DEFAULT_SCORERS",
    "SCORERS",
    "SCORER_FAILED",
    "Scorer",
    "SentimentLabel",
    "SentimentResult",
    "SentimentService",
    "Thresholds",
]


def scorer_names(names: Sequence[str]) -> list[str]:
    """``names`` with ``default`` expanded to :data:`DEFAULT_SCORERS`, duplicates dropped, order kept."""
    out: list[str] = []
    for name in names:
        for n in DEFAULT_SCORERS if name == "default" else (name,):
            if n not in SCORERS:
                raise KeyError(f"unknown sentiment scorer {n!r}; known: default, {', '.join(SCORERS)}")
            if n not in out:
                out.append(n)
    return out


def _probability(score: float | None) -> float | None:
    """Keep a scorer's output a probability: clamp to [0, 1]; NaN means unscored."""
    if score is None or math.isnan(score):
        return None
    return min(1.0, max(0.0, float(score)))


class SentimentService:
    """Scores batches of texts with the right scorer per language."""

    def __init__(self, scorers: Sequence[Scorer], thresholds: Thresholds | None = None):
        self.thresholds = thresholds or Thresholds()
        self._by_language: dict[str, Scorer] = {}
        for scorer in scorers:
            for language in scorer.languages():
                self._by_language.setdefault(language, scorer)

    @classmethod
    def from_names(cls, names: Sequence[str], thresholds: Thresholds | None = None) -> SentimentService:
        """Scorers by registered name (``default`` = :data:`DEFAULT_SCORERS`); the first for a language wins."""
        return cls([SCORERS[name]() for name in scorer_names(names)], thresholds)

    @classmethod
    def default(cls, thresholds: Thresholds | None = None) -> SentimentService:
        """The trained Chinese model and VADER for English, with the calibrated default thresholds."""
        return cls.from_names(["default"], thresholds)

    def analyze(self, text: str, language: str | None = None) -> SentimentResult:
        return self.analyze_batch([text], [language])[0]

    def analyze_batch(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None
    ) -> list[SentimentResult]:
        """One result per text, in order.

        ``languages`` are the languages pages declare. They are used only where the text itself does not tell:
        a Chinese site declares ``zh-CN`` for an English review as well, and user text is what gets scored.
        """
        texts = [t if isinstance(t, str) else "" for t in texts]  # a None in a batch is an empty text
        langs = []
        for i, text in enumerate(texts):
            detected = detect_language(text)
            declared = languages[i] if languages and languages[i] else None
            langs.append(declared if detected == "und" and declared else detected)
        results: list[SentimentResult | None] = [None] * len(texts)
        groups: dict[str, list[int]] = {}
        for i, lang in enumerate(langs):
            if not texts[i].strip():
                results[i] = SentimentResult(None, SentimentLabel.unscored, lang, reason="empty text")
            elif lang in self._by_language:
                groups.setdefault(lang, []).append(i)
            else:
                results[i] = SentimentResult(None, SentimentLabel.unscored, lang, reason=f"no scorer for '{lang}'")
        for lang, indexes in groups.items():
            scorer = self._by_language[lang]
            try:
                with cycle_collection_paused():  # a batch makes no cycles, only garbage: see foundation.gcpause
                    raw = scorer.score_batch([texts[i] for i in indexes])
            except Exception:  # a scorer that breaks its contract fails its texts, not the batch
                log.exception("sentiment scorer %s failed on a batch of %d texts", scorer.name, len(indexes))
                raw = [None] * len(indexes)
            scores = [_probability(s) for s in raw]
            for i, score in zip(indexes, scores, strict=True):
                reason = None if score is not None else SCORER_FAILED
                results[i] = SentimentResult(score, self.thresholds.label(score), lang, scorer.name, reason)
        return [r for r in results if r is not None]
