"""Every notification channel against a local receiver, the SSRF guard, and the outbox dispatcher."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message as EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from alerts.channels import CHANNEL_TYPES, BlockedTarget, Message, Post, TargetGuard, build_channels
from alerts.channels.base import ChannelConfig
from alerts.dispatch import Dispatcher
from config.loader import parse_config
from foundation.db import Database
from foundation.errors import ConfigError
from foundation.timeutil import utcnow
from tests.factories import BRANDS_YAML
from tickets.models import Notification

MESSAGE = Message(
    kind="alert_fired",
    summary="鲜达外卖: 9/13 mentions negative (69%)",
    rule="negative-share",
    key="鲜达外卖",
    window=("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z"),
    numbers={"share": 0.69, "negative": 9},
    posts=[Post("forum", "<script>alert(1)</script>", "配送太慢，退款难", "https://forum.example/t/1")],
    top_words=[("退款", 5), ("配送", 4)],
    ticket="FBD2026110001",
    at="2026-11-21T00:00:00Z",
)


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that records requests and answers with ``answer(request)``."""

    answer: Callable[[Received], tuple[int, str]] = lambda r: (200, '{"errcode": 0, "code": 0}')
    requests: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urlsplit(self.path)
                req = Received(
                    parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()}, dict(self.headers.items()), body
                )
                receiver.requests.append(req)
                status, text = receiver.answer(req)
                payload = text.encode()
                self.send_response(status)
                if status in (301, 302):
                    self.send_header("Location", "http://169.254.169.254/latest/meta-data")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def channel(kind: str, **options: Any) -> Any:
    config = CHANNEL_TYPES[kind].config_model.model_validate({"name": f"test-{kind}", "type": kind, **options})
    return build_channels([config], [], ["127.0.0.1"])[config.name]


def test_webhook_is_signed_over_timestamp_and_body(receiver: Receiver) -> None:
    channel("webhook", url=f"{receiver.base}/hook", secret="s3cret", language="en").send(MESSAGE)
    [req] = receiver.requests
    stamp = req.headers["X-Yuqing-Timestamp"]
    expected = hmac.new(b"s3cret", stamp.encode() + b"." + req.body, hashlib.sha256).hexdigest()
    assert req.headers["X-Yuqing-Signature"] == f"sha256={expected}"
    assert abs(int(stamp) - time.time()) < 60 and req.headers["X-Yuqing-Event"] == "alert_fired"
    body = req.json()
    assert body["event"] == "alert_fired" and body["message"]["ticket"] == "FBD2026110001"
    assert body["title"] == "[Yuqing alert] negative-share · 鲜达外卖"


def test_wecom_markdown_in_chinese(receiver: Receiver) -> None:
    channel("wecom", url=f"{receiver.base}/cgi-bin/webhook/send?key=KEY").send(MESSAGE)
    [req] = receiver.requests
    assert req.query == {"key": "KEY"}
    content = req.json()["markdown"]["content"]
    assert content.startswith("### 【舆情告警】negative-share · 鲜达外卖")
    assert "**热词**: 退款(5), 配送(4)" in content and "(https://forum.example/t/1)" in content
    assert "**工单**: FBD2026110001" in content


def test_dingtalk_signs_the_url(receiver: Receiver) -> None:
    channel("dingtalk", url=f"{receiver.base}/robot/send?access_token=TOKEN", secret="SECabc").send(MESSAGE)
    [req] = receiver.requests
    stamp = req.query["timestamp"]
    mac = hmac.new(b"SECabc", f"{stamp}\nSECabc".encode(), hashlib.sha256).digest()
    assert unquote(req.query["sign"]) == base64.b64encode(mac).decode()
    assert req.query["access_token"] == "TOKEN" and req.json()["msgtype"] == "markdown"


def test_feishu_signs_the_body(receiver: Receiver) -> None:
    channel("feishu", url=f"{receiver.base}/open-apis/bot/v2/hook/T", secret="fs", language="en").send(MESSAGE)
    body = receiver.requests[0].json()
    mac = hmac.new(f"{body['timestamp']}\nfs".encode(), b"", hashlib.sha256).digest()
    assert body["sign"] == base64.b64encode(mac).decode()
    assert body["content"]["text"].startswith("[Yuqing alert] negative-share")


def test_slack(receiver: Receiver) -> None:
    channel("slack", url=f"{receiver.base}/services/T/B/X", language="en").send(MESSAGE)
    assert receiver.requests[0].json()["text"].startswith("*[Yuqing alert] negative-share · 鲜达外卖*")


