"""The shipped Chinese model: snownlp's naive Bayes, two NBSVM regressions on its evidence, a calibrated stack.

Files in ``sentiment/models/`` (written by :mod:`sentiment.train`, described in ``models/README.md``):

- ``yuqing_zh_nb.marshal.3``: snownlp's :class:`~snownlp.classification.bayes.Bayes` classifier, trained with
  snownlp's own ``train``/``save`` and stored in its format (gzip + marshal, class → token counts).
- ``yuqing_zh_linear.marshal``: three logistic regressions over the same tokens, stored as one token list and
  float32 weight arrays (gzip + marshal): ``general`` (reviews and Weibo posts) and ``social`` (Weibo posts
  only), whose features are snownlp naive Bayes log-count ratios (NBSVM: the regression learns how far to
  trust each token's Bayes evidence; the weights are stored multiplied by the ratios), and ``domain`` (how
  much a text reads like a social-media post rather than a review).
- ``yuqing_zh.json``: how the parts combine (stack coefficients), the complaint cap, thresholds, provenance.

Besides these, the stack may read snownlp's bundled model from the installed package (``snownlp`` and
``snownlp_gated`` in ``stack.features``; :mod:`sentiment.bundled`): its log-odds over the text's jieba words.

Scoring a text (:meth:`ZhModel.score`): :func:`sentiment.features.analyse`, then one dictionary look-up
per token for the four linear parts (and one per word for snownlp's bundled model), then

    g = sigmoid(domain)
    p = sigmoid(c1 * g * social + c2 * (1 - g) * general + c3 * clip(nb) + c4 * g + c5 * (1 - g) * clip(snownlp) + c0)

so a post is judged mostly by the model trained on posts and a review by the models trained on reviews, and
``p`` is calibrated on cross-fitted predictions (it is a probability, not just a ranking). A text that asks
for a remedy or reports one missing (:data:`sentiment.features.COMPLAINT_CUES` named in ``complaint.cues``)
has ``p`` capped at ``complaint.cap``. Before the cap, a review of a domain that has an expert
(``yuqing_zh_experts.*``, :mod:`sentiment.experts`) is blended with that expert's judgement.

Loading never imports snownlp (that costs about 1.7 s and 400 MB): its file format is read directly, and the
naive Bayes log-odds are computed exactly as snownlp's ``Bayes.classify`` computes them (the tests check this
against snownlp itself).
"""

from __future__ import annotations

import gzip
import json
import logging
import marshal
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sentiment.base import Thresholds
from sentiment.bundled import load_bundled, read_snownlp_bayes, snownlp_frequent
from sentiment.columns import TokenColumns
from sentiment.experts import Experts, load_experts
from sentiment.features import MODELS_DIR, analyse
from sentiment.learn import sigmoid

log = logging.getLogger(__name__)

MODEL_NAME = "yuqing_zh"
FORMAT = 1
#: Naive Bayes log-odds grow with a text's length without bound; the stack sees them clipped.
NB_CLIP = 30.0
#: The stacked features a model may name (``stack.features`` in the JSON; ``stack.coef`` follows its order).
STACK_FEATURES = ("social_gated", "general_gated", "nb", "domain", "snownlp", "snownlp_gated")
#: Features that need snownlp's bundled model (:mod:`sentiment.bundled`).
BUNDLED_FEATURES = frozenset({"snownlp", "snownlp_gated"})


@dataclass(frozen=True)
class LinearParts:
    """Weights of the three logistic regressions, keyed by token: ``(general, social, domain)``."""

    weights: dict[str, tuple[float, float, float]]
    biases: tuple[float, float, float]


def write_linear(path: Path, parts: LinearParts) -> None:
    """Store :class:`LinearParts` compactly: one token list and three float32 arrays, gzip + marshal."""
    vocab = sorted(parts.weights)
    columns = [array("f", (parts.weights[t][i] for t in vocab)).tobytes() for i in range(3)]
    payload = {"format": FORMAT, "tokens": "\n".join(vocab), "weights": columns, "biases": list(parts.biases)}
    # mtime=0: the same model gives the same bytes, so a retrain that changes nothing changes no file.
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write(marshal.dumps(payload))


