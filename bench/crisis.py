"""Crisis load: 200 sources whose posting rate jumps 100x, crawled through the Redis queue by 1, 2 and 4 workers.

Everything runs on this machine: a loopback site serving one RSS feed per source (each answer after a simulated
200 ms), redis-server, osmem-server (the Elasticsearch stand-in, through a small header-rewriting proxy because
the production client's versioned media types are refused by osmem) and the PostgreSQL at 127.0.0.1:5432. For
each worker count: a fresh schema, index and Redis; N ``yuqing worker`` processes (each with its warm crawl
child, as in production) and, once every worker is ready, the clock and one ``yuqing scheduler``; posting at
the base rate, then the burst, then posting stops and the workers get ``--drain`` seconds to catch up. One post
in 20 carries a crisis word, so the ``critical_words`` rule opens one ticket for it. A feed's first page carries
its newest ``--window`` posts and links the older ones (``?paged=2`` …), as real feeds do; a crawl pages back to
what it saw last time (at most ``--max-pages``). With ``--newest-only`` there are no older pages, and a source
not crawled again before ``--window`` new posts arrived loses the older ones. Mentions stored per second are
counted over the burst (the same window for every run), beside the rate the sources offer then.

Why the defaults: the issue fixes 200 sources, a ×100 burst and 200 ms per page, and asks whether 4 workers
store 3.5× what 1 stores because the work is I/O bound. That needs a load one worker cannot keep up with and
that is bound by page latency, not by this 2-core machine's processor. So each worker runs one crawl at a time
(``--crawls 1``; the product's default is 4 lanes) and a feed page carries 2 posts (``--window 2``), so that one
worker can take at most about 2 posts / 0.2 s = 10 posts/s even with no processing at all, well under the 33
posts/s the burst offers (200 × 6/h × 100), while 4 workers could take about 40/s. With the WordPress default of
10 posts a page one worker could take up to 50/s: the burst would then have to offer more than 175/s for the
ratio to show, and the processor (scoring, indexing every post) would be the limit long before page latency.
``--max-pages 1000``: a saturated worker's backlog per source runs past the product's page cap; capped crawls
would lose posts for a reason that is not the worker's capacity. Printed beside stored/s: the offered rate, so
a run whose workers kept up (stored ≈ offered) is told from one whose workers were the bottleneck.

Printed per worker count: mentions stored per second (and the ratio to 1 worker, the floor of this run), the
rate offered in the burst, stored→ticket latency p50/p95 (ticket created − mention stored), crawls finished per
second during the burst (the I/O-bound work that more workers multiply) and its ratio to 1 worker, feed pages
fetched, published→stored latency p50/p95 of the burst's posts, queue depth over time, posts lost (published
but not stored after the drain), duplicate mentions (same post stored twice), duplicate tickets (two tickets for
one mention), processor time by process role during the burst and the load average. ``--kill`` SIGKILLs one
worker in the middle of the burst; ``--replace-after S`` then starts a new worker S seconds later, as compose's
restart policy does (without it the run goes on with one worker fewer, which on 2 cores is short of capacity).

    .venv/bin/python bench/crisis.py                       # short: 1/2/4 workers, ~4 min each
    .venv/bin/python bench/crisis.py --workers 1,2,4 --burst 180 --drain 120   # the measured table (README)
    .venv/bin/python bench/crisis.py --workers 4 --kill --burst 120 --drain 120
    .venv/bin/python bench/crisis.py --workers 4 --kill --replace-after 15 --burst 600 --drain 300
    .venv/bin/python bench/crisis.py --workers 1,4 --burst 600 --drain 300 --crawls 4 --window 10  # product lanes
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import _cpu  # noqa: E402
from _common import percentile, table  # noqa: E402
from _crisis_site import CRISIS_EVERY, CrisisSite, Schedule  # noqa: E402
from _osmem_proxy import start_proxy  # noqa: E402
from redis import Redis  # noqa: E402
from sqlalchemy import select  # noqa: E402

from api.resources import Resources  # noqa: E402
from config.settings import load_settings  # noqa: E402
from foundation.db import Database  # noqa: E402
from foundation.timeutil import utcnow  # noqa: E402
from index.base import MentionFilter, SearchRequest  # noqa: E402
from tests.redis_server import redis_server  # noqa: E402
from tickets.models import Ticket  # noqa: E402
from yuqing.queue import health, keys, moments  # noqa: E402
from yuqing.queue.crawl_child import PROFILE_ENV  # noqa: E402

PG_URL = os.environ.get("YUQING_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


# -- one run ------------------------------------------------------------------------------------------------
@dataclass
class RunResult:
    workers: int
    published: int = 0
    stored: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    depth: list[tuple[float, int]] = field(default_factory=list)
    lost: int = 0
    duplicate_mentions: int = 0
    duplicate_tickets: int = 0
    tickets: int = 0
    crawls: int = 0
    retried: int = 0
    killed: bool = False
    drained: bool = False
    burst_crawls_per_s: float = 0.0
    fresh: list[float] = field(default_factory=list)  # published→stored seconds of the burst's posts
    load: list[float] = field(default_factory=list)  # 1-minute load average, sampled
    burst_stored: int = 0  # mentions stored during the burst (the same window for every run)
    burst_seconds: float = 0.0
    burst_latencies: list[float] = field(default_factory=list)  # stored→ticket of mentions stored in the burst
    crisis_stored: int = 0  # stored posts with a crisis word: each should have its ticket
    missed_tickets: int = 0  # of those, how many have none
    evaluations: list[float] = field(default_factory=list)  # seconds each evaluation of the rule took
    phases: dict[str, list[float]] = field(default_factory=dict)  # read / act / refresh seconds of each
    #: (moment, started, ended) of each evaluation of the rule, to split stored→ticket into its waits
    evaluation_spans: list[tuple[float, float, float]] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # processor seconds per second of the burst, by role
    #: stored→ticket of the burst's tickets split: until a moment covers the mention, until an evaluation of
    #: that moment starts, and from its start to the ticket
    split: dict[str, list[float]] = field(default_factory=dict)


def stream(redis: Redis, key: str) -> list[dict[bytes, bytes]]:
    """The entries of one of the queue's log streams (their fields)."""
    return [fields for _, fields in cast(list[tuple[bytes, dict[bytes, bytes]]], redis.xrange(key))]


