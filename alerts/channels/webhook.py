"""A generic webhook: the message as JSON, signed so the receiver can check it came from us.

Headers: ``X-Yuqing-Event`` (the kind), ``X-Yuqing-Timestamp`` (Unix seconds) and ``X-Yuqing-Signature:
sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the shared secret>``. Receivers should reject a
timestamp more than a few minutes old, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import ClassVar, Literal

from pydantic import Field, SecretStr

from alerts.channels.base import Channel, ChannelConfig
from alerts.channels.message import Message


class WebhookConfig(ChannelConfig):
    type: Literal["webhook"]
    url: SecretStr = Field(description="https URL on a host listed in alerts.allowed_hosts.")
    secret: SecretStr = Field(description="Shared secret for the HMAC-SHA256 signature.")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The value of ``X-Yuqing-Signature`` for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class WebhookChannel(Channel[WebhookConfig]):
    type_name: ClassVar[str] = "webhook"
    config_model = WebhookConfig

    def send(self, message: Message) -> None:
        body = json.dumps(
            {
                "event": message.kind,
                "title": message.title(self.config.language),
                "text": message.text(self.config.language),
                "message": message.payload(),
            },
            ensure_ascii=False,
        ).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Yuqing-Event": message.kind,
            "X-Yuqing-Timestamp": timestamp,
            "X-Yuqing-Signature": sign(self.config.secret.get_secret_value(), timestamp, body),
        }
        self.post_json(self.config.url.get_secret_value(), {}, headers=headers, content=body)
