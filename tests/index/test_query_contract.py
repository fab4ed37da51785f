"""The search language on every backend: the same queries find the same mentions on SQLite and Elasticsearch.

Every test runs once per backend (the ``mention_store`` fixture) against the expected post ids, so both
backends agree with each other by agreeing with the expectation. Dates without a zone are read in Shanghai
time, as the API reads them with the config's zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from foundation.errors import InvalidQuery
from foundation.timeutil import utcnow
from index.base import (
    FACET_FIELDS,
    FacetCount,
    Mention,
    MentionFilter,
    MentionStore,
    SearchRequest,
    SortOrder,
)
from sentiment.base import SentimentLabel
from tests.index.test_contract import mk, post_ids, walk, write

NEG, NEU, POS, UNSCORED = (
    SentimentLabel.negative,
    SentimentLabel.neutral,
    SentimentLabel.positive,
    SentimentLabel.unscored,
)
T = datetime(2026, 11, 5, 4, 0, tzinfo=UTC)  # 12:00 on 5 November in Shanghai
SHANGHAI = "Asia/Shanghai"
XD, GY = "鲜达外卖", "光屿手机"


def corpus_mentions() -> list[Mention]:
    d, h = timedelta(days=1), timedelta(hours=1)
    return [
        mk(
            "refund",
            "我要申请退款，客服一直不回复",
            brands=[XD],
            label=NEG,
            score=0.1,
            category="process",
            author="张三",
            published=T,
        ),
        mk(
            "quality",
            "产品质量太差，申请退款三次都没有结果",
            brands=[XD],
            label=NEG,
            score=0.05,
            category="product_quality",
            author="李四",
            published=T - d,
        ),
        mk(
            "slow",
            "质量很好，就是退款慢",
            platform="dianping",
            source="dianping-reviews",
            brands=[XD],
            label=NEU,
            score=0.45,
            rating=3.0,
            category="process",
            published=T - 2 * d,
        ),
        mk(
            "rider",
            "配送太慢，骑手态度差",
            title="差评",
            platform="dianping",
            source="dianping-reviews",
            brands=[XD, GY],
            label=NEG,
            score=0.2,
            rating=1.0,
            category="logistics",
            published=T - 6 * d,
        ),
        # 00:00 on 1 November in Shanghai: the first instant of date:2026-11-01.
        mk(
            "titled",
            "流程太复杂",
            title="退款",
            platform="heimao",
            source="heimao-complaints",
            brands=[XD],
            label=NEG,
            score=0.3,
            rating=2.0,
            category="process",
            published=datetime(2026, 10, 31, 16, tzinfo=UTC),
        ),
        mk(
            "battery",
            "Battery drains fast, refund please",
            platform="reddit",
            source="reddit-search",
            brands=[GY],
            language="en",
            label=NEG,
            score=0.2,
            rating=2.0,
            category="product_quality",
            author="lumi_fan",
            published=T - 3 * h,
        ),
        mk(
            "refunded",
            "They refunded me quickly, great service",
            platform="reddit",
            source="reddit-search",
            brands=[GY],
            language="en",
            label=POS,
            score=0.9,
            rating=5.0,
            published=T - 4 * h,
        ),
        mk(
            "near1",
            "quality x refund",
            platform="reddit",
            source="reddit-search",
            brands=[GY],
            language="en",
            published=T - 5 * h,
        ),
        mk(
            "near6",
            "refund a b c d e f quality",
            platform="reddit",
            source="reddit-search",
            brands=[GY],
            language="en",
            published=T - 6 * h,
        ),
        # The last millisecond of 7 November in Shanghai, and the first of the 8th.
        mk(
            "phone",
            "光屿手机电池漏液了，要求退货",
            brands=[GY],
            label=NEG,
            score=0.15,
            category="product_quality",
            published=datetime(2026, 11, 7, 15, 59, 59, 999000, tzinfo=UTC),
        ),
        mk("late", "鲜达外卖好吃", brands=[XD], label=POS, score=0.95, published=datetime(2026, 11, 7, 16, tzinfo=UTC)),
    ]


ALL = {m.post_id for m in corpus_mentions()}


@pytest.fixture
def corpus(mention_store: MentionStore) -> MentionStore:
    write(mention_store, corpus_mentions())
    return mention_store


def found(store: MentionStore, query: str, **conditions: Any) -> set[str]:
    """Post ids a query finds, checked against count() so both agree."""
    flt = MentionFilter(query=query, query_tz=SHANGHAI, **conditions)
    page = store.search(SearchRequest(filter=flt, limit=100))
    assert page.next_cursor is None
    ids = post_ids(page)
    assert len(ids) == len(set(ids)) == page.total == store.count(flt)
    return set(ids)


CASES: list[tuple[str, set[str]]] = [
    # words, Chinese and English, implicit AND
    ("退款", {"refund", "quality", "slow", "titled"}),
    ("退款 客服", {"refund"}),
    ("退款 AND 客服", {"refund"}),
    ("退款 && 客服", {"refund"}),
    ("REFUND", {"battery", "near1", "near6"}),
    ("refund please", {"battery"}),
    ("and", set()),  # lower-case operators are words
    # OR, NOT, precedence
    ("客服 OR 骑手", {"refund", "rider"}),
    ("客服 || 骑手", {"refund", "rider"}),
    ("退款 -客服", {"quality", "slow", "titled"}),
    ("退款 NOT 客服", {"quality", "slow", "titled"}),
    ("NOT 客服 退款", {"quality", "slow", "titled"}),
    ("客服 OR 骑手 态度", {"refund", "rider"}),
    ("(客服 OR 骑手) 差", {"rider"}),
    ("退款 OR refund -客服 -please", {"refund", "quality", "slow", "titled", "near1", "near6"}),
    ("NOT (退款 OR refund)", ALL - {"refund", "quality", "slow", "titled", "battery", "near1", "near6"}),
    # pure negatives
    ("-退款", ALL - {"refund", "quality", "slow", "titled"}),
    ("NOT 退款 AND NOT refund", {"rider", "refunded", "phone", "late"}),
    ("-退款 OR 客服", ALL - {"quality", "slow", "titled"}),
    # phrases; a Chinese word is the phrase of its tokens
    ('"申请 退款"', {"refund", "quality"}),
    ("申请退款", {"refund", "quality"}),
    ('"退款 申请"', set()),
    ("退款申请", set()),
    ("产品质量", {"quality"}),
    ("质量", {"quality", "slow"}),  # a sub-word of 产品质量 counts
    ('"refund please"', {"battery"}),
    ('"please refund"', set()),
    # proximity: tokens in between, any order, one field
    ("quality NEAR/0 refund", set()),
    ("quality NEAR/1 refund", {"near1"}),
    ("refund NEAR/5 quality", {"near1"}),
    ("quality NEAR/6 refund", {"near1", "near6"}),
    ("quality NEAR refund", {"near1", "near6"}),  # NEAR alone is NEAR/10
    ('"quality refund"~0', set()),
    ('"quality refund"~1', {"near1"}),
    ('"refund a quality"~5', {"near6"}),  # three tokens: 5 others in the window
    ('"refund a quality"~4', set()),
    ("refund NEAR/5 a NEAR/5 quality", {"near6"}),
    ("质量 NEAR/3 退款", {"slow"}),
    ("质量 NEAR/2 退款", set()),
    ('"质量 退款"~3', {"slow"}),
    ("质量 NEAR/3 退款 OR 骑手", {"slow", "rider"}),
    # prefixes
    ("refun*", {"battery", "refunded", "near1", "near6"}),
    ("refund", {"battery", "near1", "near6"}),
    ("退*", {"refund", "quality", "slow", "titled", "phone"}),
    ("refun* -refund", {"refunded"}),
    # title: and text:
    ("title:退款", {"titled"}),
    ("text:退款", {"refund", "quality", "slow"}),
    ("title:差评", {"rider"}),
    ("text:差评", set()),
    ("title:(退款 OR 差评)", {"titled", "rider"}),
    ('text:"申请 退款"', {"refund", "quality"}),
    # field filters
    ("platform:weibo", {"refund", "quality", "phone", "late"}),
    ("platform:WEIBO", {"refund", "quality", "phone", "late"}),
    ("platform:(reddit OR dianping) -lang:en", {"slow", "rider"}),
    (f"brand:{GY}", {"rider", "battery", "refunded", "near1", "near6", "phone"}),
    (f'brand:"{XD}" brand:{GY}', {"rider"}),
    ("lang:en", {"battery", "refunded", "near1", "near6"}),
    ("author:张三", {"refund"}),
    ('author:"张三"', {"refund"}),
    ("author:lumi_fan", {"battery"}),
    ("-author:张三", ALL - {"refund"}),  # mentions without an author are not 张三
    ("source:dianping-reviews", {"slow", "rider"}),
    ("sentiment:negative", {"refund", "quality", "rider", "titled", "battery", "phone"}),
    ("sentiment:unscored", {"near1", "near6"}),
    ("sentiment:<0.2", {"refund", "quality", "phone"}),
    ("sentiment:<=0.2", {"refund", "quality", "phone", "rider", "battery"}),
    ("sentiment:[0.2 TO 0.45]", {"rider", "battery", "titled", "slow"}),
    ("sentiment:{0.2 TO 0.45}", {"titled"}),
    ("sentiment:>0.9", {"late"}),
    ("-sentiment:<0.5", {"refunded", "late", "near1", "near6"}),  # unscored ones have no score below 0.5
    ("rating:[1 TO 2]", {"rider", "titled", "battery"}),
    ("rating:<=2", {"rider", "titled", "battery"}),
    ("rating:>2", {"slow", "refunded"}),
    ("rating:3", {"slow"}),
    ("-rating:<=2", ALL - {"rider", "titled", "battery"}),
    ("category:logistics", {"rider"}),
    ("category:process", {"refund", "slow", "titled"}),
    ("-category:process", ALL - {"refund", "slow", "titled"}),
    # dates, in Shanghai time: days are whole local days
    ("date:[2026-11-01 TO 2026-11-07]", ALL - {"rider", "late"}),
    ("date:{2026-11-01 TO 2026-11-07}", ALL - {"rider", "late", "titled", "phone"}),
    ("date:>=2026-11-01", ALL - {"rider"}),
    ("date:<2026-11-01", {"rider"}),
    ("date:<=2026-10-31", {"rider"}),
    ("date:>2026-11-07", {"late"}),
    ("date:2026-11-01", {"titled"}),
    ("date:>=2026-11-07T23:59:59", {"phone", "late"}),
    ("date:<2026-11-07T16:00:00Z", ALL - {"late"}),
    ("date:[2026-11-05T11:00 TO 2026-11-05T12:00]", {"refund"}),
    # everything together
    (
        f"platform:weibo OR (brand:{GY} AND NOT 退货)",
        {"refund", "quality", "phone", "late", "rider", "battery", "refunded", "near1", "near6"},
    ),
    ("退款 platform:dianping", {"slow"}),
    ("(退款 OR refund) lang:en", {"battery", "near1", "near6"}),
    ("sentiment:negative -platform:weibo rating:<=1", {"rider"}),
    ("退款 OR rating:5", {"refund", "quality", "slow", "titled", "refunded"}),
    ("-(退款 OR platform:reddit) date:>=2026-11-01", {"phone", "late"}),
    ("退款 ，", {"refund", "quality", "slow", "titled"}),  # punctuation alone is dropped
]


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_query_language(corpus: MentionStore, query: str, expected: set[str]) -> None:
    assert found(corpus, query) == expected


def test_query_combines_with_structured_filters_and_words(corpus: MentionStore) -> None:
    assert found(corpus, "退款 OR refund", brands=[XD], platforms=["weibo"]) == {"refund", "quality"}
    assert found(corpus, "-退款", languages=["zh"]) == {"rider", "phone", "late"}
    assert found(corpus, "platform:reddit", text="refund") == {"battery", "near1", "near6"}
    assert found(corpus, "sentiment:negative", labels=[POS]) == set()
    since, until = datetime(2026, 11, 5, tzinfo=UTC), datetime(2026, 11, 6, tzinfo=UTC)
    assert found(corpus, "lang:en", since=since, until=until) == {"battery", "refunded"}


def test_dates_are_read_in_the_query_time_zone(corpus: MentionStore) -> None:
    utc_day = MentionFilter(query="date:2026-10-31", query_tz="UTC")
    assert {h.mention.post_id for h in corpus.search(SearchRequest(filter=utc_day)).hits} == {"titled"}
    assert corpus.count(MentionFilter(query="date:2026-10-31", query_tz=SHANGHAI)) == 0


def test_relative_dates_count_back_from_now(mention_store: MentionStore) -> None:
    now = utcnow()
    write(
        mention_store,
        [
            mk("hour", published=now - timedelta(hours=1)),
            mk("days", published=now - timedelta(days=3)),
            mk("weeks", published=now - timedelta(days=10)),
        ],
    )
    assert found(mention_store, "date:>now-7d") == {"hour", "days"}
    assert found(mention_store, "date:>=now-2h") == {"hour"}
    assert found(mention_store, "date:<now-1w") == {"weeks"}
    assert found(mention_store, "date:[now-4d TO now-2d]") == {"days"}
    assert found(mention_store, "date:<=now") == {"hour", "days", "weeks"}


def test_search_counts_labels_and_trend_apply_the_query(corpus: MentionStore) -> None:
    flt = MentionFilter(query="lang:en OR 漏液", query_tz=SHANGHAI)
    assert corpus.count(flt) == 5
    assert corpus.label_counts(flt) == {NEG: 2, NEU: 0, POS: 1, UNSCORED: 2}
    day = MentionFilter(query="lang:en", since=datetime(2026, 11, 4, 16, tzinfo=UTC), until=T + timedelta(hours=1))
    assert [(b.count, b.negative) for b in corpus.trend(day, "hour", SHANGHAI)][-8:] == [
        (0, 0),
        (1, 0),  # near6 at 22:00 UTC
        (1, 0),
        (1, 0),
        (1, 1),  # battery, negative
        (0, 0),
        (0, 0),
        (0, 0),
    ]


def test_relevance_ranks_by_the_positive_words(corpus: MentionStore) -> None:
    request = SearchRequest(filter=MentionFilter(query="退款 -客服"), sort=SortOrder.relevance)
    page = corpus.search(request)
    assert post_ids(page)[0] == "titled"  # the word in the title counts most
    assert set(post_ids(page)) == {"quality", "slow", "titled"}
    assert all(isinstance(hit.score, float) for hit in page.hits)
    # Field conditions only: nothing to rank by, newest first.
    fields_only = corpus.search(SearchRequest(filter=MentionFilter(query="lang:en"), sort=SortOrder.relevance))
    assert post_ids(fields_only) == ["battery", "refunded", "near1", "near6"]
    assert all(hit.score is None for hit in fields_only.hits)
    # A field condition in an OR ranks after the word matches.
    mixed = corpus.search(SearchRequest(filter=MentionFilter(query="骑手 OR rating:5"), sort=SortOrder.relevance))
    assert post_ids(mixed) == ["rider", "refunded"]


@pytest.mark.parametrize("sort", [SortOrder.time, SortOrder.relevance])
def test_cursor_paging_with_a_query(corpus: MentionStore, sort: SortOrder) -> None:
    request = SearchRequest(filter=MentionFilter(query="退款 OR refun* OR platform:weibo"), sort=sort, limit=3)
    pages = walk(corpus, request)
    seen = [hit.mention.post_id for page in pages for hit in page.hits]
    expected = {"refund", "quality", "slow", "titled", "battery", "refunded", "near1", "near6", "phone", "late"}
    assert len(seen) == len(set(seen)) == len(expected) and set(seen) == expected
    assert all(page.total == len(expected) for page in pages)


def test_highlights_mark_the_positive_words_only(corpus: MentionStore) -> None:
    page = corpus.search(SearchRequest(filter=MentionFilter(query="refun* -please")))
    marks = {hit.mention.post_id: hit.highlights.get("text") for hit in page.hits}
    assert marks["refunded"] == "They <mark>refunded</mark> me quickly, great service"
    assert marks["near1"] == "quality x <mark>refund</mark>"
    titled = corpus.search(SearchRequest(filter=MentionFilter(query="title:退款 OR 复杂 -客服")))
    (hit,) = titled.hits
    assert hit.highlights == {"title": "<mark>退款</mark>", "text": "流程太<mark>复杂</mark>"}
    phrase = corpus.search(SearchRequest(filter=MentionFilter(query='"申请 退款" platform:weibo -产品质量')))
    (hit,) = phrase.hits
    assert hit.highlights["text"] == "我要<mark>申请</mark><mark>退款</mark>，客服一直不回复"


@pytest.mark.parametrize(
    "query",
    [
        "退款 AND",
        "(退款",
        '"退款',
        "*款",
        "/退.*/",
        "foo:bar",
        "sentiment:happy",
        "，。",
        "refun-d*",
        "a*",
        "title:x NEAR text:y",
    ],
)
def test_bad_queries_are_invalid_on_every_call(corpus: MentionStore, query: str) -> None:
    flt = MentionFilter(query=query, since=T - timedelta(days=1), until=T)
    for call in (
        lambda: corpus.search(SearchRequest(filter=flt)),
        lambda: corpus.count(flt),
        lambda: corpus.label_counts(flt),
        lambda: corpus.trend(flt, "hour"),
        lambda: corpus.facets(flt),
    ):
        with pytest.raises(InvalidQuery):
            call()


# -- facets -----------------------------------------------------------------------------------------------


def counts(pairs: list[FacetCount]) -> list[tuple[str, int]]:
    return [(c.value, c.count) for c in pairs]


def test_facets_count_each_field(corpus: MentionStore) -> None:
    result = corpus.facets(MentionFilter(), size=10)
    assert result.total == 11
    assert set(result.facets) == set(FACET_FIELDS)
    assert counts(result.facets["platform"]) == [("reddit", 4), ("weibo", 4), ("dianping", 2), ("heimao", 1)]
    assert counts(result.facets["brand"]) == [(GY, 6), (XD, 6)]  # rider counts for both
    assert counts(result.facets["sentiment"]) == [("negative", 6), ("positive", 2), ("unscored", 2), ("neutral", 1)]
    assert counts(result.facets["category"]) == [("process", 3), ("product_quality", 3), ("logistics", 1)]
    assert counts(result.facets["language"]) == [("zh", 7), ("en", 4)]
    assert result.sample == []


def test_facets_follow_the_filter_and_size(corpus: MentionStore) -> None:
    flt = MentionFilter(query="退款 OR refund", brands=[XD])
    result = corpus.facets(flt, size=1)
    assert result.total == 4
    assert counts(result.facets["platform"]) == [("weibo", 2)]
    assert counts(result.facets["category"]) == [("process", 3)]
    assert counts(result.facets["brand"]) == [(XD, 4)]
    nothing = corpus.facets(MentionFilter(query="手表"), size=5)
    assert nothing.total == 0 and all(values == [] for values in nothing.facets.values())
    only_total = corpus.facets(MentionFilter(platforms=["weibo"]), size=0)
    assert only_total.total == 4 and all(values == [] for values in only_total.facets.values())


def test_facets_sample_the_newest_tokens(corpus: MentionStore) -> None:
    result = corpus.facets(MentionFilter(query="platform:weibo OR title:差评"), size=0, sample=3)
    assert result.total == 5
    assert result.sample == [
        ["鲜达", "外卖", "好吃"],  # late, the newest
        ["光屿", "手机电池", "漏液", "了", "要求", "退货"],  # phone
        ["我要", "申请", "退款", "客服", "一直", "不", "回复"],  # refund
    ]
    titled = corpus.facets(MentionFilter(query="title:差评"), size=0, sample=10)
    assert titled.sample == [["差评", "配送", "太慢", "骑手", "态度", "差"]]  # the title's tokens first


@pytest.mark.parametrize(("size", "sample"), [(-1, 0), (101, 0), (0, -1), (0, 5001)])
def test_facet_limits(corpus: MentionStore, size: int, sample: int) -> None:
    with pytest.raises(InvalidQuery):
        corpus.facets(MentionFilter(), size=size, sample=sample)


def test_category_round_trips_and_is_checked(mention_store: MentionStore) -> None:
    tagged = mk("c1", "配送太慢", category="logistics")
    untagged = mk("c2", "普通")
    write(mention_store, [tagged, untagged])
    assert mention_store.get(tagged.id) == tagged
    stored = mention_store.get(untagged.id)
    assert stored is not None and stored.category is None
    with pytest.raises(ValueError, match="unknown category"):
        mk("c3", category="nonsense")
