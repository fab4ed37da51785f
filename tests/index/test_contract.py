"""The mention store contract: every test runs against every backend through the ``mention_store`` fixture.

A backend is correct when this whole file passes for it. The tests assert which mentions match, in which
order and how many, never exact relevance scores (those legitimately differ between SQLite's bm25 and
Elasticsearch's BM25). A few Elasticsearch-only tests at the end cover what only that backend has
(client construction, connection failures, concurrent writers).
"""

from __future__ import annotations

import base64
import socket
import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from itertools import pairwise
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest

from foundation.errors import InvalidQuery, StoreUnavailable
from index.base import (
    Mention,
    MentionFilter,
    MentionStore,
    SearchPage,
    SearchRequest,
    SortOrder,
    TrendBucket,
    WriteResult,
    mention_id,
)
from index.buckets import bucket_starts
from index.elastic import ElasticMentionStore
from sentiment.base import SentimentLabel

T0 = datetime(2024, 3, 10, 0, 0, tzinfo=UTC)
NEG = SentimentLabel.negative
POS = SentimentLabel.positive
NEU = SentimentLabel.neutral


def mk(
    post_id: str,
    text: str = "普通的一条评论",
    *,
    title: str | None = None,
    platform: str = "weibo",
    source: str = "weibo-search",
    published: datetime = T0,
    brands: Iterable[str] = ("acme",),
    language: str = "zh",
    score: float | None = None,
    label: SentimentLabel = SentimentLabel.unscored,
    collected: datetime | None = None,
    **fields: Any,
) -> Mention:
    """A mention with sensible defaults; only what a test is about needs to be given."""
    collected = collected or published + timedelta(hours=1)
    return Mention(
        id=mention_id(platform, post_id),
        platform=platform,
        post_id=post_id,
        source=source,
        title=title,
        text=text,
        published_at=published,
        collected_at=collected,
        updated_at=collected,
        language=language,
        brands=list(brands),
        sentiment_score=score,
        sentiment_label=label,
        **fields,
    )


def write(store: MentionStore, mentions: Iterable[Mention]) -> WriteResult:
    result = store.upsert(list(mentions))
    store.refresh()
    return result


def post_ids(page: SearchPage) -> list[str]:
    return [hit.mention.post_id for hit in page.hits]


def matching(store: MentionStore, text: str | None = None, **conditions: Any) -> set[str]:
    """Post ids of every mention matching, checked against count() so both agree."""
    flt = MentionFilter(text=text, **conditions)
    page = store.search(SearchRequest(filter=flt, limit=100))
    assert page.next_cursor is None, "test data sets stay below one page"
    found = post_ids(page)
    assert len(found) == len(set(found)) == page.total == store.count(flt)
    return set(found)


def walk(store: MentionStore, request: SearchRequest) -> list[SearchPage]:
    """Every page of a search, following next_cursor."""
    pages = [store.search(request)]
    while pages[-1].next_cursor is not None:
        assert len(pages) < 100, "cursor paging does not end"
        pages.append(store.search(request.model_copy(update={"cursor": pages[-1].next_cursor})))
    return pages


# -- schema and writes --------------------------------------------------------------------------------------


def test_ensure_schema_is_idempotent_and_keeps_data(mention_store: MentionStore) -> None:
    write(mention_store, [mk("p1")])
    mention_store.ensure_schema()
    mention_store.ensure_schema()
    write(mention_store, [mk("p2")])
    assert matching(mention_store) == {"p1", "p2"}
    assert mention_store.ping()