def test_email_through_an_smtp_server() -> None:
    from aiosmtpd.controller import Controller

    received: list[EmailMessage] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(message_from_bytes(envelope.content))
            return "250 OK"

    with socket.socket() as probe:  # aiosmtpd needs a concrete port: take a free one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = Controller(Handler(), hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        channel(
            "email",
            host="127.0.0.1",
            port=port,
            security="none",
            sender="alerts@yuqing.example",
            to=["pr@brand.example"],
        ).send(MESSAGE)
    finally:
        smtp.stop()
    [mail] = received
    subject = str(make_header(decode_header(mail["Subject"])))
    assert mail["To"] == "pr@brand.example" and subject == "【舆情告警】negative-share · 鲜达外卖"
    html = next(p for p in mail.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()
    assert "&lt;script&gt;" in html and "<script>" not in html  # crawled text is escaped


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ((200, '{"errcode": 0}'), "sent"),
        ((200, '{"errcode": 45009, "errmsg": "freq"}'), "retrying"),
        ((200, '{"errcode": 93000, "errmsg": "invalid key"}'), "failed"),
        ((503, "busy"), "retrying"),
        ((401, "no"), "failed"),
        ((302, ""), "failed"),
    ],
)
def test_dispatcher_retries_transient_failures_only(
    answer: tuple[int, str], outcome: str, receiver: Receiver, tmp_path: Any
) -> None:
    receiver.answer = lambda r: answer
    db = Database(f"sqlite:///{tmp_path / 'y.sqlite3'}")
    db.migrate()
    channels = build_channels(
        [
            CHANNEL_TYPES["wecom"].config_model.model_validate(
                {"name": "w", "type": "wecom", "url": f"{receiver.base}/send?key=K"}
            )
        ],
        [],
        ["127.0.0.1"],
    )
    dispatcher = Dispatcher(db, channels)
    [nid] = dispatcher.enqueue(MESSAGE, ["w"])
    report = dispatcher.deliver()
    assert {"sent": report.sent, "retrying": report.retrying, "failed": list(report.failed)}[outcome] == [nid]
    with db.session() as s:
        row = s.get(Notification, nid)
        assert row is not None
        if outcome == "retrying":
            assert row.status == "pending" and row.next_attempt_at is not None and row.next_attempt_at > utcnow()
            assert dispatcher.deliver().sent == []  # not before its time
        elif outcome == "failed":
            assert row.status == "failed" and row.last_error
    if answer[0] == 302:
        assert len(receiver.requests) == 1  # the redirect (to a metadata address) was not followed


def test_two_dispatchers_deliver_each_notification_once(receiver: Receiver, tmp_path: Any) -> None:
    db = Database(f"sqlite:///{tmp_path / 'y.sqlite3'}")
    db.migrate()
    config = CHANNEL_TYPES["slack"].config_model.model_validate(
        {"name": "s", "type": "slack", "url": f"{receiver.base}/services/x"}
    )
    for _ in range(10):
        Dispatcher(db, {}).enqueue(MESSAGE, ["s"])
    threads = [
        threading.Thread(target=Dispatcher(db, build_channels([config], [], ["127.0.0.1"])).deliver) for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(receiver.requests) == 10


def test_ticket_notifications_fan_out_to_escalation_channels(receiver: Receiver, tmp_path: Any) -> None:
    db = Database(f"sqlite:///{tmp_path / 'y.sqlite3'}")
    db.migrate()
    with db.transaction() as s:
        s.add(
            Notification(
                at=utcnow(),
                kind="escalation",
                department="客服部",
                level="supervisor",
                message="FBD2026110001 escalated to supervisor",
                status="pending",
                attempts=0,
            )
        )
    config = CHANNEL_TYPES["slack"].config_model.model_validate(
        {"name": "ops", "type": "slack", "url": f"{receiver.base}/services/x", "language": "en"}
    )
    dispatcher = Dispatcher(db, build_channels([config], [], ["127.0.0.1"]), ["ops"])
    dispatcher.deliver()
    dispatcher.deliver()
    [req] = receiver.requests
    assert "[Escalation] supervisor@客服部" in req.json()["text"]
    assert "escalated to supervisor" in req.json()["text"]


def test_guard_blocks_internal_and_unlisted_targets() -> None:
    guard = TargetGuard(["hooks.slack.com", "qyapi.weixin.qq.com"])
    for url, reason in [
        ("http://hooks.slack.com/x", "plain http"),
        ("https://evil.example/x", "not on the allow-list"),
        ("https://localhost/x", "not on the allow-list"),
        ("ftp://hooks.slack.com/x", "not an http"),
    ]:
        with pytest.raises(BlockedTarget, match=reason):
            guard.check_url(url)
    inside = TargetGuard(["internal.example", "127.0.0.1"])
    with pytest.raises(BlockedTarget, match=r"non-public address 127\.0\.0\.1"):
        inside.check_addresses("127.0.0.1", 443)
    assert TargetGuard([], ["127.0.0.1"]).host_allowed("127.0.0.1")


def test_config_refuses_unlisted_targets_and_unknown_channels() -> None:
    base = BRANDS_YAML + "alerts:\n"
    with pytest.raises(ConfigError, match=r"host evil\.example is not allowed for webhook"):
        parse_config(base + "  channels: [{name: h, type: webhook, url: 'https://evil.example/x', secret: s}]\n")
    with pytest.raises(ConfigError, match=r"host 10\.0\.0\.5 is not allowed for wecom"):
        parse_config(base + "  channels: [{name: w, type: wecom, url: 'https://10.0.0.5/cgi-bin/webhook/send'}]\n")
    with pytest.raises(ConfigError, match="no channel named 'nope'"):
        parse_config(base + "  rules: [{name: r, type: negative_share, threshold: 0.5, notify: [nope]}]\n")
    ok = parse_config(
        base + "  allowed_hosts: [hooks.example.com]\n"
        "  channels: [{name: h, type: webhook, url: 'https://hooks.example.com/x', secret: s},"
        " {name: w, type: wecom, url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k'}]\n"
        "  notify: [w]\n"
    )
    assert [c.name for c in ok.alerts.channels] == ["h", "w"]
    assert isinstance(ok.alerts.channels[0], ChannelConfig)
