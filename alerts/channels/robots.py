"""Chat robots of WeCom (企业微信), DingTalk (钉钉), Feishu/Lark (飞书) and Slack incoming webhooks.

Each takes its robot's webhook URL (which carries the robot's token: a secret) and, for DingTalk and Feishu,
the optional signing secret of a robot created with "sign" security. Their answers carry an error code in
the body even with HTTP 200; rate limits are retried, other errors are not.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any, ClassVar, Literal
from urllib.parse import quote_plus

from pydantic import Field, SecretStr

from alerts.channels.base import Channel, ChannelConfig, ChannelError, ChannelRejected
from alerts.channels.message import Message

_MAX_BYTES = 4000  # WeCom and DingTalk cap markdown at about 4 KB; keep clear of it


def _clip(text: str) -> str:
    raw = text.encode()
    return text if len(raw) <= _MAX_BYTES else raw[:_MAX_BYTES].decode(errors="ignore") + "…"


class WeComConfig(ChannelConfig):
    type: Literal["wecom"]
    url: SecretStr = Field(description="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...")


class WeComChannel(Channel[WeComConfig]):
    """A WeCom group robot, markdown messages."""

    type_name: ClassVar[str] = "wecom"
    config_model = WeComConfig
    default_hosts = ("qyapi.weixin.qq.com",)
    RATE_LIMITED: ClassVar[set[int]] = {45009, 45033}

    def send(self, message: Message) -> None:
        content = _clip(message.text(self.config.language, markdown=True))
        body = {"msgtype": "markdown", "markdown": {"content": content}}
        answer = self.post_json(self.config.url.get_secret_value(), body).json()
        _check(self.config.name, answer.get("errcode"), answer.get("errmsg"), self.RATE_LIMITED)


def robot_sign(secret: str, timestamp: str) -> str:
    """HMAC-SHA256 of ``"<timestamp>\\n<secret>"`` keyed by the secret, base64 (DingTalk's scheme)."""
    mac = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


class DingTalkConfig(ChannelConfig):
    type: Literal["dingtalk"]
    url: SecretStr = Field(description="https://oapi.dingtalk.com/robot/send?access_token=...")
    secret: SecretStr | None = Field(default=None, description="The robot's SEC... signing secret, if it has one.")


class DingTalkChannel(Channel[DingTalkConfig]):
    """A DingTalk custom robot, markdown messages, signed when the robot requires it."""

    type_name: ClassVar[str] = "dingtalk"
    config_model = DingTalkConfig
    default_hosts = ("oapi.dingtalk.com",)
    RATE_LIMITED: ClassVar[set[int]] = {130101, 130102}

    def signed_url(self, timestamp_ms: str) -> str:
        url = self.config.url.get_secret_value()
        if self.config.secret is None:
            return url
        signature = quote_plus(robot_sign(self.config.secret.get_secret_value(), timestamp_ms))
        return f"{url}&timestamp={timestamp_ms}&sign={signature}"

    def send(self, message: Message) -> None:
        body = {
            "msgtype": "markdown",
            "markdown": {
                "title": message.title(self.config.language),
                "text": _clip(message.text(self.config.language, markdown=True)),
            },
        }
        answer = self.post_json(self.signed_url(str(int(time.time() * 1000))), body).json()
        _check(self.config.name, answer.get("errcode"), answer.get("errmsg"), self.RATE_LIMITED)


def feishu_sign(secret: str, timestamp: str) -> str:
    """Feishu's scheme: HMAC-SHA256 keyed by ``"<timestamp>\\n<secret>"`` of an empty message, base64."""
    mac = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


class FeishuConfig(ChannelConfig):
    type: Literal["feishu"]
    url: SecretStr = Field(description="https://open.feishu.cn/open-apis/bot/v2/hook/... (or open.larksuite.com)")
    secret: SecretStr | None = Field(default=None, description="The bot's signing secret, if it has one.")


class FeishuChannel(Channel[FeishuConfig]):
    """A Feishu/Lark custom bot, text messages, signed when the bot requires it."""

    type_name: ClassVar[str] = "feishu"
    config_model = FeishuConfig
    default_hosts = ("open.feishu.cn", "open.larksuite.com")
    RATE_LIMITED: ClassVar[set[int]] = {9499, 11232}

    def send(self, message: Message) -> None:
        body: dict[str, Any] = {"msg_type": "text", "content": {"text": message.text(self.config.language)}}
        if self.config.secret is not None:
            timestamp = str(int(time.time()))
            body |= {"timestamp": timestamp, "sign": feishu_sign(self.config.secret.get_secret_value(), timestamp)}
        answer = self.post_json(self.config.url.get_secret_value(), body).json()
        code = answer.get("code", answer.get("StatusCode"))
        _check(self.config.name, code, answer.get("msg") or answer.get("StatusMessage"), self.RATE_LIMITED)


class SlackConfig(ChannelConfig):
    type: Literal["slack"]
    url: SecretStr = Field(description="https://hooks.slack.com/services/...")


class SlackChannel(Channel[SlackConfig]):
    """A Slack incoming webhook (mrkdwn)."""

    type_name: ClassVar[str] = "slack"
    config_model = SlackConfig
    default_hosts = ("hooks.slack.com",)

    def send(self, message: Message) -> None:
        language = self.config.language
        text = f"*{message.title(language)}*\n" + "\n".join(message.lines(language))
        self.post_json(self.config.url.get_secret_value(), {"text": text})


def _check(channel: str, code: Any, detail: Any, rate_limited: set[int]) -> None:
    if code in (0, None):
        return
    if code in rate_limited:
        raise ChannelError(f"{channel}: rate limited ({code} {detail})")
    raise ChannelRejected(f"{channel}: refused ({code} {detail})")
