"""The ticket store contract, run on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from foundation.access import Principal
from foundation.db import Database
from foundation.errors import Conflict, IdempotencyConflict, InvalidQuery, NotFound
from tests.factories import make_mention
from tickets.enums import Priority, Role, TicketOrigin, TicketStatus
from tickets.schemas import AlertRef, TicketCreate, TicketQuery, TicketUpdate
from tickets.store import TicketStore

TESTER = Principal("tester", Role.admin)


@pytest.fixture
def store(database: Database) -> TicketStore:
    return TicketStore(database, number_prefix="FBD", timezone="Asia/Shanghai")


def test_numbers_are_prefix_month_sequence_in_business_time(store: TicketStore) -> None:
    # 2026-11-30 20:00 UTC is already December in Shanghai.
    first, _ = store.create(TicketCreate(title="a"), now=datetime(2026, 11, 30, 15, 0, tzinfo=UTC))
    second, _ = store.create(TicketCreate(title="b"), now=datetime(2026, 11, 30, 15, 1, tzinfo=UTC))
    december, _ = store.create(TicketCreate(title="c"), now=datetime(2026, 11, 30, 20, 0, tzinfo=UTC))
    assert (first.number, second.number, december.number) == ("FBD2026110001", "FBD2026110002", "FBD2026120001")


def test_create_copies_mentions_and_records_history(store: TicketStore) -> None:
    m1 = make_mention("鲜达外卖配送太慢了" * 100, url="https://e.com/1", author="张三")
    m2 = make_mention("第二条", platform="forum")
    ticket, created = store.create(
        TicketCreate(title=" 配送慢 ", brand="鲜达外卖", priority=Priority.major, mention_ids=[m1.id, m2.id]),
        [m1, m2],
        actor=TESTER,
    )
    assert created and ticket.title == "配送慢"
    assert ticket.status is TicketStatus.new and ticket.origin is TicketOrigin.manual
    assert [m.mention_id for m in ticket.mentions] == [m1.id, m2.id]
    assert ticket.mentions[0].url == "https://e.com/1" and len(ticket.mentions[0].excerpt) == 500
    history = store.history(ticket.id)
    assert [(e.action, e.actor) for e in history] == [("created", "tester")]
    assert store.get_by_number(ticket.number).id == ticket.id


def test_default_priority_and_alert_origin(store: TicketStore) -> None:
    alert = AlertRef(
        rule="neg",
        key="鲜达外卖",
        incident="i1",
        window_start=datetime(2026, 1, 1, tzinfo=UTC),
        window_end=datetime(2026, 1, 2, tzinfo=UTC),
        numbers={"share": 0.5},
    )
    ticket, _ = store.create(TicketCreate(title="alert", alert=alert))
    assert ticket.priority is Priority.general and ticket.origin is TicketOrigin.alert
    assert ticket.alert is not None and ticket.alert.numbers == {"share": 0.5}
    assert store.find(TicketQuery(alert_rule="neg")).total == 1


def test_idempotency_same_body_same_ticket_other_body_conflict(store: TicketStore) -> None:
    body = TicketCreate(title="once", brand="鲜达外卖")
    first, created = store.create(body, idempotency_key="key-0001")
    again, created_again = store.create(TicketCreate(title="once", brand="鲜达外卖"), idempotency_key="key-0001")
    assert created and not created_again and again.id == first.id
    with pytest.raises(IdempotencyConflict):
        store.create(TicketCreate(title="different"), idempotency_key="key-0001")
    assert store.find(TicketQuery()).total == 1


def test_concurrent_creates_with_one_key_make_one_ticket(store: TicketStore) -> None:
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def create() -> None:
        try:
            ticket, created = store.create(TicketCreate(title="race"), idempotency_key="race-key-1")
            results.append((ticket.id, created))
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({tid for tid, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert store.find(TicketQuery()).total == 1


def test_concurrent_numbering_has_no_gaps_or_repeats(store: TicketStore) -> None:
    numbers: list[str] = []
    lock = threading.Lock()

    def create(i: int) -> None:
        ticket, _ = store.create(TicketCreate(title=f"t{i}"))
        with lock:
            numbers.append(ticket.number)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(int(n[-4:]) for n in numbers) == list(range(1, 11))


def test_update_follows_workflow_and_records_changes(store: TicketStore) -> None:
    ticket, _ = store.create(TicketCreate(title="t"))
    updated = store.update(
        ticket.id, TicketUpdate(status=TicketStatus.in_progress, priority=Priority.urgent), actor=TESTER
    )
    assert updated.version == 2 and updated.status is TicketStatus.in_progress
    with pytest.raises(Conflict, match="cannot move to 'closed'"):
        store.update(ticket.id, TicketUpdate(status=TicketStatus.closed))
    unchanged = store.update(ticket.id, TicketUpdate(priority=Priority.urgent))
    assert unchanged.version == 2  # no change, no new version, no history entry
    history = store.history(ticket.id)
    assert history[-1].changes["status"] == ["new", "in_progress"]
    assert history[-1].changes["priority"] == ["general", "urgent"]
    assert history[-1].changes["responded_at"][0] is None  # moving to in progress is the first response
    assert len(history) == 2


def test_stale_version_is_a_conflict_not_a_lost_write(store: TicketStore) -> None:
    ticket, _ = store.create(TicketCreate(title="t"))
    store.update(ticket.id, TicketUpdate(title="first"), expected_version=1)
    with pytest.raises(Conflict, match="changed since version 1"):
        store.update(ticket.id, TicketUpdate(title="second"), expected_version=1)
    assert store.get(ticket.id).title == "first"


def test_unknown_ticket(store: TicketStore) -> None:
    with pytest.raises(NotFound):
        store.get(12345)
    with pytest.raises(NotFound):
        store.update(12345, TicketUpdate(title="x"))
    with pytest.raises(NotFound):
        store.get_by_number("FBD2099010001")


def test_list_filters_and_cursor_paging(store: TicketStore) -> None:
    for i in range(7):
        store.create(
            TicketCreate(title=f"t{i}", brand="A" if i % 2 else "B", priority=Priority.urgent if i == 3 else None)
        )
    assert store.find(TicketQuery(brand=["A"])).total == 3
    assert [t.title for t in store.find(TicketQuery(priority=[Priority.urgent])).items] == ["t3"]
    seen: list[str] = []
    cursor = None
    while True:
        page = store.find(TicketQuery(limit=3, cursor=cursor))
        seen += [t.title for t in page.items]
        assert page.total == 7
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == [f"t{i}" for i in reversed(range(7))]
    with pytest.raises(InvalidQuery):
        store.find(TicketQuery(cursor="garbage!"))
