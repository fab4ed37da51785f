"""What a worker does with a crawl job: take the source's lease, run ``yuqing crawl SOURCE``, give it back.

The job runs inside a ``yuqing worker`` process (RQ's SimpleWorker: in the process itself, so the crawl child
is ours and dies with us). The process installs a :class:`WorkerContext` before it takes jobs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from redis import Redis
from rq import get_current_job

from yuqing.queue import keys
from yuqing.queue.lease import Lease, LeaseKeeper

if TYPE_CHECKING:
    from yuqing.worker import Worker

log = logging.getLogger(__name__)


@dataclass
class WorkerContext:
    """What jobs in this process share: the Redis connection, the stores (through the scheduler's
    :class:`~yuqing.worker.Worker`, which knows how to run a crawl) and this worker's name."""

    redis: Redis
    worker: Worker
    name: str
    timing: keys.QueueTiming = field(default_factory=keys.QueueTiming)
    current: dict[str, str] = field(default_factory=dict)  # thread name -> what it works on (for health)


_context: WorkerContext | None = None


def install(context: WorkerContext | None) -> None:
    """Make ``context`` the one the jobs of this process use."""
    global _context
    _context = context


def context() -> WorkerContext:
    if _context is None:
        raise RuntimeError("no worker context: crawl jobs run inside `yuqing worker`")
    return _context


def log_event(redis: Redis, stream: str, **fields: str | float | int) -> None:
    """Append to one of the queue's log streams (capped)."""
    redis.xadd(stream, {k: str(v) for k, v in fields.items()}, maxlen=keys.LOG_LENGTH, approximate=True)


def crawl_source(source: str) -> dict[str, Any]:
    """The crawl job: crawl ``source`` once unless another worker is crawling it right now."""
    ctx = context()
    job = get_current_job()
    attempt = 1
    if job is not None:
        attempt = int(job.meta.get("attempts", 0)) + 1
        job.meta["attempts"] = attempt
        job.save_meta()  # type: ignore[no-untyped-call]
        if attempt > 1:
            ctx.redis.incr(keys.RETRIED)
    config = ctx.worker.config
    found = [s for s in config.sources if s.name == source and s.enabled]
    if not found:
        ctx.redis.delete(keys.crawl_pending(source))
        return {"source": source, "status": "skipped", "reason": "not an enabled source in this worker's config"}
    lease = Lease(ctx.redis, keys.crawl_lease(source), ctx.timing.lease_ttl.total_seconds(), owner=ctx.name)
    if not lease.acquire():
        # Another live worker crawls it now; that crawl picks up where the cursor is, so nothing is missed.
        log.info("crawl %s skipped: %s holds it", source, lease.holder())
        return {"source": source, "status": "skipped", "reason": f"crawled by {lease.holder()}"}
    if job is not None:
        job.meta["lease_owner"] = lease.owner
        job.save_meta()  # type: ignore[no-untyped-call]
    job_id = job.id if job is not None else "-"
    try:
        with LeaseKeeper(lease):
            ctx.current["crawl"] = source
            entry = {"source": source, "worker": ctx.name, "job": job_id}
            log_event(ctx.redis, keys.CRAWL_LOG, event="start", at=time.time(), **entry)
            result = asyncio.run(ctx.worker.crawl(found[0], die_with_parent=True))
            log_event(ctx.redis, keys.CRAWL_LOG, event="end", at=time.time(), **entry)
    finally:
        ctx.current.pop("crawl", None)
        lease.release()
        ctx.redis.delete(keys.crawl_pending(source))
    report = result.report or {}
    log.info("crawl %s: %s (%s new, attempt %d)", source, result.status, report.get("created", 0), attempt)
    return {
        "source": source,
        "status": result.status,
        "created": report.get("created", 0),
        "updated": report.get("updated", 0),
        "error": result.error,
        "attempt": attempt,
    }
