"""Soak: the worker and the API run against a site that keeps posting while the index server keeps dying.

What runs, all on 127.0.0.1:

- a forum feed that publishes a new post every ``--post-every`` seconds (real reviews from
  ``../shared/data/sentiment/waimai_10k_test.csv``, the brand's name in front) and lists the newest 300;
- osmem-server (the Elasticsearch stand-in) behind ``tests.faults.FaultProxy``; every ``--outage-every``
  seconds the proxy drops every connection for ``--outage-for`` seconds, which is what the clients see when the
  server is killed. (osmem-server keeps its data in memory only: really killing it would lose what was stored,
  which no client-side policy can undo; a real cluster keeps its data across a restart.)
- ``yuqing run`` (the worker: crawls as subprocesses, alert evaluation) and ``yuqing serve`` (the API), as their
  own processes, with SQLite for tickets and state.

It polls ``/healthz`` every 2 s (counting 200, 503 and anything else), samples both processes' resident memory,
and at the end stops posting, lets the last crawl finish and compares the posts the site served with the
mentions in the index (each post id once). Output: a table of figures; exit code 1 when a post is missing or
duplicated, a 5xx other than 503 was seen, or a process died.

    .venv/bin/python bench/soak.py                  # 4 minutes
    .venv/bin/python bench/soak.py --minutes 30     # the full soak
"""

from __future__ import annotations

import argparse
import csv
import html
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.faults import FaultProxy
from tests.osmem import CompatibleJsonNode

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FEED_SIZE = 300


class Forum:
    """A feed that keeps publishing; remembers every post id it ever served."""

    def __init__(self, texts: list[str], every: float):
        self.texts = texts
        self.every = every
        self.posts: list[tuple[str, str, datetime]] = []
        self.served: set[str] = set()
        self.lock = threading.Lock()
        self.running = True
        forum = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/robots.txt":
                    body, kind = b"User-agent: *\nAllow: /\n", "text/plain"
                else:
                    body, kind = forum.feed(), "application/rss+xml; charset=utf-8"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/feed.xml"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        threading.Thread(target=self._publish, daemon=True).start()

    def _publish(self) -> None:
        n = 0
        while self.running:
            with self.lock:
                text = f"先达外卖：{self.texts[n % len(self.texts)]}（{n}）"
                self.posts.append((f"post-{n}", text, datetime.now(UTC)))
            n += 1
            time.sleep(self.every)

    def feed(self) -> bytes:
        with self.lock:
            newest = self.posts[-FEED_SIZE:]
            self.served.update(pid for pid, _, _ in newest)
        items = "".join(
            f'<item><title>帖子</title><guid isPermaLink="false">{pid}</guid><pubDate>{format_datetime(when)}</pubDate>'
            f"<description>{html.escape(text)}</description></item>"
            for pid, text, when in reversed(newest)
        )
        channel = f"<channel><title>论坛</title>{items}</channel>"
        return f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0">{channel}</rss>'.encode()


def rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and its children (crawl subprocesses excluded: they come and go)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def texts() -> list[str]:
    path = SHARED / "data" / "sentiment" / "waimai_10k_test.csv"
    if not path.exists():
        sys.exit(f"{path} is missing: the soak posts real reviews from the shared corpus")
    with path.open(encoding="utf-8") as fh:
        return [row["text"].strip() for row in csv.DictReader(fh) if row["text"].strip()]