def test_upsert_reports_created_updated_unchanged(mention_store: MentionStore) -> None:
    a, b, c = mk("a", "第一条"), mk("b", "第二条"), mk("c", "第三条")
    first = write(mention_store, [a, b, c])
    assert sorted(first.created) == sorted([a.id, b.id, c.id])
    assert (first.updated, first.unchanged, first.failed) == ([], [], {})

    # A re-crawl sees the same content later: nothing changes, not even the timestamps.
    later = T0 + timedelta(days=1)
    recrawl = [m.model_copy(update={"collected_at": later, "updated_at": later}) for m in (a, b, c)]
    second = write(mention_store, recrawl)
    assert sorted(second.unchanged) == sorted([a.id, b.id, c.id])
    assert (second.created, second.updated, second.failed) == ([], [], {})
    assert mention_store.get(a.id) == a

    # The author edits one post: that mention is updated in place, first-seen time kept.
    edited = mk("b", "第二条（已编辑）申请退款", collected=later)
    third = write(mention_store, [recrawl[0], edited, recrawl[2]])
    assert third.updated == [b.id]
    assert sorted(third.unchanged) == sorted([a.id, c.id])
    assert third.created == []
    stored = mention_store.get(b.id)
    assert stored is not None
    assert stored.text == "第二条（已编辑）申请退款"
    assert stored.collected_at == b.collected_at
    assert stored.updated_at == later
    assert stored.content_hash == edited.content_hash
    assert mention_store.count(MentionFilter()) == 3
    assert matching(mention_store, "退款") == {"b"}
    assert matching(mention_store, "第二条") == {"b"}  # the old version is not searchable as a second mention


def test_batch_with_duplicate_ids_keeps_the_last(mention_store: MentionStore) -> None:
    first, other, last = mk("dup", "旧的版本"), mk("other"), mk("dup", "新的版本 退款")
    result = write(mention_store, [first, other, last])
    assert sorted(result.created) == sorted([first.id, other.id])
    assert result.updated == result.unchanged == []
    stored = mention_store.get(first.id)
    assert stored is not None and stored.text == "新的版本 退款"
    assert mention_store.count(MentionFilter()) == 2
    assert mention_store.upsert([]) == WriteResult()


def test_round_trip_keeps_every_field(mention_store: MentionStore) -> None:
    full = mk(
        "full",
        "这家店的客服态度很好",
        title="好评",
        platform="dianping",
        source="dianping-reviews",
        published=datetime(2024, 3, 10, 8, 15, 30, 123000, tzinfo=UTC),
        brands=["acme", "globex"],
        language="zh",
        score=0.875,
        label=POS,
        url="https://example.invalid/review/1",
        author="张三",
        rating=4.5,
        likes=12,
        reposts=0,
        comments=3_000_000_000,
        parent_id=mention_id("dianping", "parent"),
        matched_keywords=["acme", "客服"],
        extra={"shop": {"id": 7, "tags": ["a", "b"]}, "empty": None},
    )
    bare = mk("bare", "only text", language="en", brands=[])
    write(mention_store, [full, bare])
    assert mention_store.get(full.id) == full
    assert mention_store.get(bare.id) == bare


def test_get_and_get_many(mention_store: MentionStore) -> None:
    a, b, c = mk("a"), mk("b"), mk("c")
    write(mention_store, [a, b, c])
    missing = mention_id("weibo", "missing")
    assert mention_store.get(b.id) == b
    assert mention_store.get(missing) is None
    assert [m.post_id for m in mention_store.get_many([c.id, missing, a.id, b.id])] == ["c", "a", "b"]
    assert mention_store.get_many([]) == []
    assert mention_store.get_many([missing]) == []


# -- text search ------------------------------------------------------------------------------------------


@pytest.fixture
def corpus(mention_store: MentionStore) -> MentionStore:
    write(
        mention_store,
        [
            mk("refund", "我要申请退款，客服一直不回复"),
            mk("nation", "中华人民共和国万岁"),
            mk("people", "人民群众的意见"),
            mk("battery", "Great Battery Life, would buy again", language="en"),
            mk("shipping", "物流太慢了，退款也不给", title="差评"),
            mk("fast", "快递物流很快", title="好评"),
            mk("literal", "refund or delivery near the store", language="en"),
            mk("refund-en", "refund delivery store", language="en"),
            mk("hyphen", "foo bar baz", language="en"),
        ],
    )
    return mention_store


def test_chinese_word_search(corpus: MentionStore) -> None:
    assert matching(corpus, "退款") == {"refund", "shipping"}
    assert matching(corpus, "物流") == {"shipping", "fast"}
    assert matching(corpus, "差评") == {"shipping"}  # title words are searched too
    assert matching(corpus, "手机") == set()


def test_sub_word_search(corpus: MentionStore) -> None:
    assert matching(corpus, "人民") == {"nation", "people"}
    assert matching(corpus, "共和国") == {"nation"}
    assert matching(corpus, "中华人民共和国") == {"nation"}


