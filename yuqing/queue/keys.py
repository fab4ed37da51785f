"""The names the queue uses in Redis and its timing defaults, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

#: The RQ queue of crawl jobs.
CRAWL_QUEUE = "yuqing-crawl"
#: Counter of job attempts that were retries.
RETRIED = "yuqing:stats:retried"
#: Stream of crawl starts and ends (who crawled what, when): the evidence that one source is crawled at a time.
CRAWL_LOG = "yuqing:log:crawls"
#: Stream of rule evaluations (rule, moment, worker): the evidence that one worker evaluates a rule per window.
EVAL_LOG = "yuqing:log:evaluations"
#: The latest evaluation moment the scheduler published (epoch seconds); workers evaluate each rule up to it.
EVAL_MOMENT = "yuqing:eval:moment"
#: The scheduler's own lease: a second scheduler waits instead of enqueueing the same crawls twice.
SCHEDULER_LEASE = "yuqing:lease:scheduler"
#: How many entries the log streams keep.
LOG_LENGTH = 10_000


def crawl_lease(source: str) -> str:
    """The lease a worker holds while it crawls ``source``."""
    return f"yuqing:lease:crawl:{source}"


def crawl_pending(source: str) -> str:
    """Set while a crawl job of ``source`` is queued or running: the scheduler enqueues no second one."""
    return f"yuqing:pending:crawl:{source}"


def rule_lease(rule: str) -> str:
    """The lease a worker holds while it evaluates ``rule``."""
    return f"yuqing:lease:rule:{rule}"


def rule_done(rule: str) -> str:
    """The latest moment (epoch seconds) at which ``rule`` was evaluated."""
    return f"yuqing:eval:done:{rule}"


def worker_key(name: str) -> str:
    """A live worker's heartbeat record (expires when it stops beating)."""
    return f"yuqing:worker:{name}"


@dataclass(frozen=True)
class QueueTiming:
    """How fast leases expire and how often things are looked at. Short leases retry a dead worker's job
    sooner; each must stay well above a renewal round trip."""

    lease_ttl: timedelta = timedelta(seconds=15)
    heartbeat_every: timedelta = timedelta(seconds=5)
    poll: timedelta = timedelta(seconds=2)  # scheduler: new mentions? publish a moment; reap dead jobs
    eval_poll: timedelta = timedelta(seconds=0.25)  # worker: any rule behind the published moment?
    retries: int = 3  # attempts after the first, for a job whose worker died or that raised
