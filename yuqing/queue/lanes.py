"""Several crawl jobs at once in one worker: RQ workers ("lanes") on threads, all feeding the one warm crawl child.

A crawl waits on its pages (200 ms each, many per crawl in a burst), not on the processor, so one job at a time
leaves a worker idle most of the time. RQ runs one job per worker; a ``yuqing worker`` therefore runs its main
RQ worker on the main thread (it owns the signal handlers) and ``crawls - 1`` more on threads. Each lane is an
RQ worker of its own, named ``<worker>+<n>`` (RQ wants unique names), and sends its crawls to the worker's warm
crawl child, which runs that many side by side on its reactor. Leases are unchanged: a source is still crawled
by one lane of one worker at a time, and a dead worker's jobs are retried whichever lane ran them
(:func:`process_of` maps a lane back to the worker whose heartbeat says it is alive).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from redis import Redis
from rq import Queue, SimpleWorker
from rq.exceptions import StopRequested
from rq.timeouts import TimerDeathPenalty
from rq.worker import WorkerStatus

log = logging.getLogger(__name__)

#: Between a worker's name and its lane number in a lane's RQ name.
LANE_SEP = "+"
#: A lane's RQ heartbeat TTL: it waits on the queue ``LANE_TTL - 15`` s at a time, so it stops within that.
LANE_TTL = 20


def lane_name(worker: str, number: int) -> str:
    """The RQ name of lane ``number`` (1, 2, …) of ``worker``."""
    return f"{worker}{LANE_SEP}{number}"


def process_of(rq_worker: str) -> str:
    """The ``yuqing worker`` an RQ worker name belongs to (itself for the main lane)."""
    return rq_worker.split(LANE_SEP, 1)[0]


class LaneWorker(SimpleWorker):
    """An RQ worker on a thread other than the main one.

    Signals reach the main thread only, so a lane installs no handlers and is stopped by :meth:`stop` (it ends
    the job at hand first, as a warm shutdown would). Job timeouts use a timer, not ``SIGALRM``.
    """

    death_penalty_class = TimerDeathPenalty

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.stopping = threading.Event()

    def _install_signal_handlers(self) -> None:
        """Not on a thread (Python allows it on the main thread only)."""

    def stop(self) -> None:
        """Stop taking jobs; the job at hand (if any) is finished first."""
        self.stopping.set()

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        # RQ beats before each wait on the queue and after each job: where an idle lane may leave its loop.
        if self.stopping.is_set() and self.get_state() != WorkerStatus.BUSY:
            raise StopRequested
        super().heartbeat(timeout, pipeline)


class Lanes:
    """The extra lanes of one worker (``count`` of them), each an RQ worker on its own thread."""

    def __init__(self, redis: Redis, queue: str, worker: str, count: int):
        self.workers = [
            LaneWorker(
                [Queue(queue, connection=redis)], connection=redis, name=lane_name(worker, n), worker_ttl=LANE_TTL
            )
            for n in range(1, count + 1)
        ]
        self.threads = [
            threading.Thread(target=self._work, args=(w,), name=f"lane-{w.name}", daemon=True) for w in self.workers
        ]

    def _work(self, worker: LaneWorker) -> None:
        try:
            worker.work(logging_level=logging.getLevelName(logging.getLogger().level))
        except Exception:  # a lane that died leaves the others working; the worker's log says why
            log.exception("crawl lane %s stopped", worker.name)

    def start(self) -> Lanes:
        for thread in self.threads:
            thread.start()
        return self

    def stop(self, timeout: float = 60.0) -> None:
        """Ask every lane to stop and wait for their jobs at hand."""
        for worker in self.workers:
            worker.stop()
        for thread in self.threads:
            thread.join(timeout=timeout)
