"""The base of notification channels.

Extension point: a channel type subclasses :class:`Channel`, declares its options as a subclass of
:class:`ChannelConfig` (fields without defaults are required; validated when the config is loaded), sets
``default_hosts`` (the hosts its URLs may point at without further allow-listing) and implements
:meth:`Channel.send`; it is added to :data:`alerts.channels.CHANNEL_TYPES`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Generic, Literal, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field

from alerts.channels.guard import TargetGuard
from alerts.channels.message import Message
from foundation.types import Name


class ChannelError(Exception):
    """Sending failed; it may work later (network, 5xx, rate limit)."""


class ChannelRejected(Exception):
    """The receiver refused the message (bad token, bad request); retrying will not help."""


class ChannelConfig(BaseModel):
    """Options every channel has."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    type: str
    language: Literal["zh", "en"] = Field(default="zh", description="Language of the messages.")
    timeout_seconds: float = Field(default=10.0, gt=0)


ConfigT = TypeVar("ConfigT", bound=ChannelConfig)


class Channel(ABC, Generic[ConfigT]):
    """Delivers :class:`Message` objects somewhere people read them."""

    type_name: ClassVar[str]
    config_model: ClassVar[type[ChannelConfig]]
    #: Hosts this channel type's URLs may use without being listed in ``alerts.allowed_hosts``.
    default_hosts: ClassVar[tuple[str, ...]] = ()
    #: Whether :meth:`send` delivers ``Message.attachments`` (e-mail); others get a link to the files instead.
    takes_attachments: ClassVar[bool] = False

    def __init__(self, config: ConfigT, guard: TargetGuard, transport: httpx.BaseTransport | None = None):
        self.config = config
        self.guard = guard
        self.transport = transport

    @abstractmethod
    def send(self, message: Message) -> None:
        """Deliver one message; :class:`ChannelError` if worth retrying, :class:`ChannelRejected` if not."""

    def post_json(
        self, url: str, body: dict[str, Any], headers: dict[str, str] | None = None, content: bytes | None = None
    ) -> httpx.Response:
        """POST to ``url`` after the SSRF guard, without following redirects; raises on failure."""
        self.guard.check_url(url)
        try:
            with httpx.Client(
                transport=self.transport, timeout=self.config.timeout_seconds, follow_redirects=False
            ) as client:
                if content is not None:
                    response = client.post(url, content=content, headers=headers)
                else:
                    response = client.post(url, json=body, headers=headers)
        except httpx.TransportError as exc:
            raise ChannelError(f"{self.config.name}: {type(exc).__name__}: {exc}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise ChannelError(f"{self.config.name}: HTTP {response.status_code}")
        if response.status_code >= 300:
            raise ChannelRejected(f"{self.config.name}: HTTP {response.status_code}: {response.text[:200]}")
        return response
