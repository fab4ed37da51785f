"""Facets, totals and trends of the SQLite store from the lean roll-ups (see :mod:`index.rollups`).

The lean roll-ups count, per brand (or all brands) × day / hour × estimated date, the mentions holding each value
of each facet field. They answer a filter of at most one brand, a time range and, for totals and trends, one
kind of field condition (platforms, labels or languages; a label condition only for trends), dated-only or not
(:func:`lean_answerable`). Whole days and hours are read from them; a range's ragged edges are counted from the
mentions themselves (:class:`~index.sqlite_rollups.RollupReader`), so every answer is exact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from index.base import MentionFilter
from index.rollups import ALL_BRANDS, LEAN_LEVELS, Piece, brands_of, split_range
from index.sqlite_rollups import RollupReader, answerable

#: Field conditions of a filter, as (lean field, values).
_CONDITIONS = (("platform", "platforms"), ("sentiment", "labels"), ("language", "languages"))


def _conditions(flt: MentionFilter) -> list[tuple[str, list[str]]]:
    out = []
    for name, attr in _CONDITIONS:
        values = getattr(flt, attr)
        if values:
            out.append((name, [getattr(v, "value", v) for v in values]))
    return out


def lean_answerable(flt: MentionFilter, what: str) -> bool:
    """Whether the lean roll-ups answer ``what`` (``facets``, ``total`` or ``trend``) of ``flt``."""
    if not answerable(flt.model_copy(update={"dated_only": False})) or len(flt.brands) > 1:
        return False
    conditions = _conditions(flt)
    if what == "facets":
        return not conditions
    if what == "trend":  # the negative count of a platform or language is not kept apart
        return not conditions or [name for name, _ in conditions] == ["sentiment"]
    return len(conditions) <= 1


class LeanReader:
    """Reads the lean roll-ups (and the mentions at a range's edges) for one filter over one connection."""

    def __init__(self, conn: Connection, flt: MentionFilter):
        self.conn = conn
        self.flt = flt
        self.brand = flt.brands[0] if flt.brands else ALL_BRANDS
        self.conditions = _conditions(flt)
        self._raw: RollupReader | None = None

    @property
    def raw(self) -> RollupReader:
        if self._raw is None:
            self._raw = RollupReader(self.conn, self.flt)
        return self._raw

    def _pieces(self, levels: Sequence[tuple[str, int]] = LEAN_LEVELS) -> list[Piece]:
        since, until = self.flt.since, self.flt.until
        lo = int(since.timestamp() * 1000) if since is not None else None
        hi = int(until.timestamp() * 1000) if until is not None else None
        return split_range(lo, hi, levels)

    def _where(self, piece: Piece, params: list[Any], fields: Sequence[str]) -> str:
        unit = "day" if piece.table == "rollup_brand_days" else "hour"
        conds = ["brand = ?"]
        params.append(self.brand)
        for op, bound in ((">=", piece.lo), ("<", piece.hi)):
            if bound is not None:
                conds.append(f"{unit} {op} ?")
                params.append(bound)
        if self.flt.dated_only:
            conds.append("estimated = 0")
        conds.append(f"field IN ({', '.join('?' * len(fields))})")
        params.extend(fields)
        return " AND ".join(conds)

    def marginals(self) -> dict[str, Counter[str]]:
        """Per facet field (and ``total``, under ``''``) the matching mentions per value."""
        out: dict[str, Counter[str]] = {"total": Counter(), "platform": Counter(), "brand": Counter()}
        out.update(sentiment=Counter(), category=Counter(), language=Counter())
        for piece in self._pieces():
            if piece.table is not None:
                params: list[Any] = []
                where = self._where(piece, params, tuple(out))
                sql = f"SELECT field, value, SUM(n) FROM {piece.table} WHERE {where} GROUP BY field, value"
                for name, value, n in self.conn.exec_driver_sql(sql, tuple(params)):
                    out[name][value] += int(n)
                continue
            for (brands, platform, label, category, language), n in self.raw.raw_counts(piece).items():
                out["total"][""] += n
                out["platform"][platform] += n
                out["sentiment"][label] += n
                out["language"][language] += n
                if category:
                    out["category"][category] += n
                for brand in brands_of(brands):
                    out["brand"][brand] += n
        return {name: +counter for name, counter in out.items()}

    def total(self) -> int:
        """How many mentions match (one field condition at most: its values are summed)."""
        name, values = self.conditions[0] if self.conditions else ("total", [""])
        total = 0
        for piece in self._pieces():
            params: list[Any] = []
            if piece.table is not None:
                where = self._where(piece, params, (name,))
                sql = f"SELECT SUM(n) FROM {piece.table} WHERE {where} AND value IN ({', '.join('?' * len(values))})"
                total += int(self.conn.exec_driver_sql(sql, (*params, *values)).scalar() or 0)
            else:
                total += self.raw.raw_total(piece)
        return total

    def trend(self, edges: Sequence[int]) -> list[tuple[int, int, int]]:
        """(start ms, count, negative) per unit or 15-minute slot, from the levels aligned with ``edges``."""
        levels = tuple((t, u) for t, u in LEAN_LEVELS if all(e % u == 0 for e in edges))
        labels = self.conditions[0][1] if self.conditions else None
        out: list[tuple[int, int, int]] = []
        for piece in self._pieces(levels):
            if piece.table is None:
                out += self.raw.raw_trend(piece)
                continue
            params: list[Any] = []
            unit = "day" if piece.table == "rollup_brand_days" else "hour"
            if labels is None:
                where = self._where(piece, params, ("total", "sentiment"))
                count = "SUM(CASE WHEN field = 'total' THEN n ELSE 0 END)"
            else:
                where = self._where(piece, params, ("sentiment",))
                where += f" AND value IN ({', '.join('?' * len(labels))})"
                params.extend(labels)
                count = "SUM(n)"
            negative = "SUM(CASE WHEN field = 'sentiment' AND value = 'negative' THEN n ELSE 0 END)"
            sql = f"SELECT {unit}, {count}, {negative} FROM {piece.table} WHERE {where} GROUP BY {unit}"
            rows = self.conn.exec_driver_sql(sql, tuple(params))
            out += [(int(r[0]) * piece.unit, int(r[1]), int(r[2])) for r in rows]
        return out
