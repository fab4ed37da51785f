"""The crisis bench's loopback site: one RSS feed per source, a posting schedule with a burst, feeds that page
back like WordPress's (see ``bench/crisis.py``)."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

CRISIS_EVERY = 20  # one post in 20 carries a crisis word
PHRASES = ["配送太慢了", "客服不理人", "退款一直没人处理", "包装破损", "再也不点了"]


# -- the site -----------------------------------------------------------------------------------------------
@dataclass
class Schedule:
    """How many posts a source has published by time ``t`` (seconds since the start): a base rate, ×factor
    during the burst, nothing after ``stop``."""

    base_per_s: float
    factor: float
    burst_start: float
    burst_end: float
    stop: float

    def count(self, t: float) -> int:
        t = min(t, self.stop)
        before = min(t, self.burst_start)
        during = max(0.0, min(t, self.burst_end) - self.burst_start)
        after = max(0.0, t - self.burst_end)
        return math.floor(self.base_per_s * (before + after) + self.base_per_s * self.factor * during)

    def time_of(self, k: int) -> float:
        """When post ``k`` (0-based) was published."""
        n = k + 1
        first = self.base_per_s * self.burst_start
        if n <= first:
            return n / self.base_per_s
        second = first + self.base_per_s * self.factor * (self.burst_end - self.burst_start)
        if n <= second:
            return self.burst_start + (n - first) / (self.base_per_s * self.factor)
        return self.burst_end + (n - second) / self.base_per_s


class CrisisSite:
    """``/feed/<i>.xml``: the newest ``window`` posts of source ``i``, answered after ``delay`` seconds.

    As a WordPress feed does, ``?paged=N`` serves the ``window`` posts before those of page ``N - 1`` and every
    page that has older posts links them (RFC 5005 ``<atom:link rel="next">``), unless ``pages`` is False
    (the feed then shows its newest posts only, and a source not crawled again in time loses the older ones).
    """

    def __init__(self, delay: float, window: int = 1000, pages: bool = True):
        self.delay = delay
        self.window = window
        self.pages = pages
        self.started = time.time()
        self.schedule = Schedule(0.0, 100, 1e9, 1e9, 1e9)  # nothing published until a run starts the clock
        self.requests = 0
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/robots.txt":
                    body = b"User-agent: *\nAllow: /\n"
                else:
                    time.sleep(site.delay)
                    site.requests += 1
                    path, _, query = self.path.partition("?")
                    paged = parse_qs(query).get("paged", ["1"])[0]
                    number = int(paged) if paged.isdigit() and int(paged) > 0 else 1
                    body = site.feed(path.rsplit("/", 1)[-1].removesuffix(".xml"), number).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self, schedule: Schedule) -> None:
        self.started = time.time()
        self.schedule = schedule
        self.requests = 0

    def post_url(self, source: str, k: int) -> str:
        return f"{self.url}/post/{source}/{k}"

    def published(self, sources: list[str]) -> set[str]:
        n = self.schedule.count(time.time() - self.started)
        return {self.post_url(s, k) for s in sources for k in range(n)}

    def feed(self, source: str, number: int = 1) -> str:
        n = self.schedule.count(time.time() - self.started)
        items = []
        top = n - 1 - (number - 1) * self.window if self.pages else n - 1
        bottom = max(-1, top - self.window)
        older = ""
        if self.pages and bottom >= 0:
            older = f'<atom:link rel="next" href="{self.url}/feed/{source}.xml?paged={number + 1}"/>'
        for k in range(top, bottom, -1):
            when = format_datetime(datetime.fromtimestamp(self.started + self.schedule.time_of(k), UTC))
            crisis = "吃完食物中毒了，" if k % CRISIS_EVERY == 0 else ""
            text = f"鲜达外卖{crisis}{PHRASES[k % len(PHRASES)]}（{source} 第{k}条）"
            link = self.post_url(source, k)
            items.append(
                f"<item><title>{escape(source)} {k}</title><link>{link}</link><guid>{link}</guid>"
                f"<pubDate>{when}</pubDate><description>{escape(text)}</description></item>"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
            f"<title>{source}</title><link>{self.url}/</link><description>crisis</description>{older}"
            + "".join(items)
            + "</channel></rss>"
        )
