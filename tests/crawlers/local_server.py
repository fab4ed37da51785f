"""A local HTTP server for crawler tests: canned replies per path on 127.0.0.1, with every request recorded."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass
class Reply:
    """One answer of the test server. ``drop`` closes the connection without answering (a network error)."""

    status: int = 200
    body: bytes | str = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


@dataclass(frozen=True)
class Hit:
    """A request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    at: float  # time.monotonic()
    body: bytes = b""

    @property
    def route(self) -> str:
        """The path without its query string."""
        return urlsplit(self.path).path

    @property
    def query(self) -> dict[str, str]:
        """The query parameters (the last value of a repeated one)."""
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query, keep_blank_values=True).items()}

    @property
    def form(self) -> dict[str, str]:
        """A form-encoded POST body."""
        return {k: v[-1] for k, v in parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True).items()}


class LocalServer:
    """An HTTP server on 127.0.0.1 (random port) in a thread, answering per-path routes.

    A route is a sequence of replies: each request takes the next one and the last repeats, so
    ``route("/x", Reply(503), Reply(200, "ok"))`` fails once then succeeds. Unknown paths answer 404.
    Every request is logged in :attr:`hits`. ``server.Reply`` is :class:`Reply`, for tests.
    """

    Reply = Reply

    def __init__(self) -> None:
        self._routes: dict[str, list[Reply]] = {}
        self._handlers: dict[str, Callable[[Hit], Reply | str | bytes]] = {}
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()
        self.hits: list[Hit] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="test-http", daemon=True
        )
        self._thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, *replies: Reply | str | bytes) -> None:
        """Serve ``replies`` at ``path`` (a str/bytes is a 200 HTML page)."""
        with self._lock:
            self._routes[path] = [r if isinstance(r, Reply) else Reply(body=r) for r in replies]
            self._served[path] = 0

    def handle(self, path: str, answer: Callable[[Hit], Reply | str | bytes]) -> None:
        """Answer every request to ``path`` (query string ignored, GET or POST) with ``answer(hit)``, which
        can look at the query, headers and body: platform APIs page by query parameters. Exact routes of
        :meth:`route` win over handlers."""
        with self._lock:
            self._handlers[path] = answer

    def hits_to(self, path: str) -> list[Hit]:
        """The requests to ``path`` (query string ignored), in order."""
        with self._lock:
            return [h for h in self.hits if h.route == path]

    def file(self, path: str, name: str, content_type: str, **substitutions: str) -> None:
        """Serve a fixture file, with ``{name}`` placeholders replaced."""
        text = (FIXTURES / name).read_text(encoding="utf-8")
        for key, value in substitutions.items():
            text = text.replace("{" + key + "}", value)
        self.route(path, Reply(body=text, content_type=content_type))

    def paths(self) -> list[str]:
        with self._lock:
            return [h.path for h in self.hits]

    def count(self, path: str) -> int:
        return self.paths().count(path)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _next(self, hit: Hit) -> Reply:
        with self._lock:
            replies = self._routes.get(hit.path)
            handler = None if replies else self._handlers.get(hit.route)
            if replies:
                index = min(self._served[hit.path], len(replies) - 1)
                self._served[hit.path] += 1
                return replies[index]
        if handler is None:
            return Reply(status=404, body=b"not found", content_type="text/plain")
        answer = handler(hit)
        return answer if isinstance(answer, Reply) else Reply(body=answer)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer("GET", b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._answer("POST", self.rfile.read(length) if length else b"")

            def _answer(self, method: str, body: bytes) -> None:
                hit = Hit(method, self.path, dict(self.headers.items()), time.monotonic(), body)
                with server._lock:
                    server.hits.append(hit)
                reply = server._next(hit)
                if reply.drop:
                    self.close_connection = True
                    return  # no status line: the client sees the connection close without an answer
                payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(payload)))
                # Said outright: a client must not reuse the connection (Twisted does not retry a POST sent
                # on a connection the server already closed, which made POST tests flaky).
                self.send_header("Connection", "close")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:  # quiet: the hits are the log
                pass

        return Handler
