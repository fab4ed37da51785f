"""After downtime the engine replays the evaluation times it missed: no gap, no duplicate."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from alerts.client import TicketClient
from alerts.engine import AlertEngine
from api.app import create_app
from api.resources import Resources
from config.loader import parse_config
from tests.factories import BRANDS_YAML, NOW, make_mention
from tickets.schemas import TicketQuery

RULE = (
    BRANDS_YAML
    + """
alerts:
  evaluate_every: 10m
  rules:
    - {name: neg, type: negative_share, brands: [鲜达外卖], window: 1h, min_count: 5, threshold: 0.5, realert: 1h}
"""
)


def engine(resources: Resources) -> AlertEngine:
    resources.config = parse_config(RULE)
    client = TicketClient.in_process(create_app(resources), resources.issue_internal_key(), backoff=0.01)
    return AlertEngine.from_config(resources.config, resources.mentions, resources.alerts, client)


def test_a_crisis_during_downtime_is_reported_once(resources: Resources) -> None:
    asyncio.run(engine(resources).evaluate(NOW))  # quiet; then the worker goes down
    # While it is down: a burst of complaints published between NOW+1h and NOW+1h20m, over by NOW+2h20m.
    resources.mentions.upsert(
        [
            make_mention(
                f"鲜达外卖又送错了 {i}",
                label="negative",
                score=0.05,
                published_at=NOW + timedelta(hours=1, minutes=2 * i),
            )
            for i in range(10)
        ]
    )
    back = NOW + timedelta(hours=4)
    report = asyncio.run(engine(resources).evaluate(back))  # a new process, hours later
    [outcome] = report.outcomes
    assert outcome.caught_up == 23  # every 10 minutes from NOW+10m to NOW+3h50m
    [fired] = report.fired
    assert fired.new_ticket and outcome.resolved == ["鲜达外卖"]
    events = [(e.kind, e.window_end) for e in reversed(resources.alerts.events("neg"))]
    kinds = [k for k, _ in events]
    assert kinds == ["fired", "ticket", "resolved"]
    fired_at = events[0][1]
    assert NOW + timedelta(hours=1) < fired_at <= NOW + timedelta(hours=1, minutes=30)  # when it happened
    again = asyncio.run(engine(resources).evaluate(back + timedelta(minutes=10)))
    assert again.fired == [] and again.outcomes[0].caught_up == 0
    assert resources.tickets.find(TicketQuery()).total == 1


def test_without_catch_up_the_gap_would_be_missed(resources: Resources) -> None:
    asyncio.run(engine(resources).evaluate(NOW))
    resources.mentions.upsert(
        [
            make_mention(
                f"鲜达外卖又送错了 {i}",
                label="negative",
                score=0.05,
                published_at=NOW + timedelta(hours=1, minutes=2 * i),
            )
            for i in range(10)
        ]
    )
    report = asyncio.run(engine(resources).evaluate(NOW + timedelta(hours=4), catch_up=False))
    assert report.fired == [] and resources.tickets.find(TicketQuery()).total == 0
