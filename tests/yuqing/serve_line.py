"""Run a serve command line exactly as a user would paste it into a shell, and check that the API answers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def check_pasted_serve_line(line: str, key: str, cwd: Path) -> None:
    """Run ``line`` with ``bash -c`` from ``cwd`` (another folder than the repository), then expect the health
    check, the dashboard, ``/docs`` and an authenticated API call to answer. Only the port comes from the
    environment (``YUQING_API_PORT``), so that the test never collides with a server on 8000."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    env["YUQING_API_PORT"] = str(port)
    env["PATH"] = "/usr/bin:/bin"  # the line must not rely on a virtualenv being active
    proc = subprocess.Popen(
        ["bash", "-c", line],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"the pasted command exited with {proc.returncode}:\n{proc.stdout.read()}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("the pasted command did not start serving within 90 s")
            time.sleep(0.5)
        assert httpx.get(f"{base}/", timeout=10).status_code == 200
        assert httpx.get(f"{base}/docs", timeout=10).status_code == 200
        me = httpx.get(f"{base}/api/v1/tickets", headers={"X-API-Key": key}, timeout=10)
        assert me.status_code == 200, me.text
        assert httpx.get(f"{base}/api/v1/tickets", timeout=10).status_code == 401
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
