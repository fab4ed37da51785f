"""The alerts domain's config section (``alerts:`` in the YAML file) and what the engine reads of the rest."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict, Field

from alerts.channels import ChannelConfig, channel_config_type
from alerts.registry import rule_config_type
from alerts.rules.base import RuleConfig
from foundation.types import Duration

if TYPE_CHECKING:
    # The real types are unions built from the registries at import time, which a type checker cannot
    # follow; every member is a subclass of these.
    RuleEntry = RuleConfig
    ChannelEntry = ChannelConfig
else:
    RuleEntry = rule_config_type()
    ChannelEntry = channel_config_type()


class AlertsConfig(BaseModel):
    """When rules are evaluated, what they are, and where notifications go."""

    model_config = ConfigDict(extra="forbid")

    evaluate_every: Duration = Field(default=timedelta(minutes=1))
    rules: list[RuleEntry] = Field(default_factory=list)
    channels: list[ChannelEntry] = Field(default_factory=list)
    notify: list[str] = Field(default_factory=list, description="Channels of rules that name none themselves.")
    escalation_notify: list[str] = Field(
        default_factory=list, description="Channels told about ticket warnings, escalations and revisits."
    )
    report_notify: list[str] | None = Field(
        default=None, description="Channels the scheduled reports are pushed to (default: those of 'notify')."
    )
    allowed_hosts: list[str] = Field(
        default_factory=list, description="Webhook and SMTP hosts allowed besides the robots' own hosts."
    )
    allow_private_hosts: list[str] = Field(
        default_factory=list, description="Hosts allowed to resolve to internal addresses (on-premises relays)."
    )


class EngineConfig(Protocol):
    """What the alert engine reads of the whole configuration (``config.models.AppConfig`` has it)."""

    @property
    def alerts(self) -> AlertsConfig: ...

    @property
    def timezone(self) -> str: ...

    def rules(self) -> list[RuleConfig]: ...

    def brand_names(self) -> list[str]: ...
