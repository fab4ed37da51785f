"""Alert rules shared between workers: each rule has one owner at a time, and each moment is evaluated once.

The scheduler publishes evaluation moments (:data:`~yuqing.queue.keys.EVAL_MOMENT`: on its timer and as soon
as new mentions are stored). Every worker's evaluator thread looks for rules not yet evaluated at the latest
moment, takes a rule's lease, checks again under the lease that nobody finished that moment meanwhile,
evaluates, records the moment as done and lets go. Rules are the unit of sharing (not brands) because a rule's
catch-up and event cursor are kept per rule; its brands are its keys.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
import random
import socket
import threading
import time
from datetime import UTC, datetime
from typing import Any

from alerts.engine import AlertEngine
from foundation.queue_health import WorkerInfo
from foundation.timeutil import utcnow
from yuqing.queue import keys
from yuqing.queue.jobs import WorkerContext, log_event
from yuqing.queue.lease import Lease, LeaseKeeper

log = logging.getLogger(__name__)


def _float(raw: Any) -> float | None:
    return float(raw) if raw is not None else None


class RuleEvaluator:
    """The evaluator thread of one worker; it also sends the worker's heartbeat."""

    def __init__(self, ctx: WorkerContext, engine: AlertEngine):
        self.ctx = ctx
        self.engine = engine
        self.started_at = utcnow().isoformat()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rule-evaluator", daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self.refresh_seconds = 0.0  # the last index refresh before a round (logged with its evaluations)

    def start(self) -> RuleEvaluator:
        self.beat()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self.ctx.redis.delete(keys.worker_key(self.ctx.name))

    def beat(self) -> None:
        """Say this worker is alive (and what it works on) for a little longer than a lease lasts."""
        now = utcnow().isoformat()
        current = ", ".join(f"{k} {v}" for k, v in sorted(dict(self.ctx.current).items())) or None
        info = WorkerInfo(self.ctx.name, socket.gethostname(), os.getpid(), self.started_at, now, current)
        ttl = int(self.ctx.timing.lease_ttl.total_seconds()) + 1
        self.ctx.redis.set(keys.worker_key(self.ctx.name), json.dumps(info.__dict__), ex=ttl)

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        next_beat = 0.0
        try:
            while not self._stop.wait(self.ctx.timing.eval_poll.total_seconds()):
                try:
                    if time.monotonic() >= next_beat:
                        self.beat()
                        next_beat = time.monotonic() + self.ctx.timing.heartbeat_every.total_seconds()
                    self.evaluate_due()
                except Exception:  # Redis or a store hiccup: the next poll tries again
                    log.exception("rule evaluation round failed; retrying")
        finally:
            self._loop.run_until_complete(self.engine.tickets.aclose())
            self._loop.close()

    def evaluate_due(self) -> list[str]:
        """Evaluate every rule that is behind the published moment and that no other worker holds."""
        moment = _float(self.ctx.redis.get(keys.EVAL_MOMENT))
        if moment is None:
            return []
        done = []
        rules = list(self.engine.rules)
        random.shuffle(rules)  # workers that wake together start on different rules
        refreshed = False
        for rule in rules:
            if self._stop.is_set():
                break
            if (_float(self.ctx.redis.get(keys.rule_done(rule.name))) or 0) >= moment:
                continue
            lease = Lease(self.ctx.redis, keys.rule_lease(rule.name), self.ctx.timing.lease_ttl.total_seconds())
            if not lease.acquire():
                continue  # another worker owns this rule now
            try:
                with LeaseKeeper(lease):
                    # Under the lease: another worker may have finished this moment between our look and now.
                    if (_float(self.ctx.redis.get(keys.rule_done(rule.name))) or 0) >= moment:
                        continue
                    if not refreshed:
                        began = time.time()
                        self.engine.store.refresh()  # see what the crawls stored (Elasticsearch refresh)
                        self.refresh_seconds = time.time() - began
                        refreshed = True
                    self.ctx.current["rule"] = rule.name
                    self._evaluate(rule.name, moment)
                    done.append(rule.name)
            finally:
                self.ctx.current.pop("rule", None)
                lease.release()
        return done

    def _evaluate(self, rule: str, moment: float) -> None:
        single = copy.copy(self.engine)
        single.rules = [r for r in self.engine.rules if r.name == rule]
        assert self._loop is not None
        at = datetime.fromtimestamp(moment, UTC)
        started = time.time()
        report = self._loop.run_until_complete(single.evaluate(at))
        self.ctx.redis.set(keys.rule_done(rule), repr(moment))
        outcome = report.outcomes[0] if report.outcomes else None
        log_event(
            self.ctx.redis,
            keys.EVAL_LOG,
            rule=rule,
            moment=repr(moment),
            worker=self.ctx.name,
            status=outcome.status if outcome else "none",
            refresh=round(self.refresh_seconds, 3),
            fired=len(report.fired),
            read=round(outcome.read_seconds, 3) if outcome else 0,
            act=round(outcome.act_seconds, 3) if outcome else 0,
            seen=len(outcome.observations) if outcome else 0,
            started=started,
            ended=time.time(),
        )
