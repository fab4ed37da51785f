"""The rules a ticket store applies, built once from the config: classification, routing, SLA, escalation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from tickets.classify import DEFAULT_URGENT_WORDS, Classifier, ModelClassifier
from tickets.config import WEEKDAYS, TicketsConfig
from tickets.enums import Category, Level, Priority
from tickets.sla import DEFAULT_TARGETS, BusinessCalendar, SlaPolicy, Targets


@dataclass
class TicketPolicy:
    """Everything configurable about how tickets are handled."""

    number_prefix: str = "FBD"
    timezone: str = "Asia/Shanghai"
    default_priority: Priority = Priority.general
    classifier: Classifier | ModelClassifier = field(default_factory=Classifier)
    sla: SlaPolicy = field(default_factory=SlaPolicy)
    config: TicketsConfig = field(default_factory=TicketsConfig)

    @classmethod
    def from_config(cls, config: TicketsConfig, timezone: str = "Asia/Shanghai") -> TicketPolicy:
        lexicon = config.classification.lexicon
        classifier: Classifier | ModelClassifier
        if config.classification.engine == "model":
            classifier = ModelClassifier(
                critical_words=config.classification.critical_words,
                major_words=lexicon.major,
                low_confidence=config.classification.low_confidence,
            )
        else:
            classifier = Classifier(
                category_words=lexicon.categories or None,
                urgent_words=[
                    *(lexicon.urgent or DEFAULT_URGENT_WORDS),
                    *config.classification.critical_words.get("*", []),
                ],
                major_words=lexicon.major,
                low_confidence=config.classification.low_confidence,
            )
        targets = dict(DEFAULT_TARGETS)
        for grade, target in config.sla.items():
            targets[grade] = Targets(target.respond, target.resolve, target.mobilise, target.monthly_plan)
        business = None
        grades: frozenset[Priority] = frozenset()
        hours = config.business_hours
        if hours is not None:
            business = BusinessCalendar(
                timezone,
                weekdays=frozenset(WEEKDAYS.index(day) for day in hours.weekdays),
                start=hours.start,
                end=hours.end,
                holidays=frozenset(hours.holidays),
                workdays=frozenset(hours.workdays),
            )
            grades = frozenset(hours.grades)
        sla = SlaPolicy(targets, business, grades, timezone)
        return cls(config.number_prefix, timezone, config.default_priority, classifier, sla, config)

    def department_for(self, category: Category, brand: str | None, product: str | None) -> str:
        """The first routing rule that matches, else the default department."""
        for rule in self.config.routing:
            if rule.category is not None and rule.category is not category:
                continue
            if rule.brand is not None and rule.brand != brand:
                continue
            if rule.product is not None and (product is None or rule.product not in product):
                continue
            return rule.department
        return self.config.home_department()

    @property
    def chain(self) -> list[Level]:
        return list(self.config.escalation.chain)

    @property
    def warn_before(self) -> timedelta:
        return self.config.escalation.warn_before

    @property
    def escalation_step(self) -> timedelta:
        return self.config.escalation.step

    @property
    def revisit_after(self) -> timedelta:
        return self.config.revisit_after
