"""Ingest throughput: mentions per second through sentiment scoring and storing, per backend.

    .venv/bin/python bench/ingest.py                      # 3,000 mentions, SQLite + osmem-server
    .venv/bin/python bench/ingest.py --count 10000 --batch 1000
    YUQING_BENCH_ES_URL=https://user:pw@es:9200 .venv/bin/python bench/ingest.py   # a real cluster

Every figure comes from this run, on the same generated mentions (fixed seed), so the ratios compare like
with like. Baselines: scoring alone, segmentation alone, a plain ``sqlite3.executemany`` of the same rows
(no FTS, no segmentation, no dedupe read) and, for Elasticsearch, a raw bulk of prebuilt documents.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

from _common import (
    ES_URL_ENV,
    RawMention,
    Timer,
    bench_prefix,
    elastic_target,
    generate,
    table,
    to_mention,
)
from elasticsearch import helpers

from index.base import Mention, MentionStore
from index.elastic import ElasticMentionStore
from index.sqlite import SQLiteMentionStore
from index.text import index_fields
from sentiment import SentimentService

Row = tuple[str, float, float | None, str]  # what, mentions per second, ratio, note


def batches(items: list[RawMention], size: int) -> list[list[RawMention]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def score_and_build(service: SentimentService, raws: list[RawMention]) -> list[Mention]:
    """What the crawler pipeline does before storing: detect language, score, build the mentions."""
    results = service.analyze_batch([f"{r.title or ''} {r.text}".strip() for r in raws])
    return [
        to_mention(raw, language=res.language, score=res.score, label=res.label)
        for raw, res in zip(raws, results, strict=True)
    ]


def pipeline(
    store: MentionStore, service: SentimentService, chunks: list[list[RawMention]]
) -> tuple[float, float, list[Mention]]:
    """Score and store batch by batch, as a crawl does; returns (total seconds, storing seconds, mentions)."""
    total, storing = Timer(), Timer()
    stored: list[Mention] = []
    with total:
        for chunk in chunks:
            mentions = score_and_build(service, chunk)
            with storing:
                result = store.upsert(mentions)
            if result.failed:
                raise SystemExit(f"{store.describe()} rejected {len(result.failed)} mentions: {result.failed}")
            stored.extend(mentions)
        with storing:
            store.refresh()
    return total.seconds, storing.seconds, stored


def recrawl(store: MentionStore, mentions: list[Mention], size: int) -> float:
    """Store the same mentions again: every one is unchanged (the dedupe read is all the work)."""
    timer = Timer()
    with timer:
        for i in range(0, len(mentions), size):
            result = store.upsert(mentions[i : i + size])
            assert len(result.unchanged) == len(mentions[i : i + size]), "a re-crawl must change nothing"
    return timer.seconds


def backend_rows(
    name: str,
    store: MentionStore,
    service: SentimentService,
    chunks: list[list[RawMention]],
    size: int,
    score_rate: float,
    store_baseline: tuple[float, str],
) -> list[Row]:
    """One backend's rows: score + store against scoring alone, then storing and re-crawling against the
    backend's own raw-write baseline (``(rate, note)``)."""
    count = sum(len(chunk) for chunk in chunks)
    total, storing, stored = pipeline(store, service, chunks)
    again = recrawl(store, stored, size)
    base_rate, base_note = store_baseline
    return [
        (f"{name}: score + store (pipeline)", count / total, (count / total) / score_rate, "ratio vs scoring only"),
        (f"{name}: store only (upsert)", count / storing, (count / storing) / base_rate, base_note),
        (f"{name}: re-crawl, all unchanged", count / again, (count / again) / base_rate, base_note),
    ]


