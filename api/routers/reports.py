"""``/exports``, ``/reports``, ``/knowledge``, ``/audit``: working with many tickets at once."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import AdminDep, ConfigDep, MentionStoreDep, PrincipalDep, TicketStoreDep
from index.base import MentionFilter
from tickets.export import CONTENT_TYPES, ExportService
from tickets.report import WeeklyReport, weekly_report
from tickets.schemas import SimilarCase, TicketQuery

exports = APIRouter(prefix="/exports", tags=["exports"])
reports = APIRouter(prefix="/reports", tags=["reports"])
knowledge = APIRouter(prefix="/knowledge", tags=["knowledge"])
audit = APIRouter(prefix="/audit", tags=["audit"])


class ExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "xlsx"] = "xlsx"
    filters: TicketQuery = Field(default_factory=TicketQuery, description="As for GET /tickets (paging ignored).")
    unmask: bool = Field(default=False, description="Personal data unmasked (needs pii).")


def _file(body: bytes, fmt: str, name: str) -> Response:
    return Response(
        body, media_type=CONTENT_TYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    )


@exports.post(
    "/tickets",
    summary="Export tickets (CSV or XLSX)",
    responses={200: {"description": "The file"}, 202: {"description": "Waiting for approval"}},
)
def export_tickets(body: ExportIn, store: TicketStoreDep, config: ConfigDep, principal: PrincipalDep) -> Response:
    """The tickets you may see that match ``filters``, in the record table's column order with Chinese headers.
    Capped; audited; above the approval threshold it waits for a second person (202 with the request id)."""
    service = ExportService(store, config.timezone)
    request, data = service.request(principal, body.filters, body.format, body.unmask)
    if data is None:
        return JSONResponse(
            {
                "id": request.id,
                "status": request.status,
                "rows": request.row_count,
                "message": f"{request.row_count} rows need a second person's approval "
                f"(POST /api/v1/exports/{request.id}/approve), then GET .../download",
            },
            status_code=status.HTTP_202_ACCEPTED,
        )
    return _file(data, body.format, f"tickets-{request.id}")


@exports.get("", summary="Export requests (yours, or all for approvers)")
def list_exports(store: TicketStoreDep, config: ConfigDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    return ExportService(store, config.timezone).requests(principal)


@exports.post("/{request_id}/approve", summary="Approve someone else's export")
def approve_export(
    request_id: int, store: TicketStoreDep, config: ConfigDep, principal: PrincipalDep
) -> dict[str, Any]:
    request = ExportService(store, config.timezone).decide(principal, request_id, approve=True)
    return {"id": request.id, "status": request.status, "decided_by": request.decided_by}


@exports.post("/{request_id}/reject", summary="Reject someone else's export")
def reject_export(request_id: int, store: TicketStoreDep, config: ConfigDep, principal: PrincipalDep) -> dict[str, Any]:
    request = ExportService(store, config.timezone).decide(principal, request_id, approve=False)
    return {"id": request.id, "status": request.status, "decided_by": request.decided_by}


@exports.get("/{request_id}/download", summary="Download an approved export (once)")
def download_export(request_id: int, store: TicketStoreDep, config: ConfigDep, principal: PrincipalDep) -> Response:
    request, data = ExportService(store, config.timezone).download(principal, request_id)
    return _file(data, request.format, f"tickets-{request.id}")


@reports.get("/weekly", response_model=WeeklyReport, summary="The weekly complaint report")
def weekly(
    store: TicketStoreDep,
    mentions: MentionStoreDep,
    principal: PrincipalDep,
    week: Annotated[str | None, Query(pattern=r"^\d{4}-[Ww]\d{1,2}$", description="e.g. 2026-W47")] = None,
    brand: str | None = None,
) -> WeeklyReport:
    """Top-10 issues by category and product, volumes, SLA compliance, satisfaction, and complaints per 1,000
    mentions against the average of the previous four weeks."""

    def count(brand_name: str | None, start: datetime, end: datetime) -> int:
        return mentions.count(MentionFilter(brands=[brand_name] if brand_name else [], since=start, until=end))

    return weekly_report(store, principal, week=week, brand=brand, mentions=count)


@knowledge.get("", response_model=list[SimilarCase], summary="Search solved cases")
def search_knowledge(
    store: TicketStoreDep,
    principal: PrincipalDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="Describe the problem.")],
) -> list[SimilarCase]:
    """Closed tickets whose problem or solution resembles ``q``, with how they were solved."""
    return store.search_knowledge(q, actor=principal)


@audit.get("", summary="The audit log (exports, unmasking, users)")
def audit_log(
    store: TicketStoreDep, _: AdminDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[dict[str, Any]]:
    return [
        {
            "id": e.id,
            "at": e.at,
            "actor": e.actor,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "details": e.details,
        }
        for e in store.audit_log(limit)
    ]