def write_config(path: Path, site: CrisisSite, sources: list[str], interval: int, max_pages: int) -> None:
    lines = [
        "version: 1",
        "brands: [{name: 鲜达外卖, keywords: [鲜达]}]",
        "crawl: {download_delay: 0, autothrottle: false, retry_times: 1, timeout_seconds: 60, "
        f"max_pages: {max_pages}}}",
        "scheduler: {crawl_timeout: 5m}",
        "alerts:",
        "  evaluate_every: 1m",
        "  rules:",
        "    - {name: crisis, type: critical_words}",
        "sources:",
    ]
    for s in sources:
        lines.append(f"  - {{name: {s}, type: feed, urls: ['{site.url}/feed/{s}.xml'], interval: {interval}s}}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_once(args: argparse.Namespace, n: int, site: CrisisSite, redis_url: str, es_url: str, tmp: Path) -> RunResult:
    import psycopg

    result = RunResult(n, killed=args.kill and n > 1)
    schema = f"yq_crisis_{secrets.token_hex(4)}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    db_url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    sources = [f"src{i:03d}" for i in range(args.sources)]
    run_dir = tmp / f"run-{n}"
    run_dir.mkdir()
    config = run_dir / "yuqing.yaml"
    write_config(config, site, sources, args.interval, args.max_pages)
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    env |= {
        "YUQING_CONFIG": str(config),
        "YUQING_DATA_DIR": str(run_dir),
        "YUQING_MENTION_STORE_URL": es_url,
        "YUQING_ES_INDEX_PREFIX": f"yqcrisis-{secrets.token_hex(3)}",
        "YUQING_DATABASE_URL": db_url,
        "YUQING_REDIS_URL": redis_url,
        "YUQING_LOG_LEVEL": "WARNING",
    }
    if args.profile:  # each crawl child writes <dir>/crawl-<n>.<pid>.prof when it stops
        args.profile.mkdir(parents=True, exist_ok=True)
        env[PROFILE_ENV] = str(args.profile.resolve() / f"crawl-{n}")
    os.environ.update(env)
    redis = Redis.from_url(redis_url)
    redis.flushall()
    resources = Resources.open(load_settings())  # create the index and the schema once, before the workers
    procs: list[subprocess.Popen[bytes]] = []
    try:
        yq = [sys.executable, "-m", "yuqing"]
        log = (run_dir / "processes.log").open("wb")
        worker_args = ["--lease-seconds", "10", "--crawls", str(args.crawls)]
        for i in range(n):
            procs.append(
                subprocess.Popen(
                    [*yq, "worker", "--name", f"w{i}", *worker_args],
                    env=env,
                    stdout=log,
                    stderr=log,
                )
            )
        # A worker beats once its crawl child is warm: the clock starts when all of them are ready.
        while not all(redis.exists(keys.worker_key(f"w{i}")) for i in range(n)):
            if any(p.poll() is not None for p in procs):
                raise SystemExit(f"a worker exited at start; see {run_dir / 'processes.log'}")
            time.sleep(0.5)
        procs.insert(0, subprocess.Popen([*yq, "scheduler", "--poll-seconds", "1"], env=env, stdout=log, stderr=log))
        while health.read(redis) is None:  # and the scheduler reports (its first crawls find nothing posted)
            if procs[0].poll() is not None:
                raise SystemExit(f"the scheduler exited at start; see {run_dir / 'processes.log'}")
            time.sleep(0.5)
        start = time.time()
        site.reset(
            Schedule(
                args.base_per_hour / 3600, args.factor, args.warmup, args.warmup + args.burst, args.warmup + args.burst
            )
        )
        stop_posting = start + args.warmup + args.burst
        deadline = stop_posting + args.drain
        killed = not result.killed
        killed_at = 0.0
        result.drained = False
        cpu_at: list[tuple[float, dict[int, tuple[str, float]]]] = []
        while time.time() < deadline:
            time.sleep(2)
            now = time.time()
            if len(cpu_at) < 2 and now >= start + args.warmup + args.burst * len(cpu_at):
                cpu_at.append((now, _cpu.sample()))  # at the burst's start and end
            measured = health.measure(redis)
            result.depth.append((now - start, measured.depth))
            result.load.append(os.getloadavg()[0])
            busy = any(w.name == "w0" and "crawl" in (w.current or "") for w in measured.workers)
            if not killed and now >= start + args.warmup + args.burst / 2 and busy:
                procs[1].send_signal(signal.SIGKILL)  # worker w0, mid-burst, in the middle of a crawl
                killed = True
                killed_at = now
                print(f"  killed w0 at {now - start:.0f}s while it crawled", flush=True)
            if killed_at and args.replace_after is not None and now >= killed_at + args.replace_after:
                # What compose's ``restart: unless-stopped`` does: a new worker (a new name, as the default
                # host.pid.random gives) takes w0's place; w0's leased job is still retried by the reaper.
                procs.append(
                    subprocess.Popen([*yq, "worker", "--name", "w0b", *worker_args], env=env, stdout=log, stderr=log)
                )
                killed_at = 0.0
                print(f"  started w0b in its place at {now - start:.0f}s", flush=True)
            if now > stop_posting + args.interval:
                latest = resources.sources.latest(sources)
                after = [r for r in latest.values() if r.started_at.timestamp() > stop_posting]
                if len(after) == len(sources):
                    result.drained = True  # every source crawled again after posting stopped
                    break
        # The last evaluation: ask for one now and wait for it, so a post without a ticket is a miss, not a lag.
        last = utcnow()
        moments.advance(redis, last)
        waited = time.time() + 120
        while float(redis.get(keys.rule_done("crisis")) or 0) < last.timestamp() and time.time() < waited:
            time.sleep(0.5)
        if len(cpu_at) == 2:
            seconds = cpu_at[1][0] - cpu_at[0][0]
            result.cpu = {k: v / seconds for k, v in _cpu.used(cpu_at[0][1], cpu_at[1][1]).items()}
        result.published = len(site.published(sources))
        result.retried = int(redis.get(keys.RETRIED) or 0)
        result.crawls = site.requests
        burst = (start + args.warmup, start + args.warmup + args.burst)
        result.burst_seconds = args.burst
        crisis_log = [f for f in stream(redis, keys.EVAL_LOG) if f[b"rule"] == b"crisis" and b"ended" in f]
        result.evaluations = [float(f[b"ended"]) - float(f[b"started"]) for f in crisis_log]
        result.evaluation_spans = sorted(
            (float(f[b"moment"]), float(f[b"started"]), float(f[b"ended"])) for f in crisis_log
        )
        for part in ("read", "act", "refresh"):
            result.phases[part] = sorted(float(f.get(part.encode(), b"0")) for f in crisis_log)
        ends = [float(f[b"at"]) for f in stream(redis, keys.CRAWL_LOG) if f[b"event"] == b"end"]
        result.burst_crawls_per_s = sum(burst[0] <= t < burst[1] for t in ends) / args.burst
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
    # -- what got stored, and the tickets -------------------------------------------------------------------
    store = resources.mentions
    store.refresh()
    stored_at: dict[str, datetime] = {}
    stored_by_url: dict[str, float] = {}
    urls: Counter[str] = Counter()
    url_of: dict[str, str] = {}
    cursor = None
    while True:
        page = store.search(SearchRequest(filter=MentionFilter(), limit=100, cursor=cursor, highlight=False))
        for hit in page.hits:
            m = hit.mention
            urls[m.url or m.id] += 1
            stored_at[m.id] = max(m.collected_at, m.updated_at)
            stored_by_url[m.url or m.id] = m.collected_at.timestamp()
            url_of[m.id] = m.url or m.id
        cursor = page.next_cursor
        if not cursor or not page.hits:
            break
    result.stored = len(stored_at)
    for url in urls:  # published→stored of the posts published during the burst
        k = url.rsplit("/", 1)[-1]
        published = site.started + site.schedule.time_of(int(k))
        when = stored_by_url.get(url)
        if when is not None and args.warmup <= published - site.started < args.warmup + args.burst:
            result.fresh.append(when - published)
    result.burst_stored = sum(burst[0] <= t.timestamp() < burst[1] for t in stored_at.values())
    crisis = {i for i, u in url_of.items() if int(u.rsplit("/", 1)[-1]) % CRISIS_EVERY == 0}
    result.crisis_stored = len(crisis)
    result.duplicate_mentions = sum(c - 1 for c in urls.values())
    result.lost = len(site.published(sources) - set(urls))
    if stored_at:
        first = min(stored_at.values())
        last = max(stored_at.values())
        result.seconds = max(1.0, (last - first).total_seconds())
    db = Database(db_url)
    with db.session() as s:
        rows = s.execute(select(Ticket.alert_key, Ticket.created_at).where(Ticket.alert_rule == "crisis")).all()
    db.close()
    per_key = Counter(k for k, _ in rows)
    result.tickets = len(per_key)
    result.duplicate_tickets = sum(c - 1 for c in per_key.values())
    result.missed_tickets = len(crisis - set(per_key))
    pairs = [(stored_at[key], created) for key, created in rows if key in stored_at and created]
    result.latencies = [(created - stored).total_seconds() for stored, created in pairs]
    result.split = split_latencies(
        [(st.timestamp(), c.timestamp()) for st, c in pairs if burst[0] <= st.timestamp() < burst[1]],
        result.evaluation_spans,
    )
    result.burst_latencies = [
        (created - stored).total_seconds() for stored, created in pairs if burst[0] <= stored.timestamp() < burst[1]
    ]
    resources.close()
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    return result


def split_latencies(
    pairs: list[tuple[float, float]], spans: list[tuple[float, float, float]]
) -> dict[str, list[float]]:
    """Each (stored, ticket created) split in three: until the first moment at or after the mention is published
    (``to moment``), from then until the evaluation that opened the ticket started (``to evaluation``: waiting for
    the evaluator, or for an evaluation that saw the mention), and inside that evaluation (``in evaluation``)."""
    out: dict[str, list[float]] = {"to moment": [], "to evaluation": [], "in evaluation": []}
    moments = sorted(sp[0] for sp in spans)
    for stored, created in pairs:
        first = next((m for m in moments if m >= stored), None)
        opened = next((sp for sp in spans if sp[1] <= created <= sp[2] + 0.5), None)
        if first is None or opened is None:
            continue
        out["to moment"].append(first - stored)
        out["to evaluation"].append(max(0.0, opened[1] - first))
        out["in evaluation"].append(created - opened[1])
    return {k: sorted(v) for k, v in out.items()}


def _print_parts(rows: list[tuple[int, dict[str, list[float]]]]) -> None:
    """One line per run: each named part's p50/p95 seconds (parts with no samples left out)."""
    for workers, parts in rows:
        shown = "  ".join(
            f"{name} {percentile(v, 0.5):.2f}/{percentile(v, 0.95):.2f}" for name, v in parts.items() if v
        )
        print(f"  {workers} worker(s): {shown}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--workers", default="1,2,4", help="worker counts to run, comma-separated")
    parser.add_argument("--delay", type=float, default=0.2, help="seconds before the site answers a page")
    parser.add_argument("--base-per-hour", type=float, default=6.0, help="posts per source per hour before the burst")
    parser.add_argument("--factor", type=float, default=100.0, help="the burst multiplies the posting rate by this")
    parser.add_argument("--warmup", type=float, default=20.0, help="seconds at the base rate first")
    parser.add_argument("--burst", type=float, default=60.0, help="seconds of the burst (the issue: 600)")
    parser.add_argument("--drain", type=float, default=120.0, help="seconds allowed to catch up after posting stops")
    parser.add_argument(
        "--window", type=int, default=2, help="posts a feed page carries, the newest (WordPress's default: 10)"
    )
    parser.add_argument(
        "--max-pages", type=int, default=1000, help="feed pages a crawl may follow back (crawl.max_pages)"
    )
    parser.add_argument(
        "--newest-only", action="store_true", help="feeds serve their newest --window posts only, no older pages"
    )
    parser.add_argument(
        "--crawls", type=int, default=1, help="crawl jobs each worker runs at once (the product's default: 4)"
    )
    parser.add_argument("--interval", type=int, default=30, help="each source's crawl interval, seconds")
    parser.add_argument("--workdir", type=Path, help="keep configs and logs here (default: a temporary folder)")
    parser.add_argument("--profile", type=Path, help="crawl children write cProfile stats here (slower)")
    parser.add_argument("--kill", action="store_true", help="SIGKILL one worker mid-burst (runs with 2+ workers)")
    parser.add_argument(
        "--replace-after",
        type=float,
        help="with --kill: start a new worker this many seconds after the kill, as a restart policy would",
    )
    args = parser.parse_args()
    counts = [int(x) for x in args.workers.split(",")]
    from osmem_server import OsmemServer

    results = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if args.workdir:
            tmp = args.workdir
            tmp.mkdir(parents=True, exist_ok=True)
        server = OsmemServer.start(addr="127.0.0.1:0", japanese=False)
        proxy = start_proxy(server.url)
        site = CrisisSite(args.delay, args.window, pages=not args.newest_only)
        try:
            with redis_server(tmp / "redis") as redis_url:
                es_url = f"http://127.0.0.1:{proxy.server_address[1]}"
                for n in counts:
                    what = f"{args.sources} sources, burst {args.factor:g}x for {args.burst:g}s"
                    print(f"… {n} worker(s): {what}", flush=True)
                    results.append(run_once(args, n, site, redis_url, es_url, tmp))
        finally:
            proxy.shutdown()
            server.close()

    def burst_rate(r: RunResult) -> float:
        return r.burst_stored / r.burst_seconds if r.burst_seconds else 0.0

    offered = args.sources * args.base_per_hour / 3600 * args.factor  # posts per second during the burst
    floor = burst_rate(results[0]) if results else 0.0
    crawl_floor = results[0].burst_crawls_per_s if results else 0.0
    rows = []
    for r in results:
        rate = burst_rate(r)
        lat = sorted(r.latencies)
        blat = sorted(r.burst_latencies)
        depth = [d for _, d in r.depth]
        fresh = sorted(r.fresh)
        evals = sorted(r.evaluations)
        rows.append(
            [
                f"{r.workers} worker(s)" + (" (1 killed)" if r.killed else ""),
                f"{offered:.1f}",
                f"{rate:.1f}",
                f"{rate / floor:.2f}x" if floor else "-",
                f"{percentile(blat, 0.5):.1f}/{percentile(blat, 0.95):.1f}" if blat else "-",
                f"{percentile(lat, 0.5):.1f}/{percentile(lat, 0.95):.1f}" if lat else "-",
                f"{len(evals)}: {percentile(evals, 0.5):.2f}/{percentile(evals, 0.95):.2f}" if evals else "-",
                f"{r.burst_crawls_per_s:.1f}",
                f"{r.burst_crawls_per_s / crawl_floor:.2f}x" if crawl_floor else "-",
                f"{percentile(fresh, 0.5):.0f}/{percentile(fresh, 0.95):.0f}" if fresh else "-",
                f"{max(depth, default=0)}/{depth[-1] if depth else 0}",
                r.crawls,
                r.published,
                r.stored,
                r.lost,
                r.duplicate_mentions,
                f"{r.tickets}/{r.crisis_stored}",
                r.missed_tickets,
                r.duplicate_tickets,
                r.retried,
                "yes" if r.drained else "no",
                f"{sum(r.load) / len(r.load):.1f}" if r.load else "-",
            ]
        )
    print()
    print(
        table(
            [
                "run",
                "offered/s in burst",
                "stored/s in burst",
                "vs 1",
                "s→t p50/p95 burst",
                "s→t p50/p95 all",
                "evaluations: p50/p95 s",
                "crawls/s burst",
                "vs 1",
                "pub→stored p50/p95",
                "depth max/end",
                "pages",
                "published",
                "stored",
                "lost",
                "dup mentions",
                "tickets/crisis posts",
                "no ticket",
                "dup tickets",
                "retried",
                "drained",
                "load avg",
            ],
            rows,
        )
    )
    print("\nwhere an evaluation's time goes (p50/p95 s): index refresh, rule's reads, acting (state, tickets):")
    _print_parts([(r.workers, r.phases) for r in results])
    print("\nstored→ticket of the burst split (p50/p95 s): until a moment covers the mention, until an evaluation")
    print("of it starts, inside that evaluation (reads, then the ticket):")
    _print_parts([(r.workers, r.split) for r in results])
    print("\nprocessor seconds per second during the burst, by role (2 cores = 2.0; postgres is shared):")
    for r in results:
        shown = "  ".join(f"{k} {v:.2f}" for k, v in sorted(r.cpu.items(), key=lambda kv: -kv[1]))
        print(f"  {r.workers} worker(s): total {sum(r.cpu.values()):.2f}  {shown}")
    print("\nqueue depth over time (s: jobs waiting):")
    for r in results:
        samples = r.depth[:: max(1, len(r.depth) // 12)]
        print(f"  {r.workers} worker(s): " + "  ".join(f"{t:.0f}:{d}" for t, d in samples))


if __name__ == "__main__":
    main()
