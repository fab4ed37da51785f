"""The evaluation moment the workers evaluate the alert rules up to, moved forward by whoever saw new data.

The scheduler publishes a moment on its timer and when its poll finds new mentions; a worker whose crawl stored
mentions publishes one as soon as the crawl ends (event-driven: the rules see a burst's mentions without
waiting for the scheduler's next poll). Workers on other machines have other clocks, so a moment only ever
moves forward: an earlier one is dropped, never written over a later one.
"""

from __future__ import annotations

from datetime import datetime

from redis import Redis

from yuqing.queue import keys

# Compare-and-set in one step: two publishers racing must not move the moment back.
_ADVANCE = (
    "local now = tonumber(redis.call('get', KEYS[1]) or '0') "
    "if tonumber(ARGV[1]) > now then redis.call('set', KEYS[1], ARGV[1]) return 1 end return 0"
)


def advance(redis: Redis, at: datetime) -> bool:
    """Publish ``at`` as the evaluation moment unless a later one is published; ``True`` when it moved."""
    return bool(redis.eval(_ADVANCE, 1, keys.EVAL_MOMENT, repr(at.timestamp())))


def current(redis: Redis) -> float | None:
    """The published moment (epoch seconds), if any."""
    raw = redis.get(keys.EVAL_MOMENT)
    return float(raw) if raw is not None else None
