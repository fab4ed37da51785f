"""Sentiment models side by side on labelled texts none of them trained on: quality and texts/s.

For each evaluation set, each model scores the same texts through :class:`sentiment.SentimentService` (language
detection, then the scorer for the language), one model after the other in this one process (one core):

- ``snownlp``: snownlp's bundled model (``SnowNLP(text).sentiments``), the baseline every ratio divides by;
- ``snownlp-retrained``: snownlp's classifier retrained on the shared corpora, alone (Platt-calibrated);
- ``yuqing-zh-general``: the stacked Chinese model without its per-domain experts (the "before" of them);
- ``default``: what the service uses by default (the stacked Chinese model with its per-domain experts,
  :mod:`sentiment.experts`, and VADER for English).

Sets: the held-out rows of the training corpora (rebuilt from the shipped model's seed and holdout fractions,
class-balanced), the two shared ``*_test.csv`` files, the Weibo holdout converted to traditional characters,
and a small hand-written English sample from the tests.

Then, from the same scores, a table per review domain (online_shopping's ten categories, held-out rows and the
shared test apart; then each other corpus as one domain): the general model alone ("before"), the shipped
model with its experts ("after") and snownlp's bundled model, and each one's speed. Last, the
leave-one-domain-out figures written by ``python -m sentiment.lodo`` (``models/yuqing_zh.lodo.json``; not
recomputed here: one domain costs a fifth of a training run), i.e. how the recipe does on a domain it never saw.

    .venv/bin/python bench/sentiment.py                  # everything, about 2-3 minutes
    .venv/bin/python bench/sentiment.py --sample 500     # at most 500 texts per set
    .venv/bin/python bench/sentiment.py --json out.json  # also write the figures
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sentiment import SentimentService
from sentiment.data import SHARED_DIR, Example, read_labelled, split
from sentiment.evalsets import by_domain
from sentiment.features import MODELS_DIR, _t2s_table
from sentiment.lodo import OUTPUT as LODO_FILE
from sentiment.metrics import ScoreBatch, compare_scores, evaluation_of
from sentiment.train import evaluation_sets

MODELS = ("snownlp", "snownlp-retrained", "yuqing-zh-general", "default")
ENGLISH_SAMPLE = Path(__file__).resolve().parents[1] / "tests" / "sentiment" / "data" / "english_mentions.csv"


def to_traditional(text: str) -> str:
    """Simplified → traditional, by inverting the model's traditional → simplified table (first match wins)."""
    inverse: dict[int, str] = {}
    for trad, simp in sorted(_t2s_table().items()):
        inverse.setdefault(ord(simp), chr(trad))
    return text.translate(inverse)


def sets(data: Path, sample: int | None, seed: int) -> dict[str, list[Example]]:
    meta = json.loads((MODELS_DIR / "yuqing_zh.json").read_text(encoding="utf-8"))
    provenance = meta["provenance"]
    out = evaluation_sets(data, provenance["seed"], provenance["config"]["holdout"])
    if "weibo_holdout" in out:
        out["weibo_holdout_traditional"] = [Example(e.label, to_traditional(e.text)) for e in out["weibo_holdout"]]
    if ENGLISH_SAMPLE.exists():
        out["english_mentions"] = read_labelled(ENGLISH_SAMPLE)
    if sample:
        out = {k: (split(v, sample / len(v), seed)[1] if len(v) > sample else v) for k, v in out.items()}
    return out


def score_batch(name: str) -> ScoreBatch:
    service = SentimentService.from_names([name])

    def score(batch: Sequence[str]) -> list[float | None]:
        return [r.score for r in service.analyze_batch(batch)]

    return score


def domain_table(
    all_sets: dict[str, list[Example]],
    scored: dict[str, dict[str, list[float | None]]],
    speed: dict[str, dict[str, float]],
) -> list[dict[str, object]]:
    """Accuracy per review domain from the scores already computed: before the experts (the general model
    alone), after them (the shipped default) and snownlp's bundled model, on the same texts."""
    figures: list[dict[str, object]] = []
    print("\nPer domain: accuracy before the experts (general), after them (default) and of snownlp's, same texts")
    header = (
        f"{'set:domain':<30} {'n':>5} {'general':>8} {'default':>8} {'snownlp':>8} {'after-before':>12} {'vs snow':>8}"
    )
    print(header)
    print("-" * len(header))
    groups = by_domain({k: v for k, v in all_sets.items() if k.startswith("shopping")})
    # The other corpora, each one domain (Weibo posts, waimai, snownlp's reviews, English).
    groups.update({k: v for k, v in all_sets.items() if not k.startswith("shopping")})
    for name, rows in groups.items():
        set_name = name.split(":", 1)[0]
        wanted = {id(r) for r in rows}
        picked = [i for i, e in enumerate(all_sets[set_name]) if id(e) in wanted]
        labels = [all_sets[set_name][i].label for i in picked]
        acc = {m: evaluation_of(m, labels, [scored[set_name][m][i] for i in picked], 0.0).accuracy for m in MODELS}
        gain, lead = acc["default"] - acc["yuqing-zh-general"], acc["default"] - acc["snownlp"]
        print(
            f"{name:<30} {len(rows):>5} {acc['yuqing-zh-general']:>8.3f} {acc['default']:>8.3f} "
            f"{acc['snownlp']:>8.3f} {gain:>+12.3f} {lead:>+8.3f}"
        )
        figures.append({"set": name, "n": len(rows), **{f"accuracy_{m}": round(a, 4) for m, a in acc.items()}})
    print("\nSpeed (texts/s, one core, whole sets): general / default (with experts) / snownlp's default")
    for set_name, by_model in speed.items():
        print(
            f"{set_name:<30} {by_model['yuqing-zh-general']:>8.0f} {by_model['default']:>8.0f} "
            f"{by_model['snownlp']:>8.0f}"
        )
    return figures


