"""Ticket numbers: prefix + yyyymm + a sequence per month (``FBD2026110001``)."""

from __future__ import annotations

from datetime import datetime
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tickets.models import TicketSequence


def period_of(prefix: str, at: datetime, zone: str) -> str:
    """The numbering period of ``at``: prefix + local year and month."""
    return f"{prefix}{at.astimezone(ZoneInfo(zone)):%Y%m}"


def next_number(conn: Connection, prefix: str, at: datetime, zone: str) -> str:
    """Take the next number of the period atomically (inside the caller's transaction).

    The upsert locks the period's row until the transaction ends, so concurrent creators queue and a
    rolled-back creation gives its number back.
    """
    period = period_of(prefix, at, zone)
    table = cast(Table, TicketSequence.__table__)
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(table)
        .values(period=period, last_value=1)
        .on_conflict_do_update(index_elements=[table.c.period], set_={"last_value": table.c.last_value + 1})
        .returning(table.c.last_value)
    )
    value: int = conn.execute(stmt).scalar_one()
    return f"{period}{value:04d}"