CONFIG = """\
settings:
  data_dir: {data}
  mention_store_url: {es}
  database_url: sqlite:///{data}/yuqing.sqlite3
  es_timeout_seconds: 5
  api_keys: ["soak-key-0123456789abcdef"]
  log_level: INFO
brands:
  - name: 先达
    keywords: [先达]
crawl:
  download_delay: 0
  autothrottle: false
  retry_times: 2
  batch_size: 50
scheduler:
  concurrent_crawls: 1
  crawl_timeout: 5m
alerts:
  evaluate_every: 15s
  rules:
    - name: spike
      type: volume_spike
      window: 1h
      baseline_days: 7
      min_count: 20
sources:
  - name: forum
    type: feed
    platform: soak-forum
    urls: ["{feed}"]
    interval: {interval}s
    backfill: 1d
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--post-every", type=float, default=1.0, help="seconds between new posts")
    parser.add_argument("--crawl-every", type=int, default=30, help="the source's crawl interval (seconds)")
    parser.add_argument("--outage-every", type=float, default=75.0, help="seconds between index outages")
    parser.add_argument("--outage-for", type=float, default=25.0, help="seconds each outage lasts")
    args = parser.parse_args()

    from elasticsearch import Elasticsearch
    from osmem_server import OsmemServer

    from index.base import MentionFilter, SearchRequest
    from index.elastic import ElasticMentionStore

    osmem = OsmemServer.start(addr="127.0.0.1:0", japanese=False)
    proxy = FaultProxy(osmem.url)
    forum = Forum(texts(), args.post_every)
    data = Path(tempfile.mkdtemp(prefix="yuqing-soak-"))
    config = data / "soak.yaml"
    config.write_text(
        CONFIG.format(data=data.as_posix(), es=proxy.url, feed=forum.url, interval=args.crawl_every), encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    env["YUQING_CONFIG"] = str(config)
    port = 18000 + os.getpid() % 1000
    logs = {name: (data / f"{name}.log").open("wb") for name in ("worker", "api")}
    worker = subprocess.Popen(
        [sys.executable, "-m", "yuqing", "run"], env=env, stdout=logs["worker"], stderr=subprocess.STDOUT
    )
    api = subprocess.Popen(
        [sys.executable, "-m", "yuqing", "serve", "--port", str(port)],
        env=env,
        stdout=logs["api"],
        stderr=subprocess.STDOUT,
    )
    health: dict[str, int] = {}
    memory: dict[str, list[int]] = {"worker": [], "api": []}
    outages = 0
    print(f"soak: {args.minutes:g} min, data in {data}, API on :{port}", flush=True)
    # The clock starts when both are up (their start-up is not what is measured; on a loaded machine it takes a
    # while): the API answers /healthz and the worker has written its outage board.
    boot = time.monotonic()
    while time.monotonic() - boot < 300 and worker.poll() is None and api.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as r:
                if r.status == 200 and (data / "health" / "stores.json").exists():
                    break
        except OSError:
            pass
        time.sleep(1)
    print(f"  up after {time.monotonic() - boot:.0f}s", flush=True)
    started = time.monotonic()
    end = started + args.minutes * 60
    next_outage = started + args.outage_every
    outage_until = 0.0
    try:
        while time.monotonic() < end:
            now = time.monotonic()
            if not proxy.down and now >= next_outage:
                proxy.down, outage_until, outages = True, now + args.outage_for, outages + 1
                print(f"  {now - started:6.0f}s index down", flush=True)
            elif proxy.down and now >= outage_until:
                proxy.down, next_outage = False, now + args.outage_every
                print(f"  {now - started:6.0f}s index up", flush=True)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as r:
                    code = r.status
            except urllib.error.HTTPError as exc:
                code = exc.code
            except OSError:
                code = 0  # not listening yet
            health[str(code)] = health.get(str(code), 0) + 1
            for name, proc in (("worker", worker), ("api", api)):
                memory[name].append(rss_kib(proc.pid))
            if worker.poll() is not None or api.poll() is not None:
                print("  a process died", flush=True)
                break
            time.sleep(2)
        proxy.down = False
        forum.running = False
        # Let the worker crawl once more after the last post and the last outage, then count.
        deadline = time.monotonic() + args.crawl_every * 3 + 120
        client = Elasticsearch(osmem.url, node_class=CompatibleJsonNode, request_timeout=30)
        store = ElasticMentionStore(client, index_prefix="yuqing")
        store.ensure_schema()  # a no-op when the worker created it; lets the count run when it never did
        stored: list[str] = []
        while time.monotonic() < deadline:
            store.refresh()
            total = store.count(MentionFilter(platforms=["soak-forum"]))
            if total >= len(forum.served):
                break
            time.sleep(5)
        cursor = None
        while True:
            page = store.search(SearchRequest(filter=MentionFilter(platforms=["soak-forum"]), limit=100, cursor=cursor))
            stored += [hit.mention.post_id for hit in page.hits]
            cursor = page.next_cursor
            if not cursor:
                break
        alive = worker.poll() is None and api.poll() is None
    finally:
        for proc in (worker, api):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in (worker, api):
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        proxy.close()
        osmem.close()

    served = forum.served
    missing = served - set(stored)
    duplicated = len(stored) - len(set(stored))
    warm = max(1, len(memory["worker"]) // 5)  # after start-up (imports, first crawl)
    rows = [
        ("duration (min)", f"{args.minutes:g}"),
        ("index outages injected", f"{outages} × {args.outage_for:g} s"),
        ("posts served", str(len(served))),
        ("mentions stored", str(len(stored))),
        ("missing / duplicated", f"{len(missing)} / {duplicated}"),
        ("/healthz answers", ", ".join(f"{k}: {v}" for k, v in sorted(health.items()))),
        ("processes alive at the end", str(alive)),
    ]
    for name, series in memory.items():
        samples = [m for m in series if m]
        if len(samples) > warm:
            base, last = max(samples[warm - 1 : warm + 2]), samples[-1]
            rows.append(
                (
                    f"{name} RSS after warm-up → end (MiB)",
                    f"{base / 1024:.0f} → {last / 1024:.0f} ({(last - base) / base:+.1%})",
                )
            )
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    bad_status = any(k not in {"200", "503", "0"} for k in health)
    ok = not missing and not duplicated and alive and not bad_status
    print("result:", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
