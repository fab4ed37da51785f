"""The knowledge base in the ticket store: who may write, brand scope on every read, and the answers suggested
beside a ticket (its category first, then the words it shares with the complaint). SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from foundation.access import SYSTEM, Principal
from foundation.db import Database
from foundation.errors import Forbidden, InvalidQuery, NotFound
from tickets.enums import Category, Level, Role
from tickets.schemas import KnowledgeEntryIn, TicketCreate
from tickets.store import TicketStore

SUPERVISOR = Principal("li", Role.agent, Level.supervisor, departments=frozenset({"客服部"}))
AGENT = Principal("wang", Role.agent, Level.agent, departments=frozenset({"客服部"}))
LIMITED = Principal(
    "zhao", Role.agent, Level.manager, departments=frozenset({"客服部"}), brands=frozenset({"光屿手机"})
)
PR = Principal("pr", Role.pr)


@pytest.fixture
def store(database: Database) -> TicketStore:
    return TicketStore(database)


def entry(title: str, answer: str, category: Category | None = None, brand: str | None = None) -> KnowledgeEntryIn:
    return KnowledgeEntryIn(title=title, answer=answer, category=category, brand=brand)


def test_supervisors_and_admins_write_agents_and_pr_read(store: TicketStore) -> None:
    made = store.add_knowledge(
        entry("退款到账时间", "退款原路退回，一般 1-3 个工作日到账。", Category.process), actor=SUPERVISOR
    )
    assert made.created_by == "li" and made.category is Category.process
    for reader in (AGENT, PR):
        assert [e.id for e in store.knowledge_entries(actor=reader)] == [made.id]
        with pytest.raises(Forbidden):
            store.add_knowledge(entry("x", "y"), actor=reader)
        with pytest.raises(Forbidden):
            store.remove_knowledge(made.id, actor=reader)
    changed = store.change_knowledge(
        made.id, entry("退款到账时间", "1-3 个工作日原路退回。", Category.process), actor=SYSTEM
    )
    assert changed.answer == "1-3 个工作日原路退回。" and changed.updated_by == "system"
    store.remove_knowledge(made.id, actor=SUPERVISOR)
    with pytest.raises(NotFound):
        store.knowledge_entry(made.id, actor=SYSTEM)


def test_another_brands_entries_do_not_exist_for_a_limited_reader(store: TicketStore) -> None:
    mine = store.add_knowledge(entry("屏幕碎了", "凭购买凭证到店免费检测。", brand="光屿手机"), actor=SYSTEM)
    theirs = store.add_knowledge(entry("餐品洒漏", "补送或退款二选一。", brand="鲜达外卖"), actor=SYSTEM)
    common = store.add_knowledge(entry("投诉进度", "凭工单号和验证码查询。"), actor=SYSTEM)
    assert {e.id for e in store.knowledge_entries(actor=LIMITED)} == {mine.id, common.id}
    with pytest.raises(NotFound):
        store.knowledge_entry(theirs.id, actor=LIMITED)
    with pytest.raises(NotFound):
        store.change_knowledge(theirs.id, entry("x", "y", brand="光屿手机"), actor=LIMITED)
    # Writing for every brand, or moving an entry to a brand not theirs, speaks for brands they do not serve.
    with pytest.raises(InvalidQuery):
        store.add_knowledge(entry("x", "y"), actor=LIMITED)
    with pytest.raises(InvalidQuery):
        store.change_knowledge(mine.id, entry("屏幕碎了", "z", brand="鲜达外卖"), actor=LIMITED)
    with pytest.raises(InvalidQuery):
        store.remove_knowledge(common.id, actor=LIMITED)


def test_suggestions_rank_the_tickets_category_first_then_shared_words(store: TicketStore) -> None:
    ticket, _ = store.create(
        TicketCreate(
            title="外卖迟到一个小时",
            description="骑手配送超时，饭菜都凉了",
            brand="鲜达外卖",
            category=Category.logistics,
        ),
        [],
    )
    late = store.add_knowledge(
        entry("配送超时赔付", "配送超时 30 分钟以上赔付优惠券。", Category.logistics), actor=SYSTEM
    )
    same_category = store.add_knowledge(entry("骑手态度", "记录骑手工号并反馈站点。", Category.logistics), actor=SYSTEM)
    words_only = store.add_knowledge(
        entry("饭菜凉了怎么办", "饭菜凉了可申请部分退款。", Category.product_quality), actor=SYSTEM
    )
    unrelated = store.add_knowledge(entry("发票开具", "在订单页申请电子发票。", Category.process), actor=SYSTEM)
    other_brand = store.add_knowledge(
        entry("配送超时赔付", "配送超时赔付。", Category.logistics, brand="光屿手机"), actor=SYSTEM
    )
    suggested = store.suggest_knowledge(ticket.id, actor=SYSTEM)
    ids = [e.id for e in suggested]
    assert ids[0] == late.id  # its category and its words
    assert same_category.id in ids and words_only.id in ids
    assert ids.index(same_category.id) < ids.index(words_only.id)  # the category outweighs a shared word
    assert unrelated.id not in ids and other_brand.id not in ids
    assert all(e.score is not None and e.score > 0 for e in suggested)
    # Asking by words ranks by them alone.
    found = store.knowledge_entries(actor=SYSTEM, q="饭菜凉了")
    assert found[0].id == words_only.id


def test_suggestions_need_the_ticket_to_be_visible(store: TicketStore) -> None:
    ticket, _ = store.create(TicketCreate(title="手机屏幕碎了", brand="鲜达外卖"), [])
    store.add_knowledge(entry("屏幕碎了", "到店检测。"), actor=SYSTEM)
    with pytest.raises(NotFound):
        store.suggest_knowledge(ticket.id, actor=LIMITED)
