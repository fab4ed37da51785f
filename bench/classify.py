"""Complaint understanding on the labelled dev set, and sentiment per corpus and review domain, with speed.

1. The per-domain table of ``yuqing classify eval`` (``tickets.understanding.evaluate``) on the ``dev`` split of
   the labelled set (never trained or tuned on): lenient accuracy, strict macro recall of the primary category,
   urgent recall and false-urgent rate, type accuracy, each beside the majority constant; then texts/s of the
   model reader beside the lexicon classifier (the floor, measured in this run).
2. Sentiment accuracy of the default Chinese model beside snownlp's bundled model on every held-out set the
   sentiment bench uses, and on each of the ten review domains of the shared shopping test file, with texts/s
   (snownlp is the floor).

    .venv/bin/python bench/classify.py                 # about 2-4 minutes
    .venv/bin/python bench/classify.py --sample 300    # at most 300 texts per sentiment set
    .venv/bin/python bench/classify.py --cv            # also the whole-domain-held-out table on the train split
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sentiment import SentimentService
from sentiment.data import SHARED_DIR, Example, split
from tickets.classify import Classifier
from tickets.understanding.devset import load
from tickets.understanding.evaluate import render, table
from tickets.understanding.understand import Understander


def rate(work: Callable[[str], object], texts: Sequence[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        work(text)
    return len(texts) / (time.perf_counter() - started)


def complaints() -> None:
    dev, train = load("dev"), load("train")
    reader = Understander()
    print(f"Complaint understanding, dev split ({len(dev)} texts, {len({r.domain for r in dev})} domains)\n")
    print(render(table(dev, reader.understand, train)))
    texts = [r.text for r in dev]
    reader.understand(texts[0])  # load the models before timing
    floor = rate(Classifier().classify, texts)
    speed = rate(reader.understand, texts)
    print(f"\nspeed: model reader {speed:.0f} texts/s, lexicon classifier {floor:.0f} texts/s ({speed / floor:.2f}x)\n")


def shopping_domains(data: Path) -> dict[str, list[Example]]:
    out: dict[str, list[Example]] = {}
    with (data / "online_shopping_10_cats_test.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out.setdefault(f"shopping_test:{row['cat']}", []).append(Example(int(row["label"]), row["text"]))
    return out


def sentiment(data: Path, sample: int | None, seed: int) -> None:
    import json

    from sentiment.features import MODELS_DIR
    from sentiment.train import evaluation_sets

    provenance = json.loads((MODELS_DIR / "yuqing_zh.json").read_text(encoding="utf-8"))["provenance"]
    sets = evaluation_sets(data, provenance["seed"], provenance["config"]["holdout"])
    sets.update(shopping_domains(data))
    services = {name: SentimentService.from_names([name]) for name in ("snownlp", "default")}
    header = f"{'set':<24}{'n':>6}  {'default':>8}  {'snownlp':>8}  {'default/s':>9}  {'snownlp/s':>9}"
    print("Sentiment accuracy at 0.5 (unscored counts as wrong)\n")
    print(header)
    print("-" * len(header))
    for name, examples in sets.items():
        if sample and len(examples) > sample:
            examples = split(examples, sample / len(examples), seed)[1]
        texts = [e.text for e in examples]
        figures = {}
        for model, service in services.items():
            started = time.perf_counter()
            scores = [r.score for r in service.analyze_batch(texts)]
            speed = len(texts) / (time.perf_counter() - started)
            right = sum(s is not None and (s >= 0.5) == (e.label == 1) for s, e in zip(scores, examples, strict=True))
            figures[model] = (right / len(texts), speed)
        print(
            f"{name:<24}{len(texts):>6}  {figures['default'][0]:>8.3f}  {figures['snownlp'][0]:>8.3f}  "
            f"{figures['default'][1]:>9.0f}  {figures['snownlp'][1]:>9.0f}",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED_DIR)
    parser.add_argument("--sample", type=int, default=None, help="at most this many texts per sentiment set")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-sentiment", action="store_true")
    parser.add_argument("--cv", action="store_true", help="also cross-validate on train, whole domains held out")
    args = parser.parse_args()
    complaints()
    if args.cv:
        from tickets.understanding.train import DEFAULT_C, cross_validate

        print("Whole-domain-held-out cross-validation on the train split (the guess for unseen domains)\n")
        print(cross_validate(load("train"), DEFAULT_C), "\n")
    if not args.skip_sentiment:
        sentiment(args.data, args.sample, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
