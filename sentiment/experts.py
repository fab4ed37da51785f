"""Per-domain experts: small models for the review domains where the general model is weakest.

The general model (:mod:`sentiment.model`) is trained on every corpus at once, so the word use of a small
domain (book reviews, laptop reviews) or of one with its own vocabulary (food delivery: 送餐, 分量, 凉了) weighs
little in it. An expert is the same recipe as the general model's review side (snownlp-style naive Bayes
log-count ratios, an NBSVM logistic regression on them, a calibrated stack of the two) trained on one domain's
training rows only, plus a gate: a logistic regression telling that domain's reviews from every other training
text (the other review domains and the Weibo posts). :mod:`sentiment.experts_train` fits and writes them.

Scoring one text (:meth:`Experts.blend`): a text the general model reads as a social-media post (its
``domain`` part above :attr:`Experts.post_max`) never goes to an expert. Otherwise the expert whose gate is
highest gets a weight ``w`` rising linearly from 0 at gate probability ``gate_low`` to the expert's ``mix`` at
``gate_high``, and the probability is ``sigmoid((1 - w) * logit(general) + w * expert_logit)``: a text that
plainly belongs to the domain is judged mostly by the domain's model, a borderline one by both, any other by
the general one.

Files (``sentiment/models``): ``yuqing_zh_experts.marshal`` (gzip + marshal: one token list, float32 columns
``nb``, ``lr`` and ``gate`` per expert) and ``yuqing_zh_experts.json`` (stacks, routing settings, provenance,
the figures measured when they were chosen). A model folder without them scores with the general model alone.
"""

from __future__ import annotations

import gzip
import json
import marshal
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from sentiment.learn import logit, sigmoid

EXPERTS_NAME = "yuqing_zh_experts"
EXPERTS_FORMAT = 1
#: Naive Bayes log-odds grow with length; the expert's stack sees them clipped, as the general stack does.
NB_CLIP = 30.0
#: The three weight columns each expert stores, in file order.
COLUMNS = ("nb", "lr", "gate")


@dataclass(frozen=True)
class Expert:
    """One domain's model: naive Bayes ratios, NBSVM weights and gate weights over the same tokens."""

    name: str
    nb_prior: float
    lr_bias: float
    gate_bias: float
    stack: tuple[float, float, float]  # coefficient of clipped nb, of lr, intercept
    weights: dict[str, tuple[float, float, float]]  # token -> (nb ratio, lr weight, gate weight)
    mix: float = 1.0  # the expert's weight in the blend when its gate is sure (see Experts.weight)

    def _sums(self, toks: Sequence[str]) -> tuple[float, float, float]:
        rows = [v for v in map(self.weights.get, toks) if v is not None]
        if not rows:
            return self.nb_prior, self.lr_bias, self.gate_bias
        nb, lr, gate = zip(*rows, strict=True)
        return sum(nb, self.nb_prior), sum(lr, self.lr_bias), sum(gate, self.gate_bias)

    def gate(self, toks: Sequence[str]) -> float:
        """Probability that ``toks`` are a review of this expert's domain."""
        return sigmoid(self._sums(toks)[2])

    def logit(self, toks: Sequence[str]) -> float:
        """The expert's calibrated log-odds that the review is positive."""
        nb, lr, _ = self._sums(toks)
        a, b, c = self.stack
        return a * max(-NB_CLIP, min(NB_CLIP, nb)) + b * lr + c


@dataclass(frozen=True)
class Route:
    """Where one text went: the expert (``None``: the general model alone), its gate probability, its weight."""

    expert: str | None
    gate: float
    weight: float


def mixed(general: float, expert_logit: float, weight: float) -> float:
    """``sigmoid((1 - weight) * logit(general) + weight * expert_logit)``: the blend of the two models."""
    return sigmoid((1.0 - weight) * logit(general) + weight * expert_logit)