def read_linear(path: Path) -> LinearParts:
    with gzip.open(path, "rb") as f:
        payload: dict[str, Any] = marshal.loads(f.read())  # noqa: S302 - package data, see write_linear
    vocab = payload["tokens"].split("\n") if payload["tokens"] else []
    columns = []
    for blob in payload["weights"]:
        column = array("f")
        column.frombytes(blob)
        columns.append(column)
    weights = {t: (columns[0][i], columns[1][i], columns[2][i]) for i, t in enumerate(vocab)}
    b = payload["biases"]
    return LinearParts(weights, (float(b[0]), float(b[1]), float(b[2])))


def token_table(nb: Mapping[str, float], linear: LinearParts) -> dict[str, tuple[float, float, float, float]]:
    """Per token: (nb, general, social, domain); a token one part does not know counts 0 there."""
    table: dict[str, tuple[float, float, float, float]] = {}
    for token in nb.keys() | linear.weights.keys():
        general, social, domain = linear.weights.get(token, (0.0, 0.0, 0.0))
        table[token] = (nb.get(token, 0.0), general, social, domain)
    return table


def _clip(z: float) -> float:
    return max(-NB_CLIP, min(NB_CLIP, z))


@dataclass(frozen=True)
class Parts:
    """The log-odds of one text, before stacking."""

    nb: float
    general: float
    social: float
    domain: float
    snownlp: float = 0.0  # snownlp's bundled model (sentiment.bundled); 0 when the stack does not use it


def stack_row(p: Parts, names: Sequence[str] = STACK_FEATURES[:4]) -> list[float]:
    """The stacked features ``names`` of one text (see :data:`STACK_FEATURES`).

    ``g`` = sigmoid(domain) is how much the text reads like a post: posts lean on the social model, reviews on
    the general one and on snownlp's bundled model (``snownlp_gated``), which was trained on reviews only.
    """
    g = sigmoid(p.domain)
    values = {
        "social_gated": g * p.social,
        "general_gated": (1.0 - g) * p.general,
        "nb": _clip(p.nb),
        "domain": g,
        "snownlp": _clip(p.snownlp),
        "snownlp_gated": (1.0 - g) * _clip(p.snownlp),
    }
    return [values[n] for n in names]


