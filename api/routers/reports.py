"""``/exports``, ``/reports``, ``/knowledge``, ``/audit``: working with many tickets (or mentions) at once."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.deps import AdminDep, ConfigDep, MentionStoreDep, ObjectId, PrincipalDep, ResourcesDep, TicketStoreDep
from foundation.db import MAX_ID
from foundation.errors import NotFound
from foundation.pii import mask_deep
from foundation.timeutil import request_time
from index.base import MentionFilter, SortOrder
from index.query import combine_queries
from index.saved import MAX_QUERY, SavedSearchStore, check_query
from sentiment.base import SentimentLabel
from tickets.export import CONTENT_TYPES, ExportService
from tickets.models import ExportRequest
from tickets.report import WeeklyReport, weekly_report
from tickets.report_text import report_lines
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


class MentionExportIn(BaseModel):
    """A mention search to export: the parameters of ``GET /mentions`` and/or a saved search (all combined)."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "xlsx"] = "xlsx"
    q: str | None = Field(default=None, max_length=MAX_QUERY, description="A query in the search language.")
    saved_search_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="A saved search you may see; q narrows it."
    )
    brand: list[str] = Field(default_factory=list)
    platform: list[str] = Field(default_factory=list)
    sentiment: list[SentimentLabel] = Field(default_factory=list, description="negative, neutral, positive, unscored")
    since: datetime | None = Field(default=None, description="Published at or after (ISO 8601; UTC if no zone).")
    until: datetime | None = Field(default=None, description="Published before.")
    sort: SortOrder | None = Field(default=None, description="Default: the saved search's order, else time.")
    unmask: bool = Field(default=False, description="Personal data unmasked (needs pii; audited).")

    @field_validator("since", "until")
    @classmethod
    def _as_utc(cls, value: datetime | None) -> datetime | None:
        return request_time(value) if value is not None else None

    @model_validator(mode="after")
    def _ordered(self) -> MentionExportIn:
        if self.since and self.until and self.since >= self.until:
            raise ValueError("'since' must be earlier than 'until'")
        return self


def _file(body: bytes, fmt: str, name: str) -> Response:
    return Response(
        body, media_type=CONTENT_TYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    )


def _pending(request: ExportRequest) -> JSONResponse:
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
        return _pending(request)
    return _file(data, body.format, f"tickets-{request.id}")


@exports.post(
    "/mentions",
    summary="Export a mention search (CSV or XLSX)",
    responses={
        200: {"description": "The file"},
        202: {"description": "Waiting for approval"},
        400: {"description": "The query is not valid (the message names the position), or too many rows"},
    },
)
def export_mentions(
    body: MentionExportIn,
    resources: ResourcesDep,
    store: TicketStoreDep,
    mentions: MentionStoreDep,
    config: ConfigDep,
    principal: PrincipalDep,
) -> Response:
    """The mentions matching the search (``q`` and the filters, or a saved search narrowed by them) that you
    may see, newest first (or by relevance): time, platform, brands, author, title, text, sentiment, rating,
    reactions, link. Authors and the phone numbers and e-mail addresses in texts are masked unless you have
    ``pii`` and ask for ``unmask``. Capped, audited, and above the approval threshold it waits for a second
    person (202), like ticket exports."""
    queries: list[str] = []
    details: dict[str, Any] = {}
    sort = body.sort
    if body.saved_search_id is not None:
        try:
            saved = SavedSearchStore(resources.db).get(principal, body.saved_search_id)
        except NotFound as exc:
            problem = {"type": "value_error", "loc": ("body", "saved_search_id"), "msg": str(exc), "input": None}
            raise RequestValidationError([problem]) from exc
        queries.append(saved.query)
        sort = sort or saved.filters.sort
        details["saved_search"] = {"id": saved.id, "name": saved.name, "owner": saved.owner}
    if body.q is not None and body.q.strip():
        queries.append(check_query(body.q))
    query = combine_queries(*queries)
    flt = MentionFilter(
        query=query,
        brands=body.brand,
        platforms=body.platform,
        labels=body.sentiment,
        since=body.since,
        until=body.until,
        query_tz=config.timezone,
    )
    service = ExportService(store, config.timezone, mentions)
    request, data = service.request_mentions(principal, flt, sort or SortOrder.time, body.format, body.unmask, details)
    if data is None:
        return _pending(request)
    return _file(data, body.format, f"mentions-{request.id}")


@exports.get("", summary="Export requests (yours, or all for approvers)")
def list_exports(store: TicketStoreDep, config: ConfigDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    return ExportService(store, config.timezone).requests(principal)


@exports.post("/{request_id}/approve", summary="Approve someone else's export")
def approve_export(
    request_id: ObjectId, store: TicketStoreDep, config: ConfigDep, principal: PrincipalDep
) -> dict[str, Any]:
    request = ExportService(store, config.timezone).decide(principal, request_id, approve=True)
    return {"id": request.id, "status": request.status, "decided_by": request.decided_by}


@exports.post("/{request_id}/reject", summary="Reject someone else's export")
def reject_export(
    request_id: ObjectId, store: TicketStoreDep, config: ConfigDep, principal: PrincipalDep
) -> dict[str, Any]:
    request = ExportService(store, config.timezone).decide(principal, request_id, approve=False)
    return {"id": request.id, "status": request.status, "decided_by": request.decided_by}


@exports.get("/{request_id}/download", summary="Download an approved export (once)")
def download_export(
    request_id: ObjectId, store: TicketStoreDep, mentions: MentionStoreDep, config: ConfigDep, principal: PrincipalDep
) -> Response:
    request, data = ExportService(store, config.timezone, mentions).download(principal, request_id)
    return _file(data, request.format, f"{request.kind}-{request.id}")


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

    report = weekly_report(store, principal, week=week, brand=brand, mentions=count)
    return report.model_copy(update={"summary": report_lines(report)})


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
            # Audit details quote filters, queries and comments: personal data in them stays masked here.
            "details": mask_deep(e.details),
        }
        for e in store.audit_log(limit)
    ]