def test_english_search_is_case_insensitive(corpus: MentionStore) -> None:
    assert matching(corpus, "battery") == {"battery"}
    assert matching(corpus, "BATTERY") == {"battery"}
    assert matching(corpus, "ＢＡＴＴＥＲＹ") == {"battery"}  # full-width letters fold to ASCII
    assert matching(corpus, "batter") == set()  # whole words, not prefixes


def test_every_word_must_match(corpus: MentionStore) -> None:
    assert matching(corpus, "退款 物流") == {"shipping"}
    assert matching(corpus, "物流 好评") == {"fast"}  # one word in the title, one in the text
    assert matching(corpus, "battery 退款") == set()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"refund', {"literal", "refund-en"}),
        ('refund"', {"literal", "refund-en"}),
        ("refund*", {"literal", "refund-en"}),
        ("-refund", {"literal", "refund-en"}),
        ("foo-bar", {"hyphen"}),
        ("NEAR refund", {"literal"}),  # "near" is a word of the text, not an operator
        ("refund NEAR/2 store", set()),  # "2" is a word here, and no text contains it
        ("refund OR delivery", {"literal"}),  # "or" must occur: the words are ANDed, never an OR query
        ("refund AND store", set()),  # nobody wrote "and"
        ("(refund", {"literal", "refund-en"}),
        ("refund)", {"literal", "refund-en"}),
        ("title_seg:差评", set()),  # no field syntax: "title", "seg" and "差评" must all occur
        ("text:refund", set()),
        ("refund^4", set()),  # "4" is a word that does not occur
        ("{refund} [store]", {"literal", "refund-en"}),
        ("refund\\ store", {"literal", "refund-en"}),
        ("refund ~ store", {"literal", "refund-en"}),
        ("/refund/", {"literal", "refund-en"}),
    ],
)
def test_query_syntax_is_taken_literally(corpus: MentionStore, query: str, expected: set[str]) -> None:
    assert matching(corpus, query) == expected


@pytest.mark.parametrize("query", ["!!!", "？？ ！", "***", '"" ()', "- -", "..."])
def test_text_without_letters_is_invalid(corpus: MentionStore, query: str) -> None:
    flt = MentionFilter(text=query, since=T0, until=T0 + timedelta(days=1))
    with pytest.raises(InvalidQuery):
        corpus.search(SearchRequest(filter=flt))
    with pytest.raises(InvalidQuery):
        corpus.count(flt)
    with pytest.raises(InvalidQuery):
        corpus.label_counts(flt)
    with pytest.raises(InvalidQuery):
        corpus.trend(flt, "day")


def test_blank_text_means_no_text_condition(corpus: MentionStore) -> None:
    assert len(matching(corpus, "   ")) == 9


# -- structured filters -----------------------------------------------------------------------------------


@pytest.fixture
def varied(mention_store: MentionStore) -> MentionStore:
    write(
        mention_store,
        [
            mk("w1", brands=["acme"], platform="weibo", source="s-weibo", language="zh", score=0.1, label=NEG),
            mk("w2", brands=["acme", "globex"], platform="weibo", source="s-weibo", score=0.4, label=NEU),
            mk("d1", brands=["globex"], platform="dianping", source="s-dp", score=0.6, label=NEU),
            mk("r1", "nice", brands=["initech"], platform="reddit", source="s-rd", language="en", score=0.9, label=POS),
            mk("r2", "meh", brands=[], platform="reddit", source="s-rd2", language="en"),
        ],
    )
    return mention_store


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ({}, {"w1", "w2", "d1", "r1", "r2"}),
        ({"brands": ["acme"]}, {"w1", "w2"}),
        ({"brands": ["globex"]}, {"w2", "d1"}),
        ({"brands": ["acme", "initech"]}, {"w1", "w2", "r1"}),
        ({"brands": ["nobody"]}, set()),
        ({"platforms": ["reddit"]}, {"r1", "r2"}),
        ({"platforms": ["weibo", "dianping"]}, {"w1", "w2", "d1"}),
        ({"sources": ["s-rd2", "s-dp"]}, {"r2", "d1"}),
        ({"languages": ["en"]}, {"r1", "r2"}),
        ({"labels": [NEG]}, {"w1"}),
        ({"labels": [NEU, SentimentLabel.unscored]}, {"w2", "d1", "r2"}),
        ({"score_min": 0.4}, {"w2", "d1", "r1"}),  # inclusive; unscored never matches a score range
        ({"score_max": 0.6}, {"w1", "w2", "d1"}),
        ({"score_min": 0.4, "score_max": 0.6}, {"w2", "d1"}),
        ({"score_min": 0.95}, set()),
        ({"brands": ["globex"], "platforms": ["weibo"]}, {"w2"}),
        ({"brands": ["acme"], "labels": [NEG], "languages": ["zh"]}, {"w1"}),
    ],
)
def test_filters(varied: MentionStore, conditions: dict[str, Any], expected: set[str]) -> None:
    assert matching(varied, **conditions) == expected


