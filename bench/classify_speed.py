"""Speed of the complaint reader at ingest: texts/s with and without the crawl's sentiment score.

The crawl scores sentiment first (``crawlers.pipelines.sentiment``) and then classifies
(``crawlers.pipelines.category``); the model reads the sentiment score as a feature. This prints, on the real
texts of the labelled set (train and dev, timing only):

- the floor measured in this run: the sentiment service alone (what the crawl already pays per text);
- the model reader scoring sentiment itself, and given the score;
- the sentiment and category pipelines on items, the category one re-scoring (as before) or reusing the score.

    .venv/bin/python bench/classify_speed.py              # about a minute
    .venv/bin/python bench/classify_speed.py --repeat 3   # best of 3 per figure (a shared machine is noisy)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawlers.items import MentionItem
from crawlers.pipelines.category import CategoryPipeline
from crawlers.pipelines.sentiment import SentimentPipeline
from sentiment import SentimentService
from tickets.classify import ModelClassifier
from tickets.understanding.devset import load


class _Stats:
    """What the pipelines need of Scrapy's stats collector."""

    def inc_value(self, key: str, count: int = 1) -> None:
        pass


def rate(work: Callable[[], object], count: int, repeat: int) -> float:
    """Texts per second of ``work`` over ``count`` texts, the best of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return count / best


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    texts = [r.text for r in (*load("train"), *load("dev"))]
    service = SentimentService.default()
    reader = ModelClassifier()
    results = service.analyze_batch(texts)
    reader.classify(texts[0])  # load both models before timing
    scores = [r.score if r.language == "zh" else None for r in results]
    n = len(texts)

    stats = _Stats()
    scoring = SentimentPipeline(service, stats)  # type: ignore[arg-type]

    def crawl(reuse: bool) -> None:
        """The two crawl pipelines, item by item, as Scrapy runs them."""
        category = CategoryPipeline(reader, stats, reuse)  # type: ignore[arg-type]
        for i, text in enumerate(texts):
            item = MentionItem(platform="bench", post_id=str(i), text=text, source="bench")
            category.process_item(scoring.process_item(item))

    floor = rate(lambda: [service.analyze(t) for t in texts], n, args.repeat)
    alone = rate(lambda: [reader.classify(t) for t in texts], n, args.repeat)
    given = rate(lambda: [reader.classify(t, sentiment=s) for t, s in zip(texts, scores, strict=True)], n, args.repeat)
    before = rate(lambda: crawl(False), n, args.repeat)
    after = rate(lambda: crawl(True), n, args.repeat)
    print(f"{n} real texts (labelled set, train + dev), best of {args.repeat}\n")
    print(f"{'what':52s} {'texts/s':>8s} {'x floor':>8s}")
    for what, value in (
        ("sentiment service alone (floor)", floor),
        ("model reader, scoring sentiment itself", alone),
        ("model reader, given the sentiment score", given),
        ("sentiment + category pipelines, category re-scores", before),
        ("sentiment + category pipelines, score reused", after),
    ):
        print(f"{what:52s} {value:8.0f} {value / floor:8.2f}")


if __name__ == "__main__":
    main()
