"""The influential-negative-post rule: each threshold on its own (reach, followers, verified, growth between two
crawls), the config, and a backtest replaying the shared captures as a sequence of crawls into a real store."""

from __future__ import annotations

import glob
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from alerts.backtest import replay
from alerts.rules.base import EvaluationContext
from alerts.rules.influential import InfluentialNegativeConfig, InfluentialNegativeRule, growth
from config.loader import parse_config
from crawlers.items import MentionItem
from crawlers.platforms import get_platform
from index.base import Mention, MentionStore
from index.reach import carry_reach
from index.sqlite import SQLiteMentionStore
from sentiment import SentimentService
from sentiment.base import SentimentLabel
from tests.factories import BRANDS_YAML

BRAND = "鲜达外卖"
NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = SQLiteMentionStore.at(tmp_path / "m.sqlite3")
    s.ensure_schema()
    yield s
    s.close()


def rule(**options: Any) -> InfluentialNegativeRule:
    return InfluentialNegativeRule(InfluentialNegativeConfig(name="infl", type="influential_negative", **options))


def mention(post_id: str, *, label: str = "negative", likes: int = 0, at: datetime = NOW, **extra: Any) -> Mention:
    item = MentionItem(
        platform="weibo",
        post_id=post_id,
        text="鲜达外卖吃出虫子了",
        author="someone",
        likes=likes,
        comments=0,
        reposts=0,
        published_at=at - timedelta(hours=1),
        brands=[BRAND],
        sentiment_label=label,
        sentiment_score=0.05 if label == "negative" else 0.9,
        extra=extra,
    )
    return item.to_mention(at)


def fired(store: MentionStore, r: InfluentialNegativeRule) -> dict[str, list[str]]:
    """What fires at an evaluation a minute after the last crawl (NOW), looking back half an hour."""
    at = NOW + timedelta(minutes=1)
    ctx = EvaluationContext(store=store, now=at, brands=[BRAND], since=at - timedelta(minutes=30))
    return {obs.key: obs.numbers["why"] for obs in r.evaluate(ctx) if obs.firing}


def test_reach_threshold(store: MentionStore) -> None:
    small, big, happy = mention("a", likes=50), mention("b", likes=200_000), mention("c", label="positive", likes=10**6)
    store.upsert([small, big, happy])
    assert small.reach is not None and big.reach is not None and small.reach < 60 <= big.reach
    assert fired(store, rule()) == {big.id: ["reach"]}  # the positive viral post is not a complaint
    assert fired(store, rule(min_reach=small.reach)).keys() == {small.id, big.id}


def test_followers_and_verified(store: MentionStore) -> None:
    crowd = mention("f", followers=2_000_000)  # reach: a 2M account scores high on its own
    few = mention("g", followers=500)
    badge = mention("v", verified=True)
    store.upsert([crowd, few, badge])
    assert fired(store, rule(min_reach=100)) == {crowd.id: ["followers"], badge.id: ["verified"]}
    assert fired(store, rule(min_reach=100, verified_authors=False, min_followers=None)) == {}
    assert fired(store, rule()) == {crowd.id: ["reach", "followers"], badge.id: ["reach", "verified"]}


def test_growth_between_two_crawls(store: MentionStore) -> None:
    before = mention("x", likes=20, at=NOW - timedelta(hours=1))
    store.upsert([before])
    after = carry_reach(mention("x", likes=5_000), store.get(before.id))
    store.upsert([after])
    rise, over = growth(after) or (0.0, timedelta(0))
    assert rise >= 15 and over == timedelta(hours=1)
    assert fired(store, rule(min_reach=100)) == {after.id: ["growth"]}
    assert fired(store, rule(min_reach=100, min_growth=rise + 1)) == {}
    assert fired(store, rule(min_reach=100, growth_within=timedelta(minutes=30))) == {}  # too slow to count


def test_max_score_counts_very_low_scores(store: MentionStore) -> None:
    neutral = mention("n", label="neutral", likes=200_000)
    neutral = Mention.model_validate({**neutral.model_dump(), "sentiment_score": 0.2, "content_hash": ""})
    store.upsert([neutral])
    assert fired(store, rule()) == {}
    assert fired(store, rule(max_score=0.25)) == {neutral.id: ["reach"]}


def test_config_from_yaml() -> None:
    config = parse_config(
        BRANDS_YAML
        + "alerts:\n  rules:\n    - {name: big, type: influential_negative, min_reach: 70, growth_within: 2h}\n"
    )
    [cfg] = [r for r in config.alerts.rules if r.name == "big"]
    assert isinstance(cfg, InfluentialNegativeConfig)
    assert (cfg.min_reach, cfg.growth_within, cfg.min_followers) == (70, timedelta(hours=2), 100_000)
    with pytest.raises(Exception, match="min_reach"):
        parse_config(BRANDS_YAML + "alerts:\n  rules:\n    - {name: b, type: influential_negative, min_reach: 300}\n")


