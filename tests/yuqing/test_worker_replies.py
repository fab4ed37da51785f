"""The worker's ticket maintenance sends again the replies whose channel failed, once their wait is over."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from api.resources import Resources
from config.loader import parse_config
from config.settings import Settings
from tests.factories import BRANDS_YAML
from tickets.schemas import Customer, ReplyIn, TicketCreate
from tickets.sending import ReplySender
from yuqing.worker import Worker

CONFIG = (
    BRANDS_YAML
    + """
tickets:
  replies:
    sms: {url: "http://sms.gateway.test/send"}
    retry_after: 1s
"""
)


def test_maintenance_retries_a_failed_reply(tmp_path: Path) -> None:
    answers = [502]
    requests: list[httpx.Request] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(answers.pop(0) if answers else 200)

    settings = Settings(data_dir=tmp_path, config=tmp_path / "c.yaml")
    resources = Resources.open(settings, parse_config(CONFIG))
    try:
        resources.reply_sender = ReplySender(resources.config.tickets.replies, transport=httpx.MockTransport(gateway))
        store = resources.tickets
        ticket, _ = store.create(
            TicketCreate(title="退款没到", brand="鲜达外卖", customer=Customer(phone="13800138000"))
        )
        store.reply(ticket.id, ReplyIn(body="您好，已退款", channel="sms"))
        worker = Worker(settings, resources.config, resources)
        worker.maintain_tickets()  # the first attempt: the gateway answers 502
        [failed] = [c.delivery for c in store.get(ticket.id, history=True).comments or [] if c.delivery]
        assert failed.status == "failed" and "502" in (failed.last_error or "")
        time.sleep(1.2)  # the wait (retry_after) is over
        worker.maintain_tickets()
        [sent] = [c.delivery for c in store.get(ticket.id, history=True).comments or [] if c.delivery]
        assert sent.status == "sent" and sent.attempts == 2 and len(requests) == 2
    finally:
        resources.close()