def test_since_is_inclusive_and_until_exclusive(mention_store: MentionStore) -> None:
    since, until = T0, T0 + timedelta(hours=2)
    write(
        mention_store,
        [
            mk("before", published=since - timedelta(milliseconds=1)),
            mk("at-since", published=since),
            mk("inside", published=since + timedelta(hours=1)),
            mk("last-ms", published=until - timedelta(milliseconds=1)),
            mk("at-until", published=until),
        ],
    )
    assert matching(mention_store, since=since, until=until) == {"at-since", "inside", "last-ms"}
    assert matching(mention_store, since=since) == {"at-since", "inside", "last-ms", "at-until"}
    assert matching(mention_store, until=until) == {"before", "at-since", "inside", "last-ms"}
    # The same instant written in another time zone is the same boundary.
    shanghai = ZoneInfo("Asia/Shanghai")
    assert matching(mention_store, since=since.astimezone(shanghai), until=until.astimezone(shanghai)) == {
        "at-since",
        "inside",
        "last-ms",
    }


# -- order and paging -------------------------------------------------------------------------------------


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


# -- highlights, counts, trends ---------------------------------------------------------------------------


def test_highlights_are_html_safe(mention_store: MentionStore) -> None:
    write(
        mention_store,
        [mk("xss", '<script>alert("x")</script> 我要申请退款 & 投诉', title="<b>退款</b>太慢")],
    )
    page = mention_store.search(SearchRequest(filter=MentionFilter(text="退款")))
    (hit,) = page.hits
    text, title = hit.highlights["text"], hit.highlights["title"]
    assert "<script>" not in text and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    assert "<mark>退款</mark>" in text and "&amp; 投诉" in text
    assert title == "&lt;b&gt;<mark>退款</mark>&lt;/b&gt;太慢"
    assert hit.mention.text.startswith("<script>")  # the stored mention itself is untouched
    plain = mention_store.search(SearchRequest(filter=MentionFilter(text="退款"), highlight=False))
    assert plain.hits[0].highlights == {}
    assert mention_store.search(SearchRequest()).hits[0].highlights == {}


def test_count_and_label_counts(varied: MentionStore) -> None:
    assert varied.count(MentionFilter()) == 5
    assert varied.count(MentionFilter(platforms=["weibo"])) == 2
    assert varied.label_counts(MentionFilter()) == {NEG: 1, NEU: 2, POS: 1, SentimentLabel.unscored: 1}
    assert varied.label_counts(MentionFilter(brands=["globex"])) == {
        NEG: 0,
        NEU: 2,
        POS: 0,
        SentimentLabel.unscored: 0,
    }
    assert varied.label_counts(MentionFilter(brands=["nobody"])) == dict.fromkeys(SentimentLabel, 0)


