"""Incident semantics: one open incident per rule and brand, a reminder at most once per quiet period, a
resolved notice once the condition has stayed clear, one ticket; the replays decide the same way."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from alerts.backtest import replay
from alerts.engine import AlertEngine
from alerts.incidents import Action, Clock, Policy, advance, decide
from alerts.rules.base import EvaluationContext, Observation, RuleConfig, RuleType
from api.resources import Resources
from tests.alerts.test_engine import engine_for, tickets
from tests.factories import NOW

H = timedelta(hours=1)
POLICY = Policy(quiet_period=timedelta(hours=24), resolve_after=timedelta(hours=2), realert=timedelta(hours=6))


def test_policy_known_answers() -> None:
    clock = Clock()
    t = NOW
    assert advance(clock, True, t, POLICY) is Action.open
    assert advance(clock, True, t + H, POLICY) is Action.hold
    assert advance(clock, False, t + 2 * H, POLICY) is Action.clearing  # a dip does not end it
    assert advance(clock, True, t + 3 * H, POLICY) is Action.hold  # and firing again is the same incident
    assert clock.clear_since is None
    assert advance(clock, True, t + 23 * H, POLICY) is Action.hold
    assert advance(clock, True, t + 24 * H, POLICY) is Action.remind  # once per quiet period
    assert advance(clock, True, t + 25 * H, POLICY) is Action.hold
    assert advance(clock, False, t + 26 * H, POLICY) is Action.clearing
    assert advance(clock, False, t + 27 * H, POLICY) is Action.clearing
    assert advance(clock, False, t + 28 * H, POLICY) is Action.resolve  # clear for resolve_after
    assert advance(clock, True, t + 30 * H, POLICY) is Action.suppressed  # realert after the resolution
    assert decide(clock, True, t + 34 * H, POLICY) is Action.open
    assert advance(clock, False, t + 34 * H, POLICY) is Action.idle


class Scripted(RuleType[RuleConfig]):
    """A window rule that fires when ``script(now)`` says so."""

    type_name = "scripted"
    config_model = RuleConfig

    def __init__(self, config: RuleConfig, script: Callable[[datetime], bool]):
        super().__init__(config)
        self.script = script

    def evaluate(self, ctx: EvaluationContext) -> list[Observation]:
        firing = self.script(ctx.now)
        return [
            Observation(
                self.name, "鲜达外卖", firing, ctx.now - H, ctx.now, {"firing": firing}, "s", [], [], "鲜达外卖"
            )
        ]

    def ticket_title(self, observation: Observation) -> str:
        return "脚本告警 scripted"


def level_shift(now: datetime) -> bool:
    """Firing for 40 hours from NOW, with a one-hour dip at hour 10; then clear."""
    hours = (now - NOW) / H
    return 0 <= hours < 40 and hours != 10


def scripted_rule() -> Scripted:
    config = RuleConfig(name="shift", type="scripted", resolve_after="2h", quiet_period="24h", realert="6h")
    return Scripted(config, level_shift)


def test_the_engine_keeps_one_incident_and_one_ticket_through_a_long_event(resources: Resources) -> None:
    engine: AlertEngine = engine_for(resources, every=H)
    engine.rules = [scripted_rule()]

    async def run() -> None:
        for hour in range(0, 48):
            await engine.evaluate(NOW + hour * H)

    asyncio.run(run())
    events = list(reversed(resources.alerts.events("shift")))
    kinds = [e.kind for e in events if e.kind != "ticket"]
    assert kinds == ["fired", "reminded", "resolved"]
    fired, reminded, resolved = (e for e in events if e.kind != "ticket")
    assert reminded.at == NOW + 24 * H and resolved.at == NOW + 42 * H  # clear at 40h, for 2h at 42h
    assert fired.incident == reminded.incident == resolved.incident
    assert len([t for t in tickets(resources) if t.alert and t.alert.rule == "shift"]) == 1
    state = resources.alerts.get("shift", "鲜达外卖")
    assert state and state.status == "ok" and state.clear_since is None


def test_replay_decides_as_the_engine() -> None:
    rule = scripted_rule()
    moments = [NOW + hour * H for hour in range(48)]
    events = replay(rule, store=None, moments=moments, brands=["鲜达外卖"])  # type: ignore[arg-type]
    assert [(e.kind, (e.at - NOW) / H) for e in events] == [("fired", 0), ("reminded", 24), ("resolved", 42)]
