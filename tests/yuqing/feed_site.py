"""A loopback site of RSS feeds that answers slowly and counts how many requests each feed has in flight.

Two crawls of one source at the same time would show as two requests of its feed in flight at once.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape


class FeedSite:
    """``/feed/<name>.xml``: ``posts`` items about the brand, answered after ``delay`` seconds."""

    def __init__(self, delay: float = 0.3, posts: int = 3, text: str = "鲜达外卖 今天的配送太慢了，差评"):
        self.delay = delay
        self.posts = posts
        self.text = text
        self.lock = threading.Lock()
        self.in_flight: Counter[str] = Counter()
        self.max_in_flight: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/robots.txt":
                    self._send(b"User-agent: *\nAllow: /\n", "text/plain")
                    return
                with site.lock:
                    site.in_flight[self.path] += 1
                    site.requests[self.path] += 1
                    site.max_in_flight[self.path] = max(site.max_in_flight[self.path], site.in_flight[self.path])
                try:
                    time.sleep(site.delay)
                    name = self.path.rsplit("/", 1)[-1].removesuffix(".xml")
                    self._send(site.feed(name).encode(), "application/rss+xml; charset=utf-8")
                finally:
                    with site.lock:
                        site.in_flight[self.path] -= 1

            def _send(self, body: bytes, kind: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def feed(self, name: str) -> str:
        now = datetime.now(UTC)
        items = []
        for i in range(self.posts):
            when = format_datetime(now - timedelta(minutes=5 + i))
            link = f"{self.url}/post/{name}/{i}"
            items.append(
                f"<item><title>{escape(name)} #{i}</title><link>{link}</link><guid>{link}</guid>"
                f"<pubDate>{when}</pubDate><description>{escape(self.text)} ({name} {i})</description></item>"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{escape(name)}</title><link>{self.url}/</link><description>test</description>"
            + "".join(items)
            + "</channel></rss>"
        )

    def __enter__(self) -> FeedSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
