"""Source health: what each crawl run did, kept in the relational database.

The crawl process records one :class:`SourceRun` per run; ``yuqing sources`` and the API read them. The row is
written when the run *starts* (status ``running``, the process named in ``finish_reason`` as
``pid:<pid>@<host>``) and completed when it ends, so a crawl that was killed or hangs is visible: a ``running``
row whose process is gone (same host) or that is older than :data:`STALE_AFTER` counts as *failed*, and the
next run of the source closes it as such.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from foundation.db import Base, Database, JSONType, UTCDateTime
from foundation.timeutil import utcnow


class SourceRun(Base):
    """One crawl of one source."""

    __tablename__ = "source_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(32))  # ok | degraded | failed | needs_credentials | blocked
    finish_reason: Mapped[str | None] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    items_scraped: Mapped[int] = mapped_column(Integer, default=0)
    items_matched: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    dropped: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    parse_errors: Mapped[int] = mapped_column(Integer, default=0)
    store_errors: Mapped[int] = mapped_column(Integer, default=0)
    http_errors: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    robots_blocked: Mapped[int] = mapped_column(Integer, default=0)
    brands: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    shape_errors: Mapped[int] = mapped_column(Integer, default=0)
    samples: Mapped[list[str]] = mapped_column(JSONType, default=list)

    __table_args__ = (Index("ix_source_runs_source_started", "source", "started_at"),)


@dataclass
class RunReport:
    """What a crawl run did; built from Scrapy's stats by the runner."""

    source: str
    started_at: datetime
    finished_at: datetime
    status: str
    finish_reason: str | None = None
    pages: int = 0
    items_scraped: int = 0
    items_matched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    parse_errors: int = 0
    store_errors: int = 0
    http_errors: dict[str, int] = field(default_factory=dict)
    robots_blocked: int = 0
    brands: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    shape_errors: int = 0  # responses whose structure changed (parse_errors counts them too)
    samples: list[str] = field(default_factory=list)  # files keeping such responses, for debugging

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.__dict__.items()}


class SourceRunStore:
    """Records crawl runs and answers "how is each source doing"."""

    def __init__(self, db: Database):
        self.db = db

    def record(self, report: RunReport) -> int:
        with self.db.transaction() as s:
            row = SourceRun(**report.__dict__)
            s.add(row)
            s.flush()
            return row.id

    def start(self, source: str, started_at: datetime) -> int:
        """Write the record of a run that begins now (``running``); earlier runs left open are closed as failed."""
        with self.db.transaction() as s:
            for row in s.scalars(select(SourceRun).where(SourceRun.source == source, SourceRun.status == RUN_RUNNING)):
                _close_interrupted(row, started_at)
            row = SourceRun(source=source, started_at=started_at, status=RUN_RUNNING, finish_reason=_this_process())
            s.add(row)
            s.flush()
            return row.id

    def finish(self, run_id: int, report: RunReport) -> None:
        """Complete the record :meth:`start` wrote with what the run did."""
        with self.db.transaction() as s:
            row = s.get(SourceRun, run_id)
            if row is None:  # the row was removed meanwhile: keep the report anyway
                s.add(SourceRun(**report.__dict__))
                return
            for key, value in report.__dict__.items():
                if key != "started_at":
                    setattr(row, key, value)

    def latest(self, sources: Sequence[str] | None = None) -> dict[str, SourceRun]:
        """The most recent run of each source."""
        with self.db.session() as s:
            newest = select(SourceRun.source, func.max(SourceRun.id).label("id")).group_by(SourceRun.source)
            if sources:
                newest = newest.where(SourceRun.source.in_(sources))
            sub = newest.subquery()
            rows = s.scalars(select(SourceRun).join(sub, SourceRun.id == sub.c.id))
            return {row.source: row for row in rows}

    def last_started(self) -> dict[str, datetime]:
        """When each source was last crawled (for the scheduler after a restart)."""
        with self.db.session() as s:
            rows = s.execute(select(SourceRun.source, func.max(SourceRun.started_at)).group_by(SourceRun.source))
            return {source: started for source, started in rows if started is not None}

    def runs(self, source: str, limit: int = 20) -> list[SourceRun]:
        """A source's runs, newest first."""
        with self.db.session() as s:
            stmt = select(SourceRun).where(SourceRun.source == source).order_by(SourceRun.id.desc()).limit(limit)
            return list(s.scalars(stmt))

    def health(self, sources: Sequence[str], history: int = 20) -> dict[str, SourceHealth]:
        """The health of each named source, from its last ``history`` runs (a success further back than that
        shows as unknown)."""
        return {name: source_health(name, self.runs(name, history)) for name in sources}


