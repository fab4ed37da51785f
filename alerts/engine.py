"""The alert engine: evaluates every rule, keeps per-key state, opens one ticket per incident.

An incident starts when a key goes from ok to firing (one evaluator wins that transition in the database)
and ends when the condition clears. Its ticket is created through the API with an idempotency key derived
from the rule, the key and the window that fired, and the request body is stored with the state: if the
API call fails, the next evaluation retries the identical request, so delivery is at-least-once and there is
still exactly one ticket. A rule that raises is recorded and, after repeated errors, paused for a while;
the other rules go on.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from alerts.client import TicketClient
from alerts.registry import build_rule
from alerts.rules.base import EvaluationContext, Observation, RuleType
from alerts.state import FIRING, AlertEvent, AlertStateStore
from config.models import AppConfig
from index.base import MentionStore
from yuqing.errors import TicketClientError
from yuqing.timeutil import isoformat_z, utcnow

log = logging.getLogger(__name__)


@dataclass
class Fired:
    """A key that fired in this evaluation (or whose pending ticket was delivered now)."""

    rule: str
    key: str
    incident: str
    summary: str
    ticket_number: str | None
    new_ticket: bool  # False: the ticket existed already (a retry or a concurrent evaluator delivered it)
    error: str | None = None


@dataclass
class RuleOutcome:
    """What happened to one rule in one evaluation."""

    rule: str
    status: str  # evaluated | paused | error
    observations: list[Observation] = field(default_factory=list)
    fired: list[Fired] = field(default_factory=list)
    still_firing: list[str] = field(default_factory=list)
    suppressed: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class EvaluationReport:
    at: datetime
    outcomes: list[RuleOutcome]

    @property
    def fired(self) -> list[Fired]:
        return [f for o in self.outcomes for f in o.fired]

    @property
    def opened(self) -> list[Fired]:
        """The firings that created a ticket in this evaluation."""
        return [f for f in self.fired if f.new_ticket]


def incident_id(rule: str, key: str, window_end: datetime) -> str:
    """A stable id of the incident that started when ``rule`` fired for ``key`` at ``window_end``."""
    raw = f"{rule}\x1f{key}\x1f{isoformat_z(window_end)}".encode()
    return hashlib.sha256(raw).hexdigest()[:32]


class AlertEngine:
    """Evaluates rules over the mention store and opens tickets through a :class:`TicketClient`."""

    def __init__(
        self,
        rules: Sequence[RuleType[Any]],
        store: MentionStore,
        state: AlertStateStore,
        tickets: TicketClient,
        brands: Sequence[str],
        *,
        pause_after_errors: int = 3,
        pause_for: timedelta = timedelta(minutes=15),
    ):
        self.rules = list(rules)
        self.store = store
        self.state = state
        self.tickets = tickets
        self.brands = list(brands)
        self.pause_after_errors = pause_after_errors
        self.pause_for = pause_for

    @classmethod
    def from_config(
        cls, config: AppConfig, store: MentionStore, state: AlertStateStore, tickets: TicketClient, **options: Any
    ) -> AlertEngine:
        """An engine for the enabled rules of ``config``; ``options`` as for the constructor."""
        rules = [build_rule(rule) for rule in config.rules() if rule.enabled]
        return cls(rules, store, state, tickets, config.brand_names(), **options)

    async def evaluate(self, now: datetime | None = None) -> EvaluationReport:
        """Evaluate every rule once at ``now`` (default: the current time)."""
        now = now or utcnow()
        outcomes = [await self._evaluate_rule(rule, now) for rule in self.rules]
        return EvaluationReport(now, outcomes)

    async def _evaluate_rule(self, rule: RuleType[Any], now: datetime) -> RuleOutcome:
        health = self.state.rule_health(rule.name)
        if health and health.paused_until and health.paused_until > now:
            return RuleOutcome(
                rule.name, "paused", error=f"paused until {isoformat_z(health.paused_until)}: {health.last_error}"
            )
        ctx = EvaluationContext(store=self.store, now=now, brands=self.brands)
        try:
            # Store queries block; keep the event loop (and the in-process API) responsive.
            observations = await asyncio.to_thread(rule.evaluate, ctx)
        except Exception as exc:  # any failure of one rule must not stop the others
            message = f"{type(exc).__name__}: {exc}"
            return self._rule_failed(rule, now, message)
        self.state.record_rule_ok(rule.name, now)
        outcome = RuleOutcome(rule.name, "evaluated", observations)
        for obs in observations:
            self.state.touch(rule.name, obs.key, now, obs.numbers)
            if obs.firing:
                await self._on_firing(rule, obs, now, outcome)
            else:
                self._on_clear(rule, obs, now, outcome)
        return outcome

    def _rule_failed(self, rule: RuleType[Any], now: datetime, message: str) -> RuleOutcome:
        health = self.state.rule_health(rule.name)
        errors = (health.consecutive_errors if health else 0) + 1
        paused_until = now + self.pause_for if errors >= self.pause_after_errors else None
        self.state.record_rule_error(rule.name, now, message, paused_until)
        self._record("error", rule.name, "*", now, summary=message)
        log.error(
            "alert rule %s failed (%d in a row%s): %s",
            rule.name,
            errors,
            f", paused until {isoformat_z(paused_until)}" if paused_until else "",
            message,
        )
        return RuleOutcome(rule.name, "error", error=message)

    async def _on_firing(self, rule: RuleType[Any], obs: Observation, now: datetime, outcome: RuleOutcome) -> None:
        current = self.state.get(rule.name, obs.key)
        if current and current.status == FIRING:
            if current.ticket_number is None and current.incident and current.ticket_request:
                # The incident's ticket was not delivered last time: send the identical request again.
                outcome.fired.append(
                    await self._deliver(rule, obs.key, current.incident, current.ticket_request, obs.summary, now)
                )
            else:
                outcome.still_firing.append(obs.key)
            return
        if current and current.last_fired_at and now - current.last_fired_at < rule.config.realert:
            outcome.suppressed.append(obs.key)
            return
        incident = incident_id(rule.name, obs.key, obs.window_end)
        request = self._ticket_request(rule, obs, incident)
        if not self.state.try_fire(rule.name, obs.key, incident, now, request):
            outcome.still_firing.append(obs.key)  # a concurrent evaluator won the transition
            return
        self._record("fired", rule.name, obs.key, now, obs, incident=incident, mention_ids=obs.mention_ids)
        log.warning("ALERT %s fired for %s: %s", rule.name, obs.key, obs.summary)
        outcome.fired.append(await self._deliver(rule, obs.key, incident, request, obs.summary, now))

    async def _deliver(
        self, rule: RuleType[Any], key: str, incident: str, request: dict[str, Any], summary: str, now: datetime
    ) -> Fired:
        try:
            ticket, created = await self.tickets.create_ticket(request, idempotency_key=f"alert-{incident}")
        except TicketClientError as exc:
            self._record("error", rule.name, key, now, incident=incident, summary=f"ticket not created: {exc}")
            log.error("alert %s/%s: ticket not created, will retry: %s", rule.name, key, exc)
            return Fired(rule.name, key, incident, summary, None, False, str(exc))
        self.state.set_ticket(rule.name, key, incident, int(ticket["id"]), str(ticket["number"]))
        number = str(ticket["number"])
        self._record("ticket", rule.name, key, now, incident=incident, summary=f"ticket {number}", ticket_number=number)
        return Fired(rule.name, key, incident, summary, str(ticket["number"]), created)

    def _on_clear(self, rule: RuleType[Any], obs: Observation, now: datetime, outcome: RuleOutcome) -> None:
        before = self.state.resolve(rule.name, obs.key, now)
        if before is None:
            return
        self._record(
            "resolved", rule.name, obs.key, now, obs, incident=before.incident, ticket_number=before.ticket_number
        )
        log.info("alert %s resolved for %s: %s", rule.name, obs.key, obs.summary)
        outcome.resolved.append(obs.key)

    def _record(
        self, kind: str, rule: str, key: str, at: datetime, obs: Observation | None = None, **fields: Any
    ) -> None:
        """Append to the alert history; an observation contributes its window, numbers and summary."""
        if obs is not None:
            fields = {
                "window_start": obs.window_start,
                "window_end": obs.window_end,
                "numbers": obs.numbers,
                "summary": obs.summary,
                **fields,
            }
        self.state.add_event(AlertEvent(rule=rule, key=key, kind=kind, at=at, **fields))

    @staticmethod
    def _ticket_request(rule: RuleType[Any], obs: Observation, incident: str) -> dict[str, Any]:
        return {
            "title": rule.ticket_title(obs)[:300],
            "description": rule.ticket_description(obs),
            "brand": obs.key,
            "priority": rule.config.priority.value,
            "mention_ids": obs.mention_ids,
            "alert": {
                "rule": rule.name,
                "key": obs.key,
                "incident": incident,
                "window_start": isoformat_z(obs.window_start),
                "window_end": isoformat_z(obs.window_end),
                "numbers": obs.numbers,
                "summary": obs.summary[:2000],
            },
        }
