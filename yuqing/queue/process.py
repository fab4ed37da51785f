"""The ``yuqing worker`` and ``yuqing scheduler`` processes: open the stores, connect to Redis, run.

A worker takes crawl jobs on its main thread (RQ's SimpleWorker) and on ``crawls - 1`` more lanes
(:mod:`yuqing.queue.lanes`), and runs them in its warm crawl child (:mod:`yuqing.queue.warm`, started before the
first job, dying with the worker, running that many crawls side by side); it evaluates its share of the alert
rules on another thread.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import threading
from typing import Any

from redis import Redis
from rq import Queue, SimpleWorker

from api.resources import Resources
from foundation.queue_health import QueueHealth
from yuqing.queue import health, jobs, keys
from yuqing.queue.evaluator import RuleEvaluator
from yuqing.queue.lanes import Lanes
from yuqing.queue.scheduler import Scheduler
from yuqing.queue.warm import WarmCrawler
from yuqing.worker import Worker

log = logging.getLogger(__name__)


def connect(url: str) -> Redis:
    """A Redis connection; fails fast (``redis.ConnectionError``) when the server is not there."""
    redis = Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
    redis.ping()
    return redis


def queue_reader(redis: Redis) -> Any:
    """What the ``crawl_backlog`` rule reads: the last published queue health."""

    def read() -> QueueHealth | None:
        return health.read(redis)

    return read


def default_name() -> str:
    """host.pid plus a random tag: a restarted container has the same host name and pid 1 again, and RQ
    refuses a name whose previous owner (killed) is still registered."""
    return f"{socket.gethostname()}.{os.getpid()}.{secrets.token_hex(2)}"


def warm_tickets(resources: Resources) -> None:
    """Load what opening the first ticket loads (the complaint reader and the sentiment model it scores with):
    py-spy found the first ticket of a crisis in each worker waiting seconds on it."""
    from tickets.policy import TicketPolicy

    config = resources.config
    TicketPolicy.from_config(config.tickets, config.timezone).warm_up()


def run_worker(
    resources: Resources,
    redis: Redis,
    *,
    name: str | None = None,
    timing: keys.QueueTiming | None = None,
    burst: bool = False,
    crawls: int = 1,
) -> None:
    """Take crawl jobs (``crawls`` at a time) and evaluate rules until SIGTERM/SIGINT (the jobs at hand are
    finished first)."""
    name = name or default_name()
    worker = Worker(resources.settings, resources.config, resources)
    worker.engine.queue = queue_reader(redis)
    crawler = WarmCrawler(resources.settings, worker.log_dir, name, concurrency=crawls)
    crawler.start()  # imports and models loaded before the first job, not during it
    warm_tickets(resources)
    ctx = jobs.WorkerContext(redis, worker, name, timing or keys.QueueTiming(), crawler=crawler)
    jobs.install(ctx)
    evaluator = RuleEvaluator(ctx, worker.engine).start()
    rq_worker = SimpleWorker([Queue(keys.CRAWL_QUEUE, connection=redis)], connection=redis, name=name)
    # Burst mode (tests, one-off runs) keeps to one lane: it stops when the queue is empty.
    lanes = Lanes(redis, keys.CRAWL_QUEUE, name, 0 if burst else crawls - 1).start()
    log.info(
        "worker %s started: %d crawls at a time, %d rules shared, crawl queue %s",
        name,
        crawls,
        len(worker.engine.rules),
        keys.CRAWL_QUEUE,
    )
    try:
        rq_worker.work(burst=burst, logging_level=logging.getLevelName(logging.getLogger().level))
    finally:
        lanes.stop()
        evaluator.stop()
        crawler.close()
        jobs.install(None)
        log.info("worker %s stopped", name)


def run_scheduler(resources: Resources, redis: Redis, *, timing: keys.QueueTiming | None = None) -> None:
    """Schedule until SIGTERM/SIGINT."""
    import asyncio

    worker = Worker(resources.settings, resources.config, resources)
    scheduler = Scheduler(redis, worker, timing, name=default_name())
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        scheduler.run(stop)
    finally:
        asyncio.run(worker.aclose())
