"""Turns for the processes that write one SQLite file: a writer waits on an advisory file lock, then writes.

SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps between tries (1, 2, 5, …
up to 100 ms at a time), so a writer queued behind another often sleeps on well after the file is free. With two
crawl processes writing one mention store (``yuqing run`` runs ``scheduler.concurrent_crawls`` at once, 2 by
default) each spent more time asleep than the other held the lock: ``bench/scale.py --procs 2`` at 50,000
mentions measured 2,207 mentions/s that way and 3,154/s with the writers taking turns on a file lock (same load).

The turn is an ``flock`` on ``<database>-writer.lock`` beside the file, tried every millisecond or two, so the
next writer starts within ~2 ms of the last one's commit. SQLite's own locking still decides correctness: a writer
that does not take turns (another tool, another store of the same file) is simply waited for as before. Where
``fcntl`` does not exist (Windows), or for an in-memory database, there are no turns and nothing changes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from foundation.errors import StoreUnavailable

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

#: Longest sleep between two tries: short, since a turn is usually a batch write of a few hundred milliseconds.
_POLL_S = 0.002


def lock_path(database: str | None) -> Path | None:
    """The lock file of an SQLite database file (None: in memory, no turns)."""
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(f"{database}-writer.lock")


@contextmanager
def writer_turn(database: str | None, timeout: float) -> Iterator[None]:
    """Hold the write turn of ``database`` (an SQLite file path) for the block.

    Raises :class:`~foundation.errors.StoreUnavailable` when the turn does not come within ``timeout`` seconds
    (a writer holding it that long is stuck: the caller's retry policy treats it like a locked database).
    """
    path = lock_path(database)
    if path is None or fcntl is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        pause = 0.0005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreUnavailable(
                        f"SQLite file {database} is being written by another process for over {timeout:.0f} s"
                    ) from None
                time.sleep(pause)
                pause = min(_POLL_S, pause * 2)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
