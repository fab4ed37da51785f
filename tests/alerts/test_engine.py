"""The alert engine end to end over real stores and the API in-process: one ticket per incident, across
re-evaluations, restarts, concurrent evaluators and failed deliveries."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest

from alerts.client import TicketClient
from alerts.engine import AlertEngine, EvaluationReport
from alerts.rules.base import EvaluationContext, Observation, RuleConfig, RuleType
from api.app import create_app
from api.resources import Resources
from tests.factories import NOW, make_mention
from tickets.schemas import TicketQuery


def engine_for(resources: Resources, **kwargs: Any) -> AlertEngine:
    client = TicketClient.in_process(create_app(resources), resources.issue_internal_key(), backoff=0.01)
    return AlertEngine.from_config(resources.config, resources.mentions, resources.alerts, client, **kwargs)


def evaluate(engine: AlertEngine, now: Any = NOW) -> EvaluationReport:
    async def go() -> EvaluationReport:
        return await engine.evaluate(now)

    return asyncio.run(go())


def bad_news(resources: Resources, n: int = 4, *, ago: timedelta = timedelta(hours=1)) -> None:
    resources.mentions.upsert(
        [
            make_mention(f"鲜达外卖太差了 {i}", label="negative", score=0.05, ago=ago, url=f"https://e.com/{i}")
            for i in range(n)
        ]
    )


def tickets(resources: Resources) -> list[Any]:
    return resources.tickets.find(TicketQuery()).items


def test_fires_once_and_opens_one_ticket_with_the_posts(resources: Resources) -> None:
    bad_news(resources)
    report = evaluate(engine_for(resources))
    [fired] = report.fired
    assert fired.key == "鲜达外卖" and fired.new_ticket and fired.ticket_number
    [ticket] = tickets(resources)
    assert ticket.number == fired.ticket_number and ticket.priority.value == "urgent"
    assert ticket.origin.value == "alert" and ticket.brand == "鲜达外卖"
    assert ticket.alert.numbers["negative"] == 4 and len(ticket.mentions) == 3
    assert all(m.url and m.sentiment_label == "negative" for m in ticket.mentions)
    state = resources.alerts.get("neg", "鲜达外卖")
    assert state and state.status == "firing" and state.ticket_number == ticket.number
    kinds = [e.kind for e in resources.alerts.events("neg")]
    assert kinds == ["ticket", "fired"]


def test_re_evaluation_and_restart_open_no_second_ticket(resources: Resources) -> None:
    bad_news(resources)
    evaluate(engine_for(resources))
    again = evaluate(engine_for(resources), NOW + timedelta(minutes=5))  # a new engine: as after a restart
    assert again.fired == [] and again.outcomes[0].still_firing == ["鲜达外卖"]
    assert len(tickets(resources)) == 1


def test_resolves_then_fires_again_onto_the_still_open_ticket(resources: Resources) -> None:
    bad_news(resources)
    engine = engine_for(resources)
    evaluate(engine)
    cleared = evaluate(engine, NOW + timedelta(hours=30))  # the bad news left the 24h window
    assert cleared.outcomes[0].resolved == ["鲜达外卖"]
    assert resources.alerts.get("neg", "鲜达外卖").status == "ok"  # type: ignore[union-attr]
    bad_news(resources, ago=timedelta(hours=-29, minutes=-50))  # new bad news at NOW + 29h50m
    again = evaluate(engine, NOW + timedelta(hours=30, minutes=10))
    assert again.outcomes[0].suppressed == [] and len(again.fired) == 1  # 30h after the last fire: past realert
    # The first incident's ticket is still being worked: the new incident lands on it as a comment.
    [ticket] = tickets(resources)
    assert again.fired[0].ticket_number == ticket.number and not again.fired[0].new_ticket
    full = resources.tickets.get(ticket.id, history=True)
    assert any(c.kind == "system" and "neg" in c.body for c in full.comments or [])
    assert len(ticket.mentions) == 6  # the top 3 posts of each incident (top_posts: 3)


def test_realert_suppresses_refiring_within_the_window(resources: Resources) -> None:
    bad_news(resources)
    engine = engine_for(resources)
    evaluate(engine)
    resources.alerts.resolve("neg", "鲜达外卖", NOW + timedelta(minutes=1))
    again = evaluate(engine, NOW + timedelta(minutes=30))
    assert again.outcomes[0].suppressed == ["鲜达外卖"] and again.fired == []
    assert len(tickets(resources)) == 1


def test_concurrent_evaluators_open_exactly_one_ticket(resources: Resources) -> None:
    bad_news(resources)
    engines = [engine_for(resources) for _ in range(4)]

    async def all_at_once() -> list[EvaluationReport]:
        return list(await asyncio.gather(*(e.evaluate(NOW + timedelta(seconds=i)) for i, e in enumerate(engines))))

    reports = asyncio.run(all_at_once())
    assert sum(len(r.opened) for r in reports) == 1
    assert len(tickets(resources)) == 1


def test_failed_delivery_is_retried_with_the_same_request(resources: Resources) -> None:
    bad_news(resources)
    app = create_app(resources)
    key = resources.issue_internal_key()
    calls: list[bytes] = []
    asgi = httpx.ASGITransport(app=app)

    async def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(request.content)
        if len(calls) <= 2:
            raise httpx.ConnectError("API down", request=request)
        return await asgi.handle_async_request(request)

    down = TicketClient("http://api", key, transport=httpx.MockTransport(flaky), attempts=2, backoff=0.01)
    engine = AlertEngine.from_config(resources.config, resources.mentions, resources.alerts, down)
    first = evaluate(engine)
    assert first.fired[0].ticket_number is None and "failed after 2 attempts" in (first.fired[0].error or "")
    assert tickets(resources) == []
    later = evaluate(engine, NOW + timedelta(minutes=3))  # numbers differ now; the stored request is resent
    assert later.fired[0].new_ticket and len(tickets(resources)) == 1
    assert json.loads(calls[0]) == json.loads(calls[2])  # the identical request, not a re-evaluated one
    assert evaluate(engine, NOW + timedelta(minutes=6)).fired == []


class Exploding(RuleType[RuleConfig]):
    type_name = "exploding"
    config_model = RuleConfig

    def evaluate(self, ctx: EvaluationContext) -> list[Observation]:
        raise RuntimeError("index query failed")

    def ticket_title(self, observation: Observation) -> str:
        return "never"


def test_a_failing_rule_is_paused_and_the_others_go_on(resources: Resources) -> None:
    bad_news(resources)
    engine = engine_for(resources, pause_after_errors=2, pause_for=timedelta(minutes=10))
    engine.rules.insert(0, Exploding(RuleConfig(name="boom", type="exploding")))
    first = evaluate(engine)
    assert first.outcomes[0].status == "error" and "index query failed" in (first.outcomes[0].error or "")
    assert len(first.fired) == 1  # the healthy rule still fired
    evaluate(engine, NOW + timedelta(minutes=1))
    paused = evaluate(engine, NOW + timedelta(minutes=2))
    assert paused.outcomes[0].status == "paused"
    assert evaluate(engine, NOW + timedelta(minutes=13)).outcomes[0].status == "error"  # pause over: tried again


@pytest.mark.parametrize("status", [400, 404, 422])
def test_client_does_not_retry_client_errors(status: int) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(status, json={"error": {"message": "bad"}})

    from foundation.errors import TicketApiRejected

    client = TicketClient("http://api", "k", transport=httpx.MockTransport(handler), backoff=0.01)
    with pytest.raises(TicketApiRejected, match=f"{status}: bad"):
        asyncio.run(client.create_ticket({"title": "x"}, "key-12345"))
    assert len(calls) == 1


def test_client_retries_5xx_and_429_then_succeeds() -> None:
    statuses = iter([503, 429, 201])

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Idempotency-Key"] == "key-12345" and request.headers["X-API-Key"] == "k"
        status = next(statuses)
        headers = {"Retry-After": "0"} if status == 429 else {}
        return httpx.Response(status, json={"id": 1, "number": "FBD2026110001"}, headers=headers)

    client = TicketClient("http://api", "k", transport=httpx.MockTransport(handler), backoff=0.01)
    ticket, created = asyncio.run(client.create_ticket({"title": "x"}, "key-12345"))
    assert ticket["number"] == "FBD2026110001" and created
