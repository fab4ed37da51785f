"""The scorer interface: text in, probability of positive and a label out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from foundation.vocabulary import SentimentLabel

__all__ = ["Scorer", "SentimentLabel", "SentimentResult", "Thresholds"]


@dataclass(frozen=True)
class Thresholds:
    """Scores below ``negative_below`` are negative, above ``positive_above`` positive, the rest neutral.

    The defaults are calibrated by :mod:`sentiment.train` for the default model: the widest bands in which at
    least 90% of the labels are right on each training corpus (cross-fitted, class-balanced); see
    ``sentiment/models/yuqing_zh.json``. A test keeps the two in step.
    """

    negative_below: float = 0.36
    positive_above: float = 0.68

    def __post_init__(self) -> None:
        if not 0.0 <= self.negative_below <= self.positive_above <= 1.0:
            raise ValueError("thresholds must satisfy 0 <= negative_below <= positive_above <= 1")

    def label(self, score: float | None) -> SentimentLabel:
        if score is None:
            return SentimentLabel.unscored
        if score < self.negative_below:
            return SentimentLabel.negative
        if score > self.positive_above:
            return SentimentLabel.positive
        return SentimentLabel.neutral


@dataclass(frozen=True)
class SentimentResult:
    """A score in [0, 1] (probability of positive) or ``None`` when unscored, with its label and language."""

    score: float | None
    label: SentimentLabel
    language: str
    scorer: str | None = None
    reason: str | None = None  # why a text is unscored


#: The ``reason`` of a text its scorer raised on or gave no score (a batch the scorer raised on fails every text).
SCORER_FAILED = "scorer failed"


class Scorer(ABC):
    """A sentiment model. Implementations must load lazily and never raise for one bad text.

    Extension point: subclass, give the class a unique ``name`` and register it in
    :data:`sentiment.SCORERS`.
    """

    name: str = "base"

    @abstractmethod
    def languages(self) -> frozenset[str]:
        """Language codes (``zh``, ``en``, ...) this scorer can score."""

    @abstractmethod
    def score_batch(self, texts: Sequence[str]) -> list[float | None]:
        """Probability of positive for each text, ``None`` where a text cannot be scored."""
