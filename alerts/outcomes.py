"""What one evaluation of the alert rules found: per rule, the observations, what fired, what resolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from alerts.rules.base import Observation


@dataclass
class Fired:
    """A key that fired in this evaluation (or whose pending ticket was delivered now)."""

    rule: str
    key: str
    incident: str
    summary: str
    ticket_number: str | None
    new_ticket: bool  # False: the ticket existed already (a retry, a concurrent evaluator, an open incident)
    error: str | None = None


@dataclass
class RuleOutcome:
    """What happened to one rule in one evaluation."""

    rule: str
    status: str  # evaluated | paused | error
    observations: list[Observation] = field(default_factory=list)
    fired: list[Fired] = field(default_factory=list)
    still_firing: list[str] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)  # still firing after the quiet period: told again
    suppressed: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    error: str | None = None
    caught_up: int = 0  # past evaluation times replayed after downtime
    #: Seconds spent reading (the rule's queries) and acting (state, tickets, notices): where the time goes.
    read_seconds: float = 0.0
    act_seconds: float = 0.0


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


def add_once(keys: list[str], key: str) -> None:
    # Catch-up evaluates several moments: a key is reported once per outcome.
    if key not in keys:
        keys.append(key)
