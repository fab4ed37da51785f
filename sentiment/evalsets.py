"""The corpora the Chinese model trains on and the evaluation sets it never saw (shared by training and bench)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sentiment.data import Example, balanced, read_labelled, split
from sentiment.metrics import accuracy, macro_f1, roc_auc

#: (corpus name, file, domain): ``social`` rows train the social model and are the domain model's positives.
CORPORA = (
    ("weibo", "weibo2018_train.csv", "social"),
    ("shopping", "online_shopping_10_cats_train.csv", "review"),
    ("waimai", "waimai_10k_train.csv", "review"),
)
#: Shared test files: never trained on, reported for the shipped model.
SHARED_TESTS = (("shopping_test", "online_shopping_10_cats_test.csv"), ("waimai_test", "waimai_10k_test.csv"))


def metrics(labels: Sequence[int], scores: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(labels),
        "accuracy": round(accuracy(labels, scores), 4),
        "macro_f1": round(macro_f1(labels, scores), 4),
        "auc": round(roc_auc(labels, scores), 4),
    }


def evaluation_sets(
    data: Path, seed: int, holdout: dict[str, float], limit: int | None = None
) -> dict[str, list[Example]]:
    """The texts a model trained with ``seed`` and ``holdout`` never saw, by name.

    ``<corpus>_holdout``: the held-out rows of each training corpus, class-balanced like the shared tests;
    ``<corpus>_test``: the shared test files. The bench rebuilds these from the model's provenance.
    """
    sets: dict[str, list[Example]] = {}
    for corpus, filename, _ in CORPORA:
        rows = read_labelled(data / filename)
        held = split(rows, holdout.get(corpus, 0.0), seed)[1]
        if limit:
            held = split(held, min(1.0, limit / max(1, len(held))), seed)[1]
        if held:
            sets[f"{corpus}_holdout"] = balanced(held, seed)
    for name, filename in SHARED_TESTS:
        path = data / filename
        if path.exists():
            rows = read_labelled(path)
            sets[name] = split(rows, min(1.0, limit / len(rows)), seed)[1] if limit else rows
    return sets
