"""The scheduler of the queue: enqueue each source's crawl when due, publish evaluation moments, retry the jobs
of dead workers, look after the ticket clock, and publish the queue's health.

It decides and enqueues; it runs no crawl and evaluates no rule. Only one scheduler acts at a time (it holds
:data:`~yuqing.queue.keys.SCHEDULER_LEASE`); a second one waits, ready to take over.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.executions import Execution
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, StartedJobRegistry

from foundation.timeutil import utcnow
from yuqing.queue import health, keys, moments
from yuqing.queue.lanes import process_of
from yuqing.queue.lease import Lease
from yuqing.worker import MAINTENANCE_EVERY, Worker, next_due

log = logging.getLogger(__name__)

#: The crawl job's function, by name: workers import it, the scheduler never runs it.
CRAWL_JOB = "yuqing.queue.jobs.crawl_source"


class Scheduler:
    """Decides what is due and puts it on the queue."""

    def __init__(self, redis: Redis, worker: Worker, timing: keys.QueueTiming | None = None, name: str = "scheduler"):
        self.redis = redis
        self.worker = worker
        self.timing = timing or keys.QueueTiming()
        self.queue = Queue(keys.CRAWL_QUEUE, connection=redis)
        self.lease = Lease(redis, keys.SCHEDULER_LEASE, self.timing.lease_ttl.total_seconds(), owner=name)
        self.sources = {s.name: s for s in worker.config.sources if s.enabled}
        self.due: dict[str, datetime] = {}
        self.leader = False

    # -- crawls -------------------------------------------------------------------------------------------
    def enqueue(self, source: str) -> Job | None:
        """Enqueue one crawl of ``source`` unless one is already queued or running."""
        timeout = int(self.worker.config.scheduler.crawl_timeout.total_seconds())
        job_id = f"crawl-{source}-{time.time_ns()}"
        if not self.redis.set(keys.crawl_pending(source), job_id, nx=True, ex=timeout * 4):
            return None
        return self.queue.enqueue(
            CRAWL_JOB,
            source,
            job_id=job_id,
            job_timeout=timeout + 60,
            # A retried job (its worker died) has waited its turn already: it goes to the front.
            retry=Retry(max=self.timing.retries, enqueue_at_front=True),
            result_ttl=24 * 3600,
            failure_ttl=7 * 24 * 3600,
            description=f"crawl {source}",
        )

    def enqueue_due(self, now: datetime) -> list[str]:
        """Enqueue every source whose interval has passed; returns their names."""
        if not self.due:
            last = self.worker.resources.sources.last_started()
            self.due = {name: next_due(last, source, now) for name, source in self.sources.items()}
        out = []
        for name, when in sorted(self.due.items(), key=lambda kv: kv[1]):
            if when <= now:
                if self.enqueue(name) is not None:
                    out.append(name)
                self.due[name] = now + self.sources[name].interval
        return out

    def reap(self) -> list[str]:
        """Put back on the queue the jobs whose worker died: its heartbeat expired and the job's lease is not
        held by it any more. A job without retries left goes to the failed registry."""
        registry = StartedJobRegistry(queue=self.queue)
        requeued = []
        grace = self.timing.lease_ttl.total_seconds()
        for job_id, execution_id in registry.get_job_and_execution_ids(cleanup=False):
            try:
                job = Job.fetch(job_id, connection=self.redis)
                execution = Execution.fetch(execution_id, job_id, self.redis)
            except (NoSuchJobError, ValueError):
                continue  # finished meanwhile
            if (utcnow() - execution.created_at).total_seconds() < grace:
                continue  # just started: its worker has not yet taken the lease
            worker = execution.worker_name or job.worker_name
            # Jobs run on a worker's lanes (RQ workers named <worker>+<n>); the worker's heartbeat speaks for them.
            worker_alive = bool(worker and self.redis.exists(keys.worker_key(process_of(worker))))
            source = str(job.args[0]) if job.args else ""
            owner = job.meta.get("lease_owner")
            holder = Lease(self.redis, keys.crawl_lease(source), 1).holder()
            if worker_alive or (owner is not None and holder == owner):
                continue
            retry = bool(job.retries_left)
            with self.redis.pipeline() as pipe:
                registry.remove_executions(job, pipeline=pipe)
                if retry:
                    job.retry(self.queue, pipe)
                else:
                    job.set_status(JobStatus.FAILED, pipeline=pipe)
                    FailedJobRegistry(queue=self.queue).add(job, exc_string="its worker died", pipeline=pipe)
                    pipe.delete(keys.crawl_pending(source))
                pipe.execute()
            outcome = "requeued" if retry else "failed (no retries left)"
            log.warning("crawl job %s of %s: worker %s died; %s", job.id, source, worker, outcome)
            requeued.append(job.id)
        return requeued

    # -- alerts -------------------------------------------------------------------------------------------
    def publish_moment(self, now: datetime) -> None:
        """Ask the workers to evaluate every rule at ``now`` (moments only move forward)."""
        moments.advance(self.redis, now)

    # -- the loop -----------------------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        """Run until ``stop`` is set."""
        poll = self.timing.poll.total_seconds()
        every = self.worker.config.alerts.evaluate_every
        next_eval = next_maintenance = utcnow()
        last_look = utcnow()
        rules = [r.name for r in self.worker.engine.rules]
        log.info("scheduler started: %d sources, %d rules", len(self.sources), len(rules))
        while not stop.is_set():
            try:
                self.leader = self.lease.renew() or self.lease.acquire()
                if not self.leader:
                    stop.wait(poll)
                    continue
                now = utcnow()
                self.enqueue_due(now)
                self.reap()
                if now >= next_eval or self.worker.new_data_since(last_look):
                    # Crawls store in batches as they go: a burst is evaluated within a poll, not at the end.
                    last_look = now
                    self.publish_moment(now)
                    next_eval = now + every
                if now >= next_maintenance:
                    self.worker.maintain_tickets()
                    next_maintenance = now + MAINTENANCE_EVERY
                else:
                    self.worker.dispatcher.deliver(now)
                health.publish(self.redis, health.measure(self.redis, rules))
            except Exception:  # Redis or a store hiccup must not stop the scheduler; the next poll retries
                log.exception("scheduler step failed; retrying")
            stop.wait(poll)
        if self.leader:
            self.lease.release()
        log.info("scheduler stopped")
