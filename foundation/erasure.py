"""Erasing one person's data from the relational database (PIPL Art. 47, GDPR Art. 17).

A :class:`Subject` names the person by what identifies them: an author handle, a phone number (in any writing),
or an e-mail address. :func:`erase_relational` walks *every* table of the database (reflected, so a table added
later is not forgotten) and every text or JSON value in it, and replaces each occurrence with
:data:`REDACTED`; a ticket whose customer is the person loses the whole customer record. On SQLite the freed
pages are overwritten (``secure_delete``), the file is rebuilt (``VACUUM``) and the write-ahead log is
checkpointed and truncated, so no byte of the value stays in any file; on PostgreSQL the touched tables are
vacuumed (``VACUUM FULL`` rewrites them).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Engine, MetaData, String, Table, select, text, update
from sqlalchemy.types import NullType

from foundation.pii import PiiKind, find_pii

REDACTED = "[已删除]"
_PHONE_KINDS = (PiiKind.mobile, PiiKind.landline, PiiKind.number)
#: Tables that hold no person's data (the migration bookkeeping).
_SKIP = frozenset({"alembic_version"})
#: The customer record of a ticket: erased as a whole when any of it is the person's.
_CUSTOMER = ("customer_name", "customer_nickname", "customer_phone", "customer_email")


class SubjectKind(StrEnum):
    author = "author"
    phone = "phone"
    email = "email"


def _national(digits: str) -> str:
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix) :]
    return digits


@dataclass(frozen=True)
class Subject:
    """The person whose data goes: by author handle, phone number or e-mail address."""

    kind: SubjectKind
    value: str

    def __post_init__(self) -> None:
        if not self.value.strip():
            raise ValueError(f"give the {self.kind.value} to erase")
        if self.kind is SubjectKind.phone and len(self.digits) < 7:
            raise ValueError("a phone number has at least 7 digits")
        if self.kind is SubjectKind.author and len(self.value.strip()) < 2:
            raise ValueError("an author handle has at least 2 characters")
        if self.kind is SubjectKind.email and "@" not in self.value:
            raise ValueError("an e-mail address has an @")

    @property
    def digits(self) -> str:
        return _national("".join(c for c in self.value if c.isdigit()))

    def matches(self, value: str | None) -> bool:
        return bool(value) and self.redact(value or "") != value

    def redact(self, value: str) -> str:
        """``value`` with every occurrence of the person's identifier replaced by :data:`REDACTED`."""
        if self.kind is SubjectKind.phone:
            digits = self.digits
            parts: list[str] = []
            last = 0
            for finding in find_pii(value):
                if finding.kind in _PHONE_KINDS:
                    written = _national("".join(c for c in value[finding.start : finding.end] if c.isdigit()))
                    if written == digits:
                        parts += [value[last : finding.start], REDACTED]
                        last = finding.end
            parts.append(value[last:])
            return _replace_all("".join(parts), digits)
        if self.kind is SubjectKind.email:
            return _replace_all(value, self.value.strip(), fold_case=True)
        return _replace_all(value, self.value.strip())

    def redact_deep(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {k: self.redact_deep(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.redact_deep(v) for v in value]
        return value


def _replace_all(value: str, needle: str, *, fold_case: bool = False) -> str:
    if not needle:
        return value
    haystack = value.lower() if fold_case else value
    target = needle.lower() if fold_case else needle
    parts: list[str] = []
    last = 0
    at = haystack.find(target)
    while at != -1:
        parts += [value[last:at], REDACTED]
        last = at + len(target)
        at = haystack.find(target, last)
    parts.append(value[last:])
    return "".join(parts)


@dataclass
class Erased:
    """How many rows of which tables changed (never the values themselves)."""

    rows: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, n: int = 1) -> None:
        self.rows[table] = self.rows.get(table, 0) + n


def _redacted_cell(subject: Subject, value: Any) -> Any:
    """The cell without the person's data (JSON kept as JSON: its text may escape non-ASCII characters)."""
    if isinstance(value, dict | list):
        return subject.redact_deep(value)
    if not isinstance(value, str):
        return value
    if value[:1] in "{[":
        try:
            parsed = json.loads(value)
        except ValueError:
            return subject.redact(value)
        cleaned = subject.redact_deep(parsed)
        return value if cleaned == parsed else json.dumps(cleaned)
    return subject.redact(value)


def erase_relational(engine: Engine, subject: Subject, batch: int = 500) -> Erased:
    """Redact ``subject`` from every text and JSON value of every table, then leave no copy in the files."""
    erased = Erased()
    meta = MetaData()
    meta.reflect(bind=engine)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("PRAGMA secure_delete = ON")  # freed space is overwritten, not left behind
            conn.commit()
        for table in meta.sorted_tables:
            if table.name in _SKIP:
                continue
            with conn.begin():
                changed = _erase_table(conn, table, subject, batch)
            if changed:
                erased.add(table.name, changed)
    _compact(engine, sorted(erased.rows))
    return erased


def _erase_table(conn: Any, table: Table, subject: Subject, batch: int) -> int:
    keys = list(table.primary_key.columns)
    if not keys:
        return 0
    # Text and JSON only (dates, numbers and flags hold nobody's identifier).
    names = {k.name for k in keys}
    cells = [c for c in table.columns if c.name not in names and isinstance(c.type, String | JSON | NullType)]
    changed = 0
    pending: list[tuple[list[Any], dict[str, Any]]] = []
    # Streamed in batches: a large table is not held in memory at once.
    result = conn.execute(select(*keys, *cells).execution_options(yield_per=batch))
    for row in result:
        data = row._mapping
        updates = {}
        for column in cells:
            value = data[column.name]
            cleaned = _redacted_cell(subject, value)
            if cleaned != value:
                updates[column.name] = cleaned
        if any(name in updates for name in _CUSTOMER):
            # The ticket's customer is the person: none of their contact record stays.
            updates.update({name: None for name in _CUSTOMER if name in table.columns})
        if updates:
            pending.append(([k == data[k.name] for k in keys], updates))
    if pending:
        with _append_only_lifted(conn, table.name):
            for where, values in pending:
                conn.execute(update(table).where(*where).values(**values))
                changed += 1
    return changed


@contextmanager
def _append_only_lifted(conn: Any, table: str) -> Iterator[None]:
    """The audit tables refuse updates (triggers of revision 0003); erasure is the one lawful exception, so the
    refusal is lifted for these updates only, inside the same transaction, and put back."""
    if conn.dialect.name == "sqlite":
        triggers = list(
            conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t AND name LIKE :n"),
                {"t": table, "n": "%_no_update"},
            )
        )
        for name, _ in triggers:
            conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        yield
        for _, sql in triggers:
            conn.exec_driver_sql(sql)
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
        yield
        conn.exec_driver_sql(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
    else:
        yield


def _compact(engine: Engine, tables: list[str]) -> None:
    """Leave no old copy of a changed value in the database's files."""
    if engine.dialect.name == "sqlite":
        compact_sqlite(engine)
        return
    if engine.dialect.name == "postgresql" and tables:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for name in tables:
                conn.execute(text(f'VACUUM FULL "{name}"'))


def compact_sqlite(engine: Engine, *first: str) -> None:
    """Run ``first`` statements, then rebuild the SQLite file and truncate its write-ahead log, outside any
    transaction (the engine begins transactions itself, and VACUUM cannot run inside one)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA secure_delete = ON")
        for statement in first:
            cursor.execute(statement)
        cursor.execute("VACUUM")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()
