"""Replies sent to the customer through a configured channel, with their delivery status: e-mail through a real
SMTP server on 127.0.0.1, SMS through a gateway answered by an httpx mock transport, a platform reply as a
recorded link the agent confirms; failures retried with a growing wait. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.resources import Resources
from config.loader import parse_config
from foundation.timeutil import utcnow
from tests.api.conftest import AUTH, settings_for
from tests.factories import BRANDS_YAML, make_mention
from tests.smtp_server import Inbox, smtp_server
from tickets.sending import ReplySender


class Gateway:
    """An SMS gateway answering each request with the next status of ``answers`` (then 200)."""

    def __init__(self, *answers: int) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        code = self.answers.pop(0) if self.answers else 200
        return httpx.Response(code, json={"ok": code < 300, "error": None if code < 300 else "gateway says no"})


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def gateway() -> Gateway:
    return Gateway()


@pytest.fixture
def resources(tmp_path: Path, database_url: str, inbox: Inbox, gateway: Gateway) -> Iterator[Resources]:
    config = parse_config(
        BRANDS_YAML
        + f"""
tickets:
  replies:
    email:
      host: 127.0.0.1
      port: {inbox.port}
      security: none
      sender: kf@xianda.example
    sms:
      url: http://sms.gateway.test/send
      token: sms-secret
    max_attempts: 3
    retry_after: 1m
