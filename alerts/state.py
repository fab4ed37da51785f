"""Persistent alert state: per rule and key whether it is firing, since when, with which ticket.

The engine only moves a key from "ok" to "firing" with a conditional UPDATE, so when several evaluators
run at once exactly one of them wins the transition and opens the ticket.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Index, Integer, String, Text, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from alerts.incidents import Clock
from foundation.db import Base, Database, JSONType, UTCDateTime

OK = "ok"
FIRING = "firing"


class AlertState(Base):
    """Where one rule stands for one key (a brand)."""

    __tablename__ = "alert_states"

    rule: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default=OK)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    incident: Mapped[str | None] = mapped_column(String(64))
    ticket_number: Mapped[str | None] = mapped_column(String(32))
    ticket_id: Mapped[int | None] = mapped_column(Integer)
    last_evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    numbers: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    #: The ticket request of the current incident, kept so a retry sends the identical body (idempotency).
    ticket_request: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    #: What the last evaluation said (revision 0005; ``None`` on rows written before it).
    rule_type: Mapped[str | None] = mapped_column(String(64))
    brand: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[str | None] = mapped_column(Text)
    #: Revision 0006: the last notification of the open incident (opening or reminder), and since when its
    #: condition has been clear (``None``: firing, or not open).
    last_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clear_since: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertEvent(Base):
    """What happened to an alert: fired, resolved, ticket opened, or an evaluation error."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    numbers: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    summary: Mapped[str] = mapped_column(Text, default="")
    mention_ids: Mapped[list[str] | None] = mapped_column(JSONType)
    incident: Mapped[str | None] = mapped_column(String(64))
    ticket_number: Mapped[str | None] = mapped_column(String(32))
    #: Revision 0005; ``None`` on rows written before it (the API then falls back to the config and the key).
    rule_type: Mapped[str | None] = mapped_column(String(64))
    brand: Mapped[str | None] = mapped_column(String(100))
    ticket_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_alert_events_rule_at", "rule", "at"),
        Index("ix_alert_events_incident", "incident"),
        Index("ix_alert_events_at", "at"),
    )


class RuleHealth(Base):
    """Per-rule errors: a rule that keeps failing is paused; the others go on."""

    __tablename__ = "alert_rule_health"

    rule: Mapped[str] = mapped_column(String(64), primary_key=True)
    consecutive_errors: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Event rules: mentions stored or changed before this were looked at.
    cursor: Mapped[datetime | None] = mapped_column(UTCDateTime)


@dataclass
class StateView:
    """A read-only copy of an :class:`AlertState` row."""

    rule: str
    key: str
    status: str
    since: datetime | None
    incident: str | None
    ticket_number: str | None
    ticket_id: int | None
    last_fired_at: datetime | None
    last_resolved_at: datetime | None
    ticket_request: dict[str, Any] | None
    last_evaluated_at: datetime | None = None
    numbers: dict[str, Any] | None = None
    rule_type: str | None = None
    brand: str | None = None
    summary: str | None = None
    last_notified_at: datetime | None = None
    clear_since: datetime | None = None

    def clock(self) -> Clock:
        """Where this key stands for the incident policy (:mod:`alerts.incidents`)."""
        return Clock(
            open=self.status == FIRING,
            last_notified_at=self.last_notified_at or self.last_fired_at,
            clear_since=self.clear_since,
            resolved_at=self.last_resolved_at,
        )


