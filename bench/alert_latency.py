"""Alert latency: how long from a mention being stored to its ticket existing.

Two measurements in the same run, on the embedded stores (SQLite), over a burst of mentions:

- **floor**: the alert engine evaluated right after each write (what the evaluation and the ticket API cost);
- **worker**: the real worker loop (``yuqing run``) noticing new data by itself (it polls the index every
  ``NEW_DATA_POLL``) while a burst is written by another thread, as a crawl process would.

Each mention carries a crisis word, so each opens its own urgent ticket (the ``critical_words`` rule); one
negative-share incident over the same burst is reported too. Prints p50/p95/max per measurement and the ratio
of the worker to the floor.

    .venv/bin/python bench/alert_latency.py [--burst 40] [--spread 10]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.resources import Resources
from config.loader import parse_config
from config.settings import Settings
from index.base import Mention, mention_id
from sentiment.base import SentimentLabel
from tickets.schemas import TicketQuery
from yuqing.worker import NEW_DATA_POLL, Worker

CONFIG = """
brands:
  - {name: 鲜达外卖, keywords: [鲜达]}
alerts:
  evaluate_every: 10m
  rules:
    - {name: crisis, type: critical_words, brands: [鲜达外卖]}
    - {name: neg, type: negative_share, brands: [鲜达外卖], window: 1h, min_count: 10, threshold: 0.5}
"""


def mention(i: int, at: datetime, run: str) -> Mention:
    return Mention(
        id=mention_id("bench", f"{run}-{i}"),
        platform="bench",
        post_id=f"{run}-{i}",
        source="bench",
        text=f"鲜达外卖的饭吃完食物中毒了，第{i}位顾客",
        published_at=at,
        collected_at=at,
        updated_at=at,
        brands=["鲜达外卖"],
        sentiment_label=SentimentLabel.negative,
        sentiment_score=0.02,
        language="zh",
    )


def open_resources(folder: Path) -> Resources:
    settings = Settings(
        data_dir=folder,
        config=folder / "c.yaml",
        database_url=f"sqlite:///{folder / 'y.db'}",
        mention_store_url=f"sqlite:///{folder / 'm.db'}",
    )
    return Resources.open(settings, parse_config(CONFIG))


def ticket_times(resources: Resources) -> dict[str, datetime]:
    """When the ticket of each mention was created."""
    out: dict[str, datetime] = {}
    for ticket in resources.tickets.iterate(TicketQuery()):
        for m in ticket.mentions:
            out.setdefault(m.mention_id, ticket.created_at)
    return out


def floor(burst: int) -> list[float]:
    """Evaluate right after each write: the cost of evaluation and ticket creation alone."""
    with tempfile.TemporaryDirectory() as tmp:
        resources = open_resources(Path(tmp))
        worker = Worker(resources.settings, resources.config, resources)
        stored: dict[str, datetime] = {}

        async def go() -> None:
            for i in range(burst):
                now = datetime.now(UTC)
                m = mention(i, now, "floor")
                resources.mentions.upsert([m])
                stored[m.id] = datetime.now(UTC)
                await worker.engine.evaluate()
            await worker.aclose()

        asyncio.run(go())
        created = ticket_times(resources)
        resources.close()
    return [(created[i] - t).total_seconds() for i, t in stored.items() if i in created]


def with_worker(burst: int, spread: float) -> tuple[list[float], int]:
    """The worker loop running; a writer thread stores the burst over ``spread`` seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        resources = open_resources(Path(tmp))
        worker = Worker(resources.settings, resources.config, resources)
        stored: dict[str, datetime] = {}
        stop = asyncio.Event()

        def write(loop: asyncio.AbstractEventLoop) -> None:
            time.sleep(1.0)  # let the worker settle into its loop
            for i in range(burst):
                now = datetime.now(UTC)
                m = mention(i, now, "worker")
                resources.mentions.upsert([m])
                stored[m.id] = datetime.now(UTC)
                time.sleep(spread / burst)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and len(ticket_times(resources)) < burst:
                time.sleep(0.2)
            loop.call_soon_threadsafe(stop.set)

        async def go() -> None:
            writer = threading.Thread(target=write, args=(asyncio.get_running_loop(),))
            writer.start()
            await worker.run_forever(stop)
            await worker.aclose()
            writer.join()

        asyncio.run(go())
        created = ticket_times(resources)
        incidents = len([e for e in resources.alerts.events("neg") if e.kind == "fired"])
        resources.close()
    return [(created[i] - t).total_seconds() for i, t in stored.items() if i in created], incidents


def describe(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--burst", type=int, default=40, help="mentions in the burst")
    parser.add_argument("--spread", type=float, default=10.0, help="seconds over which the burst is written")
    args = parser.parse_args()
    print(
        f"burst of {args.burst} crisis mentions over {args.spread:g} s; worker polls the index every "
        f"{NEW_DATA_POLL.total_seconds():g} s; SQLite stores; python {sys.version.split()[0]}\n"
    )
    base = floor(args.burst)
    live, incidents = with_worker(args.burst, args.spread)
    rows = [("floor: evaluate right after the write", base), ("worker: yuqing run noticing new data", live)]
    print(f"{'measurement':<40} {'tickets':>7} {'p50 s':>8} {'p95 s':>8} {'max s':>8}")
    for name, values in rows:
        p50, p95, top = describe(values)
        print(f"{name:<40} {len(values):>7} {p50:>8.3f} {p95:>8.3f} {top:>8.3f}")
    f50, f95, _ = describe(base)
    w50, w95, _ = describe(live)
    print(
        f"\nworker / floor: p50 {w50 / f50:.1f}×, p95 {w95 / f95:.1f}× "
        f"(the difference is the poll interval: the target is seconds, not the evaluation period of "
        f"{timedelta(minutes=10)})"
    )
    print(f"negative-share incidents opened for the whole burst: {incidents} (one, however many mentions)")


if __name__ == "__main__":
    main()
