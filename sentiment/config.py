"""The sentiment domain's config section (``sentiment:`` in the YAML file)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sentiment import DEFAULT_SCORERS, SCORERS
from sentiment.base import Thresholds


class SentimentConfig(BaseModel):
    """Which scorers to use and where the label thresholds are.

    ``scorer`` names a registered scorer (:data:`sentiment.SCORERS`) or ``default``: the Chinese model
    trained on the shared corpora (``yuqing-zh``) and VADER for English. The default thresholds are the ones
    calibrated for that model (see ``sentiment/models/README.md``); another scorer may need its own.
    """

    model_config = ConfigDict(extra="forbid")

    scorer: str = "default"
    negative_below: float = Field(default=Thresholds.negative_below, ge=0.0, le=1.0)
    positive_above: float = Field(default=Thresholds.positive_above, ge=0.0, le=1.0)

    @field_validator("scorer")
    @classmethod
    def _known(cls, value: str) -> str:
        if value != "default" and value not in SCORERS:
            known = ", ".join(["default", *SCORERS])
            raise ValueError(f"unknown scorer {value!r}; known: {known} (default = {' + '.join(DEFAULT_SCORERS)})")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> SentimentConfig:
        if self.negative_below > self.positive_above:
            raise ValueError("negative_below must not be greater than positive_above")
        return self
