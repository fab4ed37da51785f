"""What the competitor view asks of a store, the same on both backends: per-brand label counts and trends over
brands that share posts, the reach-weighted volume (Elasticsearch in one sum aggregation, SQLite in one query,
both equal to the generic page-by-page sum), and the sources and authors that reach furthest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from foundation.vocabulary import SentimentLabel
from index.base import MentionFilter, MentionStore
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
    top = top_by_reach(mention_store, MentionFilter(brands=[A, B], **span), posts=2, authors=3, sources=3)
    assert [(s.source, s.mentions, s.total_reach) for s in top.sources] == [
        ("test-source", 7, 250.0),
        ("weibo-search", 3, 225.0),
    ]
    assert top.authors[0].author == "大V" and top.authors[0].total_reach == 225.0
    assert top.scanned == 10 and not top.sampled