class ZhModel:
    """The loaded model: immutable after loading, safe to share between threads."""

    def __init__(self, directory: Path = MODELS_DIR, name: str = MODEL_NAME) -> None:
        self.directory = directory
        self.meta: dict[str, Any] = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
        if self.meta.get("format") != FORMAT:
            raise ValueError(f"{name}.json has format {self.meta.get('format')}, this code reads {FORMAT}")
        self.nb_prior, nb = read_snownlp_bayes(directory / self.meta["files"]["nb"])
        linear = read_linear(directory / self.meta["files"]["linear"])
        self.biases = linear.biases
        table = token_table(nb, linear)
        self._nb_tokens = frozenset(nb)
        stack = self.meta["stack"]
        self.stack_features: tuple[str, ...] = tuple(stack["features"])
        unknown = set(self.stack_features) - set(STACK_FEATURES)
        if unknown:
            raise ValueError(f"stack features {sorted(unknown)} unknown to this code ({STACK_FEATURES})")
        # snownlp's bundled model, read from the installed package: only when the stack uses it.
        self.bundled = load_bundled() if BUNDLED_FEATURES.intersection(self.stack_features) else None
        self.coef: list[float] = [float(c) for c in stack["coef"]]
        self.intercept = float(stack["intercept"])
        nb_platt = self.meta["nb_platt"]
        self.nb_platt = (float(nb_platt["coef"]), float(nb_platt["intercept"]))
        self.complaint_cap = float(self.meta["complaint"]["cap"])
        self.complaint_cues = frozenset(self.meta["complaint"]["cues"])
        t = self.meta["thresholds"]
        self.thresholds = Thresholds(float(t["negative_below"]), float(t["positive_above"]))
        # Per-domain experts (sentiment.experts), when the folder has them; only for the shipped model's name.
        self.experts: Experts | None = load_experts(directory) if name == MODEL_NAME else None
        # The four parts' and the experts' weights in one matrix: one look-up per token when scoring (see there);
        # the dictionary of tuples is dropped once copied there (it held 30 MB of float objects).
        tables: list[tuple[Mapping[str, Sequence[float]], int]] = [(table, 4)]
        starts = [self.nb_prior, *self.biases]
        for expert in self.experts.experts if self.experts is not None else ():
            tables.append((expert.weights, 3))  # nb, lr, gate: the columns of Experts._sums, expert after expert
            starts += [expert.nb_prior, expert.lr_bias, expert.gate_bias]
        # The tokens the training texts use most first: texts at scoring time mostly hold those (see there).
        self._columns = TokenColumns(tables, starts, snownlp_frequent(directory / self.meta["files"]["nb"]))
        if self.experts is not None and self.experts.fitted_for != self.meta["provenance"].get("trained_at"):
            # Their blend and routing were chosen beside another general model: still sound, no longer measured.
            log.warning("%s: the experts were fitted for another general model; rerun sentiment.experts_train", name)

    def parts(self, toks: Sequence[str], words: Sequence[str] = ()) -> Parts:
        """The log-odds of a token list and (for snownlp's bundled model) its words (see the module docstring)."""
        # Each part summed from its prior or bias, token after token, in the tokens' order (:mod:`sentiment.columns`):
        # the bits of a loop adding each token's four weights (a test compares the two on the shared corpora).
        return self._parts(self._columns.sums(toks), words)

    def _parts(self, sums: Sequence[float], words: Sequence[str]) -> Parts:
        """:class:`Parts` from the first four column sums and snownlp's bundled model on ``words``."""
        snownlp = self.bundled.log_odds(words) if self.bundled is not None else 0.0
        return Parts(sums[0], sums[1], sums[2], sums[3], snownlp)

    def nb_tokens(self, toks: Sequence[str]) -> list[str]:
        """The tokens snownlp's classifier is given for ``toks``: those it was trained with (see train.py)."""
        return [t for t in toks if t in self._nb_tokens]

    def stacked(self, p: Parts) -> float:
        """Calibrated probability of positive from the parts, before the complaint cap."""
        row = stack_row(p, self.stack_features)
        return sigmoid(self.intercept + sum(c * x for c, x in zip(self.coef, row, strict=True)))

    def nb_probability(self, p: Parts) -> float:
        """snownlp's naive Bayes alone, Platt-calibrated: the "retrained snownlp" baseline."""
        a, b = self.nb_platt
        return sigmoid(a * max(-NB_CLIP, min(NB_CLIP, p.nb)) + b)

    def score(self, text: str, use_experts: bool = True) -> float | None:
        """Probability that ``text`` is positive; ``None`` when nothing in it is left to score.

        ``use_experts=False`` scores with the general model alone (the "before" of the experts, for benches).
        """
        toks, cues, words = analyse(text)
        if not toks:
            return None
        # The general parts and every expert's sums in one pass over the tokens (:mod:`sentiment.columns`): the
        # bits of :meth:`parts` and :meth:`Experts._sums` (a test compares them on the shared corpora).
        sums = self._columns.sums(toks)
        parts = self._parts(sums, words)
        p = self.stacked(parts)
        if use_experts and self.experts is not None:
            by_expert = [(sums[i], sums[i + 1], sums[i + 2]) for i in range(4, len(sums), 3)]
            p = self.experts.blend(toks, p, sigmoid(parts.domain), by_expert if by_expert else None)
        if self.complaint_cues.intersection(cues):
            p = min(p, self.complaint_cap)
        return p
