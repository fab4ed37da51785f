"""What a worker does with a crawl job: take the source's lease, crawl it in the worker's warm crawl child
(:mod:`yuqing.queue.warm`), give the lease back.

The job runs inside a ``yuqing worker`` process (RQ's SimpleWorker: in the process itself, so the crawl child
is ours and dies with us). The process installs a :class:`WorkerContext` before it takes jobs. A crawl child
that dies in the middle of a crawl makes the job raise, and RQ retries it (the next crawl gets a new child).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from redis import Redis
from rq import get_current_job

from foundation.timeutil import utcnow
from yuqing.queue import keys, moments
from yuqing.queue.lease import Lease, LeaseKeeper
from yuqing.queue.warm import CrawlChildDied

if TYPE_CHECKING:
    from crawlers.sources import SourceConfig
    from yuqing.queue.warm import WarmCrawler
    from yuqing.worker import CrawlResult, Worker

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
    #: The warm crawl child; without one, each crawl is a ``yuqing crawl`` process of its own.
    crawler: WarmCrawler | None = None


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


def _crawl(ctx: WorkerContext, source: SourceConfig) -> CrawlResult:
    timeout = ctx.worker.config.scheduler.crawl_timeout.total_seconds()
    if ctx.crawler is not None:
        return ctx.crawler.crawl(source.name, timeout)
    return asyncio.run(ctx.worker.crawl(source, die_with_parent=True))


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
    retried = False
    thread = threading.current_thread()
    lane = "crawl" if thread is threading.main_thread() else f"crawl {thread.name}"
    try:
        with LeaseKeeper(lease):
            ctx.current[lane] = source
            entry = {"source": source, "worker": ctx.name, "job": job_id}
            log_event(ctx.redis, keys.CRAWL_LOG, event="start", at=time.time(), **entry)
            try:
                result = _crawl(ctx, found[0])
            except CrawlChildDied:
                # RQ retries the job (at the front of the queue): it stays this source's pending crawl.
                retried = job is not None and bool(job.retries_left)
                log_event(ctx.redis, keys.CRAWL_LOG, event="end", at=time.time(), **entry)
                raise
            log_event(ctx.redis, keys.CRAWL_LOG, event="end", at=time.time(), **entry)
    finally:
        ctx.current.pop(lane, None)
        lease.release()
        if not retried:
            ctx.redis.delete(keys.crawl_pending(source))
    report = result.report or {}
    if report.get("created", 0) or report.get("updated", 0):
        # New mentions: the rules look now, not at the scheduler's next poll (stored→ticket latency).
        moments.advance(ctx.redis, utcnow())
    log.info("crawl %s: %s (%s new, attempt %d)", source, result.status, report.get("created", 0), attempt)
    return {
        "source": source,
        "status": result.status,
        "created": report.get("created", 0),
        "updated": report.get("updated", 0),
        "error": result.error,
        "attempt": attempt,
        "crawl_child": ctx.crawler.pid if ctx.crawler is not None else None,
    }