def buckets(trend: list[TrendBucket]) -> list[tuple[datetime, int, int]]:
    return [(b.start, b.count, b.negative) for b in trend]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_trend_days_in_shanghai_and_utc(mention_store: MentionStore) -> None:
    write(
        mention_store,
        [
            mk("early", published=utc(2024, 3, 9, 15, 59), label=NEG),  # before since
            mk("a", published=utc(2024, 3, 9, 16, 0), label=NEG),  # Shanghai 03-10 00:00
            mk("b", published=utc(2024, 3, 9, 23, 59, 59)),  # Shanghai 03-10 07:59
            mk("c", published=utc(2024, 3, 10, 16, 30), label=NEG),  # Shanghai 03-11 00:30
            mk("d", published=utc(2024, 3, 12, 17, 0)),  # Shanghai 03-13 01:00
            mk("e", published=utc(2024, 3, 13, 16, 0), label=NEG),  # == until: excluded
            mk("other-brand", published=utc(2024, 3, 10, 1, 0), brands=["globex"]),
        ],
    )
    flt = MentionFilter(brands=["acme"], since=utc(2024, 3, 9, 16), until=utc(2024, 3, 13, 16))
    assert buckets(mention_store.trend(flt, "day", "Asia/Shanghai")) == [
        (utc(2024, 3, 9, 16), 2, 1),
        (utc(2024, 3, 10, 16), 1, 1),
        (utc(2024, 3, 11, 16), 0, 0),
        (utc(2024, 3, 12, 16), 1, 0),
    ]
    assert buckets(mention_store.trend(flt, "day", "UTC")) == [
        (utc(2024, 3, 9), 2, 1),
        (utc(2024, 3, 10), 1, 1),
        (utc(2024, 3, 11), 0, 0),
        (utc(2024, 3, 12), 1, 0),
        (utc(2024, 3, 13), 0, 0),
    ]
    assert sum(b.count for b in mention_store.trend(flt.model_copy(update={"brands": []}), "day")) == 5


def test_trend_hours_with_a_half_hour_zone(mention_store: MentionStore) -> None:
    write(
        mention_store,
        [
            mk("h0", published=utc(2024, 3, 10, 0, 0)),
            mk("h1", published=utc(2024, 3, 10, 0, 59, 59)),
            mk("h2", published=utc(2024, 3, 10, 2, 30), label=NEG),
            mk("h3", published=utc(2024, 3, 10, 4, 0)),  # == until
        ],
    )
    flt = MentionFilter(since=utc(2024, 3, 10), until=utc(2024, 3, 10, 4))
    assert buckets(mention_store.trend(flt, "hour")) == [
        (utc(2024, 3, 10, 0), 2, 0),
        (utc(2024, 3, 10, 1), 0, 0),
        (utc(2024, 3, 10, 2), 1, 1),
        (utc(2024, 3, 10, 3), 0, 0),
    ]
    # India is UTC+5:30: local hours start at half past in UTC, the first one before 'since'.
    assert buckets(mention_store.trend(flt, "hour", "Asia/Kolkata")) == [
        (utc(2024, 3, 9, 23, 30), 1, 0),
        (utc(2024, 3, 10, 0, 30), 1, 0),
        (utc(2024, 3, 10, 1, 30), 0, 0),
        (utc(2024, 3, 10, 2, 30), 1, 1),
        (utc(2024, 3, 10, 3, 30), 0, 0),
    ]
    with_text = MentionFilter(text="普通", since=flt.since, until=flt.until)
    assert [b.count for b in mention_store.trend(with_text, "hour")] == [2, 0, 1, 0]


def test_trend_days_across_a_daylight_saving_change(mention_store: MentionStore) -> None:
    # New York switched to daylight time on 2024-03-10, whose local day is 23 hours long.
    write(
        mention_store,
        [
            mk("sat-late", published=utc(2024, 3, 10, 4, 59)),  # 03-09 23:59 EST
            mk("sun-noon", published=utc(2024, 3, 10, 16, 0)),  # 03-10 12:00 EDT
            mk("mon-early", published=utc(2024, 3, 11, 4, 30)),  # 03-11 00:30 EDT (a 24 h step would miss it)
        ],
    )
    flt = MentionFilter(since=utc(2024, 3, 9, 5), until=utc(2024, 3, 12, 4))
    trend = mention_store.trend(flt, "day", "America/New_York")
    assert flt.since is not None and flt.until is not None
    assert [b.start for b in trend] == bucket_starts(flt.since, flt.until, "day", ZoneInfo("America/New_York"))
    assert buckets(trend) == [
        (utc(2024, 3, 9, 5), 1, 0),
        (utc(2024, 3, 10, 5), 1, 0),
        (utc(2024, 3, 11, 4), 1, 0),
    ]