# -- backtest over replayed captures ---------------------------------------------------------------------------
CAPTURES = [
    ("weibo", "fixtures/weibo/*.json"),
    ("xiaohongshu", "fixtures/xiaohongshu/*.json"),
    ("douyin", "fixtures/douyin/*.json"),
    ("bilibili", "fixtures/bilibili/*.json"),
    ("taobao", "fixtures/taobao/*.json"),
]
GROWN = "7603240440196432699"  # a captured Douyin comment: "我知道了，因为看到这张相后，你会更加伤心"


def crawls(shared: Path) -> list[tuple[datetime, list[MentionItem]]]:
    """One crawl an hour, one platform's captures each, then the Douyin comment page once more with one
    comment's likes and replies grown a thousandfold (the only constructed step: no two real captures of one post
    an hour apart exist)."""
    sequence = []
    for hour, (platform, pattern) in enumerate(CAPTURES):
        items = [
            item
            for path in sorted(glob.glob(str(shared / pattern)))
            for item in get_platform(platform).parse_any(Path(path).read_bytes(), now=NOW).items
        ]
        sequence.append((NOW + timedelta(hours=hour), items))
    body = (shared / "fixtures/douyin/tikhub_wrapped_web_comment_list_aweme_7565738211130035491.json").read_bytes()
    again = get_platform("douyin").parse_any(body, now=NOW).items
    for item in again:
        if item.post_id == GROWN:
            item.likes, item.comments = 12_000, 800
    sequence.append((NOW + timedelta(hours=len(CAPTURES)), again))
    return sequence


def test_backtest_over_replayed_captures(shared_dir: Path, store: MentionStore) -> None:
    service = SentimentService.from_names(["default"])
    r = rule()
    moments = []
    for at, items in crawls(shared_dir):
        stored = {m.id: m for m in store.get_many([i.id for i in items])}
        batch = []
        for item in items:
            result = service.analyze(item.text, "zh")
            item.brands, item.sentiment_label, item.sentiment_score = [BRAND], result.label.value, result.score
            batch.append(carry_reach(item.to_mention(at), stored.get(item.id)))
        store.upsert(batch)
        moments.append(at + timedelta(minutes=5))
    events = replay(r, store, moments, [BRAND])
    fired_at = {e.key: (e.at, e.numbers["why"]) for e in events if e.kind == "fired"}
    assert len(fired_at) == len(events)  # each post fires once, even when re-crawled

    everything = store.get_many(list(fired_at))
    for m in everything:  # every alert is a negative post with a reason the thresholds give
        assert m.sentiment_label == SentimentLabel.negative and r.reasons(m) == fired_at[m.id][1]
    grown_id = next(m.id for m in store.get_many([i.id for i in crawls(shared_dir)[-1][1]]) if m.post_id == GROWN)
    # It fires on the crawl where it grew, not before, and on growth alone: its reach is still under min_reach.
    assert fired_at[grown_id] == (moments[-1], ["growth"])
    reasons = Counter(w for _, why in fired_at.values() for w in why)
    assert reasons["growth"] == 1 and reasons["reach"] >= 1


# -- through the engine ------------------------------------------------------------------------------------------
def test_engine_opens_one_ticket_per_influential_post(resources: Any) -> None:
    import asyncio

    from alerts.client import TicketClient
    from alerts.engine import AlertEngine
    from api.app import create_app
    from tests.factories import NOW as F_NOW
    from tests.factories import make_mention

    resources.config = parse_config(
        BRANDS_YAML + "alerts:\n  rules:\n    - {name: infl, type: influential_negative, brands: [鲜达外卖]}\n"
    )
    client = TicketClient.in_process(create_app(resources), resources.issue_internal_key(), backoff=0.01)
    engine = AlertEngine.from_config(resources.config, resources.mentions, resources.alerts, client)
    at = F_NOW - timedelta(minutes=1)
    resources.mentions.upsert(
        [
            make_mention(
                "鲜达外卖吃出头发，再也不点了",
                platform="weibo",
                post_id="big",
                label="negative",
                score=0.05,
                reach=88.0,
                author="美食博主",
                updated_at=at,
            ),
            make_mention(
                "鲜达外卖有点慢",
                platform="weibo",
                post_id="small",
                label="negative",
                score=0.2,
                reach=12.0,
                author="路人",
                updated_at=at,
            ),
        ]
    )
    report = asyncio.run(engine.evaluate(F_NOW))
    [fired] = next(o for o in report.outcomes if o.rule == "infl").fired
    ticket = resources.tickets.get_by_number(fired.ticket_number or "")
    assert ticket.title.startswith("高影响负面 Influential negative: 鲜达外卖 weibo 美食博主 reach 88")
    assert ticket.priority.value == "major" and len(ticket.mentions) == 1
    assert asyncio.run(engine.evaluate(F_NOW + timedelta(minutes=1))).fired == []  # once per post
