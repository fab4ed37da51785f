"""What crosses the ticket API: request bodies (strict: unknown or server-owned fields are rejected) and
responses."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    field_validator,
    model_validator,
)

from foundation.db import MAX_ID
from foundation.timeutil import request_time
from tickets.enums import Category, CustomerType, Gender, Priority, Satisfaction, TicketOrigin, TicketStatus

#: A time in a request body or query: with its zone, between 1970 and 2999.
RequestTime = Annotated[AwareDatetime, AfterValidator(request_time)]


class AlertRef(BaseModel):
    """The alert that opened a ticket: rule, key and the numbers that made it fire."""

    model_config = ConfigDict(extra="forbid")

    rule: str = Field(min_length=1, max_length=64)
    key: str = Field(min_length=1, max_length=200)
    incident: str = Field(min_length=1, max_length=64)
    window_start: RequestTime
    window_end: RequestTime
    numbers: dict[str, Any] = Field(default_factory=dict)
    summary: str = Field(default="", max_length=2000)


class Customer(BaseModel):
    """Who complains. Stored as given; shown masked to people without the ``pii`` permission."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, max_length=100)
    gender: Gender = Gender.unknown
    nickname: str | None = Field(default=None, max_length=100, description="Their handle on the platform.")
    phone: str | None = Field(default=None, max_length=32, pattern=r"^[0-9+\-() ]{3,32}$")
    email: EmailStr | None = None
    type: CustomerType = CustomerType.new


class TicketCreate(BaseModel):
    """Body of ``POST /tickets``. Number, status, department routing, deadlines and timestamps are the
    server's to set; category and grade are classified from the text when not given."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=20000, description="The complaint's details.")
    brand: str | None = Field(default=None, max_length=100)
    priority: Priority | None = Field(default=None, description="The grade; default: classified from the text.")
    category: Category | None = Field(default=None, description="Default: classified from the text.")
    product: str | None = Field(default=None, max_length=200, description="Product or service involved.")
    occurred_at: RequestTime | None = Field(default=None, description="When it happened (default: first post).")
    customer: Customer | None = None
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
    category: Category | None = None
    product: str | None = Field(default=None, max_length=200)
    occurred_at: RequestTime | None = None
    department: str | None = Field(default=None, max_length=100)
    assignee_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    status: TicketStatus | None = None
    actions_taken: str | None = Field(default=None, max_length=20000, description="What was done (处理措施).")
    remarks: str | None = Field(default=None, max_length=5000)
    improvement_suggestion: str | None = Field(default=None, max_length=5000)
    customer: Customer | None = None
    confirm_classification: bool | None = Field(default=None, description="An agent confirms category and grade.")

    @model_validator(mode="after")
    def _something(self) -> TicketUpdate:
        if not self.model_fields_set:
            raise ValueError("nothing to change: give at least one field")
        for name in ("title", "priority", "status", "category"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"'{name}' cannot be set to null")
        return self


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    body: str = Field(min_length=1, max_length=20000)


class ReplyIn(CommentIn):
    """A reply to the customer; ``wait_for_customer`` pauses the SLA clock until they answer.

    ``channel`` sends it: ``email`` to the customer's address, ``sms`` to their phone, ``platform`` records the
    post's link for the agent to answer there; ``none`` only records it (said on the phone, in person)."""

    wait_for_customer: bool = False
    channel: Literal["none", "email", "sms", "platform"] = "none"
    to: str | None = Field(
        default=None, max_length=300, description="Recipient instead of the ticket's (address, phone or post link)."
    )


class DeliveryOut(BaseModel):
    """How a reply is getting to the customer: ``queued`` (an attempt is due), ``sent``, ``failed`` (with the
    error; ``next_attempt_at`` when it will be retried), ``manual`` (to be posted on the platform by the agent)."""

    id: int
    channel: str
    recipient: str | None
    status: Literal["queued", "sent", "failed", "manual"]
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    next_attempt_at: datetime | None


