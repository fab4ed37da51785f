"""``yuqing classify``: a CSV (or lines of text) in, the same rows with the reading appended out."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Protocol

from tickets.classify import Classification

COLUMNS = ("category", "categories", "type", "grade", "confidence", "evidence")


class Reads(Protocol):
    def classify(self, text: str, brand: str | None = None) -> Classification: ...


def classify_rows(classifier: Reads, columns: Sequence[str], rows: Sequence[dict[str, str]], text_column: str) -> str:
    """CSV text: every input column, then category (primary), categories (all, ``|``-separated), type, grade,
    confidence and the evidence words (``category:word|word; urgent:word``)."""
    out = io.StringIO()
    extra = [c for c in COLUMNS if c not in columns]
    writer = csv.DictWriter(out, fieldnames=[*columns, *extra])
    writer.writeheader()
    for row in rows:
        verdict = classifier.classify(row.get(text_column) or "")
        categories = verdict.categories or (verdict.category,)
        writer.writerow(
            {
                **row,
                "category": verdict.category.value,
                "categories": "|".join(c.value for c in categories),
                "type": verdict.type,
                "grade": verdict.grade.value,
                "confidence": f"{verdict.confidence:.2f}",
                "evidence": verdict.matched_text(),
            }
        )
    return out.getvalue()
