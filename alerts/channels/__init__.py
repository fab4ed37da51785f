"""Notification channels: where alerts, escalations and revisit reminders are delivered.

:data:`CHANNEL_TYPES` is the explicit registry the YAML ``alerts.channels[].type`` selects from.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

import httpx
from pydantic import Field

from alerts.channels.base import Channel, ChannelConfig, ChannelError, ChannelRejected
from alerts.channels.email import EmailChannel
from alerts.channels.guard import BlockedTarget, TargetGuard
from alerts.channels.message import Message, Post
from alerts.channels.robots import DingTalkChannel, FeishuChannel, SlackChannel, WeComChannel
from alerts.channels.webhook import WebhookChannel

CHANNEL_TYPES: dict[str, type[Channel[Any]]] = {
    c.type_name: c for c in (WebhookChannel, WeComChannel, DingTalkChannel, FeishuChannel, SlackChannel, EmailChannel)
}


def channel_config_type() -> Any:
    """A pydantic type accepting the options of any registered channel type, selected by ``type``."""
    models = tuple(c.config_model for c in CHANNEL_TYPES.values())
    return Annotated[Union[models], Field(discriminator="type")]  # noqa: UP007 - built at runtime


def default_hosts() -> set[str]:
    return {host for c in CHANNEL_TYPES.values() for host in c.default_hosts}


def build_channels(
    configs: list[ChannelConfig],
    allowed_hosts: list[str],
    allow_private: list[str],
    transport: httpx.BaseTransport | None = None,
) -> dict[str, Channel[Any]]:
    """The configured channels by name, sharing one guard."""
    guard = TargetGuard([*default_hosts(), *allowed_hosts], allow_private)
    return {c.name: CHANNEL_TYPES[c.type](c, guard, transport) for c in configs}


__all__ = [
    "CHANNEL_TYPES",
    "BlockedTarget",
    "Channel",
    "ChannelConfig",
    "ChannelError",
    "ChannelRejected",
    "Message",
    "Post",
    "TargetGuard",
    "build_channels",
]
