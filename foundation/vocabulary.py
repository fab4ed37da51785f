"""The words every floor shares: a mention's sentiment label, a complaint's category and grade, a user's role.

They live on the ground floor because the index stores them, the alert rules filter on them, the tickets
route by them and the API shows them; no domain owns them alone.
"""

from __future__ import annotations

from enum import StrEnum


class SentimentLabel(StrEnum):
    """Label derived from the score with configurable thresholds."""

    negative = "negative"
    neutral = "neutral"
    positive = "positive"
    unscored = "unscored"  # no scorer for the language, empty text, or the scorer failed


class Priority(StrEnum):
    """The complaint grade (等级). Anything touching customer safety is always ``urgent``."""

    urgent = "urgent"  # 紧急: safety, health, media exposure; respond within 1-2 h
    major = "major"  # 重大
    general = "general"  # 一般: respond within 24 h
    suggestion = "suggestion"  # 建议: into the monthly improvement plan


class Category(StrEnum):
    """What the complaint is about (投诉类别)."""

    product_quality = "product_quality"  # 产品质量
    service_attitude = "service_attitude"  # 服务态度
    logistics = "logistics"  # 物流配送
    process = "process"  # 流程: ordering, refunds, returns (下单、退款、退换货)
    suggestion = "suggestion"  # 建议
    enquiry = "enquiry"  # 咨询
    other = "other"


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
