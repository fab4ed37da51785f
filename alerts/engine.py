"""The alert engine: evaluates every rule, keeps per-key state, opens one ticket per incident, notifies.

An incident starts when a key goes from ok to firing (one evaluator wins that transition in the database)
and, for window rules, ends when the condition has stayed clear for the rule's ``resolve_after``, which sends a
"resolved" notice; while it lasts it is the one incident of that rule and key, and a reminder goes out at most
once per ``quiet_period`` (:mod:`alerts.incidents` decides, as in the replays). Its ticket is created
through the API with an idempotency key derived from the rule, the key and the window that fired, and the
request body is stored with the state: if the API call fails, the next evaluation retries the identical
request, so delivery is at-least-once and there is still exactly one ticket. A condition that fires again
while its ticket is still open lands on that ticket as a comment (the ticket store attaches it).

After downtime, window rules are evaluated once at each evaluation time that was missed, oldest first, so
a crisis that came and went while the worker was down is still reported, and nothing twice. Event rules keep
a cursor over the mentions stored or changed, so they miss nothing either. A rule that raises is recorded
and, after repeated errors, paused for a while; the other rules go on. A rule scoped by a saved search gets
that search's query looked up at each evaluation; when it is missing or no longer valid, that rule alone is
paused at once (nothing it could evaluate would be right) and the error says why.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from alerts.channels import Message, Post
from alerts.client import TicketClient
from alerts.config import EngineConfig
from alerts.dispatch import Dispatcher
from alerts.incidents import Action, decide
from alerts.outcomes import EvaluationReport as EvaluationReport
from alerts.outcomes import Fired as Fired
from alerts.outcomes import RuleOutcome as RuleOutcome
from alerts.outcomes import add_once
from alerts.registry import build_rule
from alerts.rules.base import EvaluationContext, Observation, RuleConfig, RuleScopeError, RuleType, query_problem
from alerts.state import FIRING, AlertEvent, AlertStateStore, StateView
from foundation.errors import Conflict, NotFound, TicketClientError
from foundation.health import SourceHealth
from foundation.queue_health import QueueHealthReader
from foundation.retry import is_transient
from foundation.timeutil import isoformat_z, utcnow
from index.base import MentionStore
from index.saved import SavedSearchStore

log = logging.getLogger(__name__)

#: Event rules re-read a little before their cursor: a mention stored during the last look is not missed.
#: Mentions are stamped when written (``crawlers.pipelines.store``, at each attempt), so this only has to cover
#: one write and the index refresh; in a crisis every second of it is re-read at each evaluation.
EVENT_OVERLAP = timedelta(seconds=30)
#: On a first run, event rules look this far back.
EVENT_FIRST_LOOK = timedelta(hours=1)
#: Event rules open this many tickets at once (a crisis brings many at a time; see ``AlertEngine._on_events``).
DELIVER_CONCURRENCY = 8
#: Catch-up after downtime evaluates at most this many past moments per rule (coarser steps beyond).
MAX_CATCH_UP = 720

SourcesProvider = Callable[[], Sequence[tuple[SourceHealth, timedelta]]]


def incident_id(rule: str, key: str, window_end: datetime) -> str:
    """A stable id of the incident that started when ``rule`` fired for ``key`` at ``window_end``."""
    raw = f"{rule}\x1f{key}\x1f{isoformat_z(window_end)}".encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def json_safe(value: Any) -> Any:
    """``value`` with infinite and NaN numbers replaced by ``None``: numbers are stored as JSON (PostgreSQL's
    JSONB refuses them), sent to the ticket API and shown by the alerts API, and JSON has neither."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def resolve_saved_query(config: RuleConfig, searches: SavedSearchStore) -> str | None:
    """The query of the rule's ``saved_search`` as it is now (``None`` for a rule without one);
    :class:`RuleScopeError` when the search is missing, ambiguous or no longer valid."""
    name = config.saved_search
    if not name:
        return None
    try:
        search = searches.shared_by_name(name)
    except (NotFound, Conflict) as exc:
        raise RuleScopeError(f"saved search {name!r}: {exc}") from exc
    problem = query_problem(search.query)
    if problem:
        raise RuleScopeError(f"saved search {name!r} (id {search.id}) has an invalid query: {problem}")
    return search.query


