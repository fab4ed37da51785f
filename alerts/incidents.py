"""What one evaluation means for an incident: open it, remind, hold it, start clearing, resolve it.

One incident per rule and key (brand) at a time. While it lasts, evaluations that still fire bump it (the
engine records their numbers) and at most one reminder goes out per ``quiet_period``; it resolves once the
condition has stayed clear for ``resolve_after`` (a count that dips under the bar for one evaluation in the
middle of a crisis does not end it, and the next evaluation above the bar does not start a second one); after
it resolved, nothing new opens for ``realert``. The engine (state in the database) and the replays of
``yuqing alerts test``/``backtest``/``eval`` (state in memory) both decide through :func:`decide`, so what a
backtest shows is what the engine will send.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Action(StrEnum):
    open = "open"  # a new incident: notify, open its ticket
    remind = "remind"  # still firing after the quiet period: one more notification, same incident and ticket
    hold = "hold"  # still firing (or firing again while clearing): the same incident, nobody told
    clearing = "clearing"  # clear, but not for long enough to resolve
    resolve = "resolve"  # clear for ``resolve_after``: the resolved notice
    suppressed = "suppressed"  # firing within ``realert`` of the last resolution: nothing opens
    idle = "idle"  # clear, no incident


@dataclass(frozen=True)
class Policy:
    quiet_period: timedelta = timedelta(hours=24)
    resolve_after: timedelta = timedelta(0)
    realert: timedelta = timedelta(hours=6)


@dataclass
class Clock:
    """Where one rule stands for one key, as far as incidents go."""

    open: bool = False
    last_notified_at: datetime | None = None
    clear_since: datetime | None = None
    resolved_at: datetime | None = None


def decide(clock: Clock, firing: bool, now: datetime, policy: Policy) -> Action:
    """The action for one evaluation, without changing ``clock``."""
    if firing:
        if not clock.open:
            if clock.resolved_at is not None and now - clock.resolved_at < policy.realert:
                return Action.suppressed
            return Action.open
        if clock.last_notified_at is None or now - clock.last_notified_at >= policy.quiet_period:
            return Action.remind
        return Action.hold
    if not clock.open:
        return Action.idle
    since = clock.clear_since or now
    return Action.resolve if now - since >= policy.resolve_after else Action.clearing


def advance(clock: Clock, firing: bool, now: datetime, policy: Policy) -> Action:
    """:func:`decide`, then move ``clock`` accordingly (the in-memory replays)."""
    action = decide(clock, firing, now, policy)
    if action in (Action.open, Action.remind):
        clock.open, clock.last_notified_at, clock.clear_since = True, now, None
    elif action is Action.hold:
        clock.clear_since = None
    elif action is Action.clearing:
        clock.clear_since = clock.clear_since or now
    elif action is Action.resolve:
        clock.open, clock.clear_since, clock.resolved_at = False, None, now
    return action
