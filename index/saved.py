"""Saved mention searches: a name, a query in the search language, and the options the language does not
cover (the order), per user; shared ones are visible to everyone and can scope alert rules.

They live in the relational database (tickets, alert state) rather than in the mention index, so one
:class:`SavedSearchStore` serves both the SQLite and the PostgreSQL deployment, migrated by Alembic
(revision 0005). Names are unique per owner, and among shared searches, because a rule names a shared search
by its name alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from foundation.access import Principal
from foundation.db import Base, Database, JSONType, UTCDateTime
from foundation.errors import Conflict, Forbidden, InvalidQuery, NotFound
from foundation.timeutil import utcnow
from index.base import MentionFilter, SortOrder
from index.query import QuerySyntaxError, parse

MAX_QUERY = 1000


class FieldQueryError(QuerySyntaxError):
    """A :class:`QuerySyntaxError` about a query sent in a field other than ``q`` (a saved search's
    ``query``): the message and the error details name that field."""

    def __init__(self, field: str, error: QuerySyntaxError):
        super().__init__(error.query, error.position, error.problem, error.expected)
        self.field = field
        self.args = (f"{field}: {self.args[0]}",)

    @property
    def details(self) -> list[dict[str, Any]]:
        return [{**detail, "field": self.field} for detail in super().details]


def check_query(query: str, field: str = "q") -> str:
    """``query`` stripped, once the search language accepts it; otherwise a :class:`QuerySyntaxError` (an
    ``InvalidQuery``, HTTP 400) naming ``field`` and the column where it went wrong."""
    text = query.strip()
    try:
        parse(text)
    except QuerySyntaxError as exc:
        raise exc if field == "q" else FieldQueryError(field, exc) from None
    return text


class SearchOptions(BaseModel):
    """What a saved search keeps besides its query: what the search language does not express."""

    model_config = ConfigDict(extra="forbid")

    sort: SortOrder = Field(default=SortOrder.time, description="time (newest first) or relevance.")


class SavedSearch(Base):
    """A named query of one user (``owner``: the principal's name)."""

    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(Text)
    filters: Mapped[dict[str, Any]] = mapped_column(JSONType)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("owner", "name", name="uq_saved_searches_owner_name"),
        Index("ix_saved_searches_shared_name", "shared", "name"),
    )


@dataclass(frozen=True)
class SavedSearchView:
    """A read-only copy of a :class:`SavedSearch` row."""

    id: int
    owner: str
    name: str
    query: str
    filters: SearchOptions
    shared: bool
    created_at: datetime
    updated_at: datetime

    def to_filter(self, **conditions: Any) -> MentionFilter:
        """The mention filter of this search, with more ``conditions`` (brands, time) added."""
        return MentionFilter(query=self.query, **conditions)


def _name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    if any(ord(c) < 32 for c in value):
        raise ValueError("must not contain control characters")
    return value


class SavedSearchIn(BaseModel):
    """A new saved search."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="Unique among your searches.")
    query: str = Field(min_length=1, max_length=MAX_QUERY, description="In the search language (GET /mentions?q=).")
    filters: SearchOptions = Field(default_factory=SearchOptions)
    shared: bool = Field(default=False, description="Visible to everyone (and usable by alert rules).")

    @field_validator("name")
    @classmethod
    def _named(cls, value: str) -> str:
        return _name(value)


class SavedSearchPatch(BaseModel):
    """Changes to a saved search; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    query: str | None = Field(default=None, min_length=1, max_length=MAX_QUERY)
    filters: SearchOptions | None = None
    shared: bool | None = None

    @field_validator("name")
    @classmethod
    def _named(cls, value: str | None) -> str | None:
        return None if value is None else _name(value)


