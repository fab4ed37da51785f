"""Processor time of the crisis bench's processes by role, read from ``/proc`` (Linux), to see what a run's
stored/s was limited by: page latency (the processes mostly wait) or the processor (their sum nears the cores)."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")
#: role -> what its command line contains (first match wins); the bench itself is "bench".
ROLES = [
    ("crawl child", "yuqing.queue.crawl_child"),
    ("worker", "yuqing worker"),
    ("scheduler", "yuqing scheduler"),
    ("osmem", "osmem-server"),
    ("redis", "redis-server"),
    ("postgres", "postgres"),
]


def _stat(pid: str) -> tuple[int, float] | None:
    """(parent pid, processor seconds) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def _role(pid: int, root: int) -> str | None:
    if pid == root:
        return "bench"
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    return next((role for role, needle in ROLES if needle in command), None)


def sample(root: int | None = None) -> dict[int, tuple[str, float]]:
    """pid -> (role, processor seconds so far) of ``root``'s descendants (this process by default) and of every
    PostgreSQL process (the server is shared, so its figure includes other clients)."""
    root = root or os.getpid()
    stats = {int(p): s for p in os.listdir("/proc") if p.isdigit() and (s := _stat(p)) is not None}
    ours = {root}
    grew = True
    while grew:
        grew = False
        for pid, (parent, _) in stats.items():
            if parent in ours and pid not in ours:
                ours.add(pid)
                grew = True
    out: dict[int, tuple[str, float]] = {}
    for pid, (_, seconds) in stats.items():
        role = _role(pid, root) if pid in ours else ("postgres" if _role(pid, root) == "postgres" else None)
        if role is not None:
            out[pid] = (role, seconds)
    return out


def used(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> Counter[str]:
    """Processor seconds each role used between two samples (a process gone by ``after`` is not counted)."""
    total: Counter[str] = Counter()
    for pid, (role, seconds) in after.items():
        total[role] += seconds - before.get(pid, (role, 0.0))[1]
    return total
