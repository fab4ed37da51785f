"""Fault injection over real sockets, for the resilience tests.

:class:`FaultProxy` sits in front of an Elasticsearch-compatible server (osmem-server) and forwards every
request, except that it can be *down* (every connection is closed at once, as when the server is killed) and
can *poison* documents: a bulk action whose source contains a poisoned marker is not forwarded, and the bulk
answer gets a per-item 503 in its place, as a cluster with a failing shard answers. It also rewrites the
client's versioned media types, which osmem-server refuses (see ``tests/osmem.py``), so production clients
built by ``ElasticMentionStore.from_settings`` can talk through it.

:class:`BlackHole` accepts connections and never answers.
"""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


class FaultProxy:
    """An HTTP proxy to ``upstream`` with switchable faults."""

    def __init__(self, upstream: str):
        self.upstream = upstream.rstrip("/")
        self.down = False
        self.poison: set[str] = set()  # markers: a bulk document containing one is answered with a 503
        self.poisoned_items = 0  # how many bulk items were answered 503
        self.bulk_requests = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _relay(self) -> None:
                if proxy.down:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {}
                for name in ("Content-Type", "Accept", "Authorization"):
                    value = self.headers.get(name)
                    if value:
                        if "compatible-with" in value:
                            value = "application/x-ndjson" if "ndjson" in value else "application/json"
                        headers[name] = value
                path = self.path
                is_bulk = path.split("?")[0].endswith("/_bulk") and body is not None
                poisoned: list[tuple[int, str, dict[str, Any]]] = []
                if is_bulk and body is not None:
                    proxy.bulk_requests += 1
                    body, poisoned = proxy._strip_poisoned(body)
                if is_bulk and poisoned and body == b"\n":  # everything poisoned: nothing to forward
                    status, reply_headers = (
                        200,
                        {"Content-Type": "application/json", "X-Elastic-Product": "Elasticsearch"},
                    )
                    reply = b'{"took": 0, "errors": false, "items": []}'
                else:
                    status, reply_headers, reply = proxy._forward(self.command, path, body, headers)
                if is_bulk and poisoned and status == 200:
                    reply = proxy._splice_503(reply, poisoned)
                self.send_response(status)
                for name, value in reply_headers.items():
                    if name.lower() in {"content-type", "x-elastic-product"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _relay

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def _forward(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, Any, bytes]:
        request = urllib.request.Request(self.upstream + path, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def _strip_poisoned(self, body: bytes) -> tuple[bytes, list[tuple[int, str, dict[str, Any]]]]:
        """Drop the poisoned actions; returns the new body and (position, op, metadata) of those dropped."""
        lines = [line for line in body.split(b"\n") if line.strip()]
        kept: list[bytes] = []
        poisoned: list[tuple[int, str, dict[str, Any]]] = []
        i = position = 0
        while i < len(lines):
            action = json.loads(lines[i])
            op = next(iter(action))
            pair = lines[i : i + (1 if op == "delete" else 2)]
            text = b"\n".join(pair).decode("utf-8")
            if self.poison and any(marker in text for marker in self.poison):
                poisoned.append((position, op, action[op]))
            else:
                kept.extend(pair)
            i += len(pair)
            position += 1
        return b"\n".join(kept) + b"\n", poisoned

    def _splice_503(self, reply: bytes, poisoned: list[tuple[int, str, dict[str, Any]]]) -> bytes:
        answer = json.loads(reply)
        items = list(answer.get("items", []))
        for position, op, meta in poisoned:
            error = {"type": "unavailable_shards_exception", "reason": "primary shard is not active"}
            item = {"_index": meta.get("_index"), "_id": meta.get("_id"), "status": 503, "error": error}
            items.insert(position, {op: item})
            self.poisoned_items += 1
        answer["items"] = items
        answer["errors"] = True
        return json.dumps(answer).encode()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class BlackHole:
    """A listening socket that accepts connections and never answers (a hung server)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self._held: list[socket.socket] = []
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self._held.append(conn)  # kept open, never read from or written to

    def close(self) -> None:
        self._stop = True
        self._thread.join(timeout=2)
        for conn in self._held:
            conn.close()
        self.sock.close()


@contextmanager
def fault_proxy_for(es_backend: Any, why: str) -> Iterator[FaultProxy]:
    """A fault proxy in front of a fresh clone of the osmem-server behind ``es_backend`` (skips, with ``why``,
    when the backend is a real cluster; a missing server is unavailable as everywhere else)."""
    from tests.conftest import unavailable

    if isinstance(es_backend, str):
        unavailable(es_backend)
    server = getattr(es_backend, "server", None)
    if server is None:
        pytest.skip(why)
    clone = server.clone()
    proxy = FaultProxy(clone.url)
    try:
        yield proxy
    finally:
        proxy.close()
        clone.close()
