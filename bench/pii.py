"""How long masking personal data takes on hostile text, against real text of the same length.

Floor: masking 100,000 characters of real posts (the waimai test slice in ../shared/data/sentiment, read in
place). Each hostile text of the same length is timed and printed as a ratio to that floor: a linear-time
detector keeps every ratio small, whatever the text. The last rows time the same hostile texts at 10,000 and
100,000 characters: a linear detector grows about 10x, a quadratic one 100x. For the old e-mail pattern the
same ratio is printed, on 5,000 and 20,000 characters (it takes minutes at 100,000).

Then, through HTTP against the served app (uvicorn on loopback, SQLite stores in a temporary folder): GET of a
mention whose text is 100,000 hostile characters against GET of one of 100,000 real characters, and the
latency of /healthz polled meanwhile against /healthz alone (the issue measured 23.6 s and 22.6 s).

    .venv/bin/python bench/pii.py
"""

from __future__ import annotations

import csv
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from foundation.pii import mask_pii

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "sentiment" / "waimai_10k_test.csv"
LENGTH = 100_000
OLD_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")

HOSTILE: dict[str, Callable[[int], str]] = {
    "letters, no @": lambda n: "a" * n,
    "letters then @": lambda n: "a." * (n // 2) + "@",
    "many @": lambda n: "@a" * (n // 2),
    "dotted addresses": lambda n: "a@a." * (n // 4),
    "digits": lambda n: "1" * n,
    "digits and spaces": lambda n: "1 " * (n // 2),
    "phone fragments": lambda n: "138 " * (n // 4),
    "whole phones": lambda n: "13812345678 " * (n // 12),
    "plus signs": lambda n: "+1" * (n // 2),
    "titles": lambda n: "先生" * (n // 2),
    "name cues": lambda n: "我叫张" * (n // 3),
}


def best_of(fn: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def real_text() -> str:
    if not SHARED.is_file():
        raise SystemExit(f"{SHARED} is missing: the floor is real posts from ../shared (see its PROVENANCE.md)")
    with SHARED.open(encoding="utf-8") as f:
        texts = [row[-1] for row in csv.reader(f)][1:]
    joined = "\n".join(texts)
    while len(joined) < LENGTH:
        joined += "\n" + joined
    return joined[:LENGTH]


def main() -> None:
    real = real_text()
    floor = best_of(lambda: mask_pii(real))
    print(f"floor: {LENGTH:,} characters of real posts masked in {floor * 1000:.1f} ms\n")
    print(f"| hostile text ({LENGTH:,} chars) | ms | x floor | ms at 10,000 | growth 10k→100k |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, make in HOSTILE.items():
        big = best_of(lambda make=make: mask_pii(make(LENGTH)))
        small = best_of(lambda make=make: mask_pii(make(LENGTH // 10)))
        print(f"| {name} | {big * 1000:.1f} | {big / floor:.1f} | {small * 1000:.1f} | {big / small:.1f}x |")
    small_old = best_of(lambda: OLD_EMAIL.search("a." * 2_500), runs=1)
    big_old = best_of(lambda: OLD_EMAIL.search("a." * 10_000), runs=1)
    print(
        f"\nold e-mail pattern, 'a.' repeated: {small_old * 1000:.0f} ms at 5,000 chars, {big_old * 1000:.0f} ms at "
        f"20,000 ({big_old / small_old:.1f}x for 4x the text); the new detector: "
        f"{best_of(lambda: mask_pii('a.' * 10_000)) * 1000:.1f} ms at 20,000"
    )


def over_http(real: str) -> None:
    import socket
    import statistics
    import tempfile
    import threading
    from datetime import UTC, datetime

    import httpx
    import uvicorn

    from api.app import create_app
    from api.resources import Resources
    from config.loader import parse_config
    from config.settings import Settings
    from index.base import Mention, mention_id

    key = "bench-key-0123456789abcdef"
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), config=Path(tmp) / "c.yaml", api_keys=[key])
        resources = Resources.open(settings, parse_config("brands:\n  - name: 鲜达\n    keywords: [鲜达]\n"))
        now = datetime.now(UTC)
        posts = {
            name: Mention(id=mention_id("bench", name), platform="bench", post_id=name, source="bench", text=text,
                          published_at=now, collected_at=now, updated_at=now, brands=["鲜达"])
            for name, text in (("real", real), ("hostile", "a" * 60_000 + "@" + "1 " * 20_000))
        }  # fmt: skip
        resources.mentions.upsert(list(posts.values()))
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        server = uvicorn.Server(uvicorn.Config(create_app(resources), log_level="warning"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=60) as http:
            idle = [best_of(lambda: http.get("/healthz"), runs=1) for _ in range(20)]
            gets = {n: best_of(lambda n=n: http.get(f"/api/v1/mentions/{posts[n].id}")) for n in posts}
            busy: list[float] = []
            done = threading.Event()

            def poll() -> None:
                with httpx.Client(base_url=url, timeout=60) as own:
                    while not done.is_set():
                        busy.append(best_of(lambda: own.get("/healthz"), runs=1))

            poller = threading.Thread(target=poll)
            poller.start()
            for _ in range(5):
                http.get(f"/api/v1/mentions/{posts['hostile'].id}")
            done.set()
            poller.join()
        server.should_exit = True
        thread.join()
        resources.close()
    print("\n| over HTTP | ms | x floor |")
    print("| --- | ---: | ---: |")
    print(f"| GET mention, 100,000 real characters (floor) | {gets['real'] * 1000:.0f} | 1.0 |")
    hostile, real_get = gets["hostile"], gets["real"]
    print(f"| GET mention, 100,000 hostile characters | {hostile * 1000:.0f} | {hostile / real_get:.1f} |")
    floor = statistics.median(idle)
    print(f"| /healthz alone, median (floor) | {floor * 1000:.1f} | 1.0 |")
    worst = max(busy) if busy else float("nan")
    median = statistics.median(busy)
    print(f"| /healthz during hostile GETs, median | {median * 1000:.1f} | {median / floor:.1f} |")
    print(f"| /healthz during hostile GETs, worst of {len(busy)} | {worst * 1000:.1f} | {worst / floor:.1f} |")


if __name__ == "__main__":
    main()
    over_http(real_text())