class SavedSearchStore:
    """Creates, reads, changes and deletes saved searches on behalf of a principal.

    A principal sees their own searches and the shared ones (an administrator sees all); only the owner or
    an administrator changes or deletes one. A search the principal may not see does not exist for them
    (404); one they may see but not change is a 403.
    """

    def __init__(self, db: Database):
        self.db = db

    def create(self, actor: Principal, body: SavedSearchIn, *, now: datetime | None = None) -> SavedSearchView:
        query = check_query(body.query, "query")
        now = now or utcnow()
        try:
            with self.db.transaction() as s:
                if body.shared:
                    self._check_shared_name(s, body.name, None)
                row = SavedSearch(
                    owner=actor.name,
                    name=body.name,
                    query=query,
                    filters=body.filters.model_dump(mode="json"),
                    shared=body.shared,
                    created_at=now,
                    updated_at=now,
                )
                s.add(row)
                s.flush()
                return _view(row)
        except IntegrityError as exc:
            raise Conflict(f"you already have a saved search named {body.name!r}") from exc

    def visible(self, actor: Principal) -> list[SavedSearchView]:
        """The searches ``actor`` sees, by name."""
        stmt = select(SavedSearch)
        if not actor.is_admin:
            stmt = stmt.where((SavedSearch.owner == actor.name) | SavedSearch.shared.is_(True))
        with self.db.session() as s:
            rows = [_view(row) for row in s.scalars(stmt)]
        # Sorted here rather than in SQL: PostgreSQL's collation and SQLite's byte order disagree on names.
        return sorted(rows, key=lambda r: (r.name, r.owner, r.id))

    def get(self, actor: Principal, search_id: int) -> SavedSearchView:
        with self.db.session() as s:
            return _view(self._visible(s, actor, search_id))

    def update(
        self, actor: Principal, search_id: int, patch: SavedSearchPatch, *, now: datetime | None = None
    ) -> SavedSearchView:
        changes = patch.model_dump(mode="json", exclude_unset=True)
        if changes.get("query") is not None:
            changes["query"] = check_query(changes["query"], "query")
        for field in ("name", "query", "filters", "shared"):
            if field in changes and changes[field] is None:
                raise InvalidQuery(f"{field}: cannot be null; leave it out to keep it")
        try:
            with self.db.transaction() as s:
                row = self._writable(s, actor, search_id)
                name = changes.get("name", row.name)
                if changes.get("shared", row.shared):
                    self._check_shared_name(s, name, row.id)
                for field, value in changes.items():
                    setattr(row, field, value)
                row.updated_at = now or utcnow()
                s.flush()
                return _view(row)
        except IntegrityError as exc:
            raise Conflict(f"the owner already has a saved search named {changes.get('name')!r}") from exc

    def delete(self, actor: Principal, search_id: int) -> None:
        with self.db.transaction() as s:
            s.delete(self._writable(s, actor, search_id))

    def shared_by_name(self, name: str) -> SavedSearchView:
        """The shared search called ``name`` (what an alert rule's ``saved_search`` names)."""
        with self.db.session() as s:
            rows = list(s.scalars(select(SavedSearch).where(SavedSearch.shared.is_(True), SavedSearch.name == name)))
        if not rows:
            raise NotFound(f"no shared saved search named {name!r}")
        if len(rows) > 1:
            owners = ", ".join(sorted(r.owner for r in rows))
            raise Conflict(f"several shared saved searches are named {name!r} (owners {owners}); rename one")
        return _view(rows[0])

    # -- helpers --------------------------------------------------------------------------------------------
    @staticmethod
    def _visible(s: Session, actor: Principal, search_id: int) -> SavedSearch:
        row = s.get(SavedSearch, search_id)
        if row is None or not (actor.is_admin or row.shared or row.owner == actor.name):
            raise NotFound(f"saved search {search_id} does not exist")
        return row

    def _writable(self, s: Session, actor: Principal, search_id: int) -> SavedSearch:
        row = self._visible(s, actor, search_id)
        if not (actor.is_admin or row.owner == actor.name):
            raise Forbidden(f"saved search {search_id} belongs to {row.owner}; only they or an admin may change it")
        return row

    @staticmethod
    def _check_shared_name(s: Session, name: str, own_id: int | None) -> None:
        # Rules name shared searches by name alone: two shared searches must not share one.
        clash = s.scalar(
            select(SavedSearch).where(
                SavedSearch.shared.is_(True), SavedSearch.name == name, SavedSearch.id != (own_id or 0)
            )
        )
        if clash is not None:
            raise Conflict(
                f"a shared saved search named {name!r} exists already (owner {clash.owner}); choose another name"
            )


def _view(row: SavedSearch) -> SavedSearchView:
    return SavedSearchView(
        id=row.id,
        owner=row.owner,
        name=row.name,
        query=row.query,
        filters=SearchOptions.model_validate(row.filters or {}),
        shared=row.shared,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
