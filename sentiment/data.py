"""Labelled texts: reading ``label,text`` CSVs and making the seeded splits training and benchmarks share."""

from __future__ import annotations

import csv
import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: Where the shared corpora live relative to the repository (``../shared`` beside the checkout).
SHARED_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "sentiment"


@dataclass(frozen=True)
class Example:
    label: int  # 1 positive, 0 negative
    text: str
    group: str = ""  # the domain within a corpus (online_shopping's ``cat``: 书籍, 酒店, ...), if it has one


def read_labelled(
    path: Path, text_column: str = "text", label_column: str = "label", group_column: str = "cat"
) -> list[Example]:
    """Rows of a CSV with a 0/1 (or negative/positive) label column, a text column and maybe a domain column."""
    names = {"1": 1, "0": 0, "positive": 1, "negative": 0, "pos": 1, "neg": 0}
    out = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = {text_column, label_column} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: no column {', '.join(sorted(missing))} (has {reader.fieldnames})")
        for line, row in enumerate(reader, start=2):
            raw = (row[label_column] or "").strip().lower()
            if raw not in names:
                raise ValueError(f"{path}:{line}: label {raw!r} is not 0/1 or negative/positive")
            out.append(Example(names[raw], row[text_column] or "", (row.get(group_column) or "").strip()))
    return out


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def split(rows: Sequence[Example], fraction: float, seed: int) -> tuple[list[Example], list[Example]]:
    """(rest, held out): a seeded, stratified ``fraction`` of each label held out."""
    rng = random.Random(seed)
    rest: list[Example] = []
    held: list[Example] = []
    for label in (0, 1):
        group = [r for r in rows if r.label == label]
        rng.shuffle(group)
        n = round(len(group) * fraction)
        held += group[:n]
        rest += group[n:]
    return rest, held


def hash_split(rows: Sequence[Example], fraction: float) -> tuple[list[Example], list[Example]]:
    """(rest, held out) by a hash of each text: a text stays on its side whatever else the corpus holds."""
    cut = round(fraction * 10_000)
    rest: list[Example] = []
    held: list[Example] = []
    for r in rows:
        bucket = (
            int.from_bytes(hashlib.sha1(r.text.encode("utf-8"), usedforsecurity=False).digest()[:4], "big") % 10_000
        )
        (held if bucket < cut else rest).append(r)
    return rest, held


def balanced(rows: Sequence[Example], seed: int) -> list[Example]:
    """An equal number of positive and negative rows (the larger class sampled down), like the shared tests."""
    pos = [r for r in rows if r.label == 1]
    neg = [r for r in rows if r.label == 0]
    n = min(len(pos), len(neg))
    rng = random.Random(seed)
    return rng.sample(neg, n) + rng.sample(pos, n)


def stratified_folds(labels: Sequence[int], k: int, seed: int) -> list[int]:
    """Fold number (0..k-1) of each row, with labels spread evenly over the folds."""
    rng = random.Random(seed)
    folds = [0] * len(labels)
    for label in sorted(set(labels)):
        idx = [i for i, y in enumerate(labels) if y == label]
        rng.shuffle(idx)
        for n, i in enumerate(idx):
            folds[i] = n % k
    return folds