class AlertStateStore:
    """Reads and changes alert state in the relational database."""

    def __init__(self, db: Database):
        self.db = db

    def get(self, rule: str, key: str) -> StateView | None:
        with self.db.session() as s:
            row = s.get(AlertState, (rule, key))
            return _view(row) if row else None

    def get_many(self, rule: str, keys: Sequence[str]) -> dict[str, StateView]:
        """The states of ``keys`` of ``rule`` that exist, by key (one query, in chunks for long lists)."""
        out: dict[str, StateView] = {}
        wanted = sorted(set(keys))
        with self.db.session() as s:
            for i in range(0, len(wanted), 500):
                stmt = select(AlertState).where(AlertState.rule == rule, AlertState.key.in_(wanted[i : i + 500]))
                out.update((row.key, _view(row)) for row in s.scalars(stmt))
        return out

    def all(self) -> list[StateView]:
        with self.db.session() as s:
            return [_view(r) for r in s.scalars(select(AlertState).order_by(AlertState.rule, AlertState.key))]

    def find(
        self,
        *,
        brands: Sequence[str] | None = None,
        rules: Sequence[str] = (),
        firing: bool | None = None,
        limit: int | None = None,
    ) -> list[StateView]:
        """Rule × key states, firing ones first, then the most recently evaluated. ``brands`` as for
        :meth:`find_events`."""
        stmt = select(AlertState).order_by(
            (AlertState.status == FIRING).desc(),
            AlertState.last_evaluated_at.desc().nulls_last(),
            AlertState.rule,
            AlertState.key,
        )
        if brands is not None:
            stmt = stmt.where(_of_brands(AlertState, brands))
        if rules:
            stmt = stmt.where(AlertState.rule.in_(list(rules)))
        if firing is not None:
            stmt = stmt.where(AlertState.status == FIRING if firing else AlertState.status != FIRING)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.db.session() as s:
            return [_view(r) for r in s.scalars(stmt)]

    def touch(
        self,
        rule: str,
        key: str,
        at: datetime,
        numbers: dict[str, Any],
        *,
        summary: str | None = None,
        brand: str | None = None,
        rule_type: str | None = None,
    ) -> None:
        """Record an evaluation (its numbers and summary, for the alerts API); creates the row on first sight."""
        about = {"numbers": numbers, "summary": summary, "brand": brand, "rule_type": rule_type}
        with self.db.transaction() as s:
            row = s.get(AlertState, (rule, key))
            if row is None:
                try:
                    with s.begin_nested():
                        s.add(AlertState(rule=rule, key=key, status=OK, last_evaluated_at=at, **about))
                except IntegrityError:
                    pass  # another evaluator created it first
                return
            row.last_evaluated_at = at
            for name, value in about.items():
                setattr(row, name, value)

    def try_fire(self, rule: str, key: str, incident: str, at: datetime, ticket_request: dict[str, Any]) -> bool:
        """Move ``rule``/``key`` from ok to firing for ``incident``; False when it is already firing.

        Only one of several concurrent evaluators can win this conditional update.
        """
        with self.db.transaction() as s:
            result = s.execute(
                update(AlertState)
                .where(AlertState.rule == rule, AlertState.key == key, AlertState.status != FIRING)
                .values(
                    status=FIRING,
                    since=at,
                    incident=incident,
                    ticket_number=None,
                    ticket_id=None,
                    last_fired_at=at,
                    last_notified_at=at,
                    clear_since=None,
                    ticket_request=ticket_request,
                )
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def set_ticket(self, rule: str, key: str, incident: str, ticket_id: int, ticket_number: str) -> None:
        with self.db.transaction() as s:
            s.execute(
                update(AlertState)
                .where(AlertState.rule == rule, AlertState.key == key, AlertState.incident == incident)
                .values(ticket_id=ticket_id, ticket_number=ticket_number)
            )

    def mark_incident(
        self,
        rule: str,
        key: str,
        incident: str,
        *,
        notified_at: datetime | None = None,
        clearing: bool | None = None,
        at: datetime | None = None,
    ) -> bool:
        """Update the open ``incident``: a reminder went out at ``notified_at``; its condition is clear since
        ``at`` (``clearing=True``, kept if already clearing) or firing again (``clearing=False``). False when
        the incident is no longer the open one (resolved by a concurrent evaluator)."""
        with self.db.transaction() as s:
            row = s.get(AlertState, (rule, key), with_for_update=True)
            if row is None or row.status != FIRING or row.incident != incident:
                return False
            if notified_at is not None:
                if row.last_notified_at is not None and row.last_notified_at >= notified_at:
                    return False  # another evaluator sent this reminder
                row.last_notified_at = notified_at
            if clearing is True and row.clear_since is None:
                row.clear_since = at
            elif clearing is False:
                row.clear_since = None
            return True

    def resolve(self, rule: str, key: str, at: datetime) -> StateView | None:
        """Move a firing key back to ok; returns the state it had, or None if it was not firing."""
        with self.db.transaction() as s:
            row = s.get(AlertState, (rule, key), with_for_update=True)
            if row is None or row.status != FIRING:
                return None
            before = _view(row)
            row.status = OK
            row.last_resolved_at = at
            row.clear_since = None
            return before

    def add_event(self, event: AlertEvent) -> None:
        with self.db.transaction() as s:
            s.add(event)

    def events(self, rule: str | None = None, limit: int = 100) -> Sequence[AlertEvent]:
        with self.db.session() as s:
            stmt = select(AlertEvent).order_by(AlertEvent.id.desc()).limit(limit)
            if rule:
                stmt = stmt.where(AlertEvent.rule == rule)
            return list(s.scalars(stmt))

    def find_events(
        self,
        *,
        brands: Sequence[str] | None = None,
        rules: Sequence[str] = (),
        kinds: Sequence[str] = (),
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
    ) -> list[AlertEvent]:
        """Alert history, newest first. ``brands=None``: any brand (and none); a list: only those brands.

        Rows written before revision 0005 have no brand; for them the key stands in (window rules are keyed
        by brand).
        """
        stmt = select(AlertEvent).order_by(AlertEvent.at.desc(), AlertEvent.id.desc()).limit(limit)
        if brands is not None:
            stmt = stmt.where(_of_brands(AlertEvent, brands))
        if rules:
            stmt = stmt.where(AlertEvent.rule.in_(list(rules)))
        if kinds:
            stmt = stmt.where(AlertEvent.kind.in_(list(kinds)))
        if since is not None:
            stmt = stmt.where(AlertEvent.at >= since)
        if until is not None:
            stmt = stmt.where(AlertEvent.at < until)
        with self.db.session() as s:
            return list(s.scalars(stmt))

    def incident_events(self, incidents: Sequence[str]) -> list[AlertEvent]:
        """Every event of these incidents, oldest first."""
        if not incidents:
            return []
        stmt = select(AlertEvent).where(AlertEvent.incident.in_(list(incidents))).order_by(AlertEvent.at, AlertEvent.id)
        with self.db.session() as s:
            return list(s.scalars(stmt))

    # -- rule health ----------------------------------------------------------------------------------------
    def rule_health(self, rule: str) -> RuleHealth | None:
        with self.db.session() as s:
            return s.get(RuleHealth, rule)

    def record_rule_ok(self, rule: str, at: datetime, cursor: datetime | None = None) -> None:
        """A successful evaluation at ``at``; event rules also move their cursor."""
        with self.db.transaction() as s:
            row = s.get(RuleHealth, rule) or RuleHealth(rule=rule)
            row.consecutive_errors = 0
            row.paused_until = None
            row.last_ok_at = at if row.last_ok_at is None else max(row.last_ok_at, at)
            if cursor is not None:
                row.cursor = cursor if row.cursor is None else max(row.cursor, cursor)
            s.merge(row)

    def record_rule_error(self, rule: str, at: datetime, error: str, paused_until: datetime | None) -> int:
        with self.db.transaction() as s:
            row = s.get(RuleHealth, rule) or RuleHealth(rule=rule, consecutive_errors=0)
            row.consecutive_errors = (row.consecutive_errors or 0) + 1
            row.last_error = error
            row.last_error_at = at
            row.paused_until = paused_until
            s.merge(row)
            return row.consecutive_errors


def _of_brands(model: type[AlertState] | type[AlertEvent], brands: Iterable[str]) -> ColumnElement[bool]:
    # Rows written before revision 0005 have no brand; window rules are keyed by brand, so the key stands in.
    names = list(brands)
    return or_(model.brand.in_(names), and_(model.brand.is_(None), model.key.in_(names)))


def _view(row: AlertState) -> StateView:
    return StateView(
        rule=row.rule,
        key=row.key,
        status=row.status,
        since=row.since,
        incident=row.incident,
        ticket_number=row.ticket_number,
        ticket_id=row.ticket_id,
        last_fired_at=row.last_fired_at,
        last_resolved_at=row.last_resolved_at,
        ticket_request=row.ticket_request,
        last_evaluated_at=row.last_evaluated_at,
        numbers=row.numbers,
        rule_type=row.rule_type,
        brand=row.brand,
        summary=row.summary,
        last_notified_at=row.last_notified_at,
        clear_since=row.clear_since,
    )
