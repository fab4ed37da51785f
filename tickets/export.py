"""Tickets as a CSV or XLSX file in the column order of the complaint record table, with Chinese headers.

Exports are capped and audited; one larger than the configured threshold waits for a second person's
approval (:class:`ExportService`). Personal data is masked unless the requester has ``pii`` and asks for it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tickets.access import APPROVE_EXPORT, EXPORT, PII, Principal
from tickets.models import AuditEntry, ExportRequest, User
from tickets.schemas import TicketOut, TicketQuery
from tickets.store import TicketStore
from yuqing.errors import Conflict, Forbidden, InvalidQuery, NotFound
from yuqing.timeutil import utcnow

#: The record table (投诉记录表), in its order, then what a ticket adds to it.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("number", "投诉编号"),
    ("customer", "客户姓名/昵称"),
    ("contact", "联系方式"),
    ("customer_type", "客户类型"),
    ("category", "投诉类别"),
    ("details", "投诉详情"),
    ("occurred_at", "发生时间"),
    ("product", "涉及产品/服务"),
    ("grade", "投诉等级"),
    ("department", "责任部门"),
    ("assignee", "处理人"),
    ("received_at", "受理时间"),
    ("actions_taken", "处理措施"),
    ("resolve_due_at", "解决期限"),
    ("completed_at", "完成时间"),
    ("satisfaction", "客户满意度"),
    ("improvement_suggestion", "改进建议"),
    ("remarks", "备注"),
    ("status", "状态"),
    ("brand", "品牌"),
    ("sources", "来源链接"),
)
LABELS: dict[str, dict[str, str]] = {
    "category": {
        "product_quality": "产品质量",
        "service_attitude": "服务态度",
        "logistics": "物流配送",
        "process": "流程(下单/退款/退换货)",
        "suggestion": "建议",
        "enquiry": "咨询",
        "other": "其他",
    },
    "grade": {"urgent": "紧急", "major": "重大", "general": "一般", "suggestion": "建议"},
    "customer_type": {"new": "新客户", "returning": "老客户", "vip": "VIP"},
    "satisfaction": {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"},
    "status": {
        "new": "新建",
        "assigned": "已分派",
        "in_progress": "处理中",
        "waiting_customer": "等待客户",
        "resolved": "已解决",
        "closed": "已关闭",
        "reopened": "重新打开",
    },
}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def row_of(ticket: TicketOut, zone: ZoneInfo, assignees: dict[int, str]) -> list[str]:
    """One ticket as the cells of a record-table row."""

    def when(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    customer = ticket.customer
    contact = " / ".join(part for part in (customer.phone, customer.email) if part)
    values: dict[str, str] = {
        "number": ticket.number,
        "customer": " / ".join(part for part in (customer.name, customer.nickname) if part),
        "contact": contact,
        "customer_type": LABELS["customer_type"].get(customer.type.value, customer.type.value),
        "category": LABELS["category"].get(ticket.category.value, ticket.category.value),
        "details": "\n".join(part for part in (ticket.title, ticket.description) if part),
        "occurred_at": when(ticket.occurred_at),
        "product": ticket.product or "",
        "grade": LABELS["grade"].get(ticket.priority.value, ticket.priority.value),
        "department": ticket.department or "",
        "assignee": assignees.get(ticket.assignee_id, "") if ticket.assignee_id else "",
        "received_at": when(ticket.received_at),
        "actions_taken": ticket.actions_taken or "",
        "resolve_due_at": when(ticket.sla.resolve_due_at),
        "completed_at": when(ticket.completed_at),
        "satisfaction": LABELS["satisfaction"].get(ticket.satisfaction.value, "") if ticket.satisfaction else "",
        "improvement_suggestion": ticket.improvement_suggestion or "",
        "remarks": ticket.remarks or "",
        "status": LABELS["status"].get(ticket.status.value, ticket.status.value),
        "brand": ticket.brand or "",
        "sources": "\n".join(m.url for m in ticket.mentions if m.url),
    }
    return [_safe(values[key]) for key, _ in COLUMNS]


def _safe(value: str) -> str:
    # Crawled text ends up in spreadsheets: a cell starting with = + - @ would be run as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def write_csv(rows: Iterable[list[str]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows the Chinese headers correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header for _, header in COLUMNS])
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(rows: Iterable[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("投诉记录")
    sheet.append([header for _, header in COLUMNS])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class ExportService:
    """Runs exports under the rules of ``tickets.export``: cap, audit, approval, masking."""

    def __init__(self, store: TicketStore, timezone: str):
        self.store = store
        self.zone = ZoneInfo(timezone)
        self.limits = store.policy.config.export

    def _assignees(self) -> dict[int, str]:
        with self.store.db.session() as s:
            return {u.id: u.display_name for u in s.scalars(select(User))}

    def _check(self, actor: Principal, unmask: bool) -> None:
        if not actor.may(EXPORT):
            raise Forbidden("exporting tickets needs the export permission")
        if unmask and not actor.may(PII):
            raise Forbidden("an unmasked export needs the pii permission")

    def request(
        self, actor: Principal, query: TicketQuery, fmt: str, unmask: bool
    ) -> tuple[ExportRequest, bytes | None]:
        """Export now (returns the file), or, above the approval threshold, file a request (no file yet)."""
        self._check(actor, unmask)
        rows = self.store.count(query, actor=actor)
        if rows > self.limits.max_rows:
            raise InvalidQuery(f"{rows} tickets match; exports stop at {self.limits.max_rows}: narrow the filters")
        filters = query.model_dump(mode="json", exclude={"limit", "offset", "cursor"})
        pending = rows > self.limits.approval_above
        now = utcnow()
        with self.store.db.transaction() as s:
            request = ExportRequest(
                requested_by=actor.name,
                requested_at=now,
                format=fmt,
                filters=filters,
                unmask=unmask,
                row_count=rows,
                status="pending" if pending else "downloaded",
            )
            s.add(request)
            s.flush()
            s.add(
                AuditEntry(
                    at=now,
                    actor=actor.name,
                    action="export.requested" if pending else "export.downloaded",
                    object_type="export",
                    object_id=str(request.id),
                    details={"rows": rows, "format": fmt, "unmask": unmask, "filters": filters},
                )
            )
        if pending:
            return request, None
        return request, self._render(actor, query, fmt, unmask)

    def decide(self, actor: Principal, request_id: int, approve: bool) -> ExportRequest:
        """A second person approves or rejects a pending export."""
        if not actor.may(APPROVE_EXPORT):
            raise Forbidden("approving exports needs the approve_export permission")
        now = utcnow()
        with self.store.db.transaction() as s:
            request = s.get(ExportRequest, request_id, with_for_update=True)
            if request is None:
                raise NotFound(f"export {request_id} does not exist")
            if request.requested_by == actor.name:
                raise Forbidden("an export is approved by someone other than the person who asked for it")
            if request.status != "pending":
                raise Conflict(f"export {request_id} is {request.status}, not pending")
            request.status = "approved" if approve else "rejected"
            request.decided_by = actor.name
            request.decided_at = now
            s.add(
                AuditEntry(
                    at=now,
                    actor=actor.name,
                    action=f"export.{request.status}",
                    object_type="export",
                    object_id=str(request_id),
                    details={"requested_by": request.requested_by, "rows": request.row_count},
                )
            )
            return request

    def download(self, actor: Principal, request_id: int) -> tuple[ExportRequest, bytes]:
        """The file of an approved export, once, for the person who asked for it."""
        with self.store.db.transaction() as s:
            request = s.get(ExportRequest, request_id, with_for_update=True)
            if request is None or request.requested_by != actor.name:
                raise NotFound(f"export {request_id} does not exist")
            if request.status != "approved":
                raise Conflict(f"export {request_id} is {request.status}; it can be downloaded once, after approval")
            request.status = "downloaded"
            s.add(
                AuditEntry(
                    at=utcnow(),
                    actor=actor.name,
                    action="export.downloaded",
                    object_type="export",
                    object_id=str(request_id),
                    details={"rows": request.row_count},
                )
            )
            query = TicketQuery.model_validate(request.filters)
            fmt, unmask = request.format, request.unmask
        self._check(actor, unmask)
        return request, self._render(actor, query, fmt, unmask)

    def _render(self, actor: Principal, query: TicketQuery, fmt: str, unmask: bool) -> bytes:
        assignees = self._assignees()
        tickets: Iterator[TicketOut] = self.store.iterate(query, actor=actor, unmask=unmask, limit=self.limits.max_rows)
        rows = (row_of(t, self.zone, assignees) for t in tickets)
        return write_xlsx(rows) if fmt == "xlsx" else write_csv(rows)

    def requests(self, actor: Principal) -> list[dict[str, Any]]:
        with self.store.db.session() as s:
            stmt = select(ExportRequest).order_by(ExportRequest.id.desc()).limit(100)
            if not actor.may(APPROVE_EXPORT):
                stmt = stmt.where(ExportRequest.requested_by == actor.name)
            return [
                {
                    "id": r.id,
                    "requested_by": r.requested_by,
                    "requested_at": r.requested_at,
                    "format": r.format,
                    "rows": r.row_count,
                    "unmask": r.unmask,
                    "status": r.status,
                    "decided_by": r.decided_by,
                    "decided_at": r.decided_at,
                }
                for r in s.scalars(stmt)
            ]
