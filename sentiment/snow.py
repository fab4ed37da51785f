"""snownlp's naive-Bayes classifier: probability that a Chinese text is positive."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from sentiment.base import Scorer

log = logging.getLogger(__name__)


class SnowNLPScorer(Scorer):
    """Scores Chinese (simplified or traditional) with snownlp's bundled model.

    Importing snownlp costs about 1.7 s and 400 MB, so it happens on the first call, once per process.
    snownlp raises on empty text; such texts, and any text it fails on, come back as ``None``.
    """

    name = "snownlp"

    def __init__(self) -> None:
        self._classifier: Any = None
        self._lock = threading.Lock()

    def languages(self) -> frozenset[str]:
        return frozenset({"zh"})

    def _load(self) -> Any:
        if self._classifier is None:
            with self._lock:
                if self._classifier is None:
                    from snownlp import sentiment

                    self._classifier = sentiment
        return self._classifier

    def score_batch(self, texts: Sequence[str]) -> list[float | None]:
        classifier = self._load()
        out: list[float | None] = []
        for text in texts:
            if not text or not text.strip():
                out.append(None)
                continue
            try:
                score = float(classifier.classify(text))
            except Exception as exc:  # one bad text must not fail the batch, whatever snownlp raises
                log.warning("snownlp could not score a text (%s): %.40r", type(exc).__name__, text)
                out.append(None)
                continue
            out.append(min(1.0, max(0.0, score)))
        return out
