"""Sentiment: a probability that a text is positive, and a label from configurable thresholds.

:class:`SentimentService` detects each text's language and sends it to a scorer for that language; texts
no scorer handles are labelled ``unscored``. Scorers are registered in :data:`SCORERS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from sentiment.base import Scorer, SentimentLabel, SentimentResult, Thresholds
from sentiment.language import detect_language
from sentiment.snow import SnowNLPScorer

#: Scorer factories by the name used in the config's ``sentiment.scorer``.
SCORERS: dict[str, Callable[[], Scorer]] = {
    "snownlp": SnowNLPScorer,
}

__all__ = ["SCORERS", "Scorer", "SentimentLabel", "SentimentResult", "SentimentService", "Thresholds"]


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
        return cls([SCORERS[name]() for name in names], thresholds)

    def analyze(self, text: str, language: str | None = None) -> SentimentResult:
        return self.analyze_batch([text], [language])[0]

    def analyze_batch(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None
    ) -> list[SentimentResult]:
        """One result per text, in order.

        ``languages`` are the languages pages declare. They are used only where the text itself does not tell:
        a Chinese site declares ``zh-CN`` for an English review as well, and user text is what gets scored.
        """
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
            scores = [_probability(s) for s in scorer.score_batch([texts[i] for i in indexes])]
            for i, score in zip(indexes, scores, strict=True):
                reason = None if score is not None else "scorer failed"
                results[i] = SentimentResult(score, self.thresholds.label(score), lang, scorer.name, reason)
        return [r for r in results if r is not None]
