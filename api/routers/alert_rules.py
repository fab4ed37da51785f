"""``/alerts/rules``: the configured alert rules, and a replay of one over the stored history (what it would
have fired and resolved: :func:`alerts.backtest.replay`, nothing stored, nobody told), scoped to the caller's
brands."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from alerts.backtest import replay
from alerts.engine import resolve_saved_query
from alerts.registry import build_rule
from alerts.rules.base import RuleConfig, RuleScopeError
from api.deps import ConfigDep, MentionStoreDep, PrincipalDep, ResourcesDep
from config.models import AppConfig
from foundation.access import Principal
from foundation.errors import InvalidQuery, NotFound
from foundation.i18n import localize
from foundation.timeutil import parse_duration, utcnow
from index.saved import SavedSearchStore

router = APIRouter(prefix="/alerts/rules", tags=["alerts"])

#: Options every rule has; the rest of a rule's config are its own parameters (threshold, window…).
_COMMON = set(RuleConfig.model_fields) - {"name", "type"}
#: The most evaluations one replay runs (the step grows for a long span).
MAX_MOMENTS = 500


class RuleOut(BaseModel):
    """A configured rule: what it watches and its own parameters."""

    name: str
    type: str
    enabled: bool
    description: str | None
    brands: list[str] = Field(description="The brands it watches that you may see (all of yours when empty).")
    platforms: list[str]
    query: str | None
    saved_search: str | None
    priority: str
    open_ticket: bool
    notify: list[str]
    params: dict[str, Any] = Field(description="The rule type's own settings (thresholds, windows…).")


class ReplayEvent(BaseModel):
    at: datetime
    key: str
    kind: str = Field(description="fired, reminded or resolved")
    summary: str
    numbers: dict[str, Any]


class ReplayOut(BaseModel):
    rule: str
    since: datetime
    until: datetime
    step_seconds: int
    evaluations: int
    fired: int
    events: list[ReplayEvent]


def _visible_keys(config: AppConfig, rule: RuleConfig, principal: Principal) -> list[str] | None:
    """The rule's brands the caller may see; ``None`` when the rule is not theirs to see at all."""
    watched = rule.brands or config.brand_names()
    narrowed = principal.scope.narrow(watched)
    if narrowed is None:
        return list(watched)
    return narrowed or None


def _rules(config: AppConfig, principal: Principal) -> list[tuple[RuleConfig, list[str]]]:
    out = []
    for rule in config.rules():
        keys = _visible_keys(config, rule, principal)
        if keys is not None:
            out.append((rule, keys))
    return out


@router.get("", response_model=list[RuleOut], summary="The configured alert rules")
def list_rules(config: ConfigDep, principal: PrincipalDep) -> list[RuleOut]:
    """Every rule watching a brand you may see, with its parameters."""
    return [
        RuleOut(
            name=rule.name,
            type=rule.type,
            enabled=rule.enabled,
            description=rule.description,
            brands=keys,
            platforms=rule.platforms,
            query=rule.query,
            saved_search=rule.saved_search,
            priority=rule.priority.value,
            open_ticket=rule.open_ticket,
            notify=rule.notify,
            params=rule.model_dump(mode="json", exclude=_COMMON | {"name", "type"}),
        )
        for rule, keys in _rules(config, principal)
    ]


@router.post("/{name}/test", response_model=ReplayOut, summary="Replay a rule over the stored history")
def test_rule(
    name: str,
    config: ConfigDep,
    mentions: MentionStoreDep,
    resources: ResourcesDep,
    principal: PrincipalDep,
    since: Annotated[str, Query(max_length=16, description="How far back: 7d, 48h, 2w.")] = "7d",
    step: Annotated[
        str | None, Query(max_length=16, description="Between evaluations (default: evaluate_every).")
    ] = None,
) -> ReplayOut:
    """What the rule would have fired, reminded and resolved over the last ``since``, evaluated every ``step``
    (at most 500 evaluations: a longer span takes longer steps), over the posts you may see. Nothing is
    stored, no ticket opened, nobody notified."""
    found = {rule.name: (rule, keys) for rule, keys in _rules(config, principal)}
    if name not in found:
        raise NotFound(f"alert rule {name!r} does not exist")
    rule_config, keys = found[name]
    try:
        span = parse_duration(since)
        every = parse_duration(step) if step else config.alerts.evaluate_every
    except ValueError as exc:
        raise InvalidQuery(str(exc)) from exc
    if not timedelta(hours=1) <= span <= timedelta(days=90):
        raise InvalidQuery("replay between 1 hour and 90 days of history ('since')")
    if every <= timedelta(0):
        raise InvalidQuery("'step' must be positive")
    every = max(every, span / MAX_MOMENTS)
    until = utcnow()
    moments = []
    moment = until - span
    while moment <= until:
        moments.append(moment)
        moment += every
    rule = build_rule(rule_config)
    try:
        saved = resolve_saved_query(rule_config, SavedSearchStore(resources.db))
        events = replay(rule, mentions, moments, keys, config.timezone, saved_query=saved)
    except RuleScopeError as exc:
        raise InvalidQuery(str(exc)) from exc
    # A rule with its own brands evaluates them whatever it is given: keep only the keys the caller may see
    # (brand keys; a key that is no brand, such as a source's name, is not brand data).
    hidden = set(config.brand_names()) - set(keys)
    shown = [e for e in events if e.key not in hidden]
    return ReplayOut(
        rule=name,
        since=until - span,
        until=until,
        step_seconds=int(every.total_seconds()),
        evaluations=len(moments),
        fired=sum(e.kind == "fired" for e in shown),
        events=[
            ReplayEvent(at=e.at, key=e.key, kind=e.kind, summary=localize(e.summary), numbers=e.numbers) for e in shown
        ],
    )
