"""The one retry and outage policy for store calls: what counts as transient, and how long to keep trying.

Every store (the mention index on either tier, the relational database holding tickets, alert state and
source health) fails in two ways. *Transient* failures pass by themselves: the server cannot be reached, a
request timed out, the cluster sheds load (429) or fails inside (5xx), SQLite's write lock is held by another
process (busy/locked). Everything else (a bad query, a mapping conflict, a bug) fails the same way again.

:func:`is_transient` tells them apart; :class:`RetryPolicy` retries transient failures with exponential backoff
and full jitter (tenacity's ``wait_random_exponential``) within a time budget, then re-raises. What a caller
does past the budget depends on the caller: the worker marks the store unhealthy
(:class:`foundation.outage.OutageBoard`) and tries again on its next tick; the API answers 503 with
``Retry-After``; the crawl's store pipeline spools the batch to disk.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from foundation.errors import StoreUnavailable

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

#: HTTP statuses a retry can overcome: throttling, and a server failing inside or behind a proxy.
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

# Words SQLite and the PostgreSQL driver use for failures that pass by themselves.
_TRANSIENT_DB_WORDS = (
    "database is locked",
    "database table is locked",
    "database is busy",
    "sqlite_busy",
    "could not connect",
    "connection refused",
    "connection reset",
    "server closed the connection",
    "terminating connection",
    "timeout expired",
    "the database system is starting up",
    "the database system is shutting down",
)


def is_sqlite_busy(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite's "database is locked" (another process holds the write lock too long)."""
    text = str(getattr(exc, "orig", exc)).lower()
    return "locked" in text or "busy" in text


def is_transient(exc: BaseException) -> bool:
    """Whether a retry later can succeed where ``exc`` failed (walks the ``__cause__`` chain)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _transient_here(current):
            return True
        current = current.__cause__
    return False


def _transient_here(exc: BaseException) -> bool:
    if isinstance(exc, StoreUnavailable | ConnectionError | TimeoutError | PoolTimeout):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        if isinstance(exc, OperationalError):
            text = str(exc.orig).lower()
            return any(word in text for word in _TRANSIENT_DB_WORDS)
        return False
    status = getattr(exc, "status_code", None)
    if status is None:
        meta = getattr(exc, "meta", None)  # elastic_transport's ApiResponseMeta
        status = getattr(meta, "status", None)
    return isinstance(status, int) and status in TRANSIENT_STATUSES


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often to retry a transient failure.

    ``budget`` bounds the whole effort (seconds, including the waits); ``attempts`` bounds the tries. Waits grow
    as ``base * 2**n`` up to ``cap``, each drawn uniformly below that bound (full jitter), so processes that
    failed together do not come back together.
    """

    budget: float = 30.0
    attempts: int = 6
    base: float = 0.5
    cap: float = 8.0

    def _kwargs(self, what: str) -> dict[str, Any]:
        def before_sleep(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0.0
            log.warning("%s failed (attempt %d), retrying in %.1fs: %s", what, state.attempt_number, wait, error)

        return {
            "stop": stop_after_delay(self.budget) | stop_after_attempt(self.attempts),
            "wait": wait_random_exponential(multiplier=self.base, max=self.cap),
            "retry": retry_if_exception(is_transient),
            "reraise": True,  # past the budget the caller sees the store's own error
            "before_sleep": before_sleep,
        }

    def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)``, retried while it fails transiently and the budget lasts."""
        what = getattr(fn, "__qualname__", repr(fn))
        for attempt in Retrying(**self._kwargs(what)):
            with attempt:
                return fn(*args, **kwargs)
        raise AssertionError("unreachable: tenacity re-raises")  # pragma: no cover

    async def acall(self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """As :meth:`call`, for a coroutine function (waits without blocking the event loop)."""
        what = getattr(fn, "__qualname__", repr(fn))
        async for attempt in AsyncRetrying(**self._kwargs(what)):
            with attempt:
                return await fn(*args, **kwargs)
        raise AssertionError("unreachable: tenacity re-raises")  # pragma: no cover

    def wrap(self, fn: Callable[P, T]) -> Callable[P, T]:
        """``fn`` with this policy applied to every call."""

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            return self.call(fn, *args, **kwargs)

        return wrapper


#: The worker's and the crawl's policy: patient, since nobody waits on the answer.
BACKGROUND = RetryPolicy(budget=30.0, attempts=6, base=0.5, cap=8.0)
#: No retry at all: for callers that answer someone who is waiting (the API answers 503 instead).
NONE = RetryPolicy(budget=0.0, attempts=1)


class Resilient:
    """A proxy over a store whose public methods go through ``policy`` and report to ``on_result``.

    ``on_result(exc)`` gets ``None`` after a call that succeeded and the exception after one that failed
    transiently past the budget (the worker marks the store unhealthy with it). Attributes that are not methods
    pass through untouched; so do methods returning context managers (their body cannot be retried as a whole).
    """

    def __init__(
        self,
        target: Any,
        policy: RetryPolicy,
        on_result: Callable[[BaseException | None], None] | None = None,
    ):
        self._target = target
        self._policy = policy
        self._on_result = on_result

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if name.startswith("_") or not callable(value) or isinstance(value, type):
            return value
        policy, report = self._policy, self._on_result

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                result = policy.call(value, *args, **kwargs)
            except Exception as exc:
                if report is not None and is_transient(exc):
                    report(exc)
                raise
            if report is not None:
                report(None)
            return result

        return call


def resilient(target: T, policy: RetryPolicy, on_result: Callable[[BaseException | None], None] | None = None) -> T:
    """``target`` behind a :class:`Resilient` proxy, typed as ``target`` for its callers."""
    proxy: Any = Resilient(target, policy, on_result)
    return proxy  # type: ignore[no-any-return]
