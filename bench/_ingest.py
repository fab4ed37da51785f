"""Ingest as the crawls do — in one process, or in several crawl processes at once into one store — and a
fingerprint of what a store answers, to show that both ways store the same.

The embedded tier runs ``scheduler.concurrent_crawls`` crawl processes at once (default 2, one per core of a small
machine); each scores and classifies its own items and writes its batches into the same SQLite file, whose
writers take turns (``BEGIN IMMEDIATE``). :func:`ingest_parallel` measures that: ``procs`` processes, each loading
the models as a crawl's warm-up does, then taking every ``procs``-th batch of the same mentions in publication
order, all started together; the rate is all mentions over the time from the common start to the last one done.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing as mp
import queue
import sqlite3
import time
from pathlib import Path
from typing import Any

#: Tables whose rows are what the store answers from. Brand sets are compared by their brands (their ids follow
#: the order batches arrive in); ``rollup_word_days`` by its days only (its version counts the batches that
#: touched a day, a cache key of the top-word lists, not a count any answer reads).
FINGERPRINT = {
    "mentions": "SELECT * FROM mentions",
    "mention_brands": "SELECT b.brand, m.id, b.published_at FROM mention_brands b JOIN mentions m "
    "ON m.rowid = b.mention_rowid",
    "mentions_fts": "SELECT m.id, f.title_seg, f.text_seg, f.text_sub FROM mentions_fts f JOIN mentions m "
    "ON m.rowid = f.rowid",
    "rollup_days": "SELECT s.brands, r.* FROM rollup_days r JOIN rollup_brandsets s USING (set_id)",
    "rollup_hours": "SELECT s.brands, r.* FROM rollup_hours r JOIN rollup_brandsets s USING (set_id)",
    "rollup_words": "SELECT s.brands, r.* FROM rollup_words r JOIN rollup_brandsets s USING (set_id)",
    "rollup_brand_days": "SELECT * FROM rollup_brand_days",
    "rollup_brand_hours": "SELECT * FROM rollup_brand_hours",
    "rollup_word_days": "SELECT day FROM rollup_word_days",
    "rollup_word_tops": "SELECT * FROM rollup_word_tops",
    "rollup_word_cuts": "SELECT * FROM rollup_word_cuts",
}


def fingerprint(db: Path) -> dict[str, tuple[int, str]]:
    """Per table: its row count and a digest of its rows in sorted order (set ids and rowids resolved away)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    out: dict[str, tuple[int, str]] = {}
    try:
        for table, sql in FINGERPRINT.items():
            cursor = conn.execute(sql)
            # rowid and set_id: where the batches' order, not their content, put a row.
            keep = [i for i, d in enumerate(cursor.description) if d[0] not in ("rowid", "set_id")]
            rows = [tuple(row[i] for i in keep) for row in cursor]
            digest = hashlib.sha256()
            for row in sorted(rows, key=repr):
                digest.update(repr(row).encode())
            out[table] = (len(rows), digest.hexdigest()[:16])
    finally:
        conn.close()
    return out


def crawl_text(raw: dict[str, Any]) -> str:
    """What the scoring stages read (``crawlers.pipelines.sentiment.scored_text``): the title (when not already in
    the text) and the text."""
    title, text = raw["title"], raw["text"]
    return text if not title or title in text else f"{title}\n{text}"


class Ingestor:
    """The crawl's scoring path, loaded once: sentiment in batches, the complaint category given the score."""

    def __init__(self) -> None:
        from sentiment import SentimentService  # type: ignore[attr-defined]
        from tickets.classify import ModelClassifier

        self.service = SentimentService.default()
        # The crawl's default classifier (tickets.classification.engine: model), given the sentiment score as
        # the category pipeline gives it.
        self.classifier = ModelClassifier()
        self.classifier.categories(["预热哈哈哈"], [self.service.analyze_batch(["预热"])[0].score])
        gc.freeze()  # as the crawl's warm-up does once the models are loaded (crawlers.session.warm_up)

    def mentions(self, chunk: list[dict[str, Any]]) -> list[Any]:
        from scale import corpus_mention, zh_score

        from foundation.gcpause import cycle_collection_paused

        texts = [crawl_text(r) for r in chunk]
        results = self.service.analyze_batch(texts, ["zh"] * len(texts))
        # The whole batch classified at once (one sparse product for its n-grams), as a batch ingest does.
        categories = self.classifier.categories(texts, [zh_score(result) for result in results])
        with cycle_collection_paused():  # as the crawl's store pipeline builds its batch's mentions
            return [
                corpus_mention(raw, result, category.value)
                for raw, result, category in zip(chunk, results, categories, strict=True)
            ]


def ingest(store: Any, raws: list[dict[str, Any]], batch: int) -> float:
    """Score, classify and store ``raws`` batch by batch in this process, as one crawl does; mentions per second."""
    ingestor = Ingestor()
    start = time.perf_counter()
    for b in range(0, len(raws), batch):
        store.upsert(ingestor.mentions(raws[b : b + batch]))
    return len(raws) / (time.perf_counter() - start)


def _crawl(k: int, procs: int, db: str, n: int, seed: int, batch: int, ready: Any, done: Any) -> None:
    """One crawl process: every ``procs``-th batch from the ``k``-th, into the store at ``db``."""
    from scale import load_texts, raw_mentions

    from index.sqlite import SQLiteMentionStore

    raws = raw_mentions(n, load_texts(), seed)
    store = SQLiteMentionStore.at(Path(db))
    ingestor = Ingestor()
    ready.wait()
    cpu = time.process_time()
    for i, b in enumerate(range(0, n, batch)):
        if i % procs == k:
            store.upsert(ingestor.mentions(raws[b : b + batch]))
    store.close()
    done.put((k, time.perf_counter(), time.process_time() - cpu))


def ingest_parallel(db: Path, n: int, seed: int, batch: int, procs: int) -> tuple[float, list[float]]:
    """``procs`` crawl processes storing the ``n`` mentions of ``seed`` into ``db`` (schema ready) at once:
    mentions per second from their common start to the last one done, and each process's CPU seconds."""
    ctx = mp.get_context("spawn")  # a fresh interpreter per crawl, as `yuqing crawl` subprocesses are
    ready, done = ctx.Barrier(procs + 1), ctx.Queue()
    workers = [ctx.Process(target=_crawl, args=(k, procs, str(db), n, seed, batch, ready, done)) for k in range(procs)]
    for worker in workers:
        worker.start()
    ready.wait(timeout=900)  # every process has its models loaded (a crash before that breaks the barrier)
    start = time.perf_counter()
    finished: list[tuple[int, float, float]] = []
    while len(finished) < procs:
        try:
            finished.append(done.get(timeout=5))
        except queue.Empty:
            failed = [w.exitcode for w in workers if w.exitcode]
            if failed:
                raise SystemExit(f"a crawl process failed (exit {failed[0]})") from None
    for worker in workers:
        worker.join()
        if worker.exitcode:
            raise SystemExit(f"a crawl process failed (exit {worker.exitcode})")
    end = max(f[1] for f in finished)
    return n / (end - start), [f[2] for f in sorted(finished)]