def test_trend_needs_a_range_and_a_known_zone(mention_store: MentionStore) -> None:
    with pytest.raises(InvalidQuery):
        mention_store.trend(MentionFilter(since=T0), "day")
    with pytest.raises(InvalidQuery):
        mention_store.trend(MentionFilter(until=T0), "hour")
    with pytest.raises(InvalidQuery):
        mention_store.trend(MentionFilter(since=T0, until=T0 + timedelta(days=1)), "day", "Mars/Olympus_Mons")
    with pytest.raises(InvalidQuery):  # too many buckets
        mention_store.trend(MentionFilter(since=T0, until=T0 + timedelta(days=400)), "hour")


# -- failures ---------------------------------------------------------------------------------------------


def test_a_rejected_document_does_not_sink_the_batch(
    mention_store: MentionStore, rejecting_store: Callable[[set[str]], AbstractContextManager[MentionStore]]
) -> None:
    good1, bad, good2 = mk("good1", "退款一"), mk("bad", "退款二"), mk("good2", "退款三")
    with rejecting_store({bad.id}) as store:
        result = store.upsert([good1, bad, good2])
        store.refresh()
    assert sorted(result.created) == sorted([good1.id, good2.id])
    print("RESULT", result)
    assert list(result.failed) == [bad.id] and result.failed[bad.id]
    assert [m.post_id for m in mention_store.get_many([good1.id, bad.id, good2.id])] == ["good1", "good2"]
    assert matching(mention_store, "退款") == {"good1", "good2"}
    # The same batch through a store that accepts everything: the good ones are unchanged, the bad one lands.
    retry = write(mention_store, [good1, bad, good2])
    assert retry.created == [bad.id] and sorted(retry.unchanged) == sorted([good1.id, good2.id])


def test_describe_names_the_backend(mention_store: MentionStore) -> None:
    assert mention_store.backend in mention_store.describe().lower()


# -- Elasticsearch only -----------------------------------------------------------------------------------


def _closed_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_elastic_from_settings_keeps_secrets_out_of_messages() -> None:
    from config.settings import Settings

    port = _closed_loopback_port()
    settings = Settings(
        es_index_prefix="brandwatch",
        es_username="elastic",
        es_password="hunter2-secret",
        es_timeout_seconds=2,
    )
    store = ElasticMentionStore.from_settings(f"http://elastic:url-secret@127.0.0.1:{port}", settings)
    try:
        assert store.alias == "brandwatch-mentions"
        assert store.describe() == f"Elasticsearch http://127.0.0.1:{port} (alias brandwatch-mentions)"
        assert not store.ping()
        for call in (
            store.ensure_schema,
            lambda: store.upsert([mk("x")]),
            lambda: store.search(SearchRequest()),
            lambda: store.count(MentionFilter()),
        ):
            with pytest.raises(StoreUnavailable) as info:
                call()
            message = str(info.value)
            assert f"127.0.0.1:{port}" in message
            assert "secret" not in message and "hunter2" not in message
    finally:
        store.close()


