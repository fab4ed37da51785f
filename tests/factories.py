"""Small builders for test data."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from index.base import Mention, mention_id
from sentiment.base import SentimentLabel

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
_seq = itertools.count(1)


def make_mention(
    text: str = "鲜达外卖配送很慢",
    *,
    platform: str = "news",
    post_id: str | None = None,
    brands: list[str] | None = None,
    label: SentimentLabel | str = SentimentLabel.neutral,
    score: float | None = 0.5,
    published_at: datetime | None = None,
    ago: timedelta | None = None,
    **extra: Any,
) -> Mention:
    """A valid mention; every argument can be overridden."""
    post_id = post_id or f"p{next(_seq)}"
    label = SentimentLabel(label)
    if label is SentimentLabel.unscored:
        score = None
    published = published_at or (NOW - (ago or timedelta(hours=1)))
    return Mention(
        id=mention_id(platform, post_id),
        platform=platform,
        post_id=post_id,
        source=extra.pop("source", "test-source"),
        text=text,
        published_at=published,
        collected_at=extra.pop("collected_at", NOW),
        updated_at=extra.pop("updated_at", NOW),
        brands=brands if brands is not None else ["鲜达外卖"],
        sentiment_label=label,
        sentiment_score=score,
        language=extra.pop("language", "zh"),
        **extra,
    )


BRANDS_YAML = """
brands:
  - name: 鲜达外卖
    keywords: [鲜达, XianDa]
    exclude: [鲜达路]
  - name: 光屿手机
    keywords: [光屿, Lumi]
"""