def lodo_table() -> None:
    """The leave-one-domain-out figures of ``python -m sentiment.lodo``, if it has been run for this model."""
    if not LODO_FILE.exists():
        print(f"\nNo leave-one-domain-out figures: run python -m sentiment.lodo (writes {LODO_FILE.name}).")
        return
    lodo = json.loads(LODO_FILE.read_text(encoding="utf-8"))
    trained_at = json.loads((MODELS_DIR / "yuqing_zh.json").read_text(encoding="utf-8"))["provenance"]["trained_at"]
    stale = "" if lodo["model_trained_at"] == trained_at else " (STALE: computed for another model)"
    dropped = ", ".join(lodo.get("also_dropped", [])) or "nothing else"
    print(f"\nLeave one domain out (from {LODO_FILE.name}{stale}; also left out: {dropped}): accuracy on the")
    print("domain's held-out and test rows of the recipe trained without it, of the shipped model and of snownlp's")
    print("(and, on the texts snownlp's bundled model was not trained on, the same three)")
    header = (
        f"{'domain':<12} {'n':>5} {'left out':>9} {'shipped':>8} {'snownlp':>8} | "
        f"{'n fresh':>7} {'left out':>9} {'shipped':>8} {'snownlp':>8}"
    )
    print(header)
    print("-" * len(header))

    def acc(f: dict[str, dict[str, float]], key: str, width: int) -> str:
        return f"{f[key]['accuracy']:>{width}.3f}" if key in f else " " * (width - 1) + "-"

    for domain, f in lodo["domains"].items():
        fresh_n = f["left_out_not_recalled"]["n"] if "left_out_not_recalled" in f else 0
        print(
            f"{domain:<12} {f['left_out']['n']:>5} {acc(f, 'left_out', 9)} {acc(f, 'shipped', 8)} "
            f"{acc(f, 'snownlp', 8)} | {fresh_n:>7} {acc(f, 'left_out_not_recalled', 9)} "
            f"{acc(f, 'shipped_not_recalled', 8)} {acc(f, 'snownlp_not_recalled', 8)}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED_DIR)
    parser.add_argument("--sample", type=int, default=None, help="at most this many texts per set")
    parser.add_argument("--seed", type=int, default=7, help="seed of --sample")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()

    started = time.perf_counter()
    figures: list[dict[str, object]] = []
    header = (
        f"{'set':<26} {'model':<18} {'n':>5} {'accuracy':>8} {'macro-F1':>8} {'AUC':>6} {'texts/s':>8} {'x snownlp':>9}"
    )
    print(header)
    print("-" * len(header))
    all_sets = sets(args.data, args.sample, args.seed)
    scored: dict[str, dict[str, list[float | None]]] = {}
    speed: dict[str, dict[str, float]] = {}
    for set_name, examples in all_sets.items():
        texts = [e.text for e in examples]
        labels = [e.label for e in examples]
        evaluations, scored[set_name] = compare_scores({model: score_batch(model) for model in MODELS}, texts, labels)
        baseline = evaluations[0]
        speed[set_name] = {model: e.texts_per_second for model, e in zip(MODELS, evaluations, strict=True)}
        for model, e in zip(MODELS, evaluations, strict=True):
            # A ratio against a baseline that scored nothing (English for snownlp) would compare no work with work.
            ratio = e.texts_per_second / baseline.texts_per_second if baseline.unscored < baseline.n else None
            shown = "n/a" if ratio is None else f"{ratio:.1f}x"
            print(
                f"{set_name:<26} {model:<18} {e.n:>5} {e.accuracy:>8.3f} {e.macro_f1:>8.3f} {e.auc:>6.3f} "
                f"{e.texts_per_second:>8.0f} {shown:>9}" + (f"  ({e.unscored} unscored)" if e.unscored else ""),
                flush=True,
            )
            figures.append(
                {"set": set_name, **e.as_dict(), "speed_vs_snownlp": None if ratio is None else round(ratio, 1)}
            )
        print()
    figures += domain_table(all_sets, scored, speed)
    lodo_table()
    print(f"{time.perf_counter() - started:.0f} s. Accuracy and macro-F1 at 0.5; unscored texts count as wrong.")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
