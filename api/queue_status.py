"""The work queue's health for ``/healthz``: read from Redis, where the queue's scheduler publishes it.

The API sits below the ``yuqing`` package that owns the queue, so it reads only the published record, whose
shape and key are the ground floor's :mod:`foundation.queue_health`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

from foundation.queue_health import HEALTH_KEY, QueueHealth


@lru_cache(maxsize=4)
def _client(url: str) -> Redis:
    # Short timeouts: a health probe must answer quickly even when Redis does not.
    return Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def queue_status(redis_url: str | None) -> dict[str, Any] | None:
    """The queue's section of ``/healthz``; ``None`` when no queue is configured (embedded ``yuqing run``)."""
    if not redis_url:
        return None
    try:
        raw = _client(redis_url).get(HEALTH_KEY)
    except RedisError as exc:
        return {"ok": False, "error": f"Redis not reachable: {type(exc).__name__}"}
    if raw is None:
        return {"ok": False, "error": "no scheduler is reporting (yuqing scheduler not running?)"}
    try:
        health = QueueHealth.from_json(raw)
    except ValueError as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": health.workers_alive > 0, **health.as_dict()}
