"""The --cv summary: overall figures to four decimals and each type's recall beside its false readings."""

from __future__ import annotations

from tickets.enums import Category, Priority
from tickets.understanding.devset import Labelled
from tickets.understanding.evaluate import type_summary
from tickets.understanding.understand import Understanding


def _row(text: str, kind: str, category: Category) -> Labelled:
    return Labelled(text, text, "d", (category,), kind, False, "train")


def test_type_summary_counts_recall_and_false_readings() -> None:
    rows = [
        _row("a", "complaint", Category.product_quality),
        _row("b", "complaint", Category.logistics),
        _row("c", "enquiry", Category.enquiry),
        _row("d", "enquiry", Category.enquiry),
    ]
    read = {
        "a": ("complaint", Category.product_quality),
        "b": ("enquiry", Category.enquiry),  # a complaint read as an enquiry: one false enquiry
        "c": ("enquiry", Category.enquiry),
        "d": ("complaint", Category.product_quality),
    }

    def reading(text: str) -> Understanding:
        kind, category = read[text]
        return Understanding((category,), kind, Priority.general, 1.0)

    lines = type_summary(rows, reading).splitlines()
    assert lines[0] == "all: lenient 0.5000  macro recall 0.5000  type 0.5000"
    assert lines[1].split() == ["type", "complaint", "recall", "0.500", "(", "1", "of", "2)", "false", "1"]
    assert lines[2].split() == ["type", "enquiry", "recall", "0.500", "(", "1", "of", "2)", "false", "1"]
