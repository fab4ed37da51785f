"""Suggestions and enquiries become tickets of their type with their own grade and desk (config ``tickets.types``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from config.loader import parse_config
from foundation.db import Database
from foundation.errors import ConfigError
from tests.factories import BRANDS_YAML, make_mention
from tickets.enums import Category, Priority
from tickets.policy import TicketPolicy
from tickets.schemas import AlertRef, TicketCreate
from tickets.store import TicketStore

T0 = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Shanghai
CONFIG = (
    BRANDS_YAML
    + """
timezone: Asia/Shanghai
tickets:
  departments: [客服部, 品控部, 物流部, 产品部]
  routing:
    - {category: product_quality, department: 品控部}
    - {category: logistics, department: 物流部}
  types:
    suggestion: {grade: suggestion, department: 产品部}
    enquiry: {grade: general}
"""
)
SUGGESTION = "建议增加夜间配送,晚上十点以后就点不了了"
ENQUIRY = "请问会员怎么退?"


@pytest.fixture
def store(database: Database) -> TicketStore:
    config = parse_config(CONFIG)
    return TicketStore(database, TicketPolicy.from_config(config.tickets, config.timezone))


def alert(rule: str = "reviews") -> AlertRef:
    return AlertRef(rule=rule, key="m1", incident="i1", window_start=T0, window_end=T0)


def test_a_suggestion_goes_to_the_monthly_plan_at_its_own_desk(store: TicketStore) -> None:
    ticket, _ = store.create(TicketCreate(title="意见", description=SUGGESTION, brand="鲜达外卖"), now=T0)
    assert ticket.classification is not None and ticket.classification.type == "suggestion"
    assert ticket.category is Category.suggestion and ticket.priority is Priority.suggestion
    assert ticket.department == "产品部"
    # Due at the end of the month (Shanghai), no 24-hour answer clock.
    assert ticket.sla.respond_due_at is None
    assert ticket.sla.resolve_due_at == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


def test_a_rules_everyday_priority_does_not_pull_a_suggestion_off_its_route(store: TicketStore) -> None:
    # The bad-review rule's own title says 差评: the customer's words decide the type, not the rule's.
    body = TicketCreate(
        title="差评 Bad review: 鲜达外卖 app_store 2★", description="", priority=Priority.general, alert=alert()
    )
    ticket, _ = store.create(body, [make_mention(SUGGESTION, platform="app_store", rating=2)], now=T0)
    assert ticket.classification is not None and ticket.classification.type == "suggestion"
    assert ticket.priority is Priority.suggestion and ticket.department == "产品部"


def test_a_rule_may_still_raise_a_suggestion(store: TicketStore) -> None:
    body = TicketCreate(title="舆情", description=SUGGESTION, priority=Priority.major, alert=alert("crisis"))
    ticket, _ = store.create(body, now=T0)
    assert ticket.priority is Priority.major


def test_a_caller_keeps_the_grade_they_ask_for(store: TicketStore) -> None:
    body = TicketCreate(title="意见", description=SUGGESTION, priority=Priority.general)
    assert store.create(body, now=T0)[0].priority is Priority.general


def test_an_enquiry_goes_to_the_service_desk_on_the_general_clock(store: TicketStore) -> None:
    ticket, _ = store.create(TicketCreate(title="咨询", description=ENQUIRY, brand="鲜达外卖"), now=T0)
    assert ticket.classification is not None and ticket.classification.type == "enquiry"
    assert ticket.category is Category.enquiry and ticket.priority is Priority.general
    assert ticket.department == "客服部"
    assert ticket.sla.respond_due_at == T0 + timedelta(hours=24)


def test_harm_in_a_suggestion_stays_urgent(store: TicketStore) -> None:
    text = "建议你们检查一下充电宝,我的充着充着冒烟起火了"
    ticket, _ = store.create(TicketCreate(title="意见", description=text, alert=alert()), now=T0)
    assert ticket.priority is Priority.urgent


def test_a_type_sent_to_an_unknown_desk_is_a_config_error() -> None:
    bad = CONFIG.replace("department: 产品部}", "department: 研发部}")
    with pytest.raises(ConfigError, match="研发部"):
        parse_config(bad)
