"""Generated reports kept in the database: produce one (figures, sentences, XLSX and PDF), list and serve them.

A report over one brand is visible to whoever may see that brand; the report over every brand (``brand=''``)
only to callers whose scope is not limited, since its figures include brands they may not see. A report is
made once per kind, period and brand: the scheduler asks :meth:`ReportArchive.exists` before generating, and
a second writer racing for the same report finds the unique key taken and keeps the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from foundation.access import Principal
from foundation.db import Database
from foundation.errors import NotFound
from foundation.i18n import Language
from foundation.timeutil import utcnow
from tickets.models import StoredReport
from tickets.periods import ReportKind
from tickets.report import WeeklyReport
from tickets.report_files import PDF_TYPE, XLSX_TYPE, render_pdf, render_xlsx
from tickets.report_text import report_lines

FileFormat = Literal["xlsx", "pdf"]
CONTENT_TYPES: dict[FileFormat, str] = {"xlsx": XLSX_TYPE, "pdf": PDF_TYPE}


@dataclass
class ReportEntry:
    """A stored report without its files: what a list shows."""

    id: int
    kind: ReportKind
    period: str
    brand: str | None
    language: str
    created_at: datetime
    created_by: str
    summary: list[str]
    received: int
    pushed_to: list[str]
    xlsx_bytes: int
    pdf_bytes: int
    #: Stored by this call (``False``: an earlier one was kept); only a fresh report is pushed.
    fresh: bool = False

    @classmethod
    def of(cls, row: StoredReport) -> ReportEntry:
        return cls(
            id=row.id,
            kind=row.kind,  # type: ignore[arg-type] # only the three kinds are ever written
            period=row.period,
            brand=row.brand or None,
            language=row.language,
            created_at=row.created_at,
            created_by=row.created_by,
            summary=list(row.summary),
            received=int(row.figures.get("received", 0)),
            pushed_to=list(row.pushed_to),
            xlsx_bytes=len(row.xlsx),
            pdf_bytes=len(row.pdf),
        )


def _visible(actor: Principal, brand: str) -> bool:
    scope = actor.scope
    return not scope.limited if brand == "" else scope.admits([brand])


class ReportArchive:
    """The ``reports`` table."""

    def __init__(self, db: Database):
        self.db = db

    def exists(self, kind: ReportKind, period: str, brand: str | None) -> bool:
        with self.db.session() as s:
            return (
                s.scalars(
                    select(StoredReport.id).where(
                        StoredReport.kind == kind, StoredReport.period == period, StoredReport.brand == (brand or "")
                    )
                ).first()
                is not None
            )

    def store(
        self,
        report: WeeklyReport,
        language: Language,
        *,
        created_by: str,
        pushed_to: list[str] | None = None,
        replace: bool = False,
    ) -> ReportEntry:
        """Render ``report`` as XLSX and PDF and keep it; with ``replace`` an earlier one of the same kind,
        period and brand is replaced (a report made again by hand), else the earlier one is kept and returned."""
        row = StoredReport(
            kind=report.kind,
            period=report.week,
            brand=report.brand or "",
            language=language,
            created_at=utcnow(),
            created_by=created_by,
            summary=report_lines(report, language),
            figures=report.model_dump(mode="json"),
            xlsx=render_xlsx(report, language),
            pdf=render_pdf(report, language),
            pushed_to=list(pushed_to or []),
        )
        key = (StoredReport.kind == row.kind, StoredReport.period == row.period, StoredReport.brand == row.brand)
        try:
            with self.db.transaction() as s:
                earlier = s.scalars(select(StoredReport).where(*key)).first()
                if earlier is not None and not replace:
                    return ReportEntry.of(earlier)
                if earlier is not None:
                    s.delete(earlier)
                    s.flush()
                s.add(row)
                s.flush()
                entry = ReportEntry.of(row)
                entry.fresh = True
                return entry
        except IntegrityError:  # another worker stored the same report a moment earlier: keep theirs
            with self.db.session() as s:
                return ReportEntry.of(s.scalars(select(StoredReport).where(*key)).one())

    def set_pushed(self, report_id: int, channels: list[str]) -> None:
        with self.db.transaction() as s:
            row = s.get(StoredReport, report_id)
            if row is not None:
                row.pushed_to = list(channels)

    def list(self, actor: Principal, *, kind: ReportKind | None = None, limit: int = 50) -> list[ReportEntry]:
        """The newest reports ``actor`` may see, newest period first."""
        stmt = select(StoredReport).order_by(StoredReport.created_at.desc(), StoredReport.id.desc())
        if kind:
            stmt = stmt.where(StoredReport.kind == kind)
        scope = actor.scope
        if scope.brands is not None:
            stmt = stmt.where(StoredReport.brand.in_(sorted(scope.brands)))
        with self.db.session() as s:
            return [ReportEntry.of(row) for row in s.scalars(stmt.limit(limit))]

    def get(self, actor: Principal, report_id: int) -> ReportEntry:
        with self.db.session() as s:
            return ReportEntry.of(self._row(s.get(StoredReport, report_id), actor, report_id))

    def file(self, actor: Principal, report_id: int, fmt: FileFormat) -> tuple[ReportEntry, bytes]:
        """A report's XLSX or PDF; :class:`NotFound` when it does not exist for ``actor``."""
        with self.db.session() as s:
            row = self._row(s.get(StoredReport, report_id), actor, report_id)
            return ReportEntry.of(row), bytes(row.xlsx if fmt == "xlsx" else row.pdf)

    @staticmethod
    def _row(row: StoredReport | None, actor: Principal, report_id: int) -> StoredReport:
        if row is None or not _visible(actor, row.brand):
            raise NotFound(f"report {report_id} does not exist")
        return row


def report_files(db: Database, report_id: int) -> list[tuple[FileFormat, str, bytes]]:
    """A stored report's files as (format, file name, bytes), for delivery by the service itself."""
    with db.session() as s:
        row = s.get(StoredReport, report_id)
        if row is None:
            return []
        stem = file_stem(row.kind, row.period, row.brand)
        return [("xlsx", f"{stem}.xlsx", bytes(row.xlsx)), ("pdf", f"{stem}.pdf", bytes(row.pdf))]


def file_stem(kind: str, period: str, brand: str | None) -> str:
    """``report-weekly-2026-W47-鲜达外卖``: a file name that says what is inside."""
    return "-".join(p for p in ("report", kind, period, brand or "") if p)
