"""The ``tickets:`` section of the config: numbering, routing, SLA, escalation, revisits, classification, export."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, EmailStr, Field, SecretStr, field_validator, model_validator

from foundation.i18n import Language
from foundation.types import Duration, NonEmptyText
from tickets.enums import Category, Level, Priority
from tickets.periods import REPORT_KINDS, ReportKind

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SlaTargetConfig(Strict):
    """How long a grade allows; leave a step out for no deadline."""

    respond: Duration | None = None
    mobilise: Duration | None = None
    resolve: Duration | None = None
    monthly_plan: bool = Field(default=False, description="Due at the end of the month (improvement plan).")


def _default_sla() -> dict[Priority, SlaTargetConfig]:
    return {
        Priority.urgent: SlaTargetConfig(
            respond=timedelta(hours=1), mobilise=timedelta(hours=2), resolve=timedelta(hours=24)
        ),
        Priority.major: SlaTargetConfig(respond=timedelta(hours=4), resolve=timedelta(days=3)),
        Priority.general: SlaTargetConfig(respond=timedelta(hours=24), resolve=timedelta(days=7)),
        Priority.suggestion: SlaTargetConfig(monthly_plan=True),
    }


class BusinessHoursConfig(Strict):
    """Working hours; SLA time of the listed grades counts only inside them. Urgent always runs 24/7."""

    weekdays: list[Weekday] = Field(default=["mon", "tue", "wed", "thu", "fri"], min_length=1)
    start: time = time(9, 0)
    end: time = time(18, 0)
    holidays: list[date] = Field(default_factory=list, description="Days off (e.g. 国庆 2026-10-01).")
    workdays: list[date] = Field(default_factory=list, description="Weekend days worked (调休).")
    grades: list[Priority] = Field(default=[Priority.general, Priority.suggestion])

    @model_validator(mode="after")
    def _sane(self) -> BusinessHoursConfig:
        if self.end <= self.start:
            raise ValueError("business hours must end after they start")
        if Priority.urgent in self.grades:
            raise ValueError("urgent tickets (safety) always run on the clock; remove urgent from grades")
        return self


class EscalationConfig(Strict):
    """Overdue tickets climb the chain: a warning shortly before a deadline, then one level per ``step``."""

    chain: list[Level] = Field(default=[Level.agent, Level.supervisor, Level.manager, Level.executive], min_length=2)
    warn_before: Duration = Field(default=timedelta(minutes=30), description="Warn the assignee this long before.")
    step: Duration = Field(default=timedelta(hours=2), description="Each further step overdue climbs one level.")


class RoutingRule(Strict):
    """Tickets of this category (and brand, product, if given) go to ``department``. First match wins."""

    department: NonEmptyText
    category: Category | None = None
    brand: str | None = None
    product: str | None = None


class TypeHandlingConfig(Strict):
    """How a ticket of a type other than complaint is handled: its grade (hence its SLA) and its desk."""

    grade: Priority
    department: str | None = Field(default=None, description="None: routed by category, else the default department.")


def _default_types() -> dict[Literal["suggestion", "enquiry"], TypeHandlingConfig]:
    # A suggestion goes to the monthly improvement plan; an enquiry wants an answer from the service desk (the
    # default department) within the general SLA.
    return {
        "suggestion": TypeHandlingConfig(grade=Priority.suggestion),
        "enquiry": TypeHandlingConfig(grade=Priority.general),
    }


class LexiconConfig(Strict):
    """Words that decide category and grade; a list given here replaces the shipped one for that key."""

    categories: dict[Category, list[NonEmptyText]] = Field(default_factory=dict)
    urgent: list[NonEmptyText] | None = None
    major: list[NonEmptyText] | None = None


class ClassificationConfig(Strict):
    engine: Literal["model", "lexicon"] = Field(
        default="model",
        description="model: the trained complaint reader (categories, type, urgent grade, evidence); "
        "lexicon: only the word lists below.",
    )
    critical_words: dict[str, list[NonEmptyText]] = Field(
        default_factory=dict,
        description='Extra urgent words per brand ("*": every brand), e.g. {"鲜达": ["假冒"]}.',
    )
    lexicon: LexiconConfig = Field(default_factory=LexiconConfig)
    low_confidence: float = Field(default=0.5, ge=0.0, le=1.0, description="Below it, an agent must confirm.")


class ExportConfig(Strict):
    max_rows: int = Field(default=10_000, ge=1, description="No export is larger.")
    approval_above: int = Field(default=1_000, ge=1, description="Larger exports need a second person's approval.")
    download_hours: int = Field(default=24, ge=1, le=24 * 30, description="An approved export expires after this.")


class VipConfig(Strict):
    """How complaints of VIP customers (customer type ``vip``) are handled: at least this grade, so the shorter
    deadlines of that grade apply, and a named person who takes them instead of the usual assignment."""

    grade_at_least: Priority = Field(default=Priority.major, description="A VIP complaint is never graded lower.")
    owner: NonEmptyText | None = Field(default=None, description="User name of whoever takes VIP tickets.")


class ReplyEmailConfig(Strict):
    """Replies to customers by e-mail over SMTP (the customer's address on the ticket)."""

    host: NonEmptyText = Field(description="SMTP server.")
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = Field(default="starttls", description="'none' only on-premises.")
    username: str | None = None
    password: SecretStr | None = Field(default=None, description="Put it in the environment: ${SMTP_PASSWORD}.")
    sender: EmailStr = Field(description="From address the customer sees.")
    subject: str = Field(default="【{brand}】您的投诉 {number} 有了回复", max_length=200)
    timeout_seconds: float = Field(default=15.0, gt=0, le=120)

    @model_validator(mode="after")
    def _login_whole(self) -> ReplyEmailConfig:
        if (self.username is None) != (self.password is None):
            raise ValueError("give both username and password for SMTP login, or neither")
        return self


class ReplySmsConfig(Strict):
    """Replies by SMS through a gateway's HTTP webhook: POST JSON ``{"to", "text", "reference"}``."""

    url: AnyHttpUrl = Field(description="The gateway's endpoint (http or https).")
    token: SecretStr | None = Field(default=None, description="Sent as Authorization: Bearer; from ${SMS_TOKEN}.")
    max_length: int = Field(default=500, ge=70, le=2000, description="Longer replies are refused, not cut.")
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)


