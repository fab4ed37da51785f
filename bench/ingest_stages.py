"""Ingest stage by stage, and end to end, beside the tokenizer floor measured in the same run.

    .venv/bin/python bench/ingest_stages.py --n 20000        # the figures the issue's notes give per stage

The mentions are those of ``bench/scale.py`` (texts of the shared sentiment corpora, 10 brands, 8 platforms,
180 days, in publication order). Each stage runs over all of them in batches of ``--batch``, as a crawl hands
them on: sentiment (``SentimentService.analyze_batch``), the complaint category (the trained reader that the
crawl's ``CategoryPipeline`` uses, given the sentiment score as the crawl gives it), building the ``Mention``
objects, and ``SQLiteMentionStore.upsert`` into a fresh store. End to end runs the four one batch after the
other into a second fresh store. The floor (jieba-rs + a bare FTS5 insert of the same texts) is measured
before and after, and its mean is the divisor of every ratio: the machine is shared, so read the ratios. The
last column divides by the CPU seconds this process spent in each stage (no waiting for a core counted): the
figure to compare between two checkouts run one after the other on a busy machine.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import table
from _ingest import crawl_text
from scale import corpus_mention, load_texts, raw_mentions, tokenizer_floor

from foundation.gcpause import cycle_collection_paused
from index.base import Mention
from index.sqlite import SQLiteMentionStore
from sentiment import SentimentResult, SentimentService
from tickets.classify import ModelClassifier


def categorize(classifier: ModelClassifier, texts: Sequence[str], results: Sequence[SentimentResult]) -> list[str]:
    """The category pipeline's decision per text (the score reused for Chinese, as the crawl does)."""
    scores = [result.score if result.language == "zh" else None for result in results]
    # ``categories`` scores a whole batch at once; a checkout older than it has ``category`` (the category-only
    # path, one text at a time) or, older still, ``classify`` only.
    many: Callable[..., Any] | None = getattr(classifier, "categories", None)
    if many is not None:
        return [category.value for category in many(texts, scores)]
    only: Callable[..., Any] | None = getattr(classifier, "category", None)
    out = []
    for text, score in zip(texts, scores, strict=True):
        if only is not None:
            out.append(only(text, sentiment=score).value)
        else:
            out.append(classifier.classify(text, sentiment=score).category.value)
    return out


def mentions(raws: Sequence[dict[str, Any]], results: Sequence[SentimentResult], cats: Sequence[str]) -> list[Mention]:
    """The batch's mentions, built as the crawl's store pipeline builds them (the cyclic collector paused)."""
    with cycle_collection_paused():
        return [
            corpus_mention(raw, result, category) for raw, result, category in zip(raws, results, cats, strict=True)
        ]


def fresh_store(folder: Path, name: str) -> SQLiteMentionStore:
    store = SQLiteMentionStore.at(folder / name)
    store.ensure_schema()
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000, help="mentions (default 20,000)")
    parser.add_argument("--batch", type=int, default=1000, help="mentions per batch")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument(
        "--no-freeze", action="store_true", help="leave the loaded models to the garbage collector (see warm_up)"
    )
    parser.add_argument("--answers", help="write each mention's score, label and category here (to diff two runs)")
    args = parser.parse_args()
    raws = raw_mentions(args.n, load_texts(), args.seed)
    texts = [crawl_text(r) for r in raws]
    batches = [range(b, min(b + args.batch, len(raws))) for b in range(0, len(raws), args.batch)]
    service = SentimentService.default()
    classifier = ModelClassifier()
    warm = service.analyze_batch(["预热：加载模型，哈哈哈"])
    categorize(classifier, ["预热：加载模型，哈哈哈"], warm)  # both models and both jieba dictionaries loaded
    if not args.no_freeze:
        gc.freeze()  # as the crawl's warm-up does (crawlers.session.warm_up)
    import rjieba

    def floor() -> float:
        return tokenizer_floor(raws, args.batch, lambda t: rjieba.cut(t, True))

    print(f"{args.n:,} mentions, batches of {args.batch}; load average {os.getloadavg()[0]:.1f}")
    floors = [floor()]
    folder = Path(tempfile.mkdtemp(prefix="yqstages-"))
    seconds: dict[str, float] = dict.fromkeys(["sentiment", "complaint category", "Mention()", "store upsert"], 0.0)
    # CPU seconds of this process per stage beside the wall clock: with other jobs on the cores, wall time also
    # counts the waits for a core, which move from run to run; CPU time moves much less (read it for A/B runs).
    cpu: dict[str, float] = dict.fromkeys(seconds, 0.0)
    results: list[SentimentResult] = []
    cats: list[str] = []
    built: list[Mention] = []
    store = fresh_store(folder, "stages.sqlite3")
    for span in batches:
        chunk = [texts[i] for i in span]
        started, used = time.perf_counter(), time.process_time()
        scored = service.analyze_batch(chunk, ["zh"] * len(chunk))
        seconds["sentiment"] += time.perf_counter() - started
        cpu["sentiment"] += time.process_time() - used
        started, used = time.perf_counter(), time.process_time()
        decided = categorize(classifier, chunk, scored)
        seconds["complaint category"] += time.perf_counter() - started
        cpu["complaint category"] += time.process_time() - used
        started, used = time.perf_counter(), time.process_time()
        made = mentions([raws[i] for i in span], scored, decided)
        seconds["Mention()"] += time.perf_counter() - started
        cpu["Mention()"] += time.process_time() - used
        started, used = time.perf_counter(), time.process_time()
        store.upsert(made)
        seconds["store upsert"] += time.perf_counter() - started
        cpu["store upsert"] += time.process_time() - used
        results += scored
        cats += decided
        built += made
    store.close()
    end_store = fresh_store(folder, "end-to-end.sqlite3")
    started = time.perf_counter()
    for span in batches:
        chunk = [texts[i] for i in span]
        scored = service.analyze_batch(chunk, ["zh"] * len(chunk))
        end_store.upsert(mentions([raws[i] for i in span], scored, categorize(classifier, chunk, scored)))
    end_to_end = args.n / (time.perf_counter() - started)
    end_store.close()
    floors.append(floor())
    base = sum(floors) / len(floors)
    rows: list[list[Any]] = [[name, args.n / s, args.n / s / base, args.n / cpu[name]] for name, s in seconds.items()]
    together = args.n / sum(seconds.values())
    rows.append(["stages together", together, together / base, args.n / sum(cpu.values())])
    rows.append(["end to end (batch after batch)", end_to_end, end_to_end / base, "–"])
    rows.append(["floor: jieba-rs + FTS5 insert (before / after)", base, 1.0, "–"])
    print(table(["stage", "mentions/s", "vs floor", "per CPU second"], rows))
    print(f"floor before {floors[0]:,.0f}/s, after {floors[1]:,.0f}/s; load average {os.getloadavg()[0]:.1f}")
    labels: dict[str, int] = {}
    for result, category in zip(results, cats, strict=True):
        key = f"{result.label.value}/{category}"
        labels[key] = labels.get(key, 0) + 1
    print("answers (label/category: count):", ", ".join(f"{k} {v}" for k, v in sorted(labels.items())))
    if args.answers:
        with open(args.answers, "w", encoding="utf-8") as out:
            for m in built:
                out.write(f"{m.id}\t{m.sentiment_score!r}\t{m.sentiment_label.value}\t{m.category}\n")
    for f in folder.glob("*"):
        f.unlink()
    folder.rmdir()


if __name__ == "__main__":
    main()
