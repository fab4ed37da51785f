"""What the alerts API returns: the state of each rule × key, the alert history, and one incident explained.

The dashboard draws these (state table, markers on the trend chart, the incident page); keep the shapes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from foundation.timeutil import request_time

EventKind = Literal["fired", "reminded", "resolved", "ticket", "error", "acknowledged", "assigned", "commented"]
#: What the engine writes; the other kinds are people handling an incident (alerts.handling).
ENGINE_KINDS: tuple[EventKind, ...] = ("fired", "reminded", "resolved", "ticket", "error")


class AlertItem(BaseModel):
    """Where one rule stands for one key (a brand; a mention for event rules; a source for ``source_silent``).

    ``since``: when it started firing, or, when not firing, when it last resolved (``None``: never fired).
    ``incident``, ``ticket_number`` and ``ticket_id`` are the current incident's, or the last one's. Event rules
    (``critical_words``, ``bad_review``) have one key per mention, and an event never resolves: such keys stay
    firing.
    """

    rule: str
    type: str | None
    key: str
    brand: str | None
    firing: bool
    since: datetime | None
    last_evaluated: datetime | None
    numbers: dict[str, Any]
    summary: str | None
    ticket_number: str | None
    ticket_id: int | None
    incident: str | None


class AlertList(BaseModel):
    items: list[AlertItem]


class AlertEventItem(BaseModel):
    """One entry of the alert history. ``kind``: ``fired``, ``resolved``, ``ticket`` (the incident's ticket
    was opened or commented on) or ``error`` (an evaluation or a ticket delivery failed)."""

    id: int
    rule: str
    type: str | None
    key: str
    brand: str | None
    kind: str
    at: datetime
    incident: str | None
    window_start: datetime | None
    window_end: datetime | None
    numbers: dict[str, Any]
    summary: str
    mention_ids: list[str]
    ticket_number: str | None
    ticket_id: int | None


class AlertEventList(BaseModel):
    items: list[AlertEventItem]


class IncidentTicket(BaseModel):
    """The incident's ticket; ``status`` and ``priority`` are ``None`` when the caller may not see the ticket
    itself (another department's)."""

    number: str
    id: int | None
    status: str | None
    priority: str | None


class AlertQuery(BaseModel):
    """Query parameters of ``GET /alerts``."""

    model_config = ConfigDict(extra="forbid")

    firing: bool | None = Field(default=None, description="true: only firing keys; false: only quiet ones.")
    brand: list[str] = Field(default_factory=list, description="Repeat for several brands.")
    rule: list[str] = Field(default_factory=list, description="Repeat for several rules.")
    limit: int = Field(default=500, ge=1, le=5000)


class AlertEventQuery(BaseModel):
    """Query parameters of ``GET /alerts/events``."""

    model_config = ConfigDict(extra="forbid")

    brand: list[str] = Field(default_factory=list)
    rule: list[str] = Field(default_factory=list)
    kind: list[EventKind] = Field(default_factory=list, description="fired, resolved, ticket, error")
    since: datetime | None = Field(default=None, description="At or after (ISO 8601; UTC if no zone).")
    until: datetime | None = Field(default=None, description="Before.")
    limit: int = Field(default=100, ge=1, le=1000)

    @field_validator("since", "until")
    @classmethod
    def _as_utc(cls, value: datetime | None) -> datetime | None:
        return request_time(value) if value is not None else None

    @model_validator(mode="after")
    def _ordered(self) -> AlertEventQuery:
        if self.since and self.until and self.since >= self.until:
            raise ValueError("'since' must be earlier than 'until'")
        return self


IncidentStatus = Literal["open", "acknowledged", "resolved"]


class IncidentQuery(BaseModel):
    """Query parameters of ``GET /alerts/incidents``."""

    model_config = ConfigDict(extra="forbid")

    brand: list[str] = Field(default_factory=list)
    rule: list[str] = Field(default_factory=list)
    status: list[IncidentStatus] = Field(default_factory=list, description="open, acknowledged, resolved")
    limit: int = Field(default=100, ge=1, le=1000, description="Among this many newest incidents.")


class IncidentAssignee(BaseModel):
    """The user an incident is given to."""

    id: int
    display_name: str


class IncidentHistoryEntry(BaseModel):
    """One entry of an incident's history: ``fired``, ``reminded``, ``resolved``, ``ticket`` (by the engine,
    or linked by ``by``), ``acknowledged``, ``assigned`` (to ``assignee``, or to nobody) or ``commented``
    (``text``)."""

    id: int
    at: datetime
    kind: str
    by: str | None
    text: str | None
    assignee: IncidentAssignee | None
    ticket_number: str | None


class IncidentHandlingOut(BaseModel):
    """An incident after someone acted on it: its status, who acknowledged it, who has it, its history."""

    incident: str
    status: IncidentStatus
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    assignee: IncidentAssignee | None
    ticket_number: str | None
    history: list[IncidentHistoryEntry]


class AssignBody(BaseModel):
    """``PUT /alerts/incidents/{incident}/assignee``: the user's id, or ``null`` for nobody."""

    model_config = ConfigDict(extra="forbid")

    user_id: int | None = Field(ge=1)


class CommentBody(BaseModel):
    """``POST /alerts/incidents/{incident}/comments``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: str = Field(min_length=1, max_length=2000)

    @field_validator("text")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        # PostgreSQL text cannot hold NUL: refuse it here rather than fail on the write.
        if "\x00" in value:
            raise ValueError("text must not contain NUL characters")
        return value


class LinkTicketBody(BaseModel):
    """``PUT /alerts/incidents/{incident}/ticket``: the ticket, by its number (e.g. ``T20261120-0001``)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: str = Field(min_length=1, max_length=32)


class IncidentSummary(BaseModel):
    """One incident rather than its raw firings: ``open`` (nobody has taken it or its ticket yet),
    ``acknowledged`` (someone acknowledged it, has it, or works on its ticket) or ``resolved`` (the condition
    cleared); how many reminders went out while it lasted, and who handles it."""

    incident: str
    rule: str
    type: str | None
    key: str
    brand: str | None
    status: IncidentStatus
    opened_at: datetime
    resolved_at: datetime | None
    reminders: int
    summary: str
    numbers: dict[str, Any]
    ticket: IncidentTicket | None
    acknowledged_at: datetime | None = Field(default=None, description="When someone acknowledged it.")
    acknowledged_by: str | None = None
    assignee: IncidentAssignee | None = Field(default=None, description="Who has it now.")
    comments: int = Field(default=0, description="How many comments it has.")


class IncidentList(BaseModel):
    items: list[IncidentSummary]