class ReplyPlatformConfig(Strict):
    """A reply posted by the agent on the platform where the customer wrote: the link is recorded with the text."""

    instructions: str = Field(default="打开原帖链接，以品牌官方账号回复以下内容，发布后点“已发布”。", max_length=500)


class RepliesConfig(Strict):
    """The channels a reply to the customer can go through; a reply without one is only recorded."""

    email: ReplyEmailConfig | None = None
    sms: ReplySmsConfig | None = None
    platform: ReplyPlatformConfig | None = Field(default_factory=ReplyPlatformConfig)
    max_attempts: int = Field(default=5, ge=1, le=50, description="A failed reply is retried up to this.")
    retry_after: Duration = Field(default=timedelta(minutes=5), description="First wait; doubles each attempt.")

    def channels(self) -> list[str]:
        """The configured channels, in the order the dashboard offers them."""
        return [name for name in ("email", "sms", "platform") if getattr(self, name) is not None]


class ReportsConfig(Strict):
    """Scheduled complaint reports: which, when, over which brands, and where they are pushed."""

    kinds: list[ReportKind] = Field(
        default=list(REPORT_KINDS), description="Reports made after each day, ISO week and month ends ([] for none)."
    )
    at: time = Field(
        default=time(8, 0), description="Local time (config timezone) after which a period's report is made."
    )
    per_brand: bool = Field(default=True, description="One report per brand.")
    all_brands: bool = Field(default=True, description="One report over every brand (seen by unlimited users).")
    language: Language = Field(default="zh", description="Language of the stored files.")
    link_base: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s]+$",
        description="The dashboard's address as people open it (https://yuqing.example.com): pushed reports "
        "then link to the reports page.",
    )


class TicketsConfig(Strict):
    """How tickets are numbered, routed, timed, escalated and followed up."""

    number_prefix: str = Field(default="FBD", pattern=r"^[A-Z]{2,6}$")
    default_priority: Priority = Priority.general
    departments: list[NonEmptyText] = Field(default=["客服部"], min_length=1)
    default_department: str | None = Field(default=None, description="Default: the first department.")
    routing: list[RoutingRule] = Field(default_factory=list)
    assignment: Literal["round_robin", "least_open"] = "least_open"
    sla: dict[Priority, SlaTargetConfig] = Field(default_factory=_default_sla)
    business_hours: BusinessHoursConfig | None = None
    escalation: EscalationConfig = Field(default_factory=EscalationConfig)
    revisit_after: Duration = Field(default=timedelta(days=3), description="Revisit the customer (3 to 7 days).")
    classification: ClassificationConfig = Field(default_factory=ClassificationConfig)
    types: dict[Literal["suggestion", "enquiry"], TypeHandlingConfig] = Field(
        default_factory=_default_types, description="Handling of suggestions and enquiries (praise opens no ticket)."
    )
    export: ExportConfig = Field(default_factory=ExportConfig)
    vip: VipConfig | None = Field(default=None, description="VIP customers: shorter deadlines and a named owner.")
    replies: RepliesConfig = Field(default_factory=RepliesConfig)

    reports: ReportsConfig = Field(default_factory=ReportsConfig)

    @field_validator("revisit_after")
    @classmethod
    def _three_to_seven_days(cls, value: timedelta) -> timedelta:
        if not timedelta(days=3) <= value <= timedelta(days=7):
            raise ValueError("the revisit follows 3 to 7 days after resolution")
        return value

    @model_validator(mode="after")
    def _departments_known(self) -> TicketsConfig:
        known = set(self.departments)
        if self.default_department is not None and self.default_department not in known:
            raise ValueError(f"default_department {self.default_department!r} is not in departments")
        for rule in self.routing:
            if rule.department not in known:
                raise ValueError(f"routing sends tickets to {rule.department!r}, which is not in departments")
        for kind, handling in self.types.items():
            if handling.department is not None and handling.department not in known:
                raise ValueError(f"types.{kind} sends tickets to {handling.department!r}, which is not in departments")
        return self

    def home_department(self) -> str:
        return self.default_department or self.departments[0]
