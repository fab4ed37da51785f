"""What crosses the ticket API: request bodies (strict: unknown or server-owned fields are rejected) and
responses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from tickets.enums import Priority, TicketOrigin, TicketStatus


class AlertRef(BaseModel):
    """The alert that opened a ticket: rule, key and the numbers that made it fire."""

    model_config = ConfigDict(extra="forbid")

    rule: str = Field(min_length=1, max_length=64)
    key: str = Field(min_length=1, max_length=200)
    incident: str = Field(min_length=1, max_length=64)
    window_start: AwareDatetime
    window_end: AwareDatetime
    numbers: dict[str, Any] = Field(default_factory=dict)
    summary: str = Field(default="", max_length=2000)


class TicketCreate(BaseModel):
    """Body of ``POST /tickets``. Number, status, origin and timestamps are the server's to set."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=20000)
    brand: str | None = Field(default=None, max_length=100)
    priority: Priority | None = Field(default=None, description="Default: the config's tickets.default_priority.")
    mention_ids: list[str] = Field(default_factory=list, max_length=50, description="Mentions behind the ticket.")
    alert: AlertRef | None = None

    @field_validator("mention_ids")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class TicketUpdate(BaseModel):
    """Body of ``PATCH /tickets/{id}``: only these fields may change; at least one must be given."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20000)
    brand: str | None = Field(default=None, max_length=100)
    priority: Priority | None = None
    status: TicketStatus | None = None

    @model_validator(mode="after")
    def _something(self) -> TicketUpdate:
        if not self.model_fields_set:
            raise ValueError("nothing to change: give at least one of title, description, brand, priority, status")
        for name in ("title", "priority", "status"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"'{name}' cannot be set to null")
        return self


class TicketMentionOut(BaseModel):
    """A mention attached to a ticket (a copy taken when it was attached)."""

    mention_id: str
    platform: str
    url: str | None
    title: str | None
    excerpt: str
    author: str | None
    published_at: datetime
    sentiment_score: float | None
    sentiment_label: str


class TicketEventOut(BaseModel):
    """One entry of a ticket's history."""

    at: datetime
    actor: str
    action: str
    changes: dict[str, Any]


class TicketOut(BaseModel):
    """A ticket as the API returns it."""

    id: int
    number: str
    title: str
    description: str
    brand: str | None
    status: TicketStatus
    priority: Priority
    origin: TicketOrigin
    alert: AlertRef | None = None
    mentions: list[TicketMentionOut] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    version: int
    history: list[TicketEventOut] | None = None


class TicketPage(BaseModel):
    """A page of tickets, newest first."""

    items: list[TicketOut]
    total: int
    next_cursor: str | None = None


class TicketQuery(BaseModel):
    """Filters and paging of ``GET /tickets``."""

    model_config = ConfigDict(extra="forbid")

    status: list[TicketStatus] = Field(default_factory=list)
    priority: list[Priority] = Field(default_factory=list)
    brand: list[str] = Field(default_factory=list)
    origin: TicketOrigin | None = None
    alert_rule: str | None = None
    created_since: AwareDatetime | None = None
    created_until: AwareDatetime | None = None
    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=1000)
    cursor: str | None = None