class SatisfactionIn(BaseModel):
    """The revisit: the customer's verdict closes the ticket, or reopens it when unsatisfied."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    satisfaction: Satisfaction
    comment: str | None = Field(default=None, max_length=5000)


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    into: int = Field(ge=1, le=MAX_ID, description="The ticket this one is merged into.")


class CustomerOut(BaseModel):
    name: str | None
    gender: Gender
    nickname: str | None
    phone: str | None
    email: str | None
    type: CustomerType
    masked: bool


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


class CommentOut(BaseModel):
    id: int
    at: datetime
    author: str
    kind: str
    body: str
    delivery: DeliveryOut | None = Field(default=None, description="A reply's way to the customer, if sent.")


class SlaOut(BaseModel):
    """The clock: deadlines, whether it is paused, and whether a deadline was missed."""

    respond_due_at: datetime | None
    mobilise_due_at: datetime | None
    resolve_due_at: datetime | None
    responded_at: datetime | None
    paused: bool
    paused_seconds: float
    respond_breached: bool
    resolve_breached: bool
    escalation_level: int
    escalated_to: str | None


class Classified(BaseModel):
    category: Category
    grade: Priority
    confidence: float
    matched: dict[str, list[str]] = Field(description="The evidence: words that decided each category and the grade.")
    needs_confirmation: bool
    categories: list[Category] = Field(default_factory=list, description="Every category that applies, primary first.")
    type: str = Field(default="complaint", description="complaint, suggestion, enquiry, praise or other.")


class SimilarCase(BaseModel):
    """A closed ticket like this one, and how it was solved."""

    id: int
    number: str
    title: str
    category: Category
    solution: str
    similarity: float


class TicketOut(BaseModel):
    """A ticket as the API returns it."""

    id: int
    number: str
    title: str
    description: str
    brand: str | None
    status: TicketStatus
    priority: Priority
    category: Category
    classification: Classified | None
    origin: TicketOrigin
    product: str | None
    department: str | None
    assignee_id: int | None
    customer: CustomerOut
    occurred_at: datetime | None
    received_at: datetime
    actions_taken: str | None
    remarks: str | None
    improvement_suggestion: str | None
    completed_at: datetime | None
    closed_at: datetime | None
    satisfaction: Satisfaction | None
    revisit_due_at: datetime | None
    round: int
    merged_into_id: int | None
    sla: SlaOut
    alert: AlertRef | None = None
    mentions: list[TicketMentionOut] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    version: int
    history: list[TicketEventOut] | None = None
    comments: list[CommentOut] | None = None
    similar_cases: list[SimilarCase] | None = None
    verification_code: str | None = Field(default=None, description="For the customer's progress check.")


class PublicTicketOut(BaseModel):
    """What a customer sees of their complaint: status, timestamps and masked data only."""

    number: str
    status: TicketStatus
    category: Category
    customer: str | None
    received_at: datetime
    responded_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime


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
    category: list[Category] = Field(default_factory=list)
    brand: list[str] = Field(default_factory=list)
    department: list[str] = Field(default_factory=list)
    assignee_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    origin: TicketOrigin | None = None
    alert_rule: str | None = None
    overdue: bool | None = Field(default=None, description="Only open tickets past a deadline.")
    needs_confirmation: bool | None = None
    created_since: RequestTime | None = None
    created_until: RequestTime | None = None
    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=1000)
    cursor: str | None = None


class KnowledgeEntryIn(BaseModel):
    """A prepared answer: what it answers (title), the text, and where it applies (category, brand; None: any)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    answer: str = Field(min_length=1, max_length=5000)
    category: Category | None = None
    brand: str | None = Field(default=None, max_length=100, description="None: every brand.")


class KnowledgeEntryOut(KnowledgeEntryIn):
    id: int
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    score: float | None = Field(default=None, description="How well it fits the ticket (suggestions only).")
