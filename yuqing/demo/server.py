"""The demo's own website, served on loopback: a news feed, a forum and review pages, all fictional.

Dates in the pages are written relative to the current hour (``{{rfc822:-2h}}``, ``{{iso:-3h}}``,
``{{local:-5h}}``), so the demo always shows recent activity, and repeated runs within the same hour see
byte-identical pages. ``{{site}}`` is the server's own address.
"""

from __future__ import annotations

import io
import re
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from foundation.timeutil import floor_time, parse_duration

SITE = Path(str(files("yuqing.demo").joinpath("site")))
_PLACEHOLDER = re.compile(r"\{\{(site|rfc822|iso|local):?([+-]?[0-9a-z]*)\}\}")
_TEMPLATED = {".html", ".xml", ".txt"}


def render(text: str, site: str, anchor: datetime, zone: ZoneInfo) -> str:
    """Fill the placeholders of one page."""

    def sub(match: re.Match[str]) -> str:
        kind, offset = match.groups()
        if kind == "site":
            return site
        sign = -1 if offset.startswith("-") else 1
        moment = anchor + sign * parse_duration(offset.lstrip("+-") or "0s")
        if kind == "rfc822":
            return format_datetime(moment)
        if kind == "iso":
            return moment.isoformat().replace("+00:00", "Z")
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    return _PLACEHOLDER.sub(sub, text)


class _Handler(SimpleHTTPRequestHandler):
    def __init__(self, *args: Any, anchor: datetime, zone: ZoneInfo, **kwargs: Any):
        self.anchor = anchor
        self.zone = zone
        super().__init__(*args, directory=str(SITE), **kwargs)

    def send_head(self) -> Any:  # SimpleHTTPRequestHandler's extension point for the body
        path = Path(self.translate_path(self.path))
        if path.suffix not in _TEMPLATED or not path.is_file():
            return super().send_head()
        address = cast(tuple[str, int], self.server.server_address)
        host = f"http://{address[0]}:{address[1]}"
        body = render(path.read_text(encoding="utf-8"), host, self.anchor, self.zone).encode()
        self.send_response(200)
        ctype = {".html": "text/html", ".xml": "application/rss+xml", ".txt": "text/plain"}[path.suffix]
        self.send_header("Content-Type", f"{ctype}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None  # the crawl logs every request already


class DemoSite:
    """A threaded HTTP server on 127.0.0.1 with a free port; use as a context manager."""

    #: Tried first so that links stored by one demo run are the same in the next (same post, same URL).
    PREFERRED_PORT = 18765

    def __init__(self, zone: str = "Asia/Shanghai", now: datetime | None = None, port: int | None = None):
        anchor = floor_time(now or datetime.now(UTC), timedelta(hours=1))
        handler = partial(_Handler, anchor=anchor, zone=ZoneInfo(zone))
        try:
            self.server = ThreadingHTTPServer(("127.0.0.1", self.PREFERRED_PORT if port is None else port), handler)
        except OSError:  # taken: any free port will do, the next run just updates the stored links
            self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="demo-site", daemon=True)

    @property
    def url(self) -> str:
        host, port = cast(tuple[str, int], self.server.server_address)[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> DemoSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
