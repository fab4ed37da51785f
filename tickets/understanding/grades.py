"""How grades combine: a rule or a caller may raise the classifier's grade, never lower it."""

from __future__ import annotations

from tickets.enums import Priority

#: From the mildest to the gravest.
SEVERITY = (Priority.suggestion, Priority.general, Priority.major, Priority.urgent)


def raise_only(model: Priority, requested: Priority | None) -> Priority:
    """The graver of the model's grade and a requested one (``None``: the model's)."""
    if requested is None:
        return model
    return max(model, requested, key=SEVERITY.index)