"""
    )
    settings = settings_for(tmp_path, database_url)
    res = Resources.open(settings, config)
    res.reply_sender = ReplySender(config.tickets.replies, transport=httpx.MockTransport(gateway))
    yield res
    res.close()


@pytest.fixture
def client(resources: Resources) -> Iterator[TestClient]:
    with TestClient(create_app(resources)) as c:
        yield c


def _ticket(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {"title": "外卖送错餐", "brand": "鲜达外卖", **fields}
    response = client.post("/api/v1/tickets", headers=AUTH, json=body)
    assert response.status_code == 201, response.json()
    return dict(response.json())


def _reply(client: TestClient, ticket_id: int, **body: Any) -> httpx.Response:
    return client.post(f"/api/v1/tickets/{ticket_id}/replies", headers=AUTH, json=body)


def _delivery(ticket: dict[str, Any]) -> dict[str, Any]:
    [reply] = [c for c in ticket["comments"] if c["kind"] == "reply"]
    return dict(reply["delivery"])


def test_an_email_reply_reaches_the_smtp_server_and_says_sent(client: TestClient, inbox: Inbox) -> None:
    ticket = _ticket(client, customer={"name": "王先生", "email": "wang@example.com"})
    response = _reply(client, ticket["id"], body="您好，已为您重新配送并退款。", channel="email")
    assert response.status_code == 200, response.json()
    delivery = _delivery(response.json())
    assert delivery["status"] == "sent" and delivery["attempts"] == 1 and delivery["last_error"] is None
    assert delivery["recipient"] != "wang@example.com"  # the API key holder has no pii: masked
    [mail] = inbox.messages
    assert mail["To"] == "wang@example.com" and mail["From"] == "kf@xianda.example"
    assert "已为您重新配送并退款" in mail.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]
    history = [e for e in response.json()["history"] if e["action"] == "reply_delivery"]
    assert history[-1]["changes"]["delivery"] == "sent"


def test_a_refused_recipient_fails_at_once_with_the_reason_and_is_not_retried(
    client: TestClient, resources: Resources, inbox: Inbox
) -> None:
    inbox.refuse.add("gone@example.com")
    ticket = _ticket(client, customer={"email": "gone@example.com"})
    delivery = _delivery(_reply(client, ticket["id"], body="您好", channel="email").json())
    assert delivery["status"] == "failed" and "550" in delivery["last_error"]
    assert delivery["next_attempt_at"] is None  # permanent: retrying cannot help
    assert resources.tickets.deliver_due(resources.sender(), utcnow() + timedelta(days=1)) == 0
    # The agent fixes the address at the mail server's end and sends it again by hand.
    inbox.refuse.clear()
    again = client.post(f"/api/v1/tickets/{ticket['id']}/deliveries/{delivery['id']}/retry", headers=AUTH)
    assert again.status_code == 200 and _delivery(again.json())["status"] == "sent"
    assert len(inbox.messages) == 1
    twice = client.post(f"/api/v1/tickets/{ticket['id']}/deliveries/{delivery['id']}/retry", headers=AUTH)
    assert twice.status_code == 409


def test_an_sms_gateway_outage_is_retried_with_a_growing_wait(
    client: TestClient, resources: Resources, gateway: Gateway
) -> None:
    gateway.answers = [503, 503]
    ticket = _ticket(client, customer={"phone": "13800138000"})
    delivery = _delivery(_reply(client, ticket["id"], body="您好，退款已到账。", channel="sms").json())
    assert delivery["status"] == "failed" and "503" in delivery["last_error"]
    first_wait = delivery["next_attempt_at"]
    assert first_wait is not None
    request = gateway.requests[0]
    assert request.headers["Authorization"] == "Bearer sms-secret"
    sent = {"to": "13800138000", "text": "您好，退款已到账。", "reference": ticket["number"]}
    assert json.loads(request.content) == sent
    # Not due yet: nothing is sent before the wait is over.
    assert resources.tickets.deliver_due(resources.sender(), utcnow()) == 0
    later = utcnow() + timedelta(minutes=2)
    assert resources.tickets.deliver_due(resources.sender(), later) == 0  # the second 503
    mid = _delivery(client.get(f"/api/v1/tickets/{ticket['id']}", headers=AUTH).json())
    assert mid["attempts"] == 2 and mid["status"] == "failed"
    assert mid["next_attempt_at"] > first_wait  # 1 min, then 2 min
    assert resources.tickets.deliver_due(resources.sender(), later + timedelta(minutes=5)) == 1
    done = _delivery(client.get(f"/api/v1/tickets/{ticket['id']}", headers=AUTH).json())
    assert done["status"] == "sent" and done["attempts"] == 3 and done["last_error"] is None
    assert len(gateway.requests) == 3


def test_attempts_stop_at_the_configured_maximum(client: TestClient, resources: Resources, gateway: Gateway) -> None:
    gateway.answers = [500, 500, 500, 500]
    ticket = _ticket(client, customer={"phone": "13800138000"})
    _reply(client, ticket["id"], body="您好", channel="sms")
    moment = utcnow()
    for _ in range(5):
        moment += timedelta(hours=1)
        resources.tickets.deliver_due(resources.sender(), moment)
    final = _delivery(client.get(f"/api/v1/tickets/{ticket['id']}", headers=AUTH).json())
    assert final["attempts"] == 3 and final["status"] == "failed" and final["next_attempt_at"] is None
    assert len(gateway.requests) == 3


def test_a_platform_reply_records_the_post_link_until_the_agent_confirms(
    client: TestClient, resources: Resources
) -> None:
    mention = make_mention("鲜达外卖送错餐", url="https://forum.example/t/9", label="negative", score=0.02)
    resources.mentions.upsert([mention])
    ticket = _ticket(client, mention_ids=[mention.id])
    delivery = _delivery(_reply(client, ticket["id"], body="您好，请私信订单号。", channel="platform").json())
    assert delivery["status"] == "manual" and delivery["recipient"] == "https://forum.example/t/9"
    posted = client.post(f"/api/v1/tickets/{ticket['id']}/deliveries/{delivery['id']}/posted", headers=AUTH)
    assert posted.status_code == 200 and _delivery(posted.json())["status"] == "sent"


def test_missing_address_or_channel_is_a_clear_400_and_records_nothing(client: TestClient) -> None:
    ticket = _ticket(client)
    no_address = _reply(client, ticket["id"], body="您好", channel="email")
    assert no_address.status_code == 400 and "e-mail address" in no_address.json()["error"]["message"]
    no_post = _reply(client, ticket["id"], body="您好", channel="platform")
    assert no_post.status_code == 400 and "post" in no_post.json()["error"]["message"]
    too_long = _reply(client, ticket["id"], body="长" * 501, channel="sms", to="13800138000")
    assert too_long.status_code == 400 and "500" in too_long.json()["error"]["message"]
    unknown = _reply(client, ticket["id"], body="您好", channel="fax")
    assert unknown.status_code == 422
    got = client.get(f"/api/v1/tickets/{ticket['id']}", headers=AUTH).json()
    assert got["comments"] == [] and got["status"] == "new"  # the refused replies left no trace


def test_an_unconfigured_channel_is_refused(tmp_path: Path, database_url: str) -> None:
    settings = settings_for(tmp_path, database_url, "m2.sqlite3")
    res = Resources.open(settings, parse_config(BRANDS_YAML))
    try:
        with TestClient(create_app(res)) as c:
            ticket = _ticket(c, customer={"email": "wang@example.com"})
            refused = _reply(c, ticket["id"], body="您好", channel="email")
            assert refused.status_code == 400
            assert "tickets.replies.email" in refused.json()["error"]["message"]
    finally:
        res.close()
