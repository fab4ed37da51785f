"""What the competitor view asks of a store, the same on both backends: per-brand label counts and trends over
brands that share posts, the reach-weighted volume (Elasticsearch in one sum aggregation, SQLite in one query,
both equal to the generic page-by-page sum), and the sources and authors that reach furthest (one aggregation on
Elasticsearch, one grouped query on SQLite, both equal to counting the mentions read page by page)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from foundation.vocabulary import SentimentLabel
from index.base import MentionFilter, MentionStore, SearchRequest
from index.top_reach import top_by_reach
from tests.factories import make_mention

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
A, B = "鲜达外卖", "光屿手机"


def seed(store: MentionStore) -> None:
    mentions = (
        [make_mention(brands=[A], label="negative", published_at=T0 + timedelta(hours=i), reach=40.0) for i in range(4)]
        + [make_mention(brands=[A], label="positive", published_at=T0 + timedelta(hours=30 + i)) for i in range(2)]
        + [make_mention(brands=[A, B], label="neutral", published_at=T0 + timedelta(hours=5), reach=90.0)]
        + [
            make_mention(
                brands=[B],
                label="positive",
                platform="weibo",
                source="weibo-search",
                author="大V",
                published_at=T0 + timedelta(hours=6 + i),
                reach=75.0,
            )
            for i in range(3)
        ]
    )
    store.upsert(mentions)
    store.refresh()


def test_brand_counts_trends_and_reach(mention_store: MentionStore) -> None:
    seed(mention_store)
    span = {"since": T0, "until": T0 + timedelta(days=2)}
    a = mention_store.label_counts(MentionFilter(brands=[A], **span))
    b = mention_store.label_counts(MentionFilter(brands=[B], **span))
    assert (a[SentimentLabel.negative], a[SentimentLabel.positive], a[SentimentLabel.neutral]) == (4, 2, 1)
    assert (b[SentimentLabel.positive], b[SentimentLabel.neutral]) == (3, 1)  # the shared post counts for both
    days = mention_store.trend(MentionFilter(brands=[A], **span), "day", "UTC")
    assert [(d.count, d.negative) for d in days] == [(5, 4), (2, 0)]
    flt = MentionFilter(brands=[B], **span)
    assert mention_store.reach_weighted_count(flt) == pytest.approx(4 + (90 + 3 * 75) / 25)
    assert mention_store.reach_weighted_count(flt) == pytest.approx(
        MentionStore.reach_weighted_count(mention_store, flt)
    )
    assert mention_store.reach_weighted_count(MentionFilter(brands=["nobody"])) == 0
    top = top_by_reach(mention_store, MentionFilter(brands=[A, B], **span), posts=2, authors=3)
    assert top.authors[0].author == "大V" and top.authors[0].total_reach == 225.0
    assert top.scanned == 10 and not top.sampled


def test_reach_groups_in_one_query_equal_the_mentions_counted(mention_store: MentionStore) -> None:
    seed(mention_store)
    span = {"since": T0, "until": T0 + timedelta(days=2)}
    mention_store.upsert(
        [
            # The same name on another platform is another account; followers come from the furthest post.
            make_mention(
                brands=[B],
                platform="tieba",
                source="tieba-search",
                author="大V",
                published_at=T0,
                reach=60.0,
                extra={"followers": 120},
            ),
            make_mention(
                brands=[A], platform="tieba", author="小号", published_at=T0, reach=30.0, extra={"followers": 9}
            ),
            make_mention(
                brands=[A], platform="tieba", author="小号", published_at=T0, reach=10.0, extra={"followers": 99}
            ),
            # As far as the reach-30 post: the smaller id's follower count is the one shown.
            make_mention(
                brands=[A], platform="tieba", author="小号", published_at=T0, reach=30.0, extra={"followers": 50}
            ),
            make_mention(brands=[A], platform="tieba", author="无影响", published_at=T0),  # no reach: not an author row
            make_mention(brands=[A], author="", published_at=T0, reach=99.0),  # no author: a source's reach only
            make_mention(brands=["别家"], author="别家大V", published_at=T0, reach=100.0),  # another brand's
            make_mention(brands=[A], author="早了", published_at=T0 - timedelta(days=1), reach=100.0),  # before
        ]
    )
    mention_store.refresh()
    flt = MentionFilter(brands=[A, B], **span)
    tied = [m for m in mention_store.search(SearchRequest(filter=flt, limit=50)).hits if m.mention.reach == 30.0]
    tie = min(tied, key=lambda hit: hit.mention.id).mention.extra["followers"]
    groups = mention_store.reach_groups(flt, sources=5, authors=5)
    assert groups == MentionStore.reach_groups(mention_store, flt, sources=5, authors=5)
    assert groups.total == 16  # the post naming both brands once
    assert [(s.platform, s.name, s.mentions, s.total_reach, s.max_reach) for s in groups.sources] == [
        ("news", "test-source", 8, 349.0, 99.0),
        ("weibo", "weibo-search", 3, 225.0, 75.0),
        ("tieba", "test-source", 4, 70.0, 30.0),
        ("tieba", "tieba-search", 1, 60.0, 60.0),
    ]
    assert [(a.platform, a.name, a.mentions, a.total_reach, a.followers) for a in groups.authors] == [
        ("weibo", "大V", 3, 225.0, None),
        ("tieba", "小号", 3, 70.0, tie),
        ("tieba", "大V", 1, 60.0, 120),
    ]
    # One brand of a larger range (SQLite reads its rows instead of the range's index entries): the same answer.
    only_b = MentionFilter(brands=[B], **span)
    assert mention_store.reach_groups(only_b) == MentionStore.reach_groups(mention_store, only_b)
    assert mention_store.reach_groups(only_b, sources=1, authors=1).authors[0].mentions == 3
    only_tieba = mention_store.reach_groups(MentionFilter(brands=[A, B], platforms=["tieba"], **span))
    assert {a.platform for a in only_tieba.authors} == {"tieba"} and only_tieba.total == 5
    assert mention_store.reach_groups(MentionFilter(brands=["nobody"])) == MentionStore.reach_groups(
        mention_store, MentionFilter(brands=["nobody"])
    )
