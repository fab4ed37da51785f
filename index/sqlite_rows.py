"""Stored rows of the SQLite mention store back to :class:`~index.base.Mention` objects (the inverse of
:func:`index.sqlite_write.row_values`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from foundation.vocabulary import SentimentLabel
from index.base import Mention
from index.sqlite_write import COLUMNS


def _dt(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


def stored_mentions(conn: Connection, rows: Sequence[Any]) -> list[Mention]:
    """The mentions of ``rows`` of the mentions table (``SELECT *``), with their brands, in the order of the rows."""
    if not rows:
        return []
    brands: dict[int, list[str]] = {}
    marks = ", ".join("?" * len(rows))
    for rowid, brand in conn.exec_driver_sql(
        f"SELECT mention_rowid, brand FROM mention_brands WHERE mention_rowid IN ({marks}) ORDER BY brand",
        tuple(row.rowid for row in rows),
    ):
        brands.setdefault(rowid, []).append(brand)
    # Columns by position: a Row's attribute lookup cost more than building the mention (3 ms a page).
    fields = list(rows[0]._fields)
    at = [fields.index(c) for c in COLUMNS]
    out = []
    for row in rows:
        data = dict(zip(COLUMNS, [row[i] for i in at], strict=True))
        for key in ("published_at", "collected_at", "updated_at"):
            data[key] = _dt(data[key])
        data["matched_keywords"] = json.loads(data["matched_keywords"])
        data["extra"] = json.loads(data["extra"])
        data["date_estimated"] = bool(data["date_estimated"])
        data["brands"] = brands.get(row.rowid, [])  # sorted, as the model keeps them
        data["sentiment_label"] = SentimentLabel(data["sentiment_label"])
        # Rows were validated when written: rebuilt without validating again (a fifth of a search's time).
        out.append(Mention.stored(data))
    return out
