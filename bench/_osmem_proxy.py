"""osmem-server behind a header-rewriting proxy, for benches whose Elasticsearch clients are other processes."""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def start_proxy(upstream: str) -> ThreadingHTTPServer:
    """Forward to osmem-server, turning the client's ``compatible-with=8`` media types into plain JSON (what
    ``tests/osmem.py`` does inside the test client; here the clients are other processes)."""
    host, port = upstream.split("//", 1)[1].rstrip("/").split(":")
    local = threading.local()

    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def relay(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {}
            for name, value in self.headers.items():
                if name.lower() in ("host", "connection", "content-length"):
                    continue
                if name.lower() in ("accept", "content-type") and "compatible-with" in value:
                    value = "application/x-ndjson" if "ndjson" in value else "application/json"
                headers[name] = value
            for attempt in (1, 2):
                conn = getattr(local, "conn", None) or http.client.HTTPConnection(host, int(port), timeout=300)
                local.conn = conn
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    break
                except (http.client.HTTPException, OSError):
                    conn.close()
                    local.conn = None
                    if attempt == 2:
                        raise
            self.send_response(resp.status)
            for name, value in resp.getheaders():
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = relay

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
