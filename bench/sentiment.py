"""Sentiment models side by side on labelled texts none of them trained on: quality and texts/s.

For each evaluation set, each model scores the same texts through :class:`sentiment.SentimentService` (language
detection, then the scorer for the language), one model after the other in this one process (one core):

- ``snownlp``: snownlp's bundled model (``SnowNLP(text).sentiments``), the baseline every ratio divides by;
- ``snownlp-retrained``: snownlp's classifier retrained on the shared corpora, alone (Platt-calibrated);
- ``default``: what the service uses by default (the stacked Chinese model, VADER for English).

Sets: the held-out rows of the three training corpora (rebuilt from the shipped model's seed and holdout
fractions, class-balanced), the two shared ``*_test.csv`` files, the Weibo holdout converted to traditional
characters, and a small hand-written English sample from the tests.

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
from sentiment.features import MODELS_DIR, _t2s_table
from sentiment.metrics import ScoreBatch, compare
from sentiment.train import evaluation_sets

MODELS = ("snownlp", "snownlp-retrained", "default")
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
    for set_name, examples in sets(args.data, args.sample, args.seed).items():
        texts = [e.text for e in examples]
        labels = [e.label for e in examples]
        evaluations = compare({model: score_batch(model) for model in MODELS}, texts, labels)
        baseline = evaluations[0]
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
    print(f"{time.perf_counter() - started:.0f} s. Accuracy and macro-F1 at 0.5; unscored texts count as wrong.")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