class SourceState(StrEnum):
    """How a source is doing, from its recent runs."""

    ok = "ok"
    degraded = "degraded"  # items flow, but some pages failed or did not parse (a layout may have changed)
    failing = "failing"  # the last run got nothing
    needs_credentials = "needs_credentials"  # a cookie or key is missing, expired or refused
    blocked = "blocked"  # a captcha, a rate block or a flagged account: a person must act, then wait
    never_run = "never_run"


#: Run statuses written by the runner.
RUN_OK, RUN_DEGRADED, RUN_FAILED, RUN_NEEDS_CREDENTIALS = "ok", "degraded", "failed", "needs_credentials"
RUN_BLOCKED = "blocked"
RUN_RUNNING = "running"
#: A run still ``running`` after this long is taken as hung or killed (longer than any crawl_timeout in use).
STALE_AFTER = timedelta(hours=3)
#: ``finish_reason`` of a run whose process died before it could close its record.
INTERRUPTED = "interrupted"


def _this_process() -> str:
    return f"pid:{os.getpid()}@{socket.gethostname()}"


def run_is_dead(run: SourceRun, now: datetime | None = None) -> bool:
    """Whether a ``running`` run's process is gone (same host: the pid does not exist) or it is stale."""
    if run.status != RUN_RUNNING:
        return False
    now = now or utcnow()
    if now - run.started_at > STALE_AFTER:
        return True
    owner = run.finish_reason or ""
    pid_text, _, host = owner.removeprefix("pid:").partition("@")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another machine's crawl: only its age can tell
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # exists, owned by someone else
        return False
    return False


def _close_interrupted(row: SourceRun, now: datetime) -> None:
    row.status = RUN_FAILED
    row.finish_reason = INTERRUPTED
    row.finished_at = row.finished_at or now
    row.error = "the crawl process ended without closing its run (killed, crashed or hung past the crawl timeout)"


_STATE_OF_RUN = {
    RUN_OK: SourceState.ok,
    RUN_DEGRADED: SourceState.degraded,
    RUN_FAILED: SourceState.failing,
    RUN_NEEDS_CREDENTIALS: SourceState.needs_credentials,
    RUN_BLOCKED: SourceState.blocked,
}


@dataclass
class SourceHealth:
    """One source's health: its state and the figures of its last run."""

    name: str
    state: SourceState
    last_run_at: datetime | None = None
    last_success_at: datetime | None = None
    consecutive_failures: int = 0
    items_last_run: int | None = None
    created_last_run: int | None = None
    parse_errors: int = 0
    shape_errors: int = 0
    http_errors: dict[str, int] = field(default_factory=dict)
    last_error: str | None = None
    samples: list[str] = field(default_factory=list)
    last_productive_at: datetime | None = None  # the last run that found items
    first_run_at: datetime | None = None  # the oldest run looked at


def source_health(name: str, runs: Sequence[SourceRun]) -> SourceHealth:
    """Health from a source's runs, newest first."""
    # A run in progress says nothing yet; one whose process is gone failed.
    live: list[SourceRun] = []
    for run in runs:
        if run.status == RUN_RUNNING:
            if not run_is_dead(run):
                continue
            _close_interrupted(run, utcnow())  # in memory only: the next run of the source records it
        live.append(run)
    runs = live
    if not runs:
        return SourceHealth(name, SourceState.never_run)
    last = runs[0]
    failures = 0
    for run in runs:
        if run.status in (RUN_OK, RUN_DEGRADED):
            break
        failures += 1
    success = next((run.started_at for run in runs if run.status in (RUN_OK, RUN_DEGRADED)), None)
    return SourceHealth(
        name=name,
        state=_STATE_OF_RUN.get(last.status, SourceState.failing),
        last_run_at=last.started_at,
        last_success_at=success,
        consecutive_failures=failures,
        items_last_run=last.items_scraped,
        created_last_run=last.created,
        parse_errors=last.parse_errors,
        shape_errors=last.shape_errors or 0,
        http_errors=dict(last.http_errors or {}),
        last_error=last.error,
        samples=list(last.samples or []),
        last_productive_at=next(
            (run.started_at for run in runs if run.status in (RUN_OK, RUN_DEGRADED) and run.items_scraped > 0), None
        ),
        first_run_at=runs[-1].started_at,
    )
