"""Event rules (critical words, bad reviews) and source silence, through the engine over real stores."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from alerts.client import TicketClient
from alerts.engine import AlertEngine, EvaluationReport
from alerts.rules.base import EvaluationContext
from alerts.rules.source_silent import SourceSilentConfig, SourceSilentRule
from api.app import create_app
from api.resources import Resources
from config.loader import parse_config
from foundation.health import SourceHealth, SourceState
from tests.factories import BRANDS_YAML, NOW, make_mention
from tickets.schemas import TicketQuery

RULES = (
    BRANDS_YAML
    + """
alerts:
  rules:
    - {name: crisis, type: critical_words, brands: [鲜达外卖]}
    - {name: reviews, type: bad_review, brands: [鲜达外卖], platforms: [app_store]}
"""
)


def engine(resources: Resources) -> AlertEngine:
    resources.config = parse_config(RULES)
    client = TicketClient.in_process(create_app(resources), resources.issue_internal_key(), backoff=0.01)
    return AlertEngine.from_config(resources.config, resources.mentions, resources.alerts, client)


def run(e: AlertEngine, at: datetime) -> EvaluationReport:
    return asyncio.run(e.evaluate(at))


def stored(resources: Resources, *mentions: Any) -> None:
    resources.mentions.upsert(list(mentions))


def test_a_critical_word_opens_an_urgent_ticket_at_once_and_only_once(resources: Resources) -> None:
    e = engine(resources)
    stored(
        resources,
        make_mention("鲜达外卖的炸鸡吃完全家食物中毒", updated_at=NOW - timedelta(minutes=1), post_id="x1"),
        make_mention("鲜达外卖挺好吃", updated_at=NOW - timedelta(minutes=1), post_id="x2"),
    )
    first = run(e, NOW)
    crisis = next(o for o in first.outcomes if o.rule == "crisis")
    [fired] = crisis.fired
    ticket = resources.tickets.get_by_number(fired.ticket_number or "")
    assert ticket.priority.value == "urgent" and ticket.title.startswith("危急值 Critical: 鲜达外卖")
    assert "食物中毒" in ticket.title and len(ticket.mentions) == 1
    # Evaluated again (and after a restart: a new engine), the same mention does not fire again.
    assert run(e, NOW + timedelta(minutes=1)).fired == []
    assert run(engine(resources), NOW + timedelta(minutes=2)).fired == []
    # A new one fires, even if it arrived while the worker was down.
    stored(resources, make_mention("鲜达外卖的充电宝起火了", updated_at=NOW + timedelta(hours=2), post_id="x3"))
    later = run(engine(resources), NOW + timedelta(hours=5))
    assert [f.key for f in later.fired] == [make_mention("x", post_id="x3").id]
    assert resources.tickets.find(TicketQuery()).total == 2


def test_bad_reviews_each_get_a_ticket(resources: Resources) -> None:
    e = engine(resources)
    at = NOW - timedelta(minutes=1)
    stored(
        resources,
        make_mention(
            "App keeps crashing",
            platform="app_store",
            rating=1,
            updated_at=at,
            post_id="r1",
            author="Amy",
            label="unscored",
            language="en",
        ),
        make_mention(
            "很差，退款不给", platform="app_store", rating=4, score=0.02, label="negative", updated_at=at, post_id="r2"
        ),
        make_mention("不错", platform="app_store", rating=5, score=0.9, label="positive", updated_at=at, post_id="r3"),
        make_mention("一星，太烂", platform="forum", rating=1, updated_at=at, post_id="r4"),  # not a review site
    )
    report = run(e, NOW)
    reviews = next(o for o in report.outcomes if o.rule == "reviews")
    assert len(reviews.fired) == 2
    titles = sorted(resources.tickets.get_by_number(f.ticket_number or "").title for f in reviews.fired)
    assert titles == ["差评 Bad review: 鲜达外卖 app_store 1★", "差评 Bad review: 鲜达外卖 app_store sentiment 0.02"]


def health(
    name: str,
    *,
    last_run: datetime | None,
    productive: datetime | None,
    failures: int = 0,
    first: datetime | None = None,
) -> SourceHealth:
    return SourceHealth(
        name,
        SourceState.ok if not failures else SourceState.failing,
        last_run_at=last_run,
        last_productive_at=productive,
        consecutive_failures=failures,
        first_run_at=first or last_run,
        last_error="HTTP 432" if failures else None,
    )


def test_source_silent() -> None:
    rule = SourceSilentRule(SourceSilentConfig(name="silent", type="source_silent"))
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    hour = timedelta(hours=1)
    sources = [
        (health("fresh", last_run=now - hour, productive=now - hour), timedelta(minutes=15)),
        (health("quiet", last_run=now - hour, productive=now - 5 * hour, first=now - 48 * hour), timedelta(hours=1)),
        (health("broken", last_run=now - hour, productive=now - 2 * hour, failures=3), timedelta(minutes=15)),
        (health("new", last_run=now - hour, productive=None, first=now - hour), timedelta(hours=1)),
        (health("never", last_run=None, productive=None), timedelta(hours=1)),
    ]
    ctx = EvaluationContext(store=None, now=now, brands=[], sources=sources)  # type: ignore[arg-type]
    result = {o.key: o for o in rule.evaluate(ctx)}
    assert {k for k, o in result.items() if o.firing} == {"quiet", "broken"}
    assert result["quiet"].numbers["silent_for_minutes"] == 300 and result["quiet"].numbers["limit_minutes"] == 180
    assert "3 failed runs in a row" in result["broken"].summary and "HTTP 432" in result["broken"].summary
    assert "never" not in result  # nothing to be silent about yet


def test_a_bad_rating_on_praise_opens_no_ticket(resources: Resources) -> None:
    # One star on a text of praise is a slip of the thumb: no one needs an answer. A complaint with one star does.
    e = engine(resources)
    at = NOW - timedelta(minutes=1)
    stored(
        resources,
        make_mention("非常好用,送货也快,五星好评", platform="app_store", rating=1, updated_at=at, post_id="p1"),
        make_mention("用了两天就坏了,客服也不理人", platform="app_store", rating=1, updated_at=at, post_id="p2"),
    )
    reviews = next(o for o in run(e, NOW).outcomes if o.rule == "reviews")
    assert [f.key for f in reviews.fired] == [make_mention("x", platform="app_store", post_id="p2").id]
    ticket = resources.tickets.get_by_number(reviews.fired[0].ticket_number or "")
    assert ticket.alert is not None and ticket.alert.numbers["type"] == "complaint"


def test_a_spooled_mention_replayed_minutes_later_still_opens_its_ticket(resources: Resources, tmp_path: Any) -> None:
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    from crawlers.pipelines.store import StorePipeline
    from crawlers.spool import Spool

    e = engine(resources)
    assert run(e, NOW).fired == []  # the rule's cursor is at NOW
    # A crawl at NOW - 1 min could not store this post (the store was down): it was stamped then and queued on disk.
    spool = Spool(tmp_path / "spool", "forum")
    post = make_mention("鲜达外卖的外卖吃完食物中毒了", updated_at=NOW - timedelta(minutes=1), post_id="late")
    spool.add([post], {post.id: "mention store unavailable"})
    # The next crawl of the source, ten minutes later, replays the queue before fetching anything.
    pipeline = StorePipeline(
        lambda: resources.mentions,
        MemoryStatsCollector(get_crawler()),
        10,
        clock=lambda: NOW + timedelta(minutes=10),
        spool=spool,
    )
    pipeline._replay_spool(resources.mentions)
    assert spool.pending() == [] and resources.mentions.get(post.id) is not None
    [fired] = run(e, NOW + timedelta(minutes=10, seconds=5)).fired  # far past the rule's 30 s overlap
    assert fired.key == post.id and fired.ticket_number
