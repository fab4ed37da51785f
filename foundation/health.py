"""Source health: what each crawl run did, kept in the relational database.

The crawl process records one :class:`SourceRun` per run; ``yuqing sources`` and the API read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from foundation.db import Base, Database, JSONType, UTCDateTime


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
