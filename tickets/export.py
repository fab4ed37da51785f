"""Tickets as a CSV or XLSX file in the column order of the complaint record table, with Chinese headers;
mention searches the same way.

Exports are capped and audited; one larger than the configured threshold waits for a second person's
approval (:class:`ExportService`). Personal data is masked unless the requester has ``pii`` and asks for it:
in tickets as everywhere else, in mentions the author (a handle keeps its first character) and the phone
numbers and e-mail addresses in the title and text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from foundation.access import APPROVE_EXPORT, EXPORT, PII, Principal
from foundation.errors import Conflict, Forbidden, InvalidQuery, NotFound
from foundation.timeutil import utcnow
from index.base import MAX_LIMIT, Mention, MentionFilter, MentionStore, SearchRequest, SortOrder
from tickets.masking import mask_nickname, mask_text
from tickets.models import AuditEntry, ExportRequest, User
from tickets.schemas import TicketOut, TicketQuery
from tickets.store import TicketStore

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
#: A mention search export: when, where, who (masked), what, and how it was scored.
MENTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("published_at", "发布时间"),
    ("platform", "平台"),
    ("source", "来源"),
    ("brands", "品牌"),
    ("author", "作者"),
    ("title", "标题"),
    ("text", "内容"),
    ("sentiment", "情感"),
    ("score", "情感分"),
    ("rating", "评分"),
    ("likes", "点赞"),
    ("reposts", "转发"),
    ("comments", "评论"),
    ("url", "链接"),
    ("id", "编号"),
)
SENTIMENT_LABELS = {"negative": "负面", "neutral": "中性", "positive": "正面", "unscored": "未评分"}
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


def mention_row(mention: Mention, zone: ZoneInfo, *, masked: bool) -> list[str]:
    """One mention as the cells of a row of :data:`MENTION_COLUMNS`."""

    def number(value: float | None) -> str:
        return "" if value is None else f"{value:g}"

    author = mask_nickname(mention.author) if masked else mention.author
    title = mask_text(mention.title) if masked else mention.title
    text = mask_text(mention.text) if masked else mention.text
    values = {
        "published_at": mention.published_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "platform": mention.platform,
        "source": mention.source,
        "brands": "、".join(mention.brands),
        "author": author or "",
        "title": title or "",
        "text": text or "",
        "sentiment": SENTIMENT_LABELS.get(mention.sentiment_label.value, mention.sentiment_label.value),
        "score": "" if mention.sentiment_score is None else f"{mention.sentiment_score:.3f}",
        "rating": number(mention.rating),
        "likes": number(mention.likes),
        "reposts": number(mention.reposts),
        "comments": number(mention.comments),
        "url": mention.url or "",
        "id": mention.id,
    }
    return [_safe(values[key]) for key, _ in MENTION_COLUMNS]


def _safe(value: str) -> str:
    # Crawled text ends up in spreadsheets: a cell starting with = + - @ would be run as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def write_csv(rows: Iterable[list[str]], columns: tuple[tuple[str, str], ...] = COLUMNS) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows the Chinese headers correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header for _, header in columns])
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(
    rows: Iterable[list[str]], columns: tuple[tuple[str, str], ...] = COLUMNS, sheet_name: str = "投诉记录"
) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name)
    sheet.append([header for _, header in columns])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class ExportService:
    """Runs exports under the rules of ``tickets.export``: cap, audit, approval, masking.

    Tickets always; mention searches when a ``mentions`` store is given. An export's conditions are stored
    with its request, so what a second person approves is what is later downloaded.
    """

    def __init__(self, store: TicketStore, timezone: str, mentions: MentionStore | None = None):
        self.store = store
        self.zone = ZoneInfo(timezone)
        self.limits = store.policy.config.export
        self.mentions = mentions

    def _assignees(self) -> dict[int, str]:
        with self.store.db.session() as s:
            return {u.id: u.display_name for u in s.scalars(select(User))}

    def _check(self, actor: Principal, unmask: bool, what: str = "tickets") -> None:
        if not actor.may(EXPORT):
            raise Forbidden(f"exporting {what} needs the export permission")
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
        # What is approved is what is delivered: the rows are frozen when the request is filed.
        frozen = self.store.matching_ids(query, actor=actor, limit=self.limits.max_rows) if pending else None
        request = self._file(actor, "tickets", fmt, filters, unmask, rows, frozen)
        if request.status == "pending":
            return request, None
        return request, self._render(actor, query, fmt, unmask)

    def request_mentions(
        self,
        actor: Principal,
        flt: MentionFilter,
        sort: SortOrder,
        fmt: str,
        unmask: bool,
        details: dict[str, Any] | None = None,
    ) -> tuple[ExportRequest, bytes | None]:
        """Export the mentions matching ``flt`` (narrowed to the brands ``actor`` may see) like tickets:
        now, or above the approval threshold after a second person's approval. ``details`` go to the audit log
        (e.g. the saved search it came from)."""
        mentions = self._mention_store()
        self._check(actor, unmask, "mentions")
        scoped = restrict_to(flt, actor)
        rows = 0 if scoped is None else mentions.count(scoped)
        if rows > self.limits.max_rows:
            raise InvalidQuery(f"{rows} mentions match; exports stop at {self.limits.max_rows}: narrow the search")
        filters = {"filter": flt.model_dump(mode="json"), "sort": sort.value, **(details or {})}
        pending = rows > self.limits.approval_above
        frozen = [m.id for m in self._iterate_mentions(actor, flt, sort)] if pending else None
        request = self._file(actor, "mentions", fmt, filters, unmask, rows, frozen)
        if request.status == "pending":
            return request, None
        return request, self._render_mentions(actor, flt, sort, fmt, unmask)

    def _file(
        self,
        actor: Principal,
        kind: str,
        fmt: str,
        filters: dict[str, Any],
        unmask: bool,
        rows: int,
        frozen: Sequence[int | str] | None = None,
    ) -> ExportRequest:
        """Record the export and audit it: downloaded now, or pending above the approval threshold with its
        rows (``frozen`` ids) and the requester's brand scope kept with it."""
        pending = rows > self.limits.approval_above
        now = utcnow()
        kept = dict(filters)
        if frozen is not None:
            kept[ROW_IDS] = list(frozen)
        brands = actor.scope.brands
        kept[SCOPE] = sorted(brands) if brands is not None else None
        with self.store.db.transaction() as s:
            request = ExportRequest(
                kind=kind,
                requested_by=actor.name,
                requested_at=now,
                format=fmt,
                filters=kept,
                unmask=unmask,
                row_count=rows,
                status="pending" if pending else "downloaded",
            )
            s.add(request)
            s.flush()
            s.add(
                AuditEntry.of(
                    actor.name,
                    "export.requested" if pending else "export.downloaded",
                    "export",
                    str(request.id),
                    {"kind": kind, "rows": rows, "format": fmt, "unmask": unmask, "filters": filters},
                    at=now,
                )
            )
        return request

    def decide(self, actor: Principal, request_id: int, approve: bool) -> ExportRequest:
        """A second person approves or rejects a pending export."""
        if not actor.may(APPROVE_EXPORT):
            raise Forbidden("approving exports needs the approve_export permission")
        now = utcnow()
        with self.store.db.transaction() as s:
            request = s.get(ExportRequest, request_id, with_for_update=True)
            if request is None or not within_scope(actor, request):
                raise NotFound(f"export {request_id} does not exist")
            if approve and request.unmask and not actor.may(PII):
                raise Forbidden("an unmasked export is approved only by someone who holds the pii permission")
            if request.requested_by == actor.name:
                raise Forbidden("an export is approved by someone other than the person who asked for it")
            if request.status != "pending":
                raise Conflict(f"export {request_id} is {request.status}, not pending")
            request.status = "approved" if approve else "rejected"
            request.decided_by = actor.name
            request.decided_at = now
            s.add(
                AuditEntry.of(
                    actor.name,
                    f"export.{request.status}",
                    "export",
                    str(request_id),
                    {"kind": request.kind, "requested_by": request.requested_by, "rows": request.row_count},
                    at=now,
                )
            )
            return request

    def download(self, actor: Principal, request_id: int) -> tuple[ExportRequest, bytes]:
        """The file of an approved export, once, for the person who asked for it, before it expires; exactly
        the rows that were approved (those the requester may still see)."""
        if self._expire(actor, request_id):
            raise Conflict(f"export {request_id} expired {self.limits.download_hours} h after its approval; ask again")
        with self.store.db.transaction() as s:
            request = s.get(ExportRequest, request_id, with_for_update=True)
            if request is None or request.requested_by != actor.name:
                raise NotFound(f"export {request_id} does not exist")
            if request.status != "approved":
                raise Conflict(f"export {request_id} is {request.status}; it can be downloaded once, after approval")
            self._check(actor, request.unmask, request.kind)
            if request.kind == "mentions":
                self._mention_store()  # fails (and rolls back) before the one download is used up
            request.status = "downloaded"
            s.add(
                AuditEntry.of(
                    actor.name,
                    "export.downloaded",
                    "export",
                    str(request_id),
                    {"kind": request.kind, "rows": request.row_count},
                )
            )
            kind, filters, fmt, unmask = request.kind, dict(request.filters), request.format, request.unmask
        filters.pop(SCOPE, None)
        ids = filters.pop(ROW_IDS, None)
        if kind == "mentions":
            flt = MentionFilter.model_validate(filters["filter"])
            return request, self._render_mentions(actor, flt, SortOrder(filters["sort"]), fmt, unmask, ids)
        return request, self._render(actor, TicketQuery.model_validate(filters), fmt, unmask, ids)

    def _expire(self, actor: Principal, request_id: int) -> bool:
        """Mark the actor's approved export expired once its download window has passed; whether it did."""
        now = utcnow()
        with self.store.db.transaction() as s:
            request = s.get(ExportRequest, request_id, with_for_update=True)
            if request is None or request.requested_by != actor.name or request.status != "approved":
                return False
            decided = request.decided_at or request.requested_at
            if now - decided <= timedelta(hours=self.limits.download_hours):
                return False
            request.status = "expired"
            s.add(
                AuditEntry.of(
                    actor.name,
                    "export.expired",
                    "export",
                    str(request_id),
                    {"kind": request.kind, "rows": request.row_count},
                    at=now,
                )
            )
            return True

    def _render(
        self, actor: Principal, query: TicketQuery, fmt: str, unmask: bool, ids: Sequence[int] | None = None
    ) -> bytes:
        assignees = self._assignees()
        tickets: Iterator[TicketOut] = self.store.iterate(
            query, actor=actor, unmask=unmask, limit=self.limits.max_rows, ids=ids
        )
        rows = (row_of(t, self.zone, assignees) for t in tickets)
        return write_xlsx(rows) if fmt == "xlsx" else write_csv(rows)

    def _mention_store(self) -> MentionStore:
        if self.mentions is None:
            raise RuntimeError("this ExportService was made without a mention store")
        return self.mentions

    def _render_mentions(
        self,
        actor: Principal,
        flt: MentionFilter,
        sort: SortOrder,
        fmt: str,
        unmask: bool,
        ids: Sequence[str] | None = None,
    ) -> bytes:
        masked = not (unmask and actor.may(PII))
        found = self._iterate_mentions(actor, flt, sort) if ids is None else self._frozen_mentions(actor, ids)
        rows = (mention_row(m, self.zone, masked=masked) for m in found)
        if fmt == "xlsx":
            return write_xlsx(rows, MENTION_COLUMNS, "舆情")
        return write_csv(rows, MENTION_COLUMNS)

    def _frozen_mentions(self, actor: Principal, ids: Sequence[str]) -> Iterator[Mention]:
        """The approved mentions, in the approved order, that still exist and the actor may still see."""
        store = self._mention_store()
        for start in range(0, len(ids), MAX_LIMIT):
            for mention in store.get_many(ids[start : start + MAX_LIMIT]):
                if actor.scope.admits(mention.brands):
                    yield mention

    def _iterate_mentions(self, actor: Principal, flt: MentionFilter, sort: SortOrder) -> Iterator[Mention]:
        """The matching mentions the actor may see (brands checked again: they may have changed since the
        request), page by page along the store's cursor, at most ``max_rows``."""
        store = self._mention_store()
        scoped = restrict_to(flt, actor)
        if scoped is None:
            return
        cursor: str | None = None
        left = self.limits.max_rows
        while left > 0:
            page = store.search(
                SearchRequest(filter=scoped, sort=sort, limit=min(MAX_LIMIT, left), cursor=cursor, highlight=False)
            )
            for hit in page.hits:
                yield hit.mention
            left -= len(page.hits)
            if not page.next_cursor or not page.hits:
                return
            cursor = page.next_cursor

    def requests(self, actor: Principal) -> list[dict[str, Any]]:
        with self.store.db.session() as s:
            stmt = select(ExportRequest).order_by(ExportRequest.id.desc()).limit(100)
            if not actor.may(APPROVE_EXPORT):
                stmt = stmt.where(ExportRequest.requested_by == actor.name)
            return [
                {
                    "id": r.id,
                    "kind": r.kind,
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
                if r.requested_by == actor.name or within_scope(actor, r)
            ]


#: Keys of an export request's stored filters that are not filters: its frozen rows and its requester's brands.
ROW_IDS = "row_ids"
SCOPE = "scope"


def within_scope(actor: Principal, request: ExportRequest) -> bool:
    """Whether ``request`` exists for ``actor`` as an approver: every brand it may hold is one the actor sees
    (a request by someone who sees every brand exists only for approvers who do too)."""
    mine = actor.scope.brands
    if mine is None:
        return True
    theirs = request.filters.get(SCOPE) if isinstance(request.filters, dict) else None
    return theirs is not None and set(theirs) <= mine


def restrict_to(flt: MentionFilter, actor: Principal) -> MentionFilter | None:
    """``flt`` narrowed to the brands ``actor`` may see; ``None`` when that leaves none (nothing to export).

    Agents limited to some brands see only those brands' mentions, as in ``GET /mentions``.
    """
    brands = actor.scope.narrow(flt.brands)
    if brands is None:
        return flt
    if not brands:
        return None
    return flt.model_copy(update={"brands": brands})