class AlertEngine:
    """Evaluates rules over the mention store, opens tickets through a :class:`TicketClient`, and puts
    notifications in the outbox of a :class:`Dispatcher`."""

    def __init__(
        self,
        rules: Sequence[RuleType[Any]],
        store: MentionStore,
        state: AlertStateStore,
        tickets: TicketClient,
        brands: Sequence[str],
        *,
        dispatcher: Dispatcher | None = None,
        default_notify: Sequence[str] = (),
        every: timedelta = timedelta(minutes=1),
        timezone: str = "Asia/Shanghai",
        sources: SourcesProvider | None = None,
        pause_after_errors: int = 3,
        pause_for: timedelta = timedelta(minutes=15),
        saved_searches: SavedSearchStore | None = None,
        queue: QueueHealthReader | None = None,
        deliver_concurrency: int = DELIVER_CONCURRENCY,
    ):
        self.rules = list(rules)
        self.store = store
        self.state = state
        self.tickets = tickets
        self.brands = list(brands)
        self.dispatcher = dispatcher
        self.default_notify = list(default_notify)
        self.every = every
        self.timezone = timezone
        self.sources = sources
        self.pause_after_errors = pause_after_errors
        self.pause_for = pause_for
        self.saved_searches = saved_searches or SavedSearchStore(state.db)
        self.queue = queue  # the work queue's health, for crawl_backlog (set by the queue's workers)
        self.deliver_concurrency = deliver_concurrency

    @classmethod
    def from_config(
        cls, config: EngineConfig, store: MentionStore, state: AlertStateStore, tickets: TicketClient, **options: Any
    ) -> AlertEngine:
        """An engine for the enabled rules of ``config``; ``options`` as for the constructor."""
        rules = [build_rule(rule) for rule in config.rules() if rule.enabled]
        options.setdefault("every", config.alerts.evaluate_every)
        options.setdefault("timezone", config.timezone)
        options.setdefault("default_notify", config.alerts.notify)
        return cls(rules, store, state, tickets, config.brand_names(), **options)

    async def evaluate(self, now: datetime | None = None, *, catch_up: bool = True) -> EvaluationReport:
        """Evaluate every rule once at ``now`` (default: the current time); with ``catch_up``, first replay
        the evaluation times missed since the last successful one."""
        now = now or utcnow()
        outcomes = [await self._evaluate_rule(rule, now, catch_up) for rule in self.rules]
        return EvaluationReport(now, outcomes)

    async def _evaluate_rule(self, rule: RuleType[Any], now: datetime, catch_up: bool) -> RuleOutcome:
        health = self.state.rule_health(rule.name)
        if health and health.paused_until and health.paused_until > now:
            return RuleOutcome(
                rule.name, "paused", error=f"paused until {isoformat_z(health.paused_until)}: {health.last_error}"
            )
        try:
            saved_query = resolve_saved_query(rule.config, self.saved_searches)
        except RuleScopeError as exc:
            return self._rule_failed(rule, now, str(exc), pause=True)
        moments = [now]
        if catch_up and rule.kind == "window" and health and health.last_ok_at:
            moments = [*self._missed(health.last_ok_at, now), now]
        outcome = RuleOutcome(rule.name, "evaluated", caught_up=len(moments) - 1)
        for moment in moments:
            since = None
            if rule.kind == "event":
                since = health.cursor - EVENT_OVERLAP if health and health.cursor else moment - EVENT_FIRST_LOOK
            ctx = EvaluationContext(
                store=self.store,
                now=moment,
                brands=self.brands,
                timezone=self.timezone,
                since=since,
                sources=self.sources() if self.sources and rule.uses_sources else (),
                saved_query=saved_query,
                queue=self.queue() if self.queue else None,
            )
            try:
                # Store queries block; keep the event loop (and the in-process API) responsive.
                began = time.perf_counter()
                observations = await asyncio.to_thread(rule.evaluate, ctx)
                outcome.read_seconds += time.perf_counter() - began
            except Exception as exc:  # any failure of one rule must not stop the others
                if is_transient(exc):
                    # A store outage is not the rule's fault: do not count it towards pausing the rule. The
                    # caller (the worker) records the outage; the next evaluation catches up from last_ok_at.
                    raise
                return self._rule_failed(rule, moment, f"{type(exc).__name__}: {exc}")
            late = moment != now
            outcome.observations = observations
            if rule.kind == "event":
                began = time.perf_counter()
                await self._on_events(rule, observations, moment, outcome, late)
                outcome.act_seconds += time.perf_counter() - began
                self.state.record_rule_ok(rule.name, moment, cursor=moment)
                continue
            for obs in observations:
                obs.numbers = json_safe(obs.numbers)
                self._touch(rule, obs, moment)
                if obs.firing:
                    await self._on_firing(rule, obs, moment, outcome, late)
                elif rule.kind == "window":
                    self._on_clear(rule, obs, moment, outcome, late)
            self.state.record_rule_ok(rule.name, moment, cursor=None)
        return outcome

    def _touch(self, rule: RuleType[Any], obs: Observation, at: datetime) -> None:
        """Record ``obs`` as the rule's latest evaluation of its key (numbers and summary, for the alerts API)."""
        self.state.touch(
            rule.name, obs.key, at, obs.numbers, summary=obs.summary, brand=obs.brand, rule_type=rule.type_name
        )

    async def _on_events(
        self, rule: RuleType[Any], observations: list[Observation], now: datetime, outcome: RuleOutcome, late: bool
    ) -> None:
        """Handle an event rule's observations: every new mention that matched opens its own ticket.

        A crisis floods an event rule: each evaluation sees the mentions of the last minutes again (the
        overlap behind its cursor) and many new ones. So the keys already handled (incident open, ticket
        delivered; an event never resolves) are found with one read and only counted, and the new ones are
        handled ``deliver_concurrency`` at a time rather than one after another (the ticket API call is most
        of the time of each). Observations of one group (a thread) stay in order, so the second post of a
        thread joins the ticket of the first instead of racing it; the idempotency key and the conditional
        ``try_fire`` keep one ticket per key whatever runs concurrently.
        """
        known = await asyncio.to_thread(self.state.get_many, rule.name, [o.key for o in observations])
        groups: dict[str, list[Observation]] = {}
        for obs in observations:
            obs.numbers = json_safe(obs.numbers)
            current = known.get(obs.key)
            if (
                obs.firing
                and current is not None
                and current.status == FIRING
                and (current.ticket_number is not None or not rule.config.open_ticket)
            ):
                add_once(outcome.still_firing, obs.key)
                continue
            groups.setdefault(obs.group or obs.key, []).append(obs)
        limit = asyncio.Semaphore(max(1, self.deliver_concurrency))

        async def handle(group: list[Observation]) -> None:
            async with limit:
                for obs in group:
                    await asyncio.to_thread(self._touch, rule, obs, now)
                    if obs.firing:
                        await self._on_firing(rule, obs, now, outcome, late)

        await asyncio.gather(*(handle(group) for group in groups.values()))

    def _missed(self, last: datetime, now: datetime) -> list[datetime]:
        """The evaluation times between the last good one and now (exclusive), at most :data:`MAX_CATCH_UP`."""
        gap = now - last
        if gap <= self.every * 1.5:
            return []
        step = self.every
        if gap / step > MAX_CATCH_UP:
            step = gap / MAX_CATCH_UP  # a long outage: coarser, still covering every window length
        out = []
        moment = last + step
        while moment < now - step / 2:
            out.append(moment)
            moment += step
        return out

    def _rule_failed(self, rule: RuleType[Any], now: datetime, message: str, *, pause: bool = False) -> RuleOutcome:
        """Record a failed evaluation; after ``pause_after_errors`` in a row (or at once with ``pause``, for
        problems a retry cannot fix) the rule is paused for ``pause_for``."""
        health = self.state.rule_health(rule.name)
        errors = (health.consecutive_errors if health else 0) + 1
        paused_until = now + self.pause_for if pause or errors >= self.pause_after_errors else None
        self.state.record_rule_error(rule.name, now, message, paused_until)
        self._record("error", rule, "*", now, summary=message)
        log.error(
            "alert rule %s failed (%d in a row%s): %s",
            rule.name,
            errors,
            f", paused until {isoformat_z(paused_until)}" if paused_until else "",
            message,
        )
        if pause:
            return RuleOutcome(
                rule.name, "paused", error=f"{message} (paused until {isoformat_z(paused_until or now)})"
            )
        return RuleOutcome(rule.name, "error", error=message)

    async def _on_firing(
        self, rule: RuleType[Any], obs: Observation, now: datetime, outcome: RuleOutcome, late: bool
    ) -> None:
        current = self.state.get(rule.name, obs.key)
        if current and current.status == FIRING:
            if (
                rule.config.open_ticket
                and current.ticket_number is None
                and current.incident
                and current.ticket_request
            ):
                # The incident's ticket was not delivered last time: send the identical request again.
                outcome.fired.append(await self._deliver(rule, obs, current.incident, current.ticket_request, now))
            elif rule.kind == "window" and current.incident:
                self._bump(rule, obs, current, now, outcome, late)
            else:
                add_once(outcome.still_firing, obs.key)
            return
        if current and decide(current.clock(), True, now, rule.config.policy()) is Action.suppressed:
            add_once(outcome.suppressed, obs.key)
            return
        incident = incident_id(rule.name, obs.key, obs.window_end)
        request = self._ticket_request(rule, obs, incident) if rule.config.open_ticket else {}
        if not self.state.try_fire(rule.name, obs.key, incident, now, request):
            add_once(outcome.still_firing, obs.key)  # a concurrent evaluator won the transition
            return
        self._record("fired", rule, obs.key, now, obs, incident=incident, mention_ids=obs.mention_ids)
        log.warning("ALERT %s fired for %s%s: %s", rule.name, obs.key, " (caught up)" if late else "", obs.summary)
        fired = Fired(rule.name, obs.key, incident, obs.summary, None, False)
        if rule.config.open_ticket:
            fired = await self._deliver(rule, obs, incident, request, now)
        outcome.fired.append(fired)
        self._notify(rule, "alert_fired", obs, now, fired.ticket_number, late)

    async def _deliver(
        self, rule: RuleType[Any], obs: Observation, incident: str, request: dict[str, Any], now: datetime
    ) -> Fired:
        try:
            ticket, created = await self.tickets.create_ticket(request, idempotency_key=f"alert-{incident}")
        except TicketClientError as exc:
            self._record(
                "error", rule, obs.key, now, incident=incident, summary=f"ticket not created: {exc}", brand=obs.brand
            )
            log.error("alert %s/%s: ticket not created, will retry: %s", rule.name, obs.key, exc)
            return Fired(rule.name, obs.key, incident, obs.summary, None, False, str(exc))
        number, ticket_id = str(ticket["number"]), int(ticket["id"])
        self.state.set_ticket(rule.name, obs.key, incident, ticket_id, number)
        self._record(
            "ticket",
            rule,
            obs.key,
            now,
            incident=incident,
            summary=f"ticket {number}",
            ticket_number=number,
            ticket_id=ticket_id,
            brand=obs.brand,
        )
        return Fired(rule.name, obs.key, incident, obs.summary, number, created)

    def _bump(
        self, rule: RuleType[Any], obs: Observation, current: StateView, now: datetime, outcome: RuleOutcome, late: bool
    ) -> None:
        """The open incident fires again: the same incident (its numbers are updated by ``touch``); a reminder
        once per quiet period."""
        incident = current.incident or ""
        add_once(outcome.still_firing, obs.key)
        if decide(current.clock(), True, now, rule.config.policy()) is not Action.remind:
            if current.clear_since is not None:
                self.state.mark_incident(rule.name, obs.key, incident, clearing=False)
            return
        if not self.state.mark_incident(rule.name, obs.key, incident, notified_at=now, clearing=False):
            return  # resolved meanwhile, or a concurrent evaluator reminded
        self._record("reminded", rule, obs.key, now, obs, incident=incident, ticket_number=current.ticket_number)
        log.warning("ALERT %s still firing for %s: %s", rule.name, obs.key, obs.summary)
        add_once(outcome.reminded, obs.key)
        self._notify(rule, "alert_reminder", obs, now, current.ticket_number, late)

    def _on_clear(self, rule: RuleType[Any], obs: Observation, now: datetime, outcome: RuleOutcome, late: bool) -> None:
        current = self.state.get(rule.name, obs.key)
        if current is None or current.status != FIRING:
            return
        if decide(current.clock(), False, now, rule.config.policy()) is Action.clearing:
            # Clear, but not yet for ``resolve_after``: a dip inside an incident does not end it.
            self.state.mark_incident(rule.name, obs.key, current.incident or "", clearing=True, at=now)
            return
        before = self.state.resolve(rule.name, obs.key, now)
        if before is None:
            return
        self._record(
            "resolved",
            rule,
            obs.key,
            now,
            obs,
            incident=before.incident,
            ticket_number=before.ticket_number,
            ticket_id=before.ticket_id,
        )
        log.info("alert %s resolved for %s: %s", rule.name, obs.key, obs.summary)
        add_once(outcome.resolved, obs.key)
        self._notify(rule, "alert_resolved", obs, now, before.ticket_number, late)

    def _notify(
        self, rule: RuleType[Any], kind: str, obs: Observation, now: datetime, ticket: str | None, late: bool
    ) -> None:
        channels = rule.config.notify or self.default_notify
        if self.dispatcher is None or not channels:
            return
        posts = [
            Post(platform=m.platform, title=m.title, excerpt=m.text[:200], url=m.url)
            for m in self.store.get_many(obs.mention_ids[:5])
        ]
        summary = obs.summary + (" (reported late: the worker was down)" if late else "")
        message = Message(
            kind=kind,
            summary=summary,
            rule=rule.name,
            key=obs.brand or obs.key,
            window=(isoformat_z(obs.window_start), isoformat_z(obs.window_end)),
            numbers=obs.numbers,
            posts=posts,
            top_words=obs.top_words,
            ticket=ticket,
            at=isoformat_z(now),
        )
        self.dispatcher.enqueue(message, channels, at=now)

    def _record(
        self, kind: str, rule: RuleType[Any], key: str, at: datetime, obs: Observation | None = None, **fields: Any
    ) -> None:
        """Append to the alert history; an observation contributes its window, numbers, summary and brand."""
        if obs is not None:
            fields = {
                "window_start": obs.window_start,
                "window_end": obs.window_end,
                "numbers": obs.numbers,
                "summary": obs.summary,
                "brand": obs.brand,
                **fields,
            }
        self.state.add_event(AlertEvent(rule=rule.name, rule_type=rule.type_name, key=key, kind=kind, at=at, **fields))

    @staticmethod
    def _ticket_request(rule: RuleType[Any], obs: Observation, incident: str) -> dict[str, Any]:
        request: dict[str, Any] = {
            "title": rule.ticket_title(obs)[:300],
            "description": rule.ticket_description(obs),
            "brand": obs.brand,
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
        if rule.ticket_category is not None:
            request["category"] = rule.ticket_category.value
        return request
