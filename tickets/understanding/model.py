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
from functools import cached_property, lru_cache
from itertools import chain, repeat
from pathlib import Path
from typing import Any

import numpy as np

from foundation.pii import mask_pii
from index.text import normalize, segment
from tickets.enums import Category
from tickets.understanding.features import CHAR_ORDERS, aspect_hits, cues, extract, finish, grams, praised_aspects
from tickets.understanding.folding import fold
from tickets.understanding.postlike import MIN_GRAMS, PostDetector, grams12

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

    def contributions(self, cls: str, x: dict[str, float]) -> list[tuple[float, str]]:
        w = self.weights[self.classes.index(cls)]
        return sorted(((w[name] * v, name) for name, v in x.items() if name in w), reverse=True)

    def to_json(self) -> dict[str, Any]:
        return {"classes": list(self.classes), "bias": list(self.bias), "weights": list(self.weights)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Head:
        return cls(tuple(data["classes"]), tuple(data["bias"]), tuple(data["weights"]))


class Table:
    """Every head's weights in one matrix — a row per known feature, a column per class of each head — so a text's
    scores are one gather and one column sum in numpy.

    The n-gram rows are keyed by the gram itself (no prefix to build per gram); a text's n-grams weigh
    ``1 / sqrt(k)`` each, ``k`` the number of distinct n-grams of the text in the vocabulary (the L2 norm of
    :func:`~tickets.understanding.features.finish`, also over n-grams every head pruned). Rows are summed in index
    order, so a reading does not depend on the order of a set, i.e. on the process's hash seed.
    """

    def __init__(self, vocabulary: frozenset[str], heads: Sequence[Head]):
        names = sorted(vocabulary)
        index = {name: i for i, name in enumerate(names)}
        self.grams = {name[2:]: i for name, i in index.items() if name.startswith("c:")}
        self.cues = {name: i for name, i in index.items() if not name.startswith("c:")}
        self.spans: list[tuple[int, int]] = []
        start = 0
        for head in heads:
            self.spans.append((start, start + len(head.classes)))
            start += len(head.classes)
        self.weights = np.zeros((len(names), start))
        for head, (lo, _) in zip(heads, self.spans, strict=True):
            for j, weights in enumerate(head.weights):
                for name, w in weights.items():
                    self.weights[index[name], lo + j] = w
        self.bias = np.array([b for head in heads for b in head.bias], dtype=float)

    def scores(self, grams: Sequence[str], cues: dict[str, float]) -> list[list[float]]:
        """Every head's scores for a text's n-grams (without prefix) and cue features, in the order of the heads."""
        # Unknown grams map to one past the last row; the look-ups, the filter and the sort all run in C.
        missing = len(self.weights)
        found = np.fromiter(map(self.grams.get, grams, repeat(missing)), dtype=np.intp, count=len(grams))
        rows = np.sort(found[found < missing])
        total = self.bias.copy()
        if rows.size:
            total += self.weights[rows].sum(axis=0) / math.sqrt(rows.size)
        for name, value in cues.items():
            row = self.cues.get(name)
            if row is not None:
                total += value * self.weights[row]
        flat: list[float] = total.tolist()
        return [flat[lo:hi] for lo, hi in self.spans]

    # Looking the grams up is most of a batch's scoring (15 of 25 us a text), bound by memory (33k entries):
    # looking them up while they are fresh, text by text, or with the key strings rebuilt side by side in row order,
    # changed it by under 1 us a text (measured on the 20,000 bench texts; not kept).
    @staticmethod
    def _rows(
        names: Sequence[Sequence[str]], index: dict[str, int], missing: int
    ) -> tuple[np.ndarray[Any, np.dtype[np.intp]], np.ndarray[Any, np.dtype[np.intp]]]:
        """The texts' known names as (text, row) pairs, in the texts' order and each text's: one look-up pass in C."""
        lengths = np.fromiter(map(len, names), dtype=np.intp, count=len(names))
        found = np.fromiter(
            map(index.get, chain.from_iterable(names), repeat(missing)), dtype=np.intp, count=int(lengths.sum())
        )
        owner = np.repeat(np.arange(len(names)), lengths)
        known = found < missing
        return owner[known], found[known]

    def totals_many(
        self, grams: Sequence[Sequence[str]], cues: Sequence[dict[str, float]]
    ) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Every head's scores of many texts, a row per text (the heads side by side, :attr:`spans`): the floats
        of :meth:`scores`, bit for bit, with one sparse product for all their n-grams.

        Each text's n-gram rows go into a CSR row sorted by row index: scipy adds a row's nonzeros in stored order,
        one after the other from zero, as ``weights[rows].sum(axis=0)`` adds the rows; the cue rows are added
        position by position, each text's in its own dict order, as :meth:`scores` adds them.
        """
        from scipy.sparse import csr_matrix  # here: most readers of the model never score a batch

        n = len(grams)
        if not n:
            return np.zeros((0, len(self.bias)))
        missing = len(self.weights)
        owner, found = self._rows(grams, self.grams, missing)
        # Sorted by text, then by row within a text, in one sort of a combined key (a lexsort takes ten times as long).
        key = owner * missing + found
        key.sort()
        counts = np.bincount(owner, minlength=n)
        indptr = np.zeros(n + 1, dtype=np.intp)
        np.cumsum(counts, out=indptr[1:])
        matrix = csr_matrix((np.ones(key.size), key % missing, indptr), shape=(n, missing))
        total = np.tile(self.bias, (n, 1))
        some = counts > 0
        sums = np.asarray(matrix @ self.weights)
        total[some] += sums[some] / np.sqrt(counts[some])[:, None]
        # The cues: the p-th of each text that has one, for p = 0, 1, ..., so that each text's are added in its dict's
        # order, as :meth:`scores` adds them (unknown names, skipped there, add nothing here).
        lengths = np.fromiter(map(len, cues), dtype=np.intp, count=n)
        rows = np.fromiter(
            map(self.cues.get, chain.from_iterable(cues), repeat(missing)), dtype=np.intp, count=int(lengths.sum())
        )
        values = np.fromiter(chain.from_iterable(map(dict.values, cues)), dtype=float, count=rows.size)
        owners = np.repeat(np.arange(n), lengths)
        place = np.arange(rows.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        known = rows < missing
        for p in range(int(lengths.max(initial=0))):
            at = known & (place == p)
            total[owners[at]] += values[at, None] * self.weights[rows[at]]
        return total


def _softmax(scores: list[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def _sigmoid(score: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, score))))


def _probabilities(scores: list[list[float]]) -> tuple[list[float], list[float], list[float]]:
    """The heads' probabilities from their scores (:meth:`Table.scores`): sigmoids, softmax, softmax."""
    applies, primary, kind = scores
    return [_sigmoid(s) for s in applies], _softmax(primary), _softmax(kind)


# The same functions over a batch's rows (a row per text), with the same floats bit for bit: numpy's own exp may
# differ from the C library's in the last bit, so the exponentials are ``math.exp``'s (mapped in C); clipping,
# negation, subtraction of the row maximum, the sum over a row (left to right, as Python 3.11's ``sum`` adds a list
# of floats; 3.12's compensates, and the batch test would then fail) and the
# division are single IEEE operations, rounded alike in numpy and in Python (for finite scores: see predict_read).
def _exp(values: np.ndarray[Any, np.dtype[np.float64]]) -> np.ndarray[Any, np.dtype[np.float64]]:
    out = np.fromiter(map(math.exp, values.ravel().tolist()), dtype=float, count=values.size)
    return out.reshape(values.shape)


def _sigmoids(scores: np.ndarray[Any, np.dtype[np.float64]]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """:func:`_sigmoid` of every element."""
    return 1.0 / (1.0 + _exp(-np.minimum(30.0, np.maximum(-30.0, scores))))


def _softmaxes(scores: np.ndarray[Any, np.dtype[np.float64]]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """:func:`_softmax` of every row."""
    exps = _exp(scores - scores.max(axis=1, keepdims=True))
    total = exps[:, 0].copy()
    for j in range(1, exps.shape[1]):
        total += exps[:, j]
    return exps / total[:, None]


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
    #: The probability that the text is a social post rather than a review (:mod:`.postlike`; None: no detector, a
    #: text too short for it, or a text whose primary head does not lean to "other", the only case that reads it).
    post: float | None = None

    @property
    def primary(self) -> Category:
        return self.categories[0]


class ComplaintModel:
    """Loads the JSON artifact and predicts; ``vocabulary`` maps each known feature to its L2 weight."""

    def __init__(
        self,
        vocabulary: frozenset[str],
        applies: Head,
        primary: Head,
        kind: Head,
        meta: dict[str, Any],
        post: PostDetector | None = None,
    ):
        self.vocabulary = vocabulary
        self.applies = applies
        self.primary = primary
        self.kind = kind
        self.meta = meta
        self.post = post

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> ComplaintModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            frozenset(data["vocabulary"]),
            Head.from_json(data["applies"]),
            Head.from_json(data["primary"]),
            Head.from_json(data["type"]),
            data.get("meta", {}),
            PostDetector.from_json(data["post"]) if "post" in data else None,
        )

    def save(self, path: Path) -> None:
        data = {
            "meta": self.meta,
            "vocabulary": sorted(self.vocabulary),
            "applies": self.applies.to_json(),
            "primary": self.primary.to_json(),
            "type": self.kind.to_json(),
        }
        if self.post is not None:
            data["post"] = self.post.to_json()
        path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

    def features(self, text: str, sentiment: float | None = None) -> dict[str, float]:
        return finish(extract(text, sentiment), self.vocabulary)

    @cached_property
    def _categories(self) -> tuple[tuple[Category, ...], tuple[Category, ...]]:
        """The classes of the applies and primary heads as categories (converted once, not per text)."""
        return tuple(map(Category, self.applies.classes)), tuple(map(Category, self.primary.classes))

    @cached_property
    def _table(self) -> Table:
        return Table(self.vocabulary, (self.applies, self.primary, self.kind))

    def predict(self, text: str, evidence: int = 4, sentiment: float | None = None) -> Prediction:
        """``sentiment``: the shipped Chinese scorer's probability for ``text`` if already known (else scored here).
        ``evidence``: words shown per category (0: none, when only the categories and type are wanted)."""
        folded = fold(text)
        cue_features = cues(text, folded, sentiment)
        text_grams = grams(folded)
        probabilities = _probabilities(self._table.scores(text_grams, cue_features))
        return self._predicted(text, text_grams, cue_features, probabilities, evidence)

    def predict_read(
        self, texts: Sequence[str], grams: Sequence[Sequence[str]], cues: Sequence[dict[str, float]]
    ) -> list[Prediction]:
        """:meth:`predict` without evidence (``evidence=0``, the category-only case) of texts already read — each
        text's :func:`~.features.grams` of its folded form and its :func:`~.features.cues` — scored all at once
        (:meth:`Table.totals_many`), the probabilities too: the same predictions, bit for bit."""
        totals = self._table.totals_many(grams, cues)
        (applies_lo, applies_hi), (primary_lo, primary_hi), (kind_lo, kind_hi) = self._table.spans
        probabilities = list(
            zip(
                _sigmoids(totals[:, applies_lo:applies_hi]).tolist(),
                _softmaxes(totals[:, primary_lo:primary_hi]).tolist(),
                _softmaxes(totals[:, kind_lo:kind_hi]).tolist(),
                strict=True,
            )
        )
        # A score that is not finite (a NaN sentiment, say) is ordered and clipped otherwise by numpy than by
        # Python's max and min: such a text's probabilities are computed as for one text.
        for i in np.flatnonzero(~np.isfinite(totals).all(axis=1)).tolist():
            probabilities[i] = _probabilities([totals[i, lo:hi].tolist() for lo, hi in self._table.spans])
        return [
            self._predicted(text, text_grams, cue_features, read, 0)
            for text, text_grams, cue_features, read in zip(texts, grams, cues, probabilities, strict=True)
        ]

    def _predicted(
        self,
        text: str,
        text_grams: Sequence[str],
        cue_features: dict[str, float],
        probabilities: tuple[list[float], list[float], list[float]],
        evidence: int,
    ) -> Prediction:
        """The prediction from a text's reading and its heads' probabilities (the applies head's sigmoids, the
        primary and type heads' softmaxes; shared by one text and a batch)."""
        applies_probabilities, primary_probabilities, kind_probabilities = probabilities
        # The named features are built only for evidence (the category path at ingest asks for none).
        x = finish({**{"c:" + g: 1.0 for g in text_grams}, **cue_features}, self.vocabulary) if evidence else {}
        applies_classes, primary_classes = self._categories
        applies = dict(zip(applies_classes, applies_probabilities, strict=True))
        mains = dict(zip(primary_classes, primary_probabilities, strict=True))
        primary = max(mains, key=mains.__getitem__)
        post = None
        if primary is Category.other:
            # The post detector is read only here: a text is judged by it only where the primary head leans to
            # "other" (understand's hesitant case), so the other texts do not pay for it at ingest.
            short = grams12(text_grams)
            if self.post is not None and len(short) >= MIN_GRAMS:
                post = self.post.probability(short)
            # "other" only when nothing applies: a category the applies head is sure of wins over it.
            named = [c for c, p in applies.items() if c is not Category.other and p >= APPLIES_AT]
            if named:
                primary = max(named, key=lambda c: applies[c])
        extra = sorted(
            (c for c, p in applies.items() if p >= APPLIES_AT and c not in (primary, Category.other)),
            key=lambda c: -applies[c],
        )
        categories = (primary, *extra)
        kinds = dict(zip(self.kind.classes, kind_probabilities, strict=True))
        kind = max(kinds, key=kinds.__getitem__)
        found = {
            cat: self._evidence(cat, text, x, evidence) for cat in categories if cat is not Category.other and evidence
        }
        evidence_words: dict[Category, list[str]] = {c: w for c, w in found.items() if w}
        return Prediction(categories, applies, kind, kinds, evidence_words, mains, x, post)

    def evidence(self, cat: Category, text: str, limit: int = 4, features: dict[str, float] | None = None) -> list[str]:
        """The words behind ``cat`` in ``text`` (for a category chosen after prediction); ``features``: the
        prediction's, to save reading the text again."""
        return self._evidence(cat, text, features or self.features(text), limit)

    def _evidence(self, cat: Category, text: str, x: dict[str, float], limit: int) -> list[str]:
        """The words that pushed ``cat`` up most, as an agent reads them.

        The model reads character n-grams, which may straddle two words ("失灵开"); an agent is shown the
        text's words (jieba's cut) instead, each weighed by the n-grams of the model that lie inside it, and the
        aspect words found when the aspect count itself weighed for ``cat``.
        """
        column = self.applies.weights[self.applies.classes.index(cat.value)]
        folded = fold(text)
        weighed: dict[str, float] = {}
        for word, inside in _words(text):
            total = sum(column.get(g, 0.0) * x.get(g, 0.0) for g in inside)
            if total > 0:
                weighed[word] = total
        aspect = column.get("a:" + cat.value, 0.0) * x.get("a:" + cat.value, 0.0)
        if aspect > 0:
            praised = praised_aspects(folded)  # counted apart (a:praised_…): no evidence of a complaint
            for word in aspect_hits(folded).get(cat, []):
                if word in praised:
                    continue
                weighed[normalize(word)] = max(weighed.get(normalize(word), 0.0), aspect)
        out: list[str] = []
        for word in sorted(weighed, key=lambda w: (-weighed[w], w)):
            if len(out) < limit and not any(word in seen or seen in word for seen in out):
                out.append(word)
        return out


@lru_cache(maxsize=16)
def _words(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The words of ``text`` an agent can read as evidence (jieba-rs cut; no function words, no lone characters,
    no personal data), each with the n-gram features inside it. Cached: the evidence of every category of a text
    reads them."""
    out = []
    # Cut from the text with its personal data masked, and kept only where the word stands in the text as written:
    # evidence is shown to agents who may not see a name ("钱多多女士" must not give "多多") or a number.
    for word in dict.fromkeys(segment(mask_pii(text) or "")):
        if word in STOPWORDS or len(word) < 2 or word not in text:
            continue
        # The word itself covers a Latin or digit run, which the model reads whole.
        pieces = [word, *(word[i : i + n] for n in CHAR_ORDERS for i in range(len(word) - n + 1))]
        inside = dict.fromkeys("c:" + piece for piece in pieces)
        out.append((word, tuple(inside)))
    return tuple(out)


@lru_cache(maxsize=1)
def shipped_model() -> ComplaintModel:
    """The committed model (loaded once per process)."""
    return ComplaintModel.load()
