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
