"""The rules a ticket store applies, built once from the config: classification, routing, SLA, escalation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from tickets.classify import DEFAULT_URGENT_WORDS, Classifier, ModelClassifier
from tickets.config import WEEKDAYS, TicketsConfig
from tickets.enums import Category, Level, Priority
from tickets.sla import DEFAULT_TARGETS, BusinessCalendar, SlaPolicy, Targets
from tickets.understanding.grades import SEVERITY, raise_only


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

    def warm_up(self) -> None:
        """Load what reading the first ticket's text loads (the complaint model, the sentiment model it scores
        with, the jieba-rs dictionary of its evidence): at a process's start, not in its first crisis post."""
        self.classifier.classify("预热：加载模型 warm-up")

    def grade_for(self, kind: str, model: Priority, requested: Priority | None, automatic: bool) -> Priority:
        """The grade of a new ticket of type ``kind`` whose text the classifier graded ``model``.

        A requested priority raises the grade, never lowers it. A suggestion or an enquiry takes its type's grade
        (config ``tickets.types``) unless the reader found it urgent or major; an alert rule's everyday priority
        (general or milder) is meant for complaints and does not pull it off its own route — an urgent or major
        rule priority still raises it.
        """
        handling = self.config.types.get(kind)  # type: ignore[call-overload]
        if handling is None:
            return raise_only(model, requested)
        grade = model if model in (Priority.urgent, Priority.major) else handling.grade
        if automatic and requested is not None and SEVERITY.index(requested) <= SEVERITY.index(Priority.general):
            requested = None
        return raise_only(grade, requested)

    def department_for(
        self, category: Category, brand: str | None, product: str | None, kind: str | None = None
    ) -> str:
        """The type's own desk (config ``tickets.types``) if it has one, else the first routing rule that
        matches, else the default department."""
        handling = self.config.types.get(kind) if kind else None  # type: ignore[call-overload]
        if handling is not None and handling.department is not None:
            return str(handling.department)
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
