"""Counts, trends and word frequencies of the SQLite store, read from the roll-ups (see :mod:`index.rollups`).

Only filters the roll-ups are keyed by can be answered here: brands, platforms, languages, sentiment labels and
a time range (:func:`answerable`). The range is split into whole days, whole hours and the ragged edges;
the edges are counted from the mentions themselves with the same grouping, so every answer is exact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from index.base import MentionFilter
from index.rollups import (
    COUNT_LEVELS,
    WORD_LEVELS,
    Piece,
    brands_of,
    content_words,
    rowid_ceiling,
    rowid_floor,
    split_range,
)

#: One group of counted mentions: (brand set, platform, label, category or '', language) → n.
CountKey = tuple[str, str, str, str, str]
#: Roll-up rows a word count may read before the caller is told to sample instead (about 20 ms of reading).
WORD_ROWS_BUDGET = 20_000
_WORDS_PER_MENTION = 20  # distinct content words of a post, about (Weibo posts more, reviews fewer)
#: Word roll-up rows a mention adds, at the least: many of its words are new to its brand set and day (11.5 on
#: the 50k bench store, whose days hold ~280 mentions; fewer on busier days). Past this, rows are not counted.
_NEW_ROWS_PER_MENTION = 5
_SLOT_MS = 15 * 60 * 1000  # raw trend slots: every real time-zone offset is a multiple of 15 minutes
BRAND_SET_SQL = (
    "COALESCE((SELECT group_concat(brand, char(31)) FROM (SELECT brand FROM mention_brands "
    "WHERE mention_rowid = m.rowid ORDER BY brand)), '')"
)


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def answerable(flt: MentionFilter) -> bool:
    """Whether the roll-ups hold the answer: no words, no query, no source, score, updated-at or dated-only
    condition (the roll-ups count every mention, undated ones too)."""
    return not (
        flt.text
        or flt.query
        or flt.sources
        or flt.score_min is not None
        or flt.score_max is not None
        or flt.updated_since
        or flt.updated_until
        or flt.dated_only
    )


class RollupReader:
    """Reads the roll-ups (and the mentions at a range's edges) over one connection, for one filter."""

    def __init__(self, conn: Connection, flt: MentionFilter):
        self.conn = conn
        self.flt = flt
        self.lo = _ms(flt.since) if flt.since is not None else None
        self.hi = _ms(flt.until) if flt.until is not None else None
        sets = {row[0]: row[1] for row in conn.exec_driver_sql("SELECT set_id, brands FROM rollup_brandsets")}
        if flt.brands:
            wanted = set(flt.brands)
            sets = {i: key for i, key in sets.items() if wanted.intersection(brands_of(key))}
        self.sets = sets

    # -- conditions -----------------------------------------------------------------------------------------
    def _rollup_where(self, piece: Piece, unit_column: str, params: list[Any]) -> str:
        conds: list[str] = []
        if piece.lo is not None:
            conds.append(f"{unit_column} >= ?")
            params.append(piece.lo)
        if piece.hi is not None:
            conds.append(f"{unit_column} < ?")
            params.append(piece.hi)
        # Always by set (all of them without a brand filter): the keys start with the set.
        conds.append(f"set_id IN ({', '.join('?' * len(self.sets))})")
        params.extend(self.sets)
        self._field_conds("", conds, params)
        return " AND ".join(conds) or "1"

    def _field_conds(self, prefix: str, conds: list[str], params: list[Any]) -> None:
        for column, values in (
            ("platform", self.flt.platforms),
            ("sentiment_label", [label.value for label in self.flt.labels]),
            ("language", self.flt.languages),
        ):
            if values:
                conds.append(f"{prefix}{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)

    def raw_where(self, piece: Piece, params: list[Any]) -> str:
        conds: list[str] = []
        if piece.lo is not None:
            conds.append("m.rowid >= ?")
            params.append(rowid_floor(piece.lo))
        if piece.hi is not None:
            conds.append("m.rowid < ?")
            params.append(rowid_ceiling(piece.hi))
        if self.flt.brands:
            inner = [f"brand IN ({', '.join('?' * len(self.flt.brands))})"]
            params.extend(self.flt.brands)
            for op, bound in ((">=", piece.lo), ("<", piece.hi)):
                if bound is not None:
                    inner.append(f"published_at {op} ?")
                    params.append(bound)
            conds.append(f"m.rowid IN (SELECT mention_rowid FROM mention_brands WHERE {' AND '.join(inner)})")
        self._field_conds("m.", conds, params)
        if self.flt.dated_only:  # only the lean roll-ups answer these (see index.sqlite_lean)
            conds.append("m.date_estimated = 0")
        return " AND ".join(conds) or "1"

    def _unit_column(self, table: str) -> str:
        return {"rollup_days": "day", "rollup_hours": "hour", "rollup_words": "day"}[table]

    # -- answers --------------------------------------------------------------------------------------------
    def counts(self) -> Counter[CountKey]:
        """Matching mentions per (brand set, platform, label, category, language)."""
        out: Counter[CountKey] = Counter()
        if not self.sets:
            return out
        for piece in split_range(self.lo, self.hi, COUNT_LEVELS):
            params: list[Any] = []
            if piece.table is not None:
                where = self._rollup_where(piece, self._unit_column(piece.table), params)
                sql = (
                    f"SELECT set_id, platform, sentiment_label, category, language, SUM(n) FROM {piece.table} "
                    f"WHERE {where} GROUP BY set_id, platform, sentiment_label, category, language"
                )
                for row in self.conn.exec_driver_sql(sql, tuple(params)):
                    out[(self.sets.get(row[0], ""), row[1], row[2], row[3], row[4])] += int(row[5])
            else:
                out.update(self.raw_counts(piece))
        return +out

    def raw_counts(self, piece: Piece) -> Counter[CountKey]:
        """:meth:`counts` of a raw piece (a range's ragged edge), from the mentions themselves."""
        params: list[Any] = []
        where = self.raw_where(piece, params)
        sql = (
            f"SELECT {BRAND_SET_SQL}, m.platform, m.sentiment_label, COALESCE(m.category, ''), m.language, "
            f"COUNT(*) FROM mentions m WHERE {where} GROUP BY 1, 2, 3, 4, 5"
        )
        out: Counter[CountKey] = Counter()
        for row in self.conn.exec_driver_sql(sql, tuple(params)):
            out[(row[0], row[1], row[2], row[3], row[4])] += int(row[5])
        return out

    def total(self) -> int:
        """How many mentions match: :meth:`counts` summed, one row per piece instead of one per group."""
        if not self.sets:
            return 0
        total = 0
        for piece in split_range(self.lo, self.hi, COUNT_LEVELS):
            params: list[Any] = []
            if piece.table is not None:
                where = self._rollup_where(piece, self._unit_column(piece.table), params)
                sql = f"SELECT SUM(n) FROM {piece.table} WHERE {where}"
            else:
                total += self.raw_total(piece)
                continue
            total += int(self.conn.exec_driver_sql(sql, tuple(params)).scalar() or 0)
        return total

    def raw_total(self, piece: Piece) -> int:
        """How many mentions of a raw piece match."""
        params: list[Any] = []
        sql = f"SELECT COUNT(*) FROM mentions m WHERE {self.raw_where(piece, params)}"
        return int(self.conn.exec_driver_sql(sql, tuple(params)).scalar() or 0)

    def trend(self, edges: Sequence[int]) -> list[tuple[int, int, int]]:
        """(start ms, count, negative) of each unit or 15-minute slot, from levels aligned with ``edges``."""
        levels = tuple((t, u) for t, u in COUNT_LEVELS if all(e % u == 0 for e in edges))
        out: list[tuple[int, int, int]] = []
        if not self.sets:
            return out
        negative = "SUM(CASE WHEN sentiment_label = 'negative' THEN n ELSE 0 END)"
        for piece in split_range(self.lo, self.hi, levels):
            params: list[Any] = []
            if piece.table is not None:
                column = self._unit_column(piece.table)
                where = self._rollup_where(piece, column, params)
                sql = f"SELECT {column}, SUM(n), {negative} FROM {piece.table} WHERE {where} GROUP BY {column}"
                scale = piece.unit
            else:
                out += self.raw_trend(piece)
                continue
            out += [
                (int(r[0]) * scale, int(r[1]), int(r[2] or 0)) for r in self.conn.exec_driver_sql(sql, tuple(params))
            ]
        return out

    def raw_trend(self, piece: Piece) -> list[tuple[int, int, int]]:
        """:meth:`trend` of a raw piece, per 15-minute slot."""
        params: list[Any] = []
        where = self.raw_where(piece, params)
        sql = (
            f"SELECT m.published_at / {_SLOT_MS}, COUNT(*), "
            f"SUM(CASE WHEN m.sentiment_label = 'negative' THEN 1 ELSE 0 END) FROM mentions m "
            f"WHERE {where} GROUP BY 1"
        )
        rows = self.conn.exec_driver_sql(sql, tuple(params))
        return [(int(r[0]) * _SLOT_MS, int(r[1]), int(r[2] or 0)) for r in rows]

    def words(self, budget: int | None = None, total: int | None = None) -> tuple[int, Counter[str]] | None:
        """How many mentions match (``total`` if the caller counted them), and in how many of them each content
        word occurs; ``None`` when that would read more than ``budget`` roll-up rows (a long range of a large
        store: the vocabulary, not the number of mentions, is what the roll-ups cannot shrink)."""
        budget = WORD_ROWS_BUDGET if budget is None else budget
        total = self.total() if total is None else total
        out: Counter[str] = Counter()
        if not self.sets or not total:
            return total, out
        if total * _NEW_ROWS_PER_MENTION > budget:  # past the budget for sure: no need to count the rows
            return None
        pieces = split_range(self.lo, self.hi, WORD_LEVELS)
        rows = 0
        for piece in pieces:
            if piece.table is not None:
                bound: list[Any] = []
                where = self._rollup_where(piece, "day", bound)
                sql = f"SELECT count(*) FROM (SELECT 1 FROM rollup_words WHERE {where} LIMIT ?)"
                rows += int(self.conn.exec_driver_sql(sql, (*bound, budget + 1)).scalar_one())
            else:  # the edges' mentions are cut into words here: count each as the words it adds
                bound = []
                sql = f"SELECT count(*) FROM (SELECT 1 FROM mentions m WHERE {self.raw_where(piece, bound)} LIMIT ?)"
                rows += _WORDS_PER_MENTION * int(self.conn.exec_driver_sql(sql, (*bound, budget + 1)).scalar_one())
        if rows > budget:
            return None
        for piece in pieces:
            params: list[Any] = []
            if piece.table is not None:
                where = self._rollup_where(piece, "day", params)
                if self.flt.platforms or self.flt.labels or self.flt.languages:
                    raise AssertionError("word roll-ups are keyed by brand and day only")  # see word_answerable
                sql = f"SELECT word, SUM(n) FROM rollup_words WHERE {where} GROUP BY word"
                for word, n in self.conn.exec_driver_sql(sql, tuple(params)):
                    out[word] += int(n)
            else:
                where = self.raw_where(piece, params)
                sql = (
                    "SELECT f.title_seg, f.text_seg FROM mentions m JOIN mentions_fts f ON f.rowid = m.rowid "
                    f"WHERE {where}"
                )
                for title_seg, text_seg in self.conn.exec_driver_sql(sql, tuple(params)):
                    out.update(content_words(title_seg, text_seg))
        return total, +out


def word_answerable(flt: MentionFilter) -> bool:
    """Whether :meth:`RollupReader.words` can answer: brands and a time range only."""
    return answerable(flt) and not (flt.platforms or flt.labels or flt.languages)
