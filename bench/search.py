"""Search latency: p50/p95 per query shape and backend, over generated mentions.

    .venv/bin/python bench/search.py                     # 50k mentions, SQLite + osmem-server, ~2 min
    .venv/bin/python bench/search.py --count 100000      # the full-size run, ~4 min on 2 cores
    .venv/bin/python bench/search.py --count 20000 --queries 50
    YUQING_BENCH_ES_URL=https://user:pw@es:9200 .venv/bin/python bench/search.py   # a real cluster

The mentions get a random (seeded) sentiment instead of a model's: this measures searching, and scoring
100k texts would take minutes (bench/ingest.py measures scoring). SQLite is loaded in a child process while
this one loads Elasticsearch, so both loads share the two cores.

Baselines, measured in the same run on the same data: the store's own SQL/query sent directly with nothing
but ids coming back (what the store adds on top: exact totals, building mentions, highlighting), and a
``LIKE '%word%'`` scan of a plain table (what the full-text index buys).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from _common import (
    BASE_TIME,
    BRANDS,
    EN_QUERY_WORDS,
    ES_URL_ENV,
    SPAN_DAYS,
    ZH_QUERY_WORDS,
    bench_prefix,
    elastic_target,
    generate,
    percentile,
    random_sentiment,
    table,
    timed,
    to_mention,
)

from index.base import Mention, MentionFilter, MentionStore, SearchRequest, SortOrder
from index.elastic import ElasticMentionStore
from index.sqlite import SQLiteMentionStore
from index.text import index_fields, query_terms
from index.words import rising_words, top_words


def build_mentions(count: int, seed: int) -> list[Mention]:
    rng = random.Random(seed + 1)
    out = []
    for raw in generate(count, seed):
        score, label = random_sentiment(rng)
        language = "en" if raw.platform in {"reddit", "twitter"} else "zh"
        out.append(to_mention(raw, language=language, score=score, label=label))
    return out


def load(store: MentionStore, mentions: list[Mention], batch: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(mentions), batch):
        result = store.upsert(mentions[i : i + batch])
        if result.failed:
            raise SystemExit(f"{store.describe()} rejected {len(result.failed)} mentions")
    store.refresh()
    return time.perf_counter() - start


def load_sqlite_child(path: str, count: int, seed: int, batch: int, seconds: Any) -> None:
    """Runs in a child process: the same mentions into an SQLite store file."""
    store = SQLiteMentionStore.at(Path(path))
    store.ensure_schema()
    index_fields(None, "预热")
    seconds.value = load(store, build_mentions(count, seed), batch)
    store.close()


@dataclass
class Shape:
    """A kind of query: a name and, per repetition, a call against a store."""

    name: str
    calls: list[Callable[[MentionStore], Any]]


def shapes(queries: int, seed: int) -> tuple[list[Shape], list[dict[str, Any]]]:
    """The query shapes (and their parameters, reused by the baselines), the same for the same seed."""
    rng = random.Random(seed + 2)
    words = [rng.choice(ZH_QUERY_WORDS + EN_QUERY_WORDS) for _ in range(queries)]
    pairs = [f"{rng.choice(ZH_QUERY_WORDS)} {rng.choice(ZH_QUERY_WORDS)}" for _ in range(queries)]
    windows = []
    for _ in range(queries):
        since = BASE_TIME + timedelta(days=rng.randrange(SPAN_DAYS - 7))
        windows.append({"brand": rng.choice(BRANDS), "since": since, "until": since + timedelta(days=7)})
    brands = [rng.choice(BRANDS) for _ in range(queries)]
    month = {"since": BASE_TIME, "until": BASE_TIME + timedelta(days=SPAN_DAYS)}

    def search(flt: MentionFilter, sort: SortOrder = SortOrder.time) -> Callable[[MentionStore], Any]:
        return lambda store: store.search(SearchRequest(filter=flt, sort=sort, limit=20))

    out = [
        Shape("word search, newest first", [search(MentionFilter(text=w)) for w in words]),
        Shape(
            "brand + 7-day window",
            [search(MentionFilter(brands=[w["brand"]], since=w["since"], until=w["until"])) for w in windows],
        ),
        Shape("2 words, relevance order", [search(MentionFilter(text=p), SortOrder.relevance) for p in pairs]),
        Shape(
            "trend: brand, 30 days by day (Shanghai)",
            [
                (lambda store, b=b: store.trend(MentionFilter(brands=[b], **month), "day", "Asia/Shanghai"))
                for b in brands
            ],
        ),
        Shape(
            "label counts: brand + word",
            [
                (lambda store, b=b, w=w: store.label_counts(MentionFilter(brands=[b], text=w)))
                for b, w in zip(brands, words, strict=True)
            ],
        ),
    ]
    # The search language: a boolean query ranked by relevance, and a phrase within a window on one platform.
    booleans = [
        f"({rng.choice(ZH_QUERY_WORDS)} OR {rng.choice(EN_QUERY_WORDS)}) -{rng.choice(ZH_QUERY_WORDS)} sentiment:<0.4"
        for _ in range(queries)
    ]
    nears = [f'"{rng.choice(ZH_QUERY_WORDS)} {rng.choice(ZH_QUERY_WORDS)}"~5 platform:weibo' for _ in range(queries)]
    out += [
        Shape(
            "query: (a OR b) -c sentiment:<0.4, relevance",
            [search(MentionFilter(query=q), SortOrder.relevance) for q in booleans],
        ),
        Shape('query: "a b"~5 platform:weibo', [search(MentionFilter(query=q)) for q in nears]),
        Shape(
            "facets + top/rising words: brand, 7 days",
            [(lambda store, w=w: facets_with_words(store, w)) for w in windows],
        ),
    ]
    params = [{"word": w, **win} for w, win in zip(words, windows, strict=True)]
    return out, params


def facets_with_words(store: MentionStore, window: dict[str, Any]) -> Any:
    """What ``GET /mentions/facets`` does: counts and word samples of the period and the one before."""
    flt = MentionFilter(brands=[window["brand"]], since=window["since"], until=window["until"])
    length = window["until"] - window["since"]
    before = flt.model_copy(update={"since": window["since"] - length, "until": window["since"]})
    now, was = store.facets(flt, size=10, sample=2000), store.facets(before, size=0, sample=2000)
    return top_words(now.sample, now.total), rising_words(now.sample, now.total, was.sample, was.total)


def measure(calls: list[Callable[[], Any]]) -> tuple[float, float]:
    """p50 and p95 in milliseconds, after two warm-up calls."""
    for call in calls[:2]:
        call()
    samples = [timed(call) * 1000 for call in calls]
    return percentile(samples, 0.5), percentile(samples, 0.95)


def plain_table(mentions: list[Mention], folder: Path) -> sqlite3.Connection:
    """The same mentions in a table without any text index, for the LIKE-scan baseline."""
    conn = sqlite3.connect(folder / "plain.sqlite3")
    conn.execute("CREATE TABLE plain (id TEXT, title TEXT, text TEXT, published_at INTEGER)")
    conn.execute("CREATE INDEX ix_plain_published ON plain (published_at, id)")
    with conn:
        conn.executemany(
            "INSERT INTO plain VALUES (?, ?, ?, ?)",
            [(m.id, m.title, m.text, int(m.published_at.timestamp() * 1000)) for m in mentions],
        )
    return conn


def sqlite_baselines(path: Path, plain: sqlite3.Connection, params: list[dict[str, Any]]) -> dict[str, Any]:
    conn = sqlite3.connect(path)

    def fts(word: str) -> Callable[[], Any]:
        match = " ".join('"' + t.replace('"', '""') + '"' for t in query_terms(word))
        sql = (
            "SELECT m.id FROM mentions m JOIN mentions_fts ON mentions_fts.rowid = m.rowid "
            "AND mentions_fts MATCH ? ORDER BY m.published_at DESC, m.id DESC LIMIT 21"
        )
        return lambda: conn.execute(sql, (match,)).fetchall()

    def brand_window(p: dict[str, Any]) -> Callable[[], Any]:
        sql = (
            "SELECT m.id FROM mentions m WHERE EXISTS (SELECT 1 FROM mention_brands b WHERE b.mention_rowid = "
            "m.rowid AND b.brand = ?) AND m.published_at >= ? AND m.published_at < ? "
            "ORDER BY m.published_at DESC, m.id DESC LIMIT 21"
        )
        args = (p["brand"], int(p["since"].timestamp() * 1000), int(p["until"].timestamp() * 1000))
        return lambda: conn.execute(sql, args).fetchall()

    def like(word: str) -> Callable[[], Any]:
        sql = "SELECT id FROM plain WHERE text LIKE ? OR title LIKE ? ORDER BY published_at DESC, id DESC LIMIT 21"
        return lambda: plain.execute(sql, (f"%{word}%", f"%{word}%")).fetchall()

    return {
        "word": measure([fts(p["word"]) for p in params]),
        "brand": measure([brand_window(p) for p in params]),
        "like": measure([like(p["word"]) for p in params]),
    }


def elastic_baselines(store: ElasticMentionStore, params: list[dict[str, Any]]) -> dict[str, Any]:
    sort = [{"published_at": {"order": "desc"}}, {"id": {"order": "desc"}}]

    def raw(flt: MentionFilter) -> Callable[[], Any]:
        query = store._query(flt)
        return lambda: store.client.search(
            index=store.alias, query=query, sort=sort, size=21, source=False, track_total_hits=False
        )

    return {
        "word": measure([raw(MentionFilter(text=p["word"])) for p in params]),
        "brand": measure([raw(MentionFilter(brands=[p["brand"]], since=p["since"], until=p["until"])) for p in params]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # 50k keeps the default run under three minutes on two cores: loading (jieba segmentation in both
    # stores) is most of it. --count 100000 is the full-size run.
    parser.add_argument("--count", type=int, default=50_000, help="mentions to store (default 50000)")
    parser.add_argument("--queries", type=int, default=30, help="timed repetitions per query shape (default 30)")
    parser.add_argument("--batch", type=int, default=2000, help="mentions per upsert while loading")
    parser.add_argument("--seed", type=int, default=20240301)
    parser.add_argument("--no-es", action="store_true", help="SQLite only")
    args = parser.parse_args()
    if args.queries < 3:
        parser.error("--queries must be at least 3")

    started = time.perf_counter()
    print(
        f"{args.count:,} generated mentions (seed {args.seed}), {args.queries} timed queries per shape; "
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    query_shapes, params = shapes(args.queries, args.seed)
    rows: list[list[Any]] = []
    with tempfile.TemporaryDirectory(prefix="yuqing-bench-") as tmp:
        folder = Path(tmp)
        sqlite_path = folder / "mentions.sqlite3"
        seconds = multiprocessing.get_context("fork").Value("d", 0.0)
        child = multiprocessing.get_context("fork").Process(
            target=load_sqlite_child, args=(str(sqlite_path), args.count, args.seed, args.batch, seconds)
        )
        child.start()
        mentions = build_mentions(args.count, args.seed)
        with elastic_target(None if args.no_es else os.environ.get(ES_URL_ENV)) as target:
            es_store: ElasticMentionStore | None = None
            if target is not None and not args.no_es:
                es_store = target.open(bench_prefix())
                es_store.ensure_schema()
                index_fields(None, "预热")
                es_seconds = load(es_store, mentions, args.batch)
                print(f"loaded {target.label}: {es_seconds:.0f} s ({args.count / es_seconds:,.0f} mentions/s)")
            child.join()
            if child.exitcode != 0:
                raise SystemExit("loading SQLite failed (see the error above)")
            print(
                f"loaded SQLite: {seconds.value:.0f} s ({args.count / seconds.value:,.0f} mentions/s, "
                "in parallel with the line above)\n"
            )
            sqlite_store = SQLiteMentionStore.at(sqlite_path)
            plain = plain_table(mentions, folder)
            try:
                base = {"SQLite": sqlite_baselines(sqlite_path, plain, params)}
                stores: list[tuple[str, MentionStore]] = [("SQLite", sqlite_store)]
                if es_store is not None:
                    base["Elasticsearch"] = elastic_baselines(es_store, params)
                    stores.append(("Elasticsearch", es_store))
                for shape in query_shapes:
                    for name, store in stores:
                        p50, p95 = measure([lambda call=call, store=store: call(store) for call in shape.calls])
                        key = {"word search, newest first": "word", "brand + 7-day window": "brand"}.get(shape.name)
                        ratio = p50 / base[name][key][0] if key else None
                        rows.append([shape.name, name, p50, p95, ratio])
                for name, results in base.items():
                    rows.append(["baseline: same query, ids only (word)", name, *results["word"], None])
                    rows.append(["baseline: same query, ids only (brand)", name, *results["brand"], None])
                rows.append(["baseline: LIKE scan, no text index (word)", "sqlite3", *base["SQLite"]["like"], None])
            finally:
                plain.close()
                sqlite_store.close()
                if es_store is not None and target is not None:
                    target.cleanup(es_store)
                    es_store.close()
    print(table(["query", "backend", "p50 ms", "p95 ms", "p50 vs baseline"], rows))
    print(
        f"\n(total run {time.perf_counter() - started:.0f} s; 'vs baseline' = p50 / p50 of the same query sent "
        "directly, ids only)"
    )


if __name__ == "__main__":
    main()
