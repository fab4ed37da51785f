"""The competitor view (``GET /stats/brands``) over real reviews: are its counts the corpus's counts, and what
does it cost next to the plainest count the store answers?

Data: the held-out slice of ``online_shopping_10_cats`` in ../shared/data/sentiment (4,000 labelled reviews of
ten product categories), read in place; each category stands for a brand, each review's label for its sentiment,
spread over 30 days on four platforms, half of them with a reach. The figures printed per brand (mentions,
negatives, share of voice, negative share) are checked against counts taken straight from the CSV. Timing: the
median of ``--runs`` calls of the whole view over HTTP (ASGI, in process) against the median of one
``MentionStore.label_counts`` over every brand (the floor), on the embedded SQLite store.

    .venv/bin/python bench/brands_view.py
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient

from api.app import create_app
from api.resources import Resources
from config.loader import parse_config
from config.settings import Settings
from index.base import Mention, MentionFilter, MentionStore, mention_id
from sentiment.base import SentimentLabel

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "sentiment" / "online_shopping_10_cats_test.csv"
START = datetime(2026, 11, 1, tzinfo=UTC)
PLATFORMS = ("weibo", "tieba", "app_store", "heimao")
KEY = "bench-key-0123456789abcdef"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if not CORPUS.is_file():
        sys.exit(f"corpus not found: {CORPUS}")
    with CORPUS.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["text"].strip()]
    brands = sorted({r["cat"] for r in rows})
    yaml = "brands:\n" + "".join(f"  - {{name: {b}, keywords: [{b}]}}\n" for b in brands)
    mentions = []
    for i, r in enumerate(rows):
        platform = PLATFORMS[i % len(PLATFORMS)]
        published = START + timedelta(minutes=(i * 10_799) % (30 * 24 * 60))
        negative = r["label"] == "0"
        mentions.append(
            Mention(
                id=mention_id(platform, f"r{i}"),
                platform=platform,
                post_id=f"r{i}",
                source=f"{platform}-search",
                author=f"user{i % 97}",
                text=r["text"],
                published_at=published,
                collected_at=published,
                updated_at=published,
                brands=[r["cat"]],
                sentiment_label=SentimentLabel.negative if negative else SentimentLabel.positive,
                sentiment_score=0.1 if negative else 0.9,
                reach=float(i % 100) if i % 2 else None,
            )
        )
    truth = Counter(r["cat"] for r in rows)
    truth_negative = Counter(r["cat"] for r in rows if r["label"] == "0")
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), config=Path(folder) / "c.yaml", api_keys=[KEY])  # type: ignore[list-item]
        resources = Resources.open(settings, parse_config(yaml))
        try:
            began = time.perf_counter()
            for chunk in range(0, len(mentions), 500):
                resources.mentions.upsert(mentions[chunk : chunk + 500])
            resources.mentions.refresh()
            print(
                f"stored {len(mentions)} real reviews of {len(brands)} categories "
                f"in {time.perf_counter() - began:.1f} s"
            )
            span = {"since": START.isoformat(), "until": (START + timedelta(days=30)).isoformat(), "interval": "day"}
            with TestClient(create_app(resources)) as client:
                view = client.get("/api/v1/stats/brands", params=span, headers={"X-API-Key": KEY}).json()
                total = sum(truth.values())
                print(
                    f"{'brand':8} {'mentions':>8} {'csv':>5} {'negative':>8} {'csv':>5} {'share':>7} {'neg.share':>9}"
                )
                wrong = 0
                for row in view["brands"]:
                    b = row["brand"]
                    ok = row["mentions"] == truth[b] and row["negative"] == truth_negative[b]
                    wrong += not ok
                    print(
                        f"{b:8} {row['mentions']:>8} {truth[b]:>5} {row['negative']:>8} {truth_negative[b]:>5} "
                        f"{row['share']:>7.2%} {row['negative_share']:>9.2%}" + ("" if ok else "  MISMATCH")
                    )
                print(f"total {view['total']} (csv {total}); brands whose counts differ from the CSV: {wrong}")
                print(f"daily buckets per brand: {len(view['series'][0]['buckets'])}; top source: {view['sources'][0]}")
                top = resources.mentions.reach_groups(
                    MentionFilter(brands=brands, since=START, until=START + timedelta(days=30))
                )
                exact = top == MentionStore.reach_groups(
                    resources.mentions, MentionFilter(brands=brands, since=START, until=START + timedelta(days=30))
                )
                print(f"top sources and authors equal to counting every mention one by one: {exact}")
                view_times, floor_times = [], []
                for _ in range(args.runs):
                    t0 = time.perf_counter()
                    client.get("/api/v1/stats/brands", params=span, headers={"X-API-Key": KEY}).raise_for_status()
                    view_times.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    resources.mentions.label_counts(MentionFilter(since=START, until=START + timedelta(days=30)))
                    floor_times.append(time.perf_counter() - t0)
            view_ms, floor_ms = statistics.median(view_times) * 1000, statistics.median(floor_times) * 1000
            print(
                f"/stats/brands median {view_ms:.1f} ms; floor (one label_counts over every brand) {floor_ms:.2f} ms; "
                f"ratio {view_ms / floor_ms:.0f}x ({len(brands)} brands: label counts, reach sum and a trend each, "
                "plus one grouped query for the top sources and authors by reach)"
            )
        finally:
            resources.close()


if __name__ == "__main__":
    main()
