"""Enumerations of the complaint process, shared by config, alerts, tickets and the API."""

from __future__ import annotations

from enum import StrEnum

from foundation.vocabulary import Category, Level, Priority, Role

__all__ = [
    "Category",
    "CustomerType",
    "Gender",
    "Level",
    "Priority",
    "Role",
    "Satisfaction",
    "TicketOrigin",
    "TicketStatus",
]


class TicketStatus(StrEnum):
    """Where a ticket stands in the complaint process."""

    new = "new"
    assigned = "assigned"
    in_progress = "in_progress"
    waiting_customer = "waiting_customer"
    resolved = "resolved"
    closed = "closed"
    reopened = "reopened"


class TicketOrigin(StrEnum):
    """Who opened the ticket."""

    manual = "manual"
    alert = "alert"


class CustomerType(StrEnum):
    new = "new"
    returning = "returning"
    vip = "vip"


class Gender(StrEnum):
    """Used only to address the customer politely when masked (张先生 / 张女士)."""

    male = "male"
    female = "female"
    unknown = "unknown"


class Satisfaction(StrEnum):
    """The customer's verdict at the revisit (回访)."""

    satisfied = "satisfied"  # 满意
    basically_satisfied = "basically_satisfied"  # 基本满意
    unsatisfied = "unsatisfied"  # 不满意
