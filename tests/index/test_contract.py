"""The mention store contract: every test runs against every backend through the ``mention_store`` fixture.

A backend is correct when this file, ``test_contract_paging.py`` and ``test_contract_trend.py`` pass for it.
The tests assert which mentions match, in which order and how many, never exact relevance scores (those
legitimately differ between SQLite's bm25 and Elasticsearch's BM25). What only Elasticsearch has is in
``test_elastic_only.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from foundation.errors import InvalidQuery
from index.base import (
    Mention,
    MentionFilter,
    MentionStore,
    SearchPage,
    SearchRequest,
    WriteResult,
    mention_id,
)
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
