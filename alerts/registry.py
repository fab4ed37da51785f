"""The explicit registry of alert rule types: the YAML ``type:`` of a rule selects one of these."""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Field

from alerts.rules.base import RuleConfig, RuleType
from alerts.rules.crawl_backlog import CrawlBacklogRule
from alerts.rules.events import BadReviewRule, CriticalWordsRule
from alerts.rules.influential import InfluentialNegativeRule
from alerts.rules.negative_share import NegativeShareRule
from alerts.rules.source_silent import SourceSilentRule
from alerts.rules.sustained_rise import SustainedRiseRule
from alerts.rules.volume_spike import VolumeSpikeRule

RULE_TYPES: dict[str, type[RuleType[Any]]] = {
    rule.type_name: rule
    for rule in (
        NegativeShareRule,
        VolumeSpikeRule,
        SustainedRiseRule,
        CriticalWordsRule,
        BadReviewRule,
        SourceSilentRule,
        InfluentialNegativeRule,
        CrawlBacklogRule,
    )
}


def rule_config_type() -> Any:
    """A pydantic type accepting the options of any registered rule type, selected by ``type``."""
    models = tuple(rule.config_model for rule in RULE_TYPES.values())
    return Annotated[Union[models], Field(discriminator="type")]  # noqa: UP007 - built at runtime


def build_rule(config: RuleConfig) -> RuleType[Any]:
    """The rule object for a validated rule config."""
    return RULE_TYPES[config.type](config)