class _RecordingHandler(BaseHTTPRequestHandler):
    """Answers like an Elasticsearch node and records the Authorization header of each request."""

    seen: ClassVar[list[str | None]] = []

    def do_HEAD(self) -> None:
        self.seen.append(self.headers.get("Authorization"))
        self.send_response(200)
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"es_api_key": "a2V5OnNlY3JldA=="}, "ApiKey a2V5OnNlY3JldA=="),
        ({"es_username": "elastic", "es_password": "pw"}, "Basic " + base64.b64encode(b"elastic:pw").decode()),
        ({}, None),
    ],
)
def test_elastic_from_settings_sends_the_credentials(options: dict[str, Any], expected: str | None) -> None:
    from config.settings import Settings

    server = HTTPServer(("127.0.0.1", 0), _RecordingHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    _RecordingHandler.seen.clear()
    store = ElasticMentionStore.from_settings(f"http://127.0.0.1:{server.server_port}", Settings(**options))
    try:
        assert store.ping()
        assert _RecordingHandler.seen == [expected]
    finally:
        store.close()
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_elastic_from_settings_passes_tls_options(tmp_path: Path) -> None:
    from config.settings import Settings

    ca = tmp_path / "ca.pem"
    ca.write_text("not read until the first TLS connection")
    verified = ElasticMentionStore.from_settings("https://127.0.0.1:9", Settings(es_ca_certs=ca))
    (node,) = verified.client.transport.node_pool.all()
    assert node.config.verify_certs is True and node.config.ca_certs == str(ca)
    verified.close()
    with pytest.warns(Warning, match="insecure"):
        unverified = ElasticMentionStore.from_settings("https://127.0.0.1:9", Settings(es_verify_certs=False))
    (node,) = unverified.client.transport.node_pool.all()
    assert node.config.verify_certs is False
    unverified.close()


@pytest.mark.elasticsearch
def test_elastic_schema_layout(elastic_store: ElasticMentionStore) -> None:
    client = elastic_store.client
    aliases = client.indices.get_alias(name=elastic_store.alias).body
    assert aliases == {elastic_store.first_index: {"aliases": {elastic_store.alias: {"is_write_index": True}}}}
    mapping = client.indices.get_mapping(index=elastic_store.alias).body[elastic_store.first_index]["mappings"]
    assert mapping["dynamic"] == "strict"
    assert mapping["properties"]["extra"]["enabled"] is False
    assert mapping["properties"]["text_seg"]["analyzer"] == "yuqing_seg"
    templates = client.indices.get_index_template(name=elastic_store.template_name).body["index_templates"]
    assert templates[0]["index_template"]["index_patterns"] == [f"{elastic_store.alias}-*"]
    # Kibana users can search the raw Chinese text natively (CJK bigrams).
    write(elastic_store, [mk("kibana", "我要申请退款")])
    raw = client.search(index=elastic_store.alias, query={"match": {"text": "退款"}}).body
    assert raw["hits"]["total"]["value"] == 1


@pytest.mark.elasticsearch
def test_elastic_concurrent_writer_is_not_overwritten(elastic_store: ElasticMentionStore) -> None:
    """Another process writes the same mention between our read and our bulk: we retry, not clobber."""
    theirs = mk("race", "他们的版本", collected=T0 + timedelta(hours=1))
    ours = mk("race", "我们的版本", collected=T0 + timedelta(hours=5))
    plain = ElasticMentionStore(elastic_store.client, index_prefix=elastic_store.index_prefix)

    class Racing(ElasticMentionStore):
        raced = False

        def _existing(self, ids: list[str]) -> dict[str, dict[str, Any]]:
            found = super()._existing(ids)
            if not Racing.raced:
                Racing.raced = True
                plain.upsert([theirs])  # lands after our read, before our write
            return found

    result = Racing(elastic_store.client, index_prefix=elastic_store.index_prefix).upsert([ours])
    elastic_store.refresh()
    assert result.updated == [ours.id] and not result.created and not result.failed
    stored = elastic_store.get(ours.id)
    assert stored is not None
    assert stored.text == "我们的版本"
    assert stored.collected_at == theirs.collected_at  # first seen by the other writer
    assert elastic_store.count(MentionFilter()) == 1


def test_updated_since_finds_what_was_stored_or_changed(mention_store: MentionStore) -> None:
    from datetime import UTC, datetime, timedelta

    from index.base import Mention, mention_id

    t0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

    def mention(post: str, text: str, at: datetime) -> Mention:
        return Mention(
            id=mention_id("news", post),
            platform="news",
            post_id=post,
            source="s",
            text=text,
            published_at=t0 - timedelta(days=3),
            collected_at=at,
            updated_at=at,
            brands=["b"],
        )

    mention_store.upsert([mention("1", "first", t0), mention("2", "second", t0 + timedelta(minutes=5))])
    mention_store.upsert([mention("1", "first, edited", t0 + timedelta(minutes=10))])
    mention_store.refresh()
    newer = MentionFilter(updated_since=t0 + timedelta(minutes=1))
    page = mention_store.search(SearchRequest(filter=newer))
    assert sorted(h.mention.post_id for h in page.hits) == ["1", "2"]
    window = MentionFilter(updated_since=t0 + timedelta(minutes=1), updated_until=t0 + timedelta(minutes=6))
    assert mention_store.count(window) == 1
