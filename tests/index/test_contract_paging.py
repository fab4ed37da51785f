"""The mention store contract, order and paging: newest first, relevance, cursors and offsets, on every backend
(``mention_store``)."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest

from foundation.errors import InvalidQuery
from index.base import Mention, MentionFilter, MentionStore, SearchRequest, SortOrder
from tests.index.test_contract import T0, mk, post_ids, walk, write


def test_time_sort_is_newest_first_with_id_tie_break(mention_store: MentionStore) -> None:
    mentions = [
        mk("old", published=T0),
        mk("new", published=T0 + timedelta(hours=3)),
        *[mk(f"tie{i}", published=T0 + timedelta(hours=1)) for i in range(4)],
    ]
    write(mention_store, mentions)
    page = mention_store.search(SearchRequest(limit=10))
    expected = sorted(mentions, key=lambda m: (m.published_at, m.id), reverse=True)
    assert [h.mention.id for h in page.hits] == [m.id for m in expected]
    assert all(hit.score is None for hit in page.hits)
    assert page.total == 6 and page.next_cursor is None


def test_relevance_puts_the_title_match_first(mention_store: MentionStore) -> None:
    write(
        mention_store,
        [
            mk("in-text", "昨天买的东西想退款，流程太复杂", published=T0 + timedelta(hours=2)),
            mk("in-title", "流程太复杂了", title="退款", published=T0),
            mk("other", "东西不错", published=T0 + timedelta(hours=3)),
        ],
    )
    flt = MentionFilter(text="退款")
    page = mention_store.search(SearchRequest(filter=flt, sort=SortOrder.relevance))
    assert post_ids(page) == ["in-title", "in-text"]
    assert all(isinstance(hit.score, float) for hit in page.hits)
    by_time = mention_store.search(SearchRequest(filter=flt, sort=SortOrder.time))
    assert post_ids(by_time) == ["in-text", "in-title"]
    # Without words there is nothing to rank by: relevance falls back to time order.
    fallback = mention_store.search(SearchRequest(sort=SortOrder.relevance))
    assert post_ids(fallback) == ["other", "in-text", "in-title"]
    assert all(hit.score is None for hit in fallback.hits)


@pytest.fixture
def many(mention_store: MentionStore) -> list[Mention]:
    """27 mentions that all contain 退款, in groups of three sharing a publication time, with varied scores."""
    mentions = []
    for i in range(27):
        title = "退款" if i % 4 == 0 else None
        text = "申请退款" + ("，退款还没到" if i % 3 == 0 else "") + f" 第{i}条"
        mentions.append(mk(f"m{i:02d}", text, title=title, published=T0 + timedelta(minutes=10 * (i // 3))))
    write(mention_store, [*mentions, mk("unrelated", "没有关系的内容")])
    return mentions


@pytest.mark.parametrize("sort", [SortOrder.time, SortOrder.relevance])
def test_cursor_paging_visits_every_match_once(
    mention_store: MentionStore, many: list[Mention], sort: SortOrder
) -> None:
    request = SearchRequest(filter=MentionFilter(text="退款"), sort=sort, limit=7)
    pages = walk(mention_store, request)
    assert [len(p.hits) for p in pages] == [7, 7, 7, 6]
    assert all(p.total == 27 for p in pages)
    assert pages[-1].next_cursor is None
    seen = [hit.mention.id for page in pages for hit in page.hits]
    assert len(seen) == len(set(seen)) == 27
    assert set(seen) == {m.id for m in many}
    hits = [hit for page in pages for hit in page.hits]
    if sort is SortOrder.time:
        expected = sorted(many, key=lambda m: (m.published_at, m.id), reverse=True)
        assert seen == [m.id for m in expected]
    else:
        # Best first; equal scores in id order (the tie-break that keeps the cursor stable).
        for before, after in pairwise(hits):
            assert before.score is not None and after.score is not None
            assert before.score >= after.score - 1e-9
            if abs(before.score - after.score) <= 1e-9:
                assert before.mention.id < after.mention.id
        titled = {m.id for m in many if m.title}
        assert set(seen[: len(titled)]) == titled  # every title match outranks every text-only match
    # Offset paging walks the same order.
    by_offset = [
        hit.mention.id
        for offset in range(0, 27, 7)
        for hit in mention_store.search(request.model_copy(update={"offset": offset})).hits
    ]
    assert by_offset == seen


def test_read_many_reads_the_matches_newest_first_in_batches_up_to_a_limit(
    mention_store: MentionStore, many: list[Mention], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("index.elastic.store.READ_BATCH", 4)  # several requests on Elasticsearch
    expected = [m.id for m in sorted(many, key=lambda m: (m.published_at, m.id), reverse=True)]
    flt = MentionFilter(text="退款")
    assert [m.id for m in mention_store.read_many(flt, 100)] == expected
    assert [m.id for m in mention_store.read_many(flt, 10)] == expected[:10]
    assert [m.id for m in mention_store.read_many(flt, 27)] == expected
    assert mention_store.read_many(MentionFilter(text="没有这个词"), 10) == []


def test_offset_paging_and_exact_total(mention_store: MentionStore, many: list[Mention]) -> None:
    everything = mention_store.search(SearchRequest(limit=100))
    assert everything.total == 28
    page = mention_store.search(SearchRequest(limit=5, offset=10))
    assert page.total == 28
    assert [h.mention.id for h in page.hits] == [h.mention.id for h in everything.hits[10:15]]
    assert page.next_cursor is not None
    tail = mention_store.search(SearchRequest(limit=5, offset=25))
    assert [h.mention.id for h in tail.hits] == [h.mention.id for h in everything.hits[25:]]
    assert tail.next_cursor is None
    beyond = mention_store.search(SearchRequest(limit=5, offset=40))
    assert beyond.hits == [] and beyond.total == 28


def test_a_cursor_only_works_for_its_own_search(mention_store: MentionStore, many: list[Mention]) -> None:
    request = SearchRequest(filter=MentionFilter(text="退款"), limit=7)
    cursor = mention_store.search(request).next_cursor
    assert cursor is not None
    for other in (
        SearchRequest(filter=MentionFilter(text="申请"), limit=7, cursor=cursor),
        SearchRequest(filter=MentionFilter(text="退款"), sort=SortOrder.relevance, limit=7, cursor=cursor),
        SearchRequest(filter=MentionFilter(text="退款", brands=["acme"]), limit=7, cursor=cursor),
    ):
        with pytest.raises(InvalidQuery):
            mention_store.search(other)
    for garbage in ("not-a-cursor", "eyJmIjoiYWJjIn0", cursor[:-3]):
        with pytest.raises(InvalidQuery):
            mention_store.search(request.model_copy(update={"cursor": garbage}))
    # The same search with its own cursor works, with a different page size too.
    assert mention_store.search(request.model_copy(update={"cursor": cursor, "limit": 3})).hits
