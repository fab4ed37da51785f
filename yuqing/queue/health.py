"""The queue's health, computed from Redis: backlog, oldest job age, failures, retries, live workers."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, StartedJobRegistry

from foundation.queue_health import HEALTH_KEY, QueueHealth, WorkerInfo
from foundation.timeutil import utcnow
from yuqing.queue import keys

log = logging.getLogger(__name__)


def live_workers(redis: Redis) -> list[WorkerInfo]:
    """The workers whose heartbeat has not expired, by name."""
    out = []
    for key in redis.scan_iter(match=keys.worker_key("*"), count=500):
        raw = redis.get(key)
        if raw is None:
            continue  # expired between the scan and the read
        try:
            out.append(WorkerInfo(**json.loads(raw)))
        except (TypeError, ValueError):
            log.warning("unreadable worker record %s", key)
    return sorted(out, key=lambda w: w.name)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def measure(redis: Redis, rules: list[str] | None = None) -> QueueHealth:
    """The queue as it is now; with ``rules``, also how far the slowest of them is behind."""
    now = utcnow()
    queue = Queue(keys.CRAWL_QUEUE, connection=redis)
    oldest_age = None
    for job_id in queue.get_job_ids(0, 10):  # the head of the list is the oldest (a few may have been deleted)
        job = Job.fetch(job_id, connection=redis) if Job.exists(job_id, connection=redis) else None
        if job is not None and job.enqueued_at is not None:
            oldest_age = max(0.0, (now - _aware(job.enqueued_at)).total_seconds())
            break
    lag = None
    moment = redis.get(keys.EVAL_MOMENT)
    if rules and moment is not None:
        done = [float(d) for d in (redis.get(keys.rule_done(r)) for r in rules) if d is not None]
        if done:  # rules never evaluated yet have no lag to speak of
            lag = max(0.0, float(moment) - min(done))
    return QueueHealth(
        at=now,
        depth=queue.count,
        oldest_job_age_seconds=oldest_age,
        running=StartedJobRegistry(queue=queue).get_job_count(cleanup=False),
        failed=FailedJobRegistry(queue=queue).get_job_count(cleanup=False),
        retried=int(redis.get(keys.RETRIED) or 0),
        workers=live_workers(redis),
        eval_lag_seconds=lag,
    )


def publish(redis: Redis, health: QueueHealth, ttl_seconds: int = 30) -> None:
    """Store ``health`` where the API and the alert rules read it; it vanishes if nobody renews it."""
    redis.set(HEALTH_KEY, health.to_json(), ex=ttl_seconds)


def read(redis: Redis) -> QueueHealth | None:
    """The last published health, if a scheduler is reporting."""
    raw = redis.get(HEALTH_KEY)
    if raw is None:
        return None
    try:
        return QueueHealth.from_json(raw)
    except ValueError:
        log.warning("unreadable queue health record")
        return None
