"""The complaint process on the ticket store, on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from config.loader import parse_config
from foundation.access import SYSTEM, Principal
from foundation.db import Database
from foundation.errors import Conflict, Forbidden, InvalidQuery, NotFound
from tests.factories import BRANDS_YAML, make_mention
from tickets.enums import Category, CustomerType, Gender, Level, Priority, Role, Satisfaction
from tickets.enums import TicketStatus as S
from tickets.policy import TicketPolicy
from tickets.schemas import CommentIn, Customer, ReplyIn, SatisfactionIn, TicketCreate, TicketQuery, TicketUpdate
from tickets.store import TicketStore
from tickets.users import UserStore
from tickets.workflow import ProcessIncomplete, process_gaps

T0 = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Shanghai
CONFIG = (
    BRANDS_YAML
    + """
timezone: Asia/Shanghai
tickets:
  departments: [客服部, 品控部, 物流部]
  routing:
    - {category: product_quality, department: 品控部}
    - {category: logistics, brand: 鲜达外卖, department: 物流部}
  escalation: {warn_before: 30m, step: 1h}
  revisit_after: 3d
"""
)


@pytest.fixture
def policy() -> TicketPolicy:
    config = parse_config(CONFIG)
    return TicketPolicy.from_config(config.tickets, config.timezone)


@pytest.fixture
def store(database: Database, policy: TicketPolicy) -> TicketStore:
    return TicketStore(database, policy)


@pytest.fixture
def people(database: Database) -> dict[str, Principal]:
    users = UserStore(database)
    out = {}
    for name, role, level, departments in [
        ("wang", Role.agent, Level.agent, ["客服部"]),
        ("li", Role.agent, Level.agent, ["客服部"]),
        ("zhao", Role.agent, Level.agent, ["品控部"]),
        ("sun", Role.agent, Level.agent, ["物流部"]),
        ("boss", Role.agent, Level.supervisor, ["客服部"]),
    ]:
        _, key = users.create(name, role, level=level, departments=departments)
        principal = users.authenticate(key)
        assert principal is not None
        out[name] = principal
    return out


def open_ticket(store: TicketStore, title: str = "送错餐", description: str = "", *, now: datetime = T0) -> int:
    ticket, _ = store.create(TicketCreate(title=title, description=description, brand="鲜达外卖"), now=now)
    return ticket.id


# -- creation: classification, routing, assignment, clock ------------------------------------------------------
def test_create_classifies_routes_assigns_and_starts_the_clock(
    store: TicketStore, people: dict[str, Principal]
) -> None:
    ticket, created = store.create(
        TicketCreate(
            title="外卖送错了地址",
            description="骑手送错地址，晚到一个小时",
            brand="鲜达外卖",
            customer=Customer(name="张三", gender=Gender.male, phone="13812345678", type=CustomerType.vip),
        ),
        now=T0,
    )
    assert created and ticket.category is Category.logistics and ticket.priority is Priority.general
    assert ticket.department == "物流部" and ticket.assignee_id == people["sun"].user_id
    assert ticket.status is S.assigned
    assert ticket.classification is not None and "骑手" in ticket.classification.matched["logistics"]
    assert ticket.sla.respond_due_at == T0 + timedelta(hours=24)
    assert ticket.sla.resolve_due_at == T0 + timedelta(days=7)
    assert ticket.customer.name == "张先生" and ticket.customer.phone == "*******5678" and ticket.customer.masked
    assert len(ticket.verification_code or "") == 8
    history = store.history(ticket.id)
    assert [e.action for e in history] == ["created", "assigned"]


def test_safety_is_urgent_whatever_the_caller_says(store: TicketStore, people: dict[str, Principal]) -> None:
    ticket, _ = store.create(
        TicketCreate(title="充电宝起火", description="充电时起火烧坏了桌子", priority=Priority.general), now=T0
    )
    assert ticket.priority is Priority.urgent and ticket.department == "品控部"
    assert ticket.sla.respond_due_at == T0 + timedelta(hours=1)
    assert ticket.sla.mobilise_due_at == T0 + timedelta(hours=2)


def test_least_open_assignment_balances_the_load(store: TicketStore, people: dict[str, Principal]) -> None:
    ids = [open_ticket(store, "请问会员怎么开", "") for _ in range(4)]
    assignees = [store.get(i).assignee_id for i in ids]
    assert sorted(assignees) == sorted([people["wang"].user_id, people["li"].user_id] * 2)  # type: ignore[list-item]


def test_round_robin_assignment(database: Database, policy: TicketPolicy, people: dict[str, Principal]) -> None:
    policy.config.assignment = "round_robin"
    store = TicketStore(database, policy)
    assignees = [store.get(open_ticket(store, "请问会员怎么开")).assignee_id for _ in range(3)]
    assert assignees == [people["wang"].user_id, people["li"].user_id, people["wang"].user_id]


def test_nobody_to_assign_leaves_it_new(store: TicketStore) -> None:
    ticket = store.get(open_ticket(store, "请问会员怎么开"))
    assert ticket.status is S.new and ticket.assignee_id is None
    with pytest.raises(Conflict, match="nobody in department"):
        store.update(ticket.id, TicketUpdate(status=S.assigned))


# -- the clock ----------------------------------------------------------------------------------------------
def test_waiting_for_the_customer_pauses_the_clock(store: TicketStore, people: dict[str, Principal]) -> None:
    tid = open_ticket(store, "请问会员怎么开")
    replied = store.reply(
        tid, ReplyIn(body="请提供订单号", wait_for_customer=True), actor=people["wang"], now=T0 + timedelta(hours=2)
    )
    assert replied.status is S.waiting_customer and replied.sla.paused
    assert replied.sla.responded_at == T0 + timedelta(hours=2)
    resumed = store.update(tid, TicketUpdate(status=S.in_progress), actor=people["wang"], now=T0 + timedelta(hours=7))
    assert not resumed.sla.paused and resumed.sla.paused_seconds == 5 * 3600
    assert resumed.sla.resolve_due_at == T0 + timedelta(days=7, hours=5)


def test_paused_tickets_are_not_escalated(store: TicketStore, people: dict[str, Principal]) -> None:
    tid = open_ticket(store, "请问会员怎么开")
    store.reply(tid, ReplyIn(body="请提供订单号", wait_for_customer=True), actor=people["wang"], now=T0)
    assert store.escalate(T0 + timedelta(days=30)) == []


# -- resolve, revisit, reopen, close -------------------------------------------------------------------------
def resolve_ticket(store: TicketStore, tid: int, actor: Principal | None = None) -> None:
    """The process before resolving: an answer to the customer and the measures taken."""
    kwargs = {"actor": actor} if actor is not None else {}
    store.reply(tid, ReplyIn(body="您好，已为您安排退款"), **kwargs)  # type: ignore[arg-type]
    store.update(tid, TicketUpdate(status=S.resolved, actions_taken="全额退款"), **kwargs)  # type: ignore[arg-type]


def test_the_process_cannot_be_skipped(store: TicketStore, people: dict[str, Principal]) -> None:
    """No resolving without measures and a reply; no closing a new ticket, or one never revisited, without a
    reason (the seeds' process, step by step)."""
    agent = people["wang"]
    tid = open_ticket(store, "请问会员怎么开")
    with pytest.raises(ProcessIncomplete, match=r"measures taken.*reply to the customer"):
        store.update(tid, TicketUpdate(status=S.resolved), actor=agent)
    with pytest.raises(ProcessIncomplete, match="reply to the customer"):
        store.update(tid, TicketUpdate(status=S.resolved, actions_taken="全额退款"), actor=agent)
    current = store.get(tid, actor=agent)
    assert current.status is S.assigned and current.actions_taken is None  # nothing half-done
    store.reply(tid, ReplyIn(body="您好，已为您全额退款"), actor=agent)
    with pytest.raises(ProcessIncomplete, match="measures taken"):
        store.update(tid, TicketUpdate(status=S.resolved), actor=agent)
    assert (
        store.update(tid, TicketUpdate(status=S.resolved, actions_taken="全额退款"), actor=agent).status is S.resolved
    )
    with pytest.raises(ProcessIncomplete, match="record the revisit"):
        store.update(tid, TicketUpdate(status=S.closed), actor=agent)
    closed = store.update(tid, TicketUpdate(status=S.closed, remarks="三次回访未接通"), actor=agent)
    assert closed.status is S.closed


def test_closing_a_new_ticket_needs_a_reason() -> None:
    """Spam and duplicates may close straight from new, with the reason written down."""
    gaps = process_gaps(S.new, S.closed, measures=None, replied=False, satisfaction=None, remarks=" ")
    assert gaps == ["say in remarks why a new ticket is closed without handling (spam, duplicate…)"]
    assert process_gaps(S.new, S.closed, measures=None, replied=False, satisfaction=None, remarks="广告") == []
    assert (
        process_gaps(S.resolved, S.closed, measures="退款", replied=True, satisfaction="satisfied", remarks=None) == []
    )
    assert process_gaps(S.assigned, S.in_progress, measures=None, replied=False, satisfaction=None, remarks=None) == []


def test_revisit_closes_when_satisfied(store: TicketStore, people: dict[str, Principal]) -> None:
    agent = people["wang"]
    tid = open_ticket(store, "请问会员怎么开")
    store.update(tid, TicketUpdate(status=S.in_progress), actor=agent, now=T0 + timedelta(hours=1))
    store.reply(tid, ReplyIn(body="您好，会员在“我的-会员中心”开通"), actor=agent, now=T0 + timedelta(hours=2))
    resolved = store.update(
        tid, TicketUpdate(status=S.resolved, actions_taken="已告知开通方式"), actor=agent, now=T0 + timedelta(hours=3)
    )
    assert resolved.completed_at == T0 + timedelta(hours=3)
    assert resolved.revisit_due_at == T0 + timedelta(days=3, hours=3)
    assert store.due_revisits(T0 + timedelta(days=2)) == []
    [due] = store.due_revisits(T0 + timedelta(days=4))
    assert due.id == tid and store.due_revisits(T0 + timedelta(days=5)) == []  # announced once
    closed = store.record_satisfaction(
        tid, SatisfactionIn(satisfaction=Satisfaction.basically_satisfied), actor=agent, now=T0 + timedelta(days=4)
    )
    assert closed.status is S.closed and closed.satisfaction is Satisfaction.basically_satisfied


def test_unsatisfied_reopens_a_second_round_keeping_history(store: TicketStore, people: dict[str, Principal]) -> None:
    agent = people["wang"]
    tid = open_ticket(store, "请问会员怎么开")
    store.reply(tid, ReplyIn(body="您好，会员在“我的-会员中心”开通"), actor=agent, now=T0 + timedelta(minutes=30))
    store.update(tid, TicketUpdate(status=S.resolved, actions_taken="已回复"), actor=agent, now=T0 + timedelta(hours=1))
    later = T0 + timedelta(days=4)
    reopened = store.record_satisfaction(
        tid, SatisfactionIn(satisfaction=Satisfaction.unsatisfied, comment="还是不会开"), actor=agent, now=later
    )
    assert reopened.status is S.reopened and reopened.round == 2
    assert reopened.sla.respond_due_at == later + timedelta(hours=24)  # a new clock
    assert reopened.completed_at is None and reopened.sla.responded_at is None
    actions = [e.action for e in store.history(tid)]
    assert actions[:2] == ["created", "assigned"] and actions[-1] == "revisited"
    with pytest.raises(Conflict, match="satisfaction is recorded on a resolved ticket"):
        store.record_satisfaction(tid, SatisfactionIn(satisfaction=Satisfaction.satisfied), actor=agent)


def test_invalid_moves_are_conflicts(store: TicketStore, people: dict[str, Principal]) -> None:
    tid = open_ticket(store, "请问会员怎么开")
    with pytest.raises(Conflict, match="cannot move to 'closed'"):
        store.update(tid, TicketUpdate(status=S.closed), actor=people["wang"])
    resolve_ticket(store, tid, people["wang"])
    with pytest.raises(Conflict, match="reopen it to reply"):
        store.reply(tid, ReplyIn(body="hi"), actor=people["wang"])


# -- escalation ------------------------------------------------------------------------------------------------
def test_escalation_warns_then_climbs_the_chain(store: TicketStore, people: dict[str, Principal]) -> None:
    tid = open_ticket(store, "请问会员怎么开")  # respond due T0 + 24 h
    due = T0 + timedelta(hours=24)
    assert store.escalate(due - timedelta(hours=1)) == []
    [warning] = store.escalate(due - timedelta(minutes=20))
    assert (warning.kind, warning.level, warning.deadline) == ("warning", "agent", "respond")
    assert store.escalate(due - timedelta(minutes=10)) == []  # warned once
    [first] = store.escalate(due + timedelta(minutes=1))
    assert (first.kind, first.level) == ("escalated", "supervisor")
    assert store.escalate(due + timedelta(minutes=30)) == []
    [second] = store.escalate(due + timedelta(hours=1, minutes=1))
    assert second.level == "manager"
    [top] = store.escalate(due + timedelta(hours=9))
    assert top.level == "executive" and store.escalate(due + timedelta(hours=20)) == []
    ticket = store.get(tid, history=True)
    assert ticket.sla.escalation_level == 3 and ticket.sla.escalated_to == "executive"
    assert ticket.sla.respond_breached
    assert [e.changes["to"][1] for e in ticket.history or [] if e.action == "escalated"] == [
        "supervisor",
        "manager",
        "executive",
    ]
    notes = store.notifications()
    assert [(n.kind, n.level, n.department) for n in reversed(notes)] == [
        ("sla_warning", "agent", "客服部"),
        ("escalation", "supervisor", "客服部"),
        ("escalation", "manager", "客服部"),
        ("escalation", "executive", "客服部"),
    ]
    assert notes[-1].user_id == ticket.assignee_id  # the warning goes to the assignee


def test_escalation_after_the_response_races_the_resolution(store: TicketStore, people: dict[str, Principal]) -> None:
    tid = open_ticket(store, "请问会员怎么开")
    store.update(tid, TicketUpdate(status=S.in_progress), actor=people["wang"], now=T0 + timedelta(hours=1))
    assert store.escalate(T0 + timedelta(days=2)) == []  # responded in time; resolution is due in 7 days
    [late] = store.escalate(T0 + timedelta(days=7, minutes=5))
    assert late.deadline == "resolve" and late.level == "supervisor"


def test_escalation_survives_restarts_and_concurrent_runners(
    database: Database, policy: TicketPolicy, people: dict[str, Principal]
) -> None:
    open_ticket(TicketStore(database, policy), "请问会员怎么开")
    moment = T0 + timedelta(hours=24, minutes=5)
    results: list[int] = []

    def run() -> None:
        results.append(len(TicketStore(database, policy).escalate(moment)))  # a fresh store: as a new process

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 1
    assert len([n for n in TicketStore(database, policy).notifications() if n.kind == "escalation"]) == 1


# -- duplicates and merging ------------------------------------------------------------------------------------
def test_a_mention_of_the_same_thread_is_attached_not_opened(store: TicketStore, people: dict[str, Principal]) -> None:
    post = make_mention("鲜达外卖送错餐了", post_id="p1", author="吃货")
    first, _ = store.create(TicketCreate(title="送错餐", brand="鲜达外卖", mention_ids=[post.id]), [post], now=T0)
    reply = make_mention("我也遇到了，鲜达送错餐", post_id="c9", parent_id="p1", author="路人")
    again, created = store.create(
        TicketCreate(title="送错餐again", brand="鲜达外卖", mention_ids=[reply.id]),
        [reply],
        now=T0 + timedelta(hours=1),
    )
    assert not created and again.id == first.id and len(again.mentions) == 2
    full = store.get(first.id, history=True)
    assert any("attached news post c9" in c.body for c in full.comments or [])
    assert store.find(TicketQuery()).total == 1


def test_same_author_and_product_is_attached(store: TicketStore, people: dict[str, Principal]) -> None:
    a = make_mention("鲜达外卖的炸鸡不新鲜", post_id="a1", author="老王")
    b = make_mention("鲜达外卖的炸鸡又不新鲜", post_id="a2", author="老王")
    first, _ = store.create(TicketCreate(title="炸鸡不新鲜", brand="鲜达外卖", product="炸鸡"), [a], now=T0)
    second, created = store.create(TicketCreate(title="又是炸鸡", brand="鲜达外卖", product="炸鸡"), [b], now=T0)
    assert not created and second.id == first.id
    other, created = store.create(
        TicketCreate(title="汉堡", brand="鲜达外卖", product="汉堡"),
        [make_mention("汉堡凉了", post_id="a3", author="老王")],
        now=T0,
    )
    assert created and other.id != first.id


def test_a_closed_ticket_attracts_nothing(store: TicketStore, people: dict[str, Principal]) -> None:
    post = make_mention("送错餐", post_id="p1")
    first, _ = store.create(TicketCreate(title="送错餐", brand="鲜达外卖"), [post], now=T0)
    resolve_ticket(store, first.id)
    store.update(first.id, TicketUpdate(status=S.closed, remarks="顾客电话三次未接通，未能回访"))
    again, created = store.create(
        TicketCreate(title="送错餐", brand="鲜达外卖"), [make_mention("又送错", post_id="c1", parent_id="p1")], now=T0
    )
    assert created and again.id != first.id


def test_merge_moves_mentions_and_closes_the_source(store: TicketStore, people: dict[str, Principal]) -> None:
    a, _ = store.create(TicketCreate(title="A"), [make_mention("鲜达 a", post_id="m1")], now=T0)
    b, _ = store.create(TicketCreate(title="B"), [make_mention("鲜达 b", post_id="m2")], now=T0)
    merged = store.merge(a.id, b.id)
    assert {m.mention_id for m in merged.mentions} == {a.mentions[0].mention_id, b.mentions[0].mention_id}
    source = store.get(a.id, history=True)
    assert source.status is S.closed and source.merged_into_id == b.id
    assert any("merged into" in c.body for c in source.comments or [])
    with pytest.raises(Conflict):
        store.merge(a.id, b.id)
    with pytest.raises(InvalidQuery):
        store.merge(b.id, b.id)


# -- knowledge, public status, audit, access --------------------------------------------------------------------
def test_similar_closed_cases_are_suggested(store: TicketStore, people: dict[str, Principal]) -> None:
    def solved(title: str, description: str, solution: str) -> None:
        tid = store.create(TicketCreate(title=title, description=description), now=T0)[0].id
        store.reply(tid, ReplyIn(body="您好，已为您处理"))
        store.update(tid, TicketUpdate(status=S.resolved, actions_taken=solution))
        store.record_satisfaction(tid, SatisfactionIn(satisfaction=Satisfaction.satisfied))

    solved("退款一直没到账", "申请退款五天了还没到账", "联系支付渠道加急处理，24小时内到账")
    solved("骑手态度差", "骑手骂人", "向骑手站点反馈并致歉，赠送优惠券")
    solved("外卖洒了", "汤洒了一袋子", "全额退款并提醒商家加固包装")
    new = store.create(TicketCreate(title="退款没到账", description="申请退款三天了还没有到账"), now=T0)[0]
    cases = store.similar_cases(new.id)
    assert cases[0].title == "退款一直没到账" and "加急" in cases[0].solution
    assert all(c.id != new.id for c in cases)
    assert store.search_knowledge("骑手骂人怎么办")[0].title == "骑手态度差"


def test_public_progress_check_shows_only_masked_status(store: TicketStore) -> None:
    ticket, _ = store.create(
        TicketCreate(title="送错餐", customer=Customer(name="李四", gender=Gender.female, phone="13900001111")), now=T0
    )
    public = store.public_status(ticket.number, (ticket.verification_code or "").lower())
    assert public.customer == "李女士" and public.status is S.new and public.received_at == T0
    assert set(public.model_dump()) == {
        "number",
        "status",
        "category",
        "customer",
        "received_at",
        "responded_at",
        "completed_at",
        "closed_at",
        "updated_at",
    }
    for number, code in ((ticket.number, "WRONGCOD"), ("FBD2099010001", ticket.verification_code or "")):
        with pytest.raises(NotFound):
            store.public_status(number, code)


def test_history_is_append_only_in_the_database(store: TicketStore, database: Database) -> None:
    tid = open_ticket(store, "请问会员怎么开")
    with pytest.raises((DBAPIError, IntegrityError)), database.engine.begin() as conn:
        conn.execute(text("UPDATE ticket_events SET actor = 'someone else' WHERE ticket_id = :t"), {"t": tid})
    with pytest.raises((DBAPIError, IntegrityError)), database.engine.begin() as conn:
        conn.execute(text("DELETE FROM ticket_events WHERE ticket_id = :t"), {"t": tid})
    assert store.history(tid)[0].actor == "system"


def test_agents_see_only_their_departments(store: TicketStore, people: dict[str, Principal]) -> None:
    mine = open_ticket(store, "请问会员怎么开")  # 客服部
    theirs = open_ticket(store, "炸鸡变质了")  # 品控部
    wang = people["wang"]
    assert {t.id for t in store.find(TicketQuery(), actor=wang).items} == {mine}
    for action in (
        lambda: store.get(theirs, actor=wang),
        lambda: store.update(theirs, TicketUpdate(title="x"), actor=wang),
        lambda: store.comment(theirs, CommentIn(body="x"), actor=wang),
        lambda: store.merge(mine, theirs, actor=wang),
    ):
        with pytest.raises(NotFound):
            action()
    pr = Principal("pr", Role.pr)
    assert store.get(theirs, actor=pr).id == theirs
    with pytest.raises(Forbidden):
        store.update(theirs, TicketUpdate(title="x"), actor=pr)
    with pytest.raises(Forbidden):
        store.create(TicketCreate(title="x"), actor=pr)
    assert store.get(theirs, actor=SYSTEM).id == theirs


def test_concurrent_edits_one_wins_one_conflicts(store: TicketStore, people: dict[str, Principal]) -> None:
    tid = open_ticket(store, "请问会员怎么开")
    version = store.get(tid).version
    outcomes: list[str] = []

    def edit(title: str) -> None:
        try:
            store.update(tid, TicketUpdate(title=title), actor=people["wang"], expected_version=version)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=edit, args=(f"t{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]
    assert store.get(tid).version == version + 1
