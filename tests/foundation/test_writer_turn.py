"""Writers of one SQLite file take turns on its lock file: the next starts as soon as the last is done, a stuck
holder is reported as an unavailable store after the timeout, an in-memory database has no turns."""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from pathlib import Path

import pytest

from foundation.errors import StoreUnavailable
from foundation.writer_turn import lock_path, writer_turn
from index.base import MentionFilter
from index.sqlite import SQLiteMentionStore
from tests.index.test_contract import mk


def _hold(database: str, seconds: float, held: threading.Event | None = None) -> None:
    with writer_turn(database, timeout=5):
        if held is not None:
            held.set()
        time.sleep(seconds)


def test_the_next_writer_starts_when_the_last_is_done(tmp_path: Path) -> None:
    database = str(tmp_path / "m.sqlite3")
    held = threading.Event()
    holder = threading.Thread(target=_hold, args=(database, 0.3, held))
    holder.start()
    assert held.wait(5)
    started = time.monotonic()
    with writer_turn(database, timeout=5):
        waited = time.monotonic() - started
    holder.join()
    # flock is per open file: a second open in the same process waits like another process would.
    assert 0.15 < waited < 0.3 + 0.25, waited
    assert lock_path(database) == Path(f"{database}-writer.lock")


def test_a_stuck_holder_makes_the_store_unavailable(tmp_path: Path) -> None:
    database = str(tmp_path / "m.sqlite3")
    ctx = mp.get_context("spawn")
    holder = ctx.Process(target=_hold, args=(database, 3.0))
    holder.start()
    try:
        deadline = time.monotonic() + 20
        while not Path(f"{database}-writer.lock").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.5)  # the holder has the lock by now
        with pytest.raises(StoreUnavailable, match="another process"), writer_turn(database, timeout=0.2):
            pass
    finally:
        holder.join(10)


def test_in_memory_databases_have_no_turns() -> None:
    assert lock_path(":memory:") is None and lock_path(None) is None
    with writer_turn(":memory:", timeout=0):
        pass


def _write(path: str, k: int) -> None:
    store = SQLiteMentionStore.at(Path(path))
    for b in range(5):
        store.upsert([mk(f"{k}-{b}-{i}", f"先达外卖配送太慢 {k} {b} {i}", brands=["先达"]) for i in range(50)])
    store.close()


def test_two_processes_writing_one_store_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    SQLiteMentionStore.at(path).ensure_schema()
    ctx = mp.get_context("spawn")
    writers = [ctx.Process(target=_write, args=(str(path), k)) for k in range(2)]
    for w in writers:
        w.start()
    for w in writers:
        w.join(60)
        assert w.exitcode == 0
    store = SQLiteMentionStore.at(path)
    assert store.count(MentionFilter()) == 2 * 5 * 50
    assert store.count(MentionFilter(text="配送")) == 500
    store.close()