@dataclass(frozen=True)
class Experts:
    """The loaded experts and how texts are routed to them (see the module docstring)."""

    experts: tuple[Expert, ...]
    gate_low: float
    gate_high: float
    post_max: float  # texts whose post-likeness (sigmoid of the general model's domain part) exceeds this: no expert
    #: ``trained_at`` of the general model the experts were fitted and chosen beside (from their provenance).
    fitted_for: str | None = None

    def weight(self, gate: float, mix: float) -> float:
        """An expert's weight for a gate probability: 0 up to ``gate_low``, rising linearly to the expert's
        ``mix`` at ``gate_high``."""
        span = max(1e-9, self.gate_high - self.gate_low)
        return mix * min(1.0, max(0.0, (gate - self.gate_low) / span))

    @cached_property
    def _table(self) -> dict[str, tuple[float, ...]]:
        """Every expert's three weights per token in one tuple, so a text is one look-up per token."""
        zero = (0.0, 0.0, 0.0)
        vocab = set().union(*(e.weights for e in self.experts))
        return {t: tuple(w for e in self.experts for w in e.weights.get(t, zero)) for t in vocab}

    def _sums(self, toks: Sequence[str]) -> list[tuple[float, float, float]]:
        """Each expert's (nb, lr, gate) sums over ``toks``, in one pass: what :meth:`Expert._sums` gives."""
        rows = list(filter(None, map(self._table.get, toks)))  # rows are non-empty tuples: only ``None`` goes
        columns = list(zip(*rows, strict=True)) if rows else [()] * (3 * len(self.experts))
        return [
            (sum(columns[3 * k], e.nb_prior), sum(columns[3 * k + 1], e.lr_bias), sum(columns[3 * k + 2], e.gate_bias))
            for k, e in enumerate(self.experts)
        ]

    def _routed(
        self, toks: Sequence[str], post_likeness: float, sums: Sequence[tuple[float, float, float]] | None = None
    ) -> tuple[Expert | None, Route, float]:
        """The expert for ``toks``, the route and the expert's log-odds (0 without an expert); ``sums``: what
        :meth:`_sums` gives for ``toks``, when the caller has them already."""
        if not self.experts or post_likeness > self.post_max:
            return None, Route(None, 0.0, 0.0), 0.0
        if sums is None:
            sums = self._sums(toks)
        k = max(range(len(sums)), key=lambda i: sums[i][2])
        best, (nb, lr, gate_logit) = self.experts[k], sums[k]
        gate = sigmoid(gate_logit)
        weight = self.weight(gate, best.mix)
        if weight <= 0.0:
            return None, Route(None, gate, 0.0), 0.0
        a, b, c = best.stack
        return best, Route(best.name, gate, weight), a * max(-NB_CLIP, min(NB_CLIP, nb)) + b * lr + c

    def route(self, toks: Sequence[str], post_likeness: float) -> tuple[Expert | None, Route]:
        """The expert for ``toks`` and its weight; posts and texts no gate claims get none."""
        expert, route, _ = self._routed(toks, post_likeness)
        return expert, route

    def blend(
        self,
        toks: Sequence[str],
        general: float,
        post_likeness: float,
        sums: Sequence[tuple[float, float, float]] | None = None,
    ) -> float:
        """The probability of positive: ``general`` (the general model's) blended with the routed expert's;
        ``sums``: :meth:`_sums` of ``toks`` when already computed (:meth:`sentiment.model.ZhModel.score`)."""
        expert, route, logit = self._routed(toks, post_likeness, sums)
        return general if expert is None else mixed(general, logit, route.weight)


def write_experts(path: Path, experts: Sequence[Expert]) -> None:
    """One token list shared by all experts and three float32 columns per expert (0 where an expert lacks one)."""
    vocab = sorted(set().union(*(e.weights for e in experts)))
    zero = (0.0, 0.0, 0.0)
    columns = [
        array("f", (e.weights.get(t, zero)[i] for t in vocab)).tobytes() for e in experts for i in range(len(COLUMNS))
    ]
    payload = {"format": EXPERTS_FORMAT, "names": [e.name for e in experts], "tokens": "\n".join(vocab)}
    payload["columns"] = columns
    # mtime=0: the same experts give the same bytes.
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write(marshal.dumps(payload))


def read_expert_weights(path: Path) -> dict[str, dict[str, tuple[float, float, float]]]:
    """The token weights of each expert in a file written by :func:`write_experts`, by expert name."""
    with gzip.open(path, "rb") as f:
        payload: dict[str, Any] = marshal.loads(f.read())  # noqa: S302 - package data, see write_experts
    if payload.get("format") != EXPERTS_FORMAT:
        raise ValueError(f"{path.name} has format {payload.get('format')}, this code reads {EXPERTS_FORMAT}")
    vocab = payload["tokens"].split("\n") if payload["tokens"] else []
    out: dict[str, dict[str, tuple[float, float, float]]] = {}
    for k, name in enumerate(payload["names"]):
        cols = []
        for blob in payload["columns"][k * len(COLUMNS) : (k + 1) * len(COLUMNS)]:
            column = array("f")
            column.frombytes(blob)
            cols.append(column)
        nb, lr, gate = cols
        out[name] = {t: (nb[i], lr[i], gate[i]) for i, t in enumerate(vocab) if nb[i] or lr[i] or gate[i]}
    return out


def load_experts_meta(directory: Path) -> dict[str, Any]:
    """``yuqing_zh_experts.json`` in ``directory``; ``{}`` when there is none."""
    meta_path = directory / f"{EXPERTS_NAME}.json"
    if not meta_path.exists():
        return {}
    meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
    return meta


def load_experts(directory: Path) -> Experts | None:
    """The experts in ``directory`` (``None`` when it has none: the general model scores alone)."""
    meta = load_experts_meta(directory)
    if not meta:
        return None
    meta_path = directory / f"{EXPERTS_NAME}.json"
    if meta.get("format") != EXPERTS_FORMAT:
        raise ValueError(f"{meta_path.name} has format {meta.get('format')}, this code reads {EXPERTS_FORMAT}")
    weights = read_expert_weights(directory / meta["file"])
    experts = []
    for spec in meta["experts"]:
        a, b, c = (float(x) for x in spec["stack"])
        experts.append(
            Expert(
                spec["name"],
                float(spec["nb_prior"]),
                float(spec["lr_bias"]),
                float(spec["gate_bias"]),
                (a, b, c),
                weights[spec["name"]],
                float(spec["mix"]),
            )
        )
    routing = meta["routing"]
    return Experts(
        tuple(experts),
        float(routing["gate_low"]),
        float(routing["gate_high"]),
        float(routing["post_max"]),
        meta.get("provenance", {}).get("general_model_trained_at"),
    )
