"""Source health: what each crawl run did, kept in the relational database.

The crawl process records one :class:`SourceRun` per run; ``yuqing sources`` and the API read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from yuqing.db import Base, Database, JSONType, UTCDateTime


class SourceRun(Base):
    """One crawl of one source."""

    __tablename__ = "source_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))  # ok | degraded | failed
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
        with self.db.session() as s:
            stmt = select(SourceRun).where(SourceRun.source == source).order_by(SourceRun.id.desc()).limit(limit)
            return list(s.scalars(stmt))