def raw_sqlite(mentions: list[Mention], size: int, folder: Path) -> float:
    """Baseline: the same rows into a plain table with sqlite3.executemany, one transaction per batch."""
    conn = sqlite3.connect(folder / "raw.sqlite3")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    columns = [c for c in Mention.model_fields if c != "brands"]
    conn.execute(f"CREATE TABLE raw ({', '.join(columns)}, brands)")
    rows = []
    for m in mentions:
        data = m.model_dump(mode="json")
        rows.append(
            [json.dumps(data[c], ensure_ascii=False) if isinstance(data[c], list | dict) else data[c] for c in columns]
            + [json.dumps(data["brands"], ensure_ascii=False)]
        )
    placeholders = ", ".join("?" for _ in range(len(columns) + 1))
    timer = Timer()
    with timer:
        for i in range(0, len(rows), size):
            with conn:
                conn.executemany(f"INSERT INTO raw VALUES ({placeholders})", rows[i : i + size])
    conn.close()
    return timer.seconds


def raw_elastic(store: ElasticMentionStore, mentions: list[Mention], size: int) -> float:
    """Baseline: prebuilt documents (segmentation done beforehand) bulk-indexed, no dedupe read."""
    docs = [store._document(m) for m in mentions]
    timer = Timer()
    with timer:
        actions = ({"_index": store.alias, "_id": m.id, "_source": d} for m, d in zip(mentions, docs, strict=True))
        for ok, item in helpers.streaming_bulk(store.client, actions, chunk_size=size, raise_on_error=False):
            if not ok:
                raise SystemExit(f"raw bulk failed: {item}")
        store.refresh()
    return timer.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=3000, help="mentions to ingest (default 3000)")
    parser.add_argument("--batch", type=int, default=500, help="mentions per upsert, as the crawler sends them")
    parser.add_argument("--seed", type=int, default=20240301)
    parser.add_argument("--no-es", action="store_true", help="SQLite only")
    args = parser.parse_args()

    raws = generate(args.count, args.seed)
    chunks = batches(raws, args.batch)
    service = SentimentService.from_names(["default"])
    score_and_build(service, raws[:5])  # load the model and jieba's dictionary outside the timings
    index_fields(None, "预热")
    print(
        f"{args.count:,} generated mentions (seed {args.seed}, ~70% Chinese), batches of {args.batch}; "
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n"
    )

    rows: list[Row] = []
    scoring = Timer()
    with scoring:
        mentions = [m for chunk in chunks for m in score_and_build(service, chunk)]
    score_rate = args.count / scoring.seconds
    rows.append(("baseline: sentiment scoring only (default model)", score_rate, None, "detect + score + build"))
    segmenting = Timer()
    with segmenting:
        for m in mentions:
            index_fields(m.title, m.text)
    rows.append(("baseline: jieba segmentation only", args.count / segmenting.seconds, None, "index_fields()"))

    with tempfile.TemporaryDirectory(prefix="yuqing-bench-") as tmp:
        folder = Path(tmp)
        raw_seconds = raw_sqlite(mentions, args.batch, folder)
        raw_rate = args.count / raw_seconds
        rows.append(("baseline: sqlite3 executemany, plain table", raw_rate, None, "no FTS, no dedupe read"))

        sqlite_store = SQLiteMentionStore.at(folder / "mentions.sqlite3")
        sqlite_store.ensure_schema()
        rows += backend_rows(
            "SQLite", sqlite_store, service, chunks, args.batch, score_rate, (raw_rate, "ratio vs executemany")
        )
        sqlite_store.close()

    if not args.no_es:
        with elastic_target(os.environ.get(ES_URL_ENV)) as target:
            if target is not None:
                print(f"Elasticsearch backend: {target.label}\n")
                baseline_store = target.open(bench_prefix())
                baseline_store.ensure_schema()
                es_raw_rate = args.count / raw_elastic(baseline_store, mentions, args.batch)
                target.cleanup(baseline_store)
                baseline_store.close()
                rows.append(("baseline: ES raw bulk of prebuilt docs", es_raw_rate, None, "no segmentation/mget"))

                es_store = target.open(bench_prefix())
                try:
                    es_store.ensure_schema()
                    rows += backend_rows(
                        "Elasticsearch",
                        es_store,
                        service,
                        chunks,
                        args.batch,
                        score_rate,
                        (es_raw_rate, "ratio vs raw bulk"),
                    )
                finally:
                    target.cleanup(es_store)
                    es_store.close()

    print(table(["stage", "mentions/s", "ratio", "note"], rows))


if __name__ == "__main__":
    main()
