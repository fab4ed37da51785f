"""The saved-search store contract, on SQLite and on PostgreSQL: names, sharing, who sees and changes what,
and queries checked by the search language before anything is stored."""

from __future__ import annotations

from datetime import timedelta

import pytest

from foundation.access import Principal
from foundation.db import Database
from foundation.errors import Conflict, Forbidden, NotFound
from index.base import SortOrder
from index.query.errors import QuerySyntaxError
from index.saved import SavedSearchIn, SavedSearchPatch, SavedSearchStore, SearchOptions
from tests.factories import NOW
from tickets.enums import Role

WANG = Principal("wang", Role.agent, departments=frozenset({"客服部"}))
LI = Principal("li", Role.pr)
ADMIN = Principal("boss", Role.admin)


@pytest.fixture
def store(database: Database) -> SavedSearchStore:
    return SavedSearchStore(database)


def saved(store: SavedSearchStore, who: Principal, name: str, query: str = "退款", **fields: object) -> int:
    return store.create(who, SavedSearchIn.model_validate({"name": name, "query": query, **fields}), now=NOW).id


def test_create_read_and_round_trip(store: SavedSearchStore) -> None:
    sid = saved(store, WANG, " 退款投诉 ", 'platform:weibo AND (退款 OR "不发货") -广告', filters={"sort": "relevance"})
    search = store.get(WANG, sid)
    assert search.name == "退款投诉" and search.owner == "wang" and not search.shared
    assert search.query == 'platform:weibo AND (退款 OR "不发货") -广告'
    assert search.filters == SearchOptions(sort=SortOrder.relevance)
    assert search.created_at == search.updated_at == NOW
    assert search.to_filter(brands=["鲜达外卖"]).query == search.query


def test_names_are_unique_per_owner_not_across_owners(store: SavedSearchStore) -> None:
    saved(store, WANG, "退款")
    with pytest.raises(Conflict, match="already have a saved search named '退款'"):
        saved(store, WANG, "退款", "不发货")
    saved(store, LI, "退款")  # another person's namespace
    assert [s.owner for s in store.visible(ADMIN)] == ["li", "wang"]


def test_a_bad_query_is_refused_with_its_column_and_nothing_is_stored(store: SavedSearchStore) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        saved(store, WANG, "坏的", "退款 AND (不发货")
    assert info.value.position == 12 and str(info.value).startswith("query: invalid query at column 12")
    assert info.value.details[0]["field"] == "query" and info.value.details[0]["position"] == 12
    assert store.visible(WANG) == []
    sid = saved(store, WANG, "好的")
    with pytest.raises(QuerySyntaxError, match="column 1: this quote is never closed"):
        store.update(WANG, sid, SavedSearchPatch(query='"退款'))
    assert store.get(WANG, sid).query == "退款"


def test_private_searches_exist_only_for_their_owner_and_admins(store: SavedSearchStore) -> None:
    private = saved(store, WANG, "我的")
    shared = saved(store, WANG, "大家的", shared=True)
    assert [s.name for s in store.visible(LI)] == ["大家的"]
    assert {s.name for s in store.visible(WANG)} == {"我的", "大家的"}
    assert {s.name for s in store.visible(ADMIN)} == {"我的", "大家的"}
    for attempt in (
        lambda: store.get(LI, private),
        lambda: store.update(LI, private, SavedSearchPatch(name="x")),
        lambda: store.delete(LI, private),
        lambda: store.get(LI, 99999),
    ):
        with pytest.raises(NotFound, match="does not exist"):
            attempt()
    assert store.get(LI, shared).owner == "wang"
    assert store.get(ADMIN, private).name == "我的"


def test_only_the_owner_or_an_admin_changes_or_deletes(store: SavedSearchStore) -> None:
    sid = saved(store, WANG, "大家的", shared=True)
    for attempt in (
        lambda: store.update(LI, sid, SavedSearchPatch(shared=False)),
        lambda: store.update(LI, sid, SavedSearchPatch(query="别的")),
        lambda: store.delete(LI, sid),
    ):
        with pytest.raises(Forbidden, match="belongs to wang"):
            attempt()
    later = NOW + timedelta(hours=1)
    changed = store.update(
        WANG, sid, SavedSearchPatch(query="不发货", filters=SearchOptions(sort="relevance")), now=later
    )
    assert changed.query == "不发货" and changed.filters.sort is SortOrder.relevance
    assert changed.updated_at == later and changed.created_at == NOW and changed.shared  # unset fields kept
    assert not store.update(ADMIN, sid, SavedSearchPatch(shared=False)).shared
    with pytest.raises(NotFound):
        store.get(LI, sid)  # unshared: gone for others
    store.delete(ADMIN, sid)
    assert store.visible(WANG) == []


def test_renaming_onto_an_existing_name_conflicts(store: SavedSearchStore) -> None:
    saved(store, WANG, "a")
    sid = saved(store, WANG, "b")
    with pytest.raises(Conflict):
        store.update(WANG, sid, SavedSearchPatch(name="a"))
    assert store.get(WANG, sid).name == "b"


def test_shared_names_are_unique_so_rules_can_name_them(store: SavedSearchStore) -> None:
    saved(store, WANG, "危机", "爆炸 OR 中毒", shared=True)
    with pytest.raises(Conflict, match="shared saved search named '危机' exists already"):
        saved(store, LI, "危机", shared=True)
    other = saved(store, LI, "危机")  # private: no clash
    with pytest.raises(Conflict):
        store.update(LI, other, SavedSearchPatch(shared=True))
    assert store.shared_by_name("危机").query == "爆炸 OR 中毒"
    with pytest.raises(NotFound, match="no shared saved search named '没有'"):
        store.shared_by_name("没有")


def test_null_for_a_required_field_is_refused(store: SavedSearchStore) -> None:
    sid = saved(store, WANG, "a")
    with pytest.raises(Exception, match="cannot be null"):
        store.update(WANG, sid, SavedSearchPatch(name=None))
    assert store.get(WANG, sid).name == "a"
