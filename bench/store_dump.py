"""Every table of the two stores ``ingest_stages.py`` builds, dumped sorted: to diff two checkouts' stores.

    PYTHONHASHSEED=0 .venv/bin/python bench/store_dump.py --n 5000 --out base.tsv   # in one checkout
    PYTHONHASHSEED=0 .venv/bin/python bench/store_dump.py --n 5000 --out new.tsv    # in the other
    cmp base.tsv new.tsv

The mentions are those of ``ingest_stages.py`` (same seed, batches), scored and classified as there, written
batch by batch into a store (the stages' store) and then written again with every tenth mention's text edited,
so the replace path (old counts taken out of the roll-ups) is dumped too. Every table of the schema is
dumped (``mentions``, the FTS content, ``mention_brands``, every ``rollup_*`` table), rows sorted.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _ingest import crawl_text
from ingest_stages import categorize, fresh_store, mentions
from scale import load_texts, raw_mentions

from sentiment import SentimentService
from tickets.classify import ModelClassifier


def dump(path: Path, out: Any) -> None:
    """Each table's name and its rows, sorted (FTS5's shadow tables but the content one are skipped: their
    bytes depend on segment merges, the content and the queries' answers do not)."""
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    for name in tables:
        if name.startswith("mentions_fts_") and name != "mentions_fts_content":
            continue
        rows = sorted(conn.execute(f"SELECT * FROM {name}").fetchall(), key=repr)
        out.write(f"## {name} {len(rows)}\n")
        for row in rows:
            out.write("\t".join(map(repr, row)) + "\n")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    raws = raw_mentions(args.n, load_texts(), args.seed)
    service = SentimentService.default()
    classifier = ModelClassifier()
    folder = Path(tempfile.mkdtemp(prefix="yqdump-"))
    store = fresh_store(folder, "stages.sqlite3")
    edited = [dict(r, text=r["text"] + " 又坏了") if i % 10 == 0 else r for i, r in enumerate(raws)]
    for version in (raws, edited):
        for start in range(0, len(version), args.batch):
            chunk = version[start : start + args.batch]
            texts = [crawl_text(r) for r in chunk]
            scored = service.analyze_batch(texts, ["zh"] * len(texts))
            store.upsert(mentions(chunk, scored, categorize(classifier, texts, scored)))
    store.close()
    with open(args.out, "w", encoding="utf-8") as out:
        dump(folder / "stages.sqlite3", out)
    for f in folder.glob("*"):
        f.unlink()
    folder.rmdir()


if __name__ == "__main__":
    main()
