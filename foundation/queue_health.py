"""Queue health: how the shared work queue is doing, as one small record any floor can read.

The roof's queue (``yuqing.queue``) computes a :class:`QueueHealth` and publishes it as JSON under
:data:`HEALTH_KEY` in Redis; the API (``api.queue_status``) and the ``crawl_backlog`` alert rule read that record
without importing the roof. This module is the contract between them: the shape, the key and the parser.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

#: The Redis key holding the latest :class:`QueueHealth` as JSON (written by the scheduler, with a short TTL:
#: a missing key means no scheduler is reporting).
HEALTH_KEY = "yuqing:health"


@dataclass
class WorkerInfo:
    """One live ``yuqing worker`` process."""

    name: str
    host: str
    pid: int
    started_at: str
    seen_at: str
    current: str | None = None  # the crawl or rule it is working on, if any


@dataclass
class QueueHealth:
    """The queue at one moment: backlog, age of its oldest job, failures, retries and live workers."""

    at: datetime
    depth: int  # crawl jobs waiting
    oldest_job_age_seconds: float | None  # age of the oldest waiting job (None: the queue is empty)
    running: int  # crawl jobs being worked on
    failed: int  # jobs that failed for good (kept in the failed registry)
    retried: int  # job attempts that were retries (a dead worker's job, an error)
    workers: list[WorkerInfo] = field(default_factory=list)
    eval_lag_seconds: float | None = None  # how far the slowest rule is behind the last published moment

    @property
    def workers_alive(self) -> int:
        return len(self.workers)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["at"] = self.at.isoformat()
        out["workers_alive"] = self.workers_alive
        return out

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> QueueHealth:
        """Parse what :meth:`to_json` wrote; ``ValueError`` on anything else."""
        try:
            data = json.loads(raw)
            at = datetime.fromisoformat(data["at"])
            return cls(
                at=at if at.tzinfo else at.replace(tzinfo=UTC),
                depth=int(data["depth"]),
                oldest_job_age_seconds=data.get("oldest_job_age_seconds"),
                running=int(data.get("running", 0)),
                failed=int(data.get("failed", 0)),
                retried=int(data.get("retried", 0)),
                workers=[WorkerInfo(**w) for w in data.get("workers", [])],
                eval_lag_seconds=data.get("eval_lag_seconds"),
            )
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a queue health record: {exc}") from exc


#: Where a reader gets the latest record from (``None``: no queue is configured or none is reporting).
QueueHealthReader = Callable[[], QueueHealth | None]
