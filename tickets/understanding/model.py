"""The trained complaint model: linear heads over :mod:`.features`, stored as a small JSON file.

Three heads share the features: ``applies`` (one sigmoid per category: does it apply?), ``primary`` (softmax: the
main category) and ``type`` (softmax: complaint, suggestion, enquiry, praise, other). Prediction needs only this
module and the JSON — no scikit-learn — and explains itself: the evidence of a category is the words whose weight
pushed that category up most in this text.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, reduce
from itertools import groupby
from operator import itemgetter, or_
from pathlib import Path
from typing import Any

from tickets.enums import Category
from tickets.understanding.features import aspect_hits, extract, finish
from tickets.understanding.folding import fold

MODEL_PATH = Path(__file__).resolve().parent / "complaint_model.json"
#: A category other than the primary is listed when its ``applies`` probability reaches this.
APPLIES_AT = 0.5
#: Words never shown as evidence: they carry weight in the model only as context.
STOPWORDS = frozenset(
    """
    的了 了的 是的 就是 还是 但是 可是 不过 而且 然后 因为 所以 这个 那个 这样 那样 一个 一下 一点 有点 有些 什么 怎么
    我们 你们 他们 自己 已经 还有 没有 不是 真的 非常 比较 感觉 觉得 知道 时候 现在 东西 这次 一次 以后 以前 可以 应该
    不能 不管 不会 不要 一直 还有 只是 只有 结果 问题
    """.split()
)


@dataclass(frozen=True)
class Head:
    """A linear layer: per class a bias and sparse weights by feature name."""

    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: tuple[dict[str, float], ...]

    @cached_property
    def _rows(self) -> dict[str, tuple[float, ...]]:
        """Feature name → its weight in every class (0 where pruned), so a text's scores are column sums."""
        names = {name for weights in self.weights for name in weights}
        return {name: tuple(w.get(name, 0.0) for w in self.weights) for name in names}

    def scores(self, x: dict[str, float]) -> list[float]:
        # Features sharing a value (every word and bigram of a text has the same L2-normalised one) are summed
        # column-wise by ``zip`` and ``sum`` in C, then scaled once: ten times faster than a loop per weight.
        rows = self._rows
        by_value: dict[float, list[tuple[float, ...]]] = {}
        for name, value in x.items():
            row = rows.get(name)
            if row is not None:
                by_value.setdefault(value, []).append(row)
        out = list(self.bias)
        for value, group in by_value.items():
            for i, total in enumerate(map(sum, zip(*group, strict=True))):
                out[i] += value * total
        return out

    def contributions(self, cls: str, x: dict[str, float]) -> list[tuple[float, str]]:
        w = self.weights[self.classes.index(cls)]
        return sorted(((w[name] * v, name) for name, v in x.items() if name in w), reverse=True)

    def to_json(self) -> dict[str, Any]:
        return {"classes": list(self.classes), "bias": list(self.bias), "weights": list(self.weights)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Head:
        return cls(tuple(data["classes"]), tuple(data["bias"]), tuple(data["weights"]))


class JointHeads:
    """Several heads' :meth:`Head.scores` from one look-up per feature (prediction reads three heads per text).

    Each head's scores are computed exactly as :meth:`Head.scores` computes them, to the last bit: the same column
    sums over the same features in the same order (a head's row is 0 for a feature only another head knows, and
    adding 0.0 changes no sum), and the per-value groups added to the bias in the order that head meets them.
    """

    def __init__(self, heads: Sequence[Head]):
        self.heads = tuple(heads)
        spans: list[tuple[int, int]] = []
        start = 0
        for head in self.heads:
            spans.append((start, start + len(head.classes)))
            start += len(head.classes)
        self._spans = spans
        names = {name for head in self.heads for name in head._rows}
        rows: dict[str, tuple[float, ...]] = {}
        masks: dict[str, int] = {}
        for name in names:
            row: list[float] = []
            mask = 0
            for h, head in enumerate(self.heads):
                own = head._rows.get(name)
                if own is None:
                    row += [0.0] * len(head.classes)
                else:
                    row += own
                    mask |= 1 << h
            rows[name] = tuple(row)
            masks[name] = mask
        self._rows = rows
        self._masks = masks

    def scores(self, x: dict[str, float]) -> list[list[float]]:
        """Every head's scores of ``x``, in the order of the heads."""
        rows_of, masks_of = self._rows.get, self._masks.get
        groups: dict[float, list[tuple[float, ...]]] = {}
        seen: dict[float, int] = {}  # value -> the heads that have met it
        orders: list[list[float]] = [[] for _ in self.heads]
        # Features come in runs of one value (every word and bigram of a text shares one): a run at a time, its
        # look-ups in C, and a head meets the run's value at the run if any feature of the run is one of its own.
        for value, run in groupby(x.items(), key=itemgetter(1)):
            names = [name for name, _ in run]
            found = [row for row in map(rows_of, names) if row is not None]
            if not found:
                continue
            group = groups.get(value)
            if group is None:
                groups[value] = found
            else:
                group += found
            mask = reduce(or_, filter(None, map(masks_of, names)), 0)
            new = mask & ~seen.get(value, 0)
            if new:
                seen[value] = seen.get(value, 0) | mask
                for h in range(len(self.heads)):
                    if new >> h & 1:
                        orders[h].append(value)
        totals = {value: list(map(sum, zip(*group, strict=True))) for value, group in groups.items()}
        out: list[list[float]] = []
        for head, (lo, _), order in zip(self.heads, self._spans, orders, strict=True):
            scores = list(head.bias)
            for value in order:
                column = totals[value]
                for i in range(len(scores)):
                    scores[i] += value * column[lo + i]
            out.append(scores)
        return out


def _softmax(scores: list[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def _sigmoid(score: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, score))))


