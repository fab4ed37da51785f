"""SQLAlchemy engines and Alembic migrations for the relational stores.

The relational database holds tickets, alert state and source state: an SQLite file by default, or
PostgreSQL in production. Both go through the same models and the same migrations.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    Dialect,
    Engine,
    MetaData,
    TypeDecorator,
    create_engine,
    event,
    make_url,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from foundation.errors import StoreUnavailable

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table in the relational database."""

    metadata = MetaData(naming_convention=NAMING)


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


IMMEDIATE = "yuqing_immediate"
#: Execution option: begin with ``BEGIN EXCLUSIVE`` (migrations: one process at a time, readers wait too).
EXCLUSIVE = "yuqing_exclusive"
#: How long an SQLite writer waits for another process's write lock before failing with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30000
#: The PostgreSQL advisory lock key migrations hold (any constant shared by every Yuqing process).
MIGRATION_LOCK_KEY = 0x59755169  # "YuQi"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_begin); pysqlite's implicit BEGIN cannot be IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # busy_timeout first: switching a fresh file to WAL takes a lock that a second process starting at the
    # same moment must wait for, not fail on. Then writers queue behind each other for up to 30 s.
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # WAL lets the API read while a crawl process writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # A transaction that reads before it writes must take the write lock up front: otherwise, in WAL mode,
    # a concurrent writer makes its first write fail with SQLITE_BUSY at once instead of waiting.
    options = conn.get_execution_options()
    if options.get(EXCLUSIVE):
        conn.exec_driver_sql("BEGIN EXCLUSIVE")
    elif options.get(IMMEDIATE):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


#: The largest id a database row can have (a signed 64-bit integer): larger ids in requests are refused.
MAX_ID = 2**63 - 1


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite files get WAL mode and their folder is created."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def describe_url(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(normalize_url(url)).render_as_string(hide_password=True)


def run_migrations(engine: Engine, script_location: str) -> None:
    """Bring the database behind ``engine`` to the newest revision of ``script_location``.

    One process migrates at a time: on SQLite the migration runs in an exclusive transaction, on PostgreSQL
    under a transaction-scoped advisory lock. A second process starting on a fresh data directory waits, then
    finds the schema at head and has nothing to do.
    """
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", script_location)
    try:
        with engine.connect() as raw:
            connection = raw.execution_options(**{EXCLUSIVE: True})
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, "head")
    except OperationalError as exc:
        raise StoreUnavailable(f"cannot migrate {describe_url(str(engine.url))}: {exc.orig}") from exc


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite has no time zones and returns naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: JSON on every backend, JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class Database:
    """The relational database: one engine, sessions, and migrations to the newest schema."""

    def __init__(self, url: str, **engine_kwargs: Any):
        self.url = normalize_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Create or upgrade every table (idempotent)."""
        run_migrations(self.engine, "foundation:migrations")

    def session(self) -> Session:
        """A session for reads (and writes that start by writing)."""
        return self.sessions()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in a write transaction, committed on success and rolled back on error.

        On SQLite the transaction takes the write lock at once (BEGIN IMMEDIATE), so concurrent writers
        queue behind each other instead of failing.
        """
        with self.sessions() as session:
            session.connection(execution_options={IMMEDIATE: True})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def describe(self) -> str:
        return describe_url(self.url)

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            return True
        except SQLAlchemyError:
            return False

    def close(self) -> None:
        self.engine.dispose()
