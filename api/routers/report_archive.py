"""``/reports/archive`` and ``/reports/complaints``: the scheduled daily, weekly and monthly reports (stored with
their XLSX and PDF, listed and downloaded within the caller's brands) and any period's report computed now."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from api.deps import ConfigDep, MentionStoreDep, ObjectId, PrincipalDep, ResourcesDep, TicketStoreDep
from foundation.timeutil import utcnow
from tickets.periods import ReportKind, parse_period
from tickets.report import WeeklyReport, complaint_report, mention_counter
from tickets.report_archive import CONTENT_TYPES, ReportArchive, file_stem
from tickets.report_text import report_lines

router = APIRouter(prefix="/reports", tags=["reports"])


class ReportEntryOut(BaseModel):
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
    xlsx_url: str
    pdf_url: str


@router.get("/archive", response_model=list[ReportEntryOut], summary="Stored reports (daily, weekly, monthly)")
def list_reports(
    resources: ResourcesDep,
    principal: PrincipalDep,
    kind: ReportKind | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ReportEntryOut]:
    """The reports the scheduler (or ``yuqing report generate``) made, newest first: those of the caller's
    brands, and the all-brands reports for callers who see every brand."""
    out = []
    for entry in ReportArchive(resources.db).list(principal, kind=kind, limit=limit):
        base = f"/api/v1/reports/archive/{entry.id}"
        fields = {k: v for k, v in entry.__dict__.items() if k != "fresh"}
        out.append(ReportEntryOut(**fields, xlsx_url=f"{base}/xlsx", pdf_url=f"{base}/pdf"))
    return out


@router.get("/archive/{report_id}/{fmt}", summary="Download a stored report as XLSX or PDF")
def download_report(
    report_id: ObjectId, fmt: Literal["xlsx", "pdf"], resources: ResourcesDep, principal: PrincipalDep
) -> Response:
    entry, data = ReportArchive(resources.db).file(principal, report_id, fmt)
    name = f"{file_stem(entry.kind, entry.period, entry.brand)}.{fmt}"
    # RFC 5987: brand names are Chinese; the ASCII fallback names the report by id.
    disposition = f"attachment; filename=\"report-{entry.id}.{fmt}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=CONTENT_TYPES[fmt], headers={"Content-Disposition": disposition})


@router.get("/complaints", response_model=WeeklyReport, summary="The complaint report of a day, week or month")
def period_report(
    store: TicketStoreDep,
    mentions: MentionStoreDep,
    config: ConfigDep,
    principal: PrincipalDep,
    kind: ReportKind = "weekly",
    period: Annotated[str | None, Query(max_length=16, description="2026-12-02, 2026-W47 or 2026-11")] = None,
    brand: str | None = None,
) -> WeeklyReport:
    """As ``/reports/weekly``, for any kind of period, against 14 days, 4 weeks or 3 months of baseline."""
    zone = ZoneInfo(config.timezone)
    chosen = parse_period(kind, period, zone, utcnow().astimezone(zone).date())
    report = complaint_report(store, principal, chosen, brand=brand, mentions=mention_counter(mentions))
    return report.model_copy(update={"summary": report_lines(report)})
