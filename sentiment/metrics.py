"""Accuracy, macro-F1, ROC-AUC and throughput of a scorer on labelled texts (no numpy needed)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

#: Anything that scores a batch: ``Scorer.score_batch``, or a service's batch wrapped to return scores.
ScoreBatch = Callable[[Sequence[str]], Sequence[float | None]]


def accuracy(labels: Sequence[int], scores: Sequence[float], threshold: float = 0.5) -> float:
    """Share of texts whose score is on the side of ``threshold`` their label says (above = positive)."""
    return sum((s > threshold) == bool(y) for y, s in zip(labels, scores, strict=True)) / len(labels)


def balanced_accuracy(labels: Sequence[int], probs: Sequence[float]) -> float:
    """Mean of the two labels' recalls at 0.5: for training rows that are not class-balanced, as the held-out and
    test sets are."""
    recalls = []
    for label in (0, 1):
        picked = [p for p, y in zip(probs, labels, strict=True) if y == label]
        recalls.append(sum((p > 0.5) == bool(label) for p in picked) / max(1, len(picked)))
    return sum(recalls) / 2


def macro_f1(labels: Sequence[int], scores: Sequence[float], threshold: float = 0.5) -> float:
    """Mean of the F1 of the positive and of the negative class at ``threshold``."""
    predicted = [int(s > threshold) for s in scores]
    f1s = []
    for c in (0, 1):
        tp = sum(1 for y, p in zip(labels, predicted, strict=True) if y == c and p == c)
        fp = sum(1 for y, p in zip(labels, predicted, strict=True) if y != c and p == c)
        fn = sum(1 for y, p in zip(labels, predicted, strict=True) if y == c and p != c)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / 2


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Probability that a random positive outscores a random negative (ties count half); NaN for one class."""
    ranked = sorted(zip(scores, labels, strict=True))
    n_pos = sum(labels)
    n_neg = len(labels) - n_pos
    if not n_pos or not n_neg:
        return float("nan")
    rank_sum = 0.0
    i = 0
    while i < len(ranked):
        j = i
        while j + 1 < len(ranked) and ranked[j + 1][0] == ranked[i][0]:
            j += 1
        mid_rank = (i + j) / 2 + 1  # ties share their mean rank
        rank_sum += mid_rank * sum(y for _, y in ranked[i : j + 1])
        i = j + 1
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


@dataclass(frozen=True)
class Evaluation:
    """How one scorer did on one labelled set. Unscored texts count as wrong (scored 0.5 for the AUC)."""

    scorer: str
    n: int
    accuracy: float
    macro_f1: float
    auc: float
    texts_per_second: float
    unscored: int

    def as_dict(self) -> dict[str, float | int | str]:
        return {
            "scorer": self.scorer,
            "n": self.n,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "auc": round(self.auc, 4),
            "texts_per_second": round(self.texts_per_second, 1),
            "unscored": self.unscored,
        }


def evaluate(
    name: str, score_batch: ScoreBatch, texts: Sequence[str], labels: Sequence[int], batch_size: int = 256
) -> Evaluation:
    """Score ``texts`` in batches, timing only the scoring: models load on a warm-up text first."""
    score_batch(["好评，很满意", "This is great"])  # loads every model the batch may need, untimed
    scores: list[float | None] = []
    start = time.perf_counter()
    for i in range(0, len(texts), batch_size):
        scores += score_batch(texts[i : i + batch_size])
    elapsed = time.perf_counter() - start
    return evaluation_of(name, labels, scores, elapsed)


def compare(
    scorers: Mapping[str, ScoreBatch], texts: Sequence[str], labels: Sequence[int], batch_size: int = 64
) -> list[Evaluation]:
    """:func:`compare_scores` without the scores."""
    return compare_scores(scorers, texts, labels, batch_size)[0]


def compare_scores(
    scorers: Mapping[str, ScoreBatch], texts: Sequence[str], labels: Sequence[int], batch_size: int = 64
) -> tuple[list[Evaluation], dict[str, list[float | None]]]:
    """Evaluate several scorers on the same texts, batch by batch in turn, so their texts/s compare fairly.

    Each batch is scored by every scorer before the next batch starts: on a shared machine, a burst of other
    work slows them all alike instead of whichever happened to be running, so the ratios hold even where the
    absolute rates wander. Models load on a warm-up text first, untimed. Also returns each scorer's scores.
    """
    for score_batch in scorers.values():
        score_batch(["好评，很满意", "This is great"])
    scores: dict[str, list[float | None]] = {name: [] for name in scorers}
    seconds = dict.fromkeys(scorers, 0.0)
    for i in range(0, len(texts), batch_size):
        batch = texts[i : i + batch_size]
        for name, score_batch in scorers.items():
            start = time.perf_counter()
            scores[name] += score_batch(batch)
            seconds[name] += time.perf_counter() - start
    return [evaluation_of(name, labels, scores[name], seconds[name]) for name in scorers], scores


def evaluation_of(name: str, labels: Sequence[int], scores: Sequence[float | None], seconds: float) -> Evaluation:
    """An :class:`Evaluation` from scores already computed in ``seconds``."""
    unscored = sum(s is None for s in scores)
    # An unscored text took no side: wrong for the accuracy whatever its label, 0.5 (no opinion) for F1 and AUC.
    filled = [0.5 if s is None else s for s in scores]
    acc_hits = sum(s is not None and (s > 0.5) == bool(y) for y, s in zip(labels, scores, strict=True))
    return Evaluation(
        scorer=name,
        n=len(labels),
        accuracy=acc_hits / len(labels) if labels else float("nan"),
        macro_f1=macro_f1(labels, filled) if labels else float("nan"),
        auc=roc_auc(labels, filled),
        texts_per_second=len(labels) / seconds if seconds > 0 else float("inf"),
        unscored=unscored,
    )
