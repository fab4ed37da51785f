"""Reply deliveries in the ticket store: an attempt in flight is claimed (a second sender finds nothing to send),
a recipient given by hand must fit the channel, and the reply, its delivery and the ticket's move are one
transaction. SQLite and PostgreSQL; the channel is a sender that records what it was given."""

from __future__ import annotations

from datetime import timedelta

import pytest

from config.loader import parse_config
from foundation.db import Database
from foundation.errors import InvalidQuery
from foundation.timeutil import utcnow
from tests.factories import BRANDS_YAML
from tickets.policy import TicketPolicy
from tickets.schemas import Customer, ReplyIn, TicketCreate
from tickets.sending import DeliveryError, Outgoing, ReplySender
from tickets.store import TicketStore

CONFIG = (
    BRANDS_YAML
    + """
tickets:
  replies:
    sms: {url: "http://sms.gateway.test/send"}
    email: {host: 127.0.0.1, security: none, sender: kf@xianda.example}
    max_attempts: 2
    retry_after: 10m
"""
)


class Recording(ReplySender):
    """Records each reply; ``during`` runs while a reply is being sent (another process trying the same)."""

    def __init__(self, store: TicketStore, fail: bool = False) -> None:
        super().__init__(store.policy.config.replies)
        self.sent: list[Outgoing] = []
        self.during: list[int] = []
        self.store = store
        self.fail = fail

    def send(self, outgoing: Outgoing) -> None:
        self.sent.append(outgoing)
        # Meanwhile the worker's retry round looks for due deliveries: this one is claimed, so it finds none.
        self.during.append(self.store.deliver_due(ReplySender(self.store.policy.config.replies)))
        if self.fail:
            raise DeliveryError("gateway down")


@pytest.fixture
def store(database: Database) -> TicketStore:
    config = parse_config(CONFIG)
    return TicketStore(database, TicketPolicy.from_config(config.tickets, config.timezone))


def test_an_attempt_in_flight_is_not_sent_twice(store: TicketStore) -> None:
    ticket, _ = store.create(TicketCreate(title="退款没到", brand="鲜达外卖", customer=Customer(phone="13800138000")))
    store.reply(ticket.id, ReplyIn(body="您好，已退款", channel="sms"))
    sender = Recording(store)
    assert store.deliver_due(sender) == 1
    assert [o.recipient for o in sender.sent] == ["13800138000"] and sender.during == [0]
    assert sender.sent[0].number == ticket.number and sender.sent[0].body == "您好，已退款"
    assert store.deliver_due(sender, utcnow() + timedelta(days=1)) == 0  # sent: never again


def test_a_failed_attempt_waits_then_stops_at_the_maximum(store: TicketStore) -> None:
    ticket, _ = store.create(TicketCreate(title="退款没到", brand="鲜达外卖"))
    store.reply(ticket.id, ReplyIn(body="您好", channel="sms", to="+86 138-0013-8000"))
    sender = Recording(store, fail=True)
    start = utcnow()
    assert store.deliver_due(sender, start) == 0
    assert store.deliver_due(sender, start + timedelta(minutes=5)) == 0 and len(sender.sent) == 1  # waiting
    assert store.deliver_due(sender, start + timedelta(minutes=11)) == 0 and len(sender.sent) == 2
    assert store.deliver_due(sender, start + timedelta(days=1)) == 0 and len(sender.sent) == 2  # max_attempts


@pytest.mark.parametrize(
    ("channel", "to"),
    [("sms", "call me"), ("platform", "javascript:alert(1)"), ("email", "not-an-address")],
)
def test_a_recipient_given_by_hand_must_fit_the_channel(store: TicketStore, channel: str, to: str) -> None:
    ticket, _ = store.create(TicketCreate(title="退款没到", brand="鲜达外卖"))
    with pytest.raises(InvalidQuery, match="'to' must be"):
        store.reply(ticket.id, ReplyIn(body="您好", channel=channel, to=to))  # type: ignore[arg-type]
    after = store.get(ticket.id, history=True)
    assert after.comments == [] and after.status.value == "new"  # nothing of the refused reply was kept
