"""Incremental crawling: per source and query, what was already seen (a high-water mark, a paging token).

A cursor advances only after the run's mentions were stored: a crawl that loses mentions to a store outage
leaves its cursors where they were, so the next run fetches those posts again instead of skipping them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from foundation.db import Base, Database, JSONType, UTCDateTime
from foundation.timeutil import to_utc


class SourceCursorRow(Base):
    """What one source has seen of one query."""

    __tablename__ = "source_cursors"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(500), primary_key=True)
    high_water: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass
class Cursor:
    """The position of one query: the newest post time stored so far and any platform paging state.

    ``overlap`` re-reads a little before the high-water mark, because platforms publish late and clocks
    disagree; re-read posts are recognised by id and cost nothing.
    """

    key: str
    high_water: datetime | None = None
    state: dict[str, Any] = field(default_factory=dict)
    overlap: timedelta = timedelta(minutes=10)
    seen_max: datetime | None = None  # newest post time met in this run
    complete: bool = False  # the run read this query down to posts already seen, or to its last page
    capped: bool = False  # the run stopped this query at max_pages

    def cutoff(self, now: datetime, backfill: timedelta) -> datetime:
        """Posts older than this are not fetched: before the high-water mark, or the backfill on a first run."""
        if self.high_water is None:
            return now - backfill
        return self.high_water - self.overlap

    def saw(self, published_at: datetime | None) -> None:
        if published_at is not None:
            published_at = to_utc(published_at)
            if self.seen_max is None or published_at > self.seen_max:
                self.seen_max = published_at

    @property
    def first_run(self) -> bool:
        return self.high_water is None

    def advanced(self) -> datetime | None:
        """The high-water mark after this run."""
        candidates = [t for t in (self.high_water, self.seen_max) if t is not None]
        return max(candidates) if candidates else None


class CursorStore:
    """Cursors in the relational database."""

    def __init__(self, db: Database):
        self.db = db

    def load(self, source: str) -> dict[str, Cursor]:
        with self.db.session() as s:
            rows = s.scalars(select(SourceCursorRow).where(SourceCursorRow.source == source))
            return {row.key: Cursor(row.key, row.high_water, dict(row.state or {})) for row in rows}

    def save(self, source: str, cursors: dict[str, Cursor], now: datetime) -> None:
        """Store the advanced cursors of a run, all or none."""
        with self.db.transaction() as s:
            for cursor in cursors.values():
                row = s.get(SourceCursorRow, (source, cursor.key))
                if row is None:
                    row = SourceCursorRow(source=source, key=cursor.key)
                    s.add(row)
                row.high_water = cursor.advanced()
                row.state = dict(cursor.state)
                row.updated_at = now

    def reset(self, source: str) -> int:
        """Forget what a source has seen (the next run backfills again); returns how many cursors went."""
        with self.db.transaction() as s:
            rows = list(s.scalars(select(SourceCursorRow).where(SourceCursorRow.source == source)))
            for row in rows:
                s.delete(row)
            return len(rows)
