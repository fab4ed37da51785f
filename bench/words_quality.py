"""How close the long-range word estimates (each day's top words, sampled edges: index.sqlite_words) come to
the exact counts, on a store built by ``bench/scale.py --keep DIR`` (for example DIR/mentions-300000.sqlite3).

For 30-day periods ending at random times (all brands and each brand), it lists the top 20 and rising 20 words
both ways, exactly (every ``rollup_words`` row of the range and every mention at its edges) and estimated,
and prints how many of the exact lists' words the estimated lists hold, how many top-20 counts are exact, the
largest relative count error among them, and both ways' times.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import percentile, table
from scale import BRANDS, END

from index.base import MentionFilter
from index.sqlite import SQLiteMentionStore
from index.sqlite_lean import LeanReader
from index.sqlite_rollups import RollupReader
from index.sqlite_words import range_words
from index.words import excluded_words, rising_counted, top_counted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("db", type=Path, help="a store file built by bench/scale.py --keep")
    parser.add_argument("--periods", type=int, default=12, help="random 30-day periods")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    store = SQLiteMentionStore.at(args.db)
    store.ensure_schema()
    exclude = excluded_words(BRANDS)
    rng = random.Random(args.seed)
    rows = []
    exact_ms: list[float] = []
    estimate_ms: list[float] = []
    with store.engine.connect() as conn:
        for i in range(args.periods):
            brands = [] if i % 2 == 0 else [rng.choice(BRANDS)]
            until = END - timedelta(days=rng.randrange(0, 60), minutes=rng.randrange(1, 1440))
            now = MentionFilter(brands=brands, since=until - timedelta(days=30), until=until)
            before = now.model_copy(update={"since": until - timedelta(days=60), "until": until - timedelta(days=30)})
            start = time.perf_counter()
            exact = [RollupReader(conn, f).words(budget=1 << 40) for f in (now, before)]
            exact_ms.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            guess = [range_words(conn, f, LeanReader(conn, f).total()) for f in (now, before)]
            estimate_ms.append((time.perf_counter() - start) * 1000)
            assert exact[0] is not None and exact[1] is not None
            top = top_counted(exact[0][1], exclude)
            top_guess = top_counted(guess[0].counts, exclude)
            rising = rising_counted(exact[0][1], exact[1][1], exclude)
            rising_guess = rising_counted(guess[0].counts, guess[1].counts, exclude)
            counts = {w.word: w.count for w in top_guess}
            same = sum(counts.get(w.word) == w.count for w in top)
            worst = max(abs(counts.get(w.word, 0) - w.count) / w.count for w in top)
            rows.append(
                [
                    "all" if not brands else brands[0],
                    until.strftime("%m-%d %H:%M"),
                    guess[0].exact,
                    len({w.word for w in top} & set(counts)),
                    same,
                    f"{worst:.1%}",
                    len({w.word for w in rising} & {w.word for w in rising_guess}),
                ]
            )
    print(table(["brand", "period end", "exact", "top 20 kept", "top counts equal", "worst", "rising kept"], rows))
    print(
        f"time per pair of periods, p50: exact {percentile(exact_ms, 0.5):.0f} ms, "
        f"estimated {percentile(estimate_ms, 0.5):.0f} ms"
    )
    store.close()


if __name__ == "__main__":
    main()
