"""The retry policy: what is transient, how long it keeps trying, and the proxy that applies it."""

from __future__ import annotations

import sqlite3
import time

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from foundation.errors import InvalidQuery, StoreError, StoreUnavailable
from foundation.outage import OutageBoard, read_board
from foundation.retry import RetryPolicy, is_sqlite_busy, is_transient, resilient

QUICK = RetryPolicy(budget=2.0, attempts=4, base=0.01, cap=0.02)


class Status(Exception):
    def __init__(self, status: int):
        super().__init__(f"HTTP {status}")
        self.status_code = status


def _locked() -> OperationalError:
    return OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))


@pytest.mark.parametrize(
    "exc",
    [
        StoreUnavailable("down"),
        ConnectionRefusedError(),
        TimeoutError(),
        Status(429),
        Status(503),
        Status(500),
        _locked(),
    ],
)
def test_transient_failures(exc: BaseException):
    assert is_transient(exc)


@pytest.mark.parametrize(
    "exc",
    [
        InvalidQuery("bad"),
        StoreError("mapping conflict"),
        Status(400),
        Status(404),
        ValueError("bug"),
        IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")),
        OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: mentions")),
    ],
)
def test_permanent_failures(exc: BaseException):
    assert not is_transient(exc)


def test_the_cause_chain_is_followed_and_busy_is_recognised():
    try:
        try:
            raise _locked()
        except OperationalError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        assert is_transient(outer)
    assert is_sqlite_busy(_locked())


def test_a_transient_failure_is_retried_until_it_passes_and_a_permanent_one_is_not():
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise StoreUnavailable("connection refused")
        return "stored"

    assert QUICK.call(flaky) == "stored" and len(calls) == 3

    def broken() -> None:
        calls.append(1)
        raise InvalidQuery("syntax")

    calls.clear()
    with pytest.raises(InvalidQuery):
        QUICK.call(broken)
    assert len(calls) == 1


def test_the_budget_bounds_the_effort():
    policy = RetryPolicy(budget=0.3, attempts=1000, base=0.05, cap=0.1)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        policy.call(lambda: (_ for _ in ()).throw(StoreUnavailable("down")))
    assert time.monotonic() - started < 1.0


def test_the_proxy_retries_every_method_and_reports_outages(tmp_path):
    class Store:
        down = 10
        label = "not a method"

        def count(self) -> int:
            if self.down:
                self.down -= 1
                raise StoreUnavailable("connection refused")
            return 7

    target = Store()
    board = OutageBoard(tmp_path / "stores.json")
    store = resilient(target, QUICK, board.reporter("mention_store"))
    assert store.label == "not a method"
    with pytest.raises(StoreUnavailable):
        store.count()  # 4 attempts, still down
    assert not board.is_ok("mention_store")
    assert read_board(tmp_path / "stores.json")["stores"]["mention_store"]["ok"] is False
    target.down = 1
    assert store.count() == 7  # one retry overcomes it
    status = read_board(tmp_path / "stores.json")["stores"]["mention_store"]
    assert status["ok"] is True and status["outages"] == 1