@dataclass(frozen=True)
class Prediction:
    """What the model read: categories (primary first) with probabilities, the type, and evidence per category."""

    categories: tuple[Category, ...]
    scores: dict[Category, float]
    type: str
    type_scores: dict[str, float]
    evidence: dict[Category, list[str]] = field(default_factory=dict)
    #: The primary head's probabilities (which category is the main one), beside ``scores`` (does each apply).
    main: dict[Category, float] = field(default_factory=dict)
    #: The features the model read (kept so evidence for a category chosen later needs no second reading).
    features: dict[str, float] = field(default_factory=dict, repr=False)

    @property
    def primary(self) -> Category:
        return self.categories[0]


class ComplaintModel:
    """Loads the JSON artifact and predicts; ``vocabulary`` maps each known feature to its L2 weight."""

    def __init__(self, vocabulary: frozenset[str], applies: Head, primary: Head, kind: Head, meta: dict[str, Any]):
        self.vocabulary = vocabulary
        self.applies = applies
        self.primary = primary
        self.kind = kind
        self.meta = meta

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> ComplaintModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            frozenset(data["vocabulary"]),
            Head.from_json(data["applies"]),
            Head.from_json(data["primary"]),
            Head.from_json(data["type"]),
            data.get("meta", {}),
        )

    def save(self, path: Path) -> None:
        data = {
            "meta": self.meta,
            "vocabulary": sorted(self.vocabulary),
            "applies": self.applies.to_json(),
            "primary": self.primary.to_json(),
            "type": self.kind.to_json(),
        }
        path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

    def features(self, text: str, sentiment: float | None = None) -> dict[str, float]:
        return finish(extract(text, sentiment), self.vocabulary)

    @cached_property
    def _heads(self) -> JointHeads:
        return JointHeads((self.applies, self.primary, self.kind))

    def predict(self, text: str, evidence: int = 4, sentiment: float | None = None) -> Prediction:
        """``sentiment``: the shipped Chinese scorer's probability for ``text`` if already known (else scored here).
        ``evidence``: words shown per category (0: none, when only the categories and type are wanted)."""
        x = self.features(text, sentiment)
        applies_scores, primary_scores, kind_scores = self._heads.scores(x)
        applies = {Category(c): _sigmoid(s) for c, s in zip(self.applies.classes, applies_scores, strict=True)}
        main = dict(zip(self.primary.classes, _softmax(primary_scores), strict=True))
        primary = Category(max(main, key=lambda c: main[c]))
        if primary is Category.other:
            # "other" only when nothing applies: a category the applies head is sure of wins over it.
            named = [c for c, p in applies.items() if c is not Category.other and p >= APPLIES_AT]
            if named:
                primary = max(named, key=lambda c: applies[c])
        extra = sorted(
            (c for c, p in applies.items() if p >= APPLIES_AT and c not in (primary, Category.other)),
            key=lambda c: -applies[c],
        )
        categories = (primary, *extra)
        kinds = dict(zip(self.kind.classes, _softmax(kind_scores), strict=True))
        kind = max(kinds, key=lambda k: kinds[k])
        found = {
            cat: self._evidence(cat, text, x, evidence) for cat in categories if cat is not Category.other and evidence
        }
        evidence_words: dict[Category, list[str]] = {c: w for c, w in found.items() if w}
        mains = {Category(c): p for c, p in main.items()}
        return Prediction(categories, applies, kind, kinds, evidence_words, mains, x)

    def evidence(self, cat: Category, text: str, limit: int = 4, features: dict[str, float] | None = None) -> list[str]:
        """The words behind ``cat`` in ``text`` (for a category chosen after prediction); ``features``: the
        prediction's, to save reading the text again."""
        return self._evidence(cat, text, self.features(text) if features is None else features, limit)

    def _evidence(self, cat: Category, text: str, x: dict[str, float], limit: int) -> list[str]:
        """The words that pushed ``cat`` up most: jieba words and bigrams as written, aspect hits as the words."""
        folded = fold(text)
        out: list[str] = []
        for weight, name in self.applies.contributions(cat.value, x):
            if weight <= 0 or len(out) >= limit:
                break
            kind, _, value = name.partition(":")
            if kind == "a" and value in Category.__members__:
                surface = aspect_hits(folded).get(Category(value), [])
            elif kind == "w":  # bigrams cross word boundaries ("了以"): they weigh, but explain nothing
                surface = [value]
            else:
                continue
            for word in surface:
                if word in STOPWORDS or (len(word) < 2 and kind != "a"):
                    continue  # a function word or a lone character explains nothing to an agent
                if len(out) < limit and not any(word in seen or seen in word for seen in out):
                    out.append(word)
        return out


@lru_cache(maxsize=1)
def shipped_model() -> ComplaintModel:
    """The committed model (loaded once per process)."""
    return ComplaintModel.load()
