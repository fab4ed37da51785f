"""``bench/scale.py --es N``: the same ingest and queries on the Elasticsearch store, beside raw requests.

Split from :mod:`scale` (one job per file): it reuses that script's mentions, ingest path and query shapes.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from _common import ES_URL_ENV, bench_prefix, elastic_target, percentile, table
from scale import BRANDS, END, WORDS, ingest, measure, ms

from index.base import MentionFilter, SearchRequest
from index.words import excluded_words, period_words


def elastic_figures(raws: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """The same ingest and queries on the Elasticsearch store, beside raw requests to the same server.

    Against osmem-server (in memory, on the same two cores) only the ratios mean anything.
    """
    from elasticsearch import helpers

    from index.text import index_fields

    with elastic_target(os.environ.get(ES_URL_ENV)) as target:
        if target is None:
            return
        store = target.open(bench_prefix())
        floor_store = target.open(bench_prefix())
        try:
            store.ensure_schema()
            floor_store.ensure_schema()
            rate = ingest(store, raws, args.batch)
            store.refresh()
            client = store.client
            start = time.perf_counter()
            for b in range(0, len(raws), args.batch):
                docs = [
                    {
                        "_index": floor_store.alias,
                        "_id": f"{r['platform']}-{r['post_id']}",
                        "_source": {**index_fields(r["title"], r["text"]), "brands": r["brands"]},
                    }
                    for r in raws[b : b + args.batch]
                ]
                helpers.bulk(client, docs, refresh=False)
            floor = len(raws) / (time.perf_counter() - start)
            print(f"\n== Elasticsearch: {target.label}, {len(raws):,} mentions")
            print(
                table(
                    ["ingest", "rate", "ratio"],
                    [
                        ["store: scored, classified, stored", rate, "-"],
                        ["floor: jieba-rs + raw bulk", floor, rate / floor],
                    ],
                )
            )
            rng = random.Random(args.seed)
            exclude = excluded_words(BRANDS)
            week = {"gte": ms(END - timedelta(days=7)), "lt": ms(END)}
            month = (END - timedelta(days=30), END)

            def raw(**body: Any) -> Any:
                return client.search(index=store.alias, **body)

            def word() -> tuple[Callable[[], Any], Callable[[], Any]]:
                w = rng.choice(WORDS)
                flt = MentionFilter(query=w)
                return lambda: store.search(SearchRequest(filter=flt)), lambda: raw(
                    query={"match_phrase": {"text_seg": w}},
                    sort=[{"published_at": "desc"}, {"id": "desc"}],
                    size=21,
                    track_total_hits=10_000,
                )

            def brand() -> tuple[Callable[[], Any], Callable[[], Any]]:
                b = rng.choice(BRANDS)
                flt = MentionFilter(brands=[b], since=END - timedelta(days=7), until=END)
                query = {"bool": {"filter": [{"term": {"brands": b}}, {"range": {"published_at": week}}]}}
                return lambda: store.search(SearchRequest(filter=flt)), lambda: raw(
                    query=query, sort=[{"published_at": "desc"}, {"id": "desc"}], size=21, track_total_hits=True
                )

            def facets() -> tuple[Callable[[], Any], Callable[[], Any]]:
                flt = MentionFilter(since=month[0], until=month[1])
                prev = MentionFilter(since=month[0] - timedelta(days=30), until=month[0])
                terms = {f: {"terms": {"field": f}} for f in ("platform", "brands", "sentiment_label", "words")}
                query = {"range": {"published_at": {"gte": ms(month[0]), "lt": ms(month[1])}}}
                return lambda: (store.facets(flt), period_words(store, flt, prev, exclude, 20, 2000)), lambda: raw(
                    query=query, size=0, aggs=terms
                )

            def trend() -> tuple[Callable[[], Any], Callable[[], Any]]:
                b = rng.choice(BRANDS)
                flt = MentionFilter(brands=[b], since=month[0], until=month[1])
                histogram = {"field": "published_at", "calendar_interval": "1d", "time_zone": "Asia/Shanghai"}
                query = {"bool": {"filter": [{"term": {"brands": b}}]}}
                return lambda: store.trend(flt, "day", "Asia/Shanghai"), lambda: raw(
                    query=query, size=0, aggs={"t": {"date_histogram": histogram}}
                )

            rows = []
            for name, make in (
                ("word search", word),
                ("one brand, 7 days", brand),
                ("facets + words, 30 days", facets),
                ("30-day trend", trend),
            ):
                mine, theirs = measure([make() for _ in range(args.repeat)])
                rows.append(
                    [
                        name,
                        percentile(mine, 0.5) / percentile(theirs, 0.5),
                        percentile(mine, 0.95) / percentile(theirs, 0.95),
                    ]
                )
            print(table(["query", "p50 ratio", "p95 ratio"], rows))
        finally:
            target.cleanup(store)
            target.cleanup(floor_store)
