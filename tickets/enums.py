"""Enumerations of the complaint process, shared by config, alerts, tickets and the API."""

from __future__ import annotations

from enum import StrEnum


class Priority(StrEnum):
    """The complaint grade (等级). Anything touching customer safety is always ``urgent``."""

    urgent = "urgent"  # 紧急: safety, health, media exposure; respond within 1-2 h
    major = "major"  # 重大
    general = "general"  # 一般: respond within 24 h
    suggestion = "suggestion"  # 建议: into the monthly improvement plan


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


class Category(StrEnum):
    """What the complaint is about (投诉类别)."""

    product_quality = "product_quality"  # 产品质量
    service_attitude = "service_attitude"  # 服务态度
    logistics = "logistics"  # 物流配送
    process = "process"  # 流程: ordering, refunds, returns (下单、退款、退换货)
    suggestion = "suggestion"  # 建议
    enquiry = "enquiry"  # 咨询
    other = "other"


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


class Role(StrEnum):
    """What a user may do. ``admin``: config, rules, users, every ticket; ``pr``: mentions, trends, alerts and
    read-only tickets; ``agent``: the tickets of their departments and brands."""

    admin = "admin"
    pr = "pr"
    agent = "agent"


class Level(StrEnum):
    """A person's rung on the escalation chain."""

    agent = "agent"
    supervisor = "supervisor"
    manager = "manager"
    executive = "executive"
