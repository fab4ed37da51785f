"""VIP customers per config: their complaints get at least the configured grade (so its shorter deadlines) and
go to the named owner; without the config, or for other customers, nothing changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from config.loader import parse_config
from foundation.db import Database
from tests.factories import BRANDS_YAML
from tickets.enums import CustomerType, Level, Priority, Role
from tickets.policy import TicketPolicy
from tickets.schemas import Customer, TicketCreate
from tickets.store import TicketStore
from tickets.users import UserStore

T0 = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
VIP_CONFIG = (
    BRANDS_YAML
    + """
timezone: Asia/Shanghai
tickets:
  departments: [客服部, 品控部]
  vip: {grade_at_least: major, owner: vip-desk}
"""
)


def store_for(database: Database, yaml_text: str) -> TicketStore:
    config = parse_config(yaml_text)
    return TicketStore(database, TicketPolicy.from_config(config.tickets, config.timezone))


@pytest.fixture
def people(database: Database) -> dict[str, int]:
    users = UserStore(database)
    ids = {}
    for name, departments in (("vip-desk", ["客服部"]), ("wang", ["客服部"])):
        user, _ = users.create(name, Role.agent, level=Level.supervisor, departments=departments)
        ids[name] = user.id
    return ids


def complaint(kind: CustomerType) -> TicketCreate:
    return TicketCreate(
        title="请问会员怎么开", brand="鲜达外卖", customer=Customer(name="赵先生", phone="13900000000", type=kind)
    )


def test_a_vip_complaint_is_graded_up_and_goes_to_the_owner(database: Database, people: dict[str, int]) -> None:
    store = store_for(database, VIP_CONFIG)
    vip, _ = store.create(complaint(CustomerType.vip), now=T0)
    regular, _ = store.create(complaint(CustomerType.returning), now=T0)
    assert regular.priority is Priority.general and vip.priority is Priority.major
    assert vip.assignee_id == people["vip-desk"]
    # Major: respond within 4 h instead of the general grade's 24 h.
    assert vip.sla.respond_due_at is not None and regular.sla.respond_due_at is not None
    assert vip.sla.respond_due_at - T0 == timedelta(hours=4)
    assert regular.sla.respond_due_at - T0 >= timedelta(hours=24)


def test_urgent_stays_urgent_and_an_inactive_owner_falls_back(database: Database, people: dict[str, int]) -> None:
    store = store_for(database, VIP_CONFIG)
    UserStore(database).set_active(people["vip-desk"], False, actor="test")
    fire = TicketCreate(title="充电宝起火了", brand="鲜达外卖", customer=Customer(type=CustomerType.vip))
    ticket, _ = store.create(fire, now=T0)
    assert ticket.priority is Priority.urgent  # the floor never lowers a grade
    assert ticket.assignee_id == people["wang"]  # the usual assignment when the owner is away


def test_without_vip_config_a_vip_is_like_anyone(database: Database, people: dict[str, int]) -> None:
    plain = BRANDS_YAML + "\ntimezone: Asia/Shanghai\n"
    ticket, _ = store_for(database, plain).create(complaint(CustomerType.vip), now=T0)
    assert ticket.priority is Priority.general


def test_vip_config_is_validated() -> None:
    from foundation.errors import ConfigError

    with pytest.raises(ConfigError, match="grade_at_least"):
        parse_config(BRANDS_YAML + "\ntickets:\n  vip: {grade_at_least: critical}\n")
