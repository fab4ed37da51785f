"""Posts without a believable date: dated when collected, flagged, and left out of volume baselines.

200 undated posts crawled at once (a forum that shows no dates, a feed without pubDate) all carry the crawl
time; counted as volume they are a burst that never happened. The texts are real reviews from
``../shared/data/sentiment/waimai_10k_test.csv`` with the test brand's name in front.
"""

from __future__ import annotations

import csv
import html
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from alerts.rules.base import EvaluationContext
from alerts.rules.volume_spike import VolumeSpikeConfig, VolumeSpikeRule
from crawlers.items import MentionItem
from index.base import Mention, MentionFilter, mention_id
from index.sqlite import SQLiteMentionStore
from tests.conftest import unavailable


def _reviews(shared_dir: Path, n: int) -> list[str]:
    path = shared_dir / "data" / "sentiment" / "waimai_10k_test.csv"
    if not path.exists():
        unavailable(f"{path} is absent (the shared corpora are not mounted)")
    with path.open(encoding="utf-8") as fh:
        texts = list(dict.fromkeys(row["text"].strip() for row in csv.DictReader(fh) if row["text"].strip()))
    return texts[:n]


def _feed(entries: list[tuple[str, str, datetime | None]]) -> str:
    items = []
    for guid, text, when in entries:
        date = f"<pubDate>{format_datetime(when)}</pubDate>" if when else ""
        items.append(
            f'<item><title>帖子</title><guid isPermaLink="false">{guid}</guid>{date}'
            f"<description>{html.escape(text)}</description></item>"
        )
    channel = f"<channel><title>论坛</title>{''.join(items)}</channel>"
    return f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0">{channel}</rss>'


def _source(name: str, platform: str, url: str) -> str:
    return f"""
- name: {name}
  type: feed
  platform: {platform}
  urls: ["{url}"]
  backfill: 30d
"""


SPIKE = VolumeSpikeConfig.model_validate(
    {
        "name": "spike",
        "type": "volume_spike",
        "brands": ["xianda"],
        "window": "1h",
        "baseline_days": 14,
        "sensitivity": 3,
        "min_count": 20,
        "min_ratio": 2,
    }
)


def _spike_fires(store: SQLiteMentionStore, now: datetime) -> tuple[bool, int]:
    observations = VolumeSpikeRule(SPIKE).evaluate(EvaluationContext(store=store, now=now, brands=["xianda"]))
    [obs] = observations
    return obs.firing, int(obs.numbers["count"])


@pytest.mark.slow
def test_200_undated_posts_raise_no_spike_where_200_dated_ones_do(
    server, crawl_config, crawl, tmp_path: Path, shared_dir: Path
):
    texts = [f"先达外卖：{t}" for t in _reviews(shared_dir, 600)]
    now = datetime.now(UTC)
    store = SQLiteMentionStore(f"sqlite:///{(tmp_path / 'mentions.sqlite3').as_posix()}")
    store.ensure_schema()
    # Two weeks of ordinary volume at this hour: 4 dated posts each day.
    history = [
        Mention(
            id=mention_id("bbs", f"h{day}-{k}"),
            platform="bbs",
            post_id=f"h{day}-{k}",
            source="history",
            text=texts[400 + day * 4 + k],
            published_at=now - timedelta(days=day, minutes=20 + k),
            collected_at=now - timedelta(days=day),
            updated_at=now - timedelta(days=day),
            brands=["xianda"],
        )
        for day in range(1, 15)
        for k in range(4)
    ]
    store.upsert(history)
    undated = [(f"u{i}", texts[i], None) for i in range(200)]
    # Spread over the half hour before the last complete bucket: the default rule confirms a spike on two
    # consecutive bucket ends (alerts.rules.volume_spike: confirm_buckets), as a real burst would show.
    dated = [(f"d{i}", texts[200 + i], now - timedelta(minutes=5 + i % 30)) for i in range(200)]
    server.route("/robots.txt", server.Reply(body="User-agent: *\nAllow: /\n", content_type="text/plain"))
    server.route("/undated.xml", server.Reply(body=_feed(undated), content_type="application/rss+xml"))
    server.route("/dated.xml", server.Reply(body=_feed(dated), content_type="application/rss+xml"))
    path, _ = crawl_config(
        _source("undated", "forum-a", server.url("/undated.xml"))
        + _source("dated", "forum-b", server.url("/dated.xml"))
    )

    report = crawl(path, "undated").report
    assert report["created"] == 200, report
    store.refresh()
    assert store.count(MentionFilter(platforms=["forum-a"])) == 200
    assert store.count(MentionFilter(platforms=["forum-a"], dated_only=True)) == 0
    stored = store.get(mention_id("forum-a", "u0"))
    assert stored is not None and stored.date_estimated
    assert abs(stored.published_at - stored.collected_at) < timedelta(seconds=1)
    firing, current = _spike_fires(store, datetime.now(UTC))
    assert not firing and current == 0, "undated posts are not volume"

    report = crawl(path, "dated").report
    assert report["created"] == 200, report
    firing, current = _spike_fires(store, datetime.now(UTC))
    store.close()
    assert firing and current == 200, ("the same number of dated posts is a spike", firing, current)


def test_far_future_and_far_past_dates_are_clamped_and_flagged():
    now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)

    def item(published: datetime | None) -> MentionItem:
        return MentionItem(platform="bbs", post_id="x", source="s", text="先达", published_at=published)

    future = item(now + timedelta(days=400)).to_mention(now)
    past = item(datetime(1970, 1, 1, tzinfo=UTC)).to_mention(now)
    fine = item(now - timedelta(hours=3)).to_mention(now)
    slightly_ahead = item(now + timedelta(hours=8)).to_mention(now)  # a zone slip: believed
    for clamped in (future, past):
        assert clamped.date_estimated and clamped.published_at == now
        assert "published_at_given" in clamped.extra
    assert not fine.date_estimated and fine.published_at == now - timedelta(hours=3)
    assert not slightly_ahead.date_estimated
