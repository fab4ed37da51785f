"""The worker's side of the outage policy: run a store call, survive its outage, record it, catch up later.

The worker's stores are wrapped (:meth:`StoreGuard.wrap`) so that each store call is retried within the
budget of :data:`foundation.retry.BACKGROUND` when it fails transiently (:func:`foundation.retry.is_transient`).
Every timer of the worker (alert evaluation, the ticket clock, the look for new mentions) goes through
:meth:`StoreGuard.run`, which does not retry again: a transient failure that outlived the budget marks the
store unavailable on the :class:`~foundation.outage.OutageBoard` (which ``/healthz`` reads), the call returns
``None`` and the worker tries again on its next tick. Alert evaluation then replays the evaluation times it
missed (the engine's catch-up), so an outage delays alerts but loses none. A failure that is not transient
is logged with its traceback and does not stop the worker either.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from foundation.outage import OutageBoard
from foundation.retry import BACKGROUND, RetryPolicy, is_transient, resilient

log = logging.getLogger(__name__)

T = TypeVar("T")

MENTION_STORE = "mention_store"
DATABASE = "database"


def store_of(exc: BaseException) -> str:
    """Which store an error came from: the relational database (SQLAlchemy) or the mention index."""
    current: BaseException | None = exc
    while current is not None:
        if isinstance(current, SQLAlchemyError):
            return DATABASE
        current = current.__cause__
    return MENTION_STORE


class StoreGuard:
    """Runs the worker's store calls under the retry policy and keeps the outage board."""

    def __init__(self, board: OutageBoard, policy: RetryPolicy = BACKGROUND):
        self.board = board
        self.policy = policy

    def wrap(self, target: T, store: str) -> T:
        """``target`` (a store) with every method retried and its outages recorded under ``store``."""
        return resilient(target, self.policy, self.board.reporter(store))

    async def run(self, what: str, fn: Callable[[], Awaitable[T]]) -> T | None:
        """``await fn()``; ``None`` when it failed (logged, and recorded when a store was unavailable)."""
        try:
            return await fn()
        except Exception as exc:
            if is_transient(exc):
                store = store_of(exc)
                self.board.unavailable(store, exc)
                log.error("%s: %s unavailable; retrying at the next tick: %s", what, store, exc)
            else:
                log.exception("%s failed; retrying at the next tick", what)
            return None

    async def run_sync(self, what: str, fn: Callable[..., T], *args: Any) -> T | None:
        """:meth:`run` for a blocking call, run in a thread so the event loop (and in-process API) stays live."""

        async def call() -> T:
            return await asyncio.to_thread(fn, *args)

        return await self.run(what, call)

    def healthy(self) -> bool:
        return self.board.is_ok(MENTION_STORE) and self.board.is_ok(DATABASE)
