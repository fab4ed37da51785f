"""Top and rising words of long time ranges in the SQLite store: each day's most frequent words, per brand.

``rollup_words`` (see :mod:`index.rollups`) counts every content word per brand set × day, exactly, in the same
transaction as each write. Its rows grow with the vocabulary: a 30-day range of a million-mention store holds
hundreds of thousands of them, too many to read for one dashboard panel. For long ranges the store reads a
roll-up pruned to the words that can matter instead:

- ``rollup_word_tops``: per brand (``''``: every mention once) × UTC day, the :data:`TOP_PER_DAY` words in most
  of that day's mentions, with their exact counts;
- ``rollup_word_cuts``: per brand × day where words were left out, the count of the most frequent one left out
  (no row: nothing was left out, the day's list is complete);
- ``rollup_word_days``: per day, a version the write path bumps whenever the day's word counts change
  (insert, edit, re-score with new text, delete); ``rollup_word_top_days``: the version each day's lists were
  built from.

The lists are derived from ``rollup_words``. A day whose lists are older than its version is rebuilt by the
next reader that needs it (cost: that day's rows, once per change) and saved when the write lock is free at
once; a reader never waits for a writer and never uses a stale list. A range's whole days come from the lists;
its ragged edges from the mentions themselves, all of them up to :data:`EDGE_SAMPLE`, else a uniform sample
(the low bits of a rowid are bits of the mention's id, a hash) scaled up to the edge's count.

The answer is exact when no day of the range left a word out and no edge was sampled (always so on small
stores); otherwise it is approximate and says so: a word's count misses the days where it was not among the
day's top words (at most the day's cut each) and the sampled edges are estimates. This is what Elasticsearch's
``terms`` aggregation does across shards (each shard's top ``shard_size`` terms), with days for shards.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from foundation.db import SQLITE_BUSY_TIMEOUT_MS
from index.base import MentionFilter, WordFrequencies
from index.rollups import ALL_BRANDS, ROWID_SHIFT, WORD_LEVELS, brands_of, split_range
from index.sqlite_lean import LeanReader
from index.sqlite_rollups import RollupReader, word_answerable
from index.words import content_word

#: Words kept per brand × day (and those tied with the last of them). The dashboard lists 20: a word among a
#: 30-day range's top 20 is among nearly every day's top 200, so its count is exact; rising words are looked
#: for among the words kept, not among the rare words left out.
TOP_PER_DAY = 200
#: Mentions of a range's ragged edge counted one by one; past this, a uniform sample of about this many.
EDGE_SAMPLE = 100
_ROWID_LOW = (1 << ROWID_SHIFT) - 1


@dataclass
class DayTops:
    """The word lists of one day, built from ``rollup_words`` at ``version``: brand → (words, cut)."""

    day: int
    version: int
    brands: dict[str, tuple[list[tuple[str, int]], int]] = field(default_factory=dict)


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def stale_days(conn: Connection, first: int, last: int) -> dict[int, int]:
    """Days in ``[first, last)`` whose lists are missing or older than their word counts: day → version."""
    rows = conn.exec_driver_sql(
        "SELECT d.day, d.version FROM rollup_word_days d LEFT JOIN rollup_word_top_days t ON t.day = d.day "
        "WHERE d.day >= ? AND d.day < ? AND (t.version IS NULL OR t.version != d.version)",
        (first, last),
    )
    return {int(day): int(version) for day, version in rows}


def build_day(conn: Connection, day: int, version: int, sets: Mapping[int, str]) -> DayTops:
    """Every brand's (and all brands') top words of ``day`` from the exact brand-set counts."""
    members: dict[str, list[int]] = {ALL_BRANDS: list(sets)}
    for set_id, key in sets.items():
        for brand in brands_of(key):
            members.setdefault(brand, []).append(set_id)
    built = DayTops(day, version)
    for brand, ids in members.items():
        if not ids:
            continue
        rows = _fetch(
            conn,
            f"SELECT word, SUM(n) AS c FROM rollup_words WHERE set_id IN ({_marks(len(ids))}) AND day = ? "
            "GROUP BY word HAVING c > 0 ORDER BY c DESC, word",
            (*ids, day),
        )
        if not rows:
            continue
        # Words tied with the last one kept are kept too: no word is dropped for its spelling, and a quiet day
        # (where most words occur once) keeps all of its words.
        least = int(rows[min(TOP_PER_DAY, len(rows)) - 1][1])
        end = next((i for i in range(TOP_PER_DAY, len(rows)) if rows[i][1] < least), len(rows))
        kept = [(str(w), int(n)) for w, n in rows[:end]]
        built.brands[brand] = (kept, int(rows[end][1]) if end < len(rows) else 0)
    return built


def write_days(conn: Connection, built: Sequence[DayTops], brands: Sequence[str]) -> None:
    """Replace the lists of the ``built`` days (inside the caller's write transaction)."""
    every = [ALL_BRANDS, *brands]
    for tops in built:
        for table in ("rollup_word_tops", "rollup_word_cuts"):
            conn.exec_driver_sql(
                f"DELETE FROM {table} WHERE brand IN ({_marks(len(every))}) AND day = ?", (*every, tops.day)
            )
        words = [(b, tops.day, w, n) for b, (kept, _) in tops.brands.items() for w, n in kept]
        if words:
            conn.exec_driver_sql("INSERT INTO rollup_word_tops VALUES (?, ?, ?, ?)", words)
        cuts = [(b, tops.day, cut) for b, (_, cut) in tops.brands.items() if cut]
        if cuts:
            conn.exec_driver_sql("INSERT INTO rollup_word_cuts VALUES (?, ?, ?)", cuts)
        conn.exec_driver_sql(
            "INSERT INTO rollup_word_top_days VALUES (?, ?) ON CONFLICT DO UPDATE SET version = excluded.version",
            (tops.day, tops.version),
        )


def all_brands(conn: Connection) -> list[str]:
    keys = [row[0] for row in conn.exec_driver_sql("SELECT brands FROM rollup_brandsets")]
    return sorted({b for key in keys for b in brands_of(key)})


def save_days(engine: Engine, built: Sequence[DayTops]) -> int:
    """Save rebuilt lists if the write lock is free at once and their days did not change meanwhile; how many
    days were saved. A reader does not wait for a writer: when it cannot save, the next reader rebuilds."""
    if not built:
        return 0
    with engine.connect() as conn:
        try:
            conn.exec_driver_sql("PRAGMA busy_timeout = 0")
            marks = _marks(len(built))
            current: dict[int, int] = dict(
                conn.exec_driver_sql(
                    f"SELECT day, version FROM rollup_word_days WHERE day IN ({marks})", tuple(t.day for t in built)
                ).all()
            )
            fresh = [t for t in built if current.get(t.day) == t.version]
            write_days(conn, fresh, all_brands(conn))
            conn.commit()
            return len(fresh)
        except OperationalError:  # locked by a writer (or a newer snapshot): leave it to the next reader
            conn.rollback()
            return 0
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            conn.commit()


@dataclass
class PrunedCounts:
    """Word counts of whole days read from the lists; ``complete``: no day left a word out."""

    counts: Counter[str]
    complete: bool
    built: list[DayTops]


def pruned_counts(conn: Connection, brand: str, first: int, last: int, sets: Mapping[int, str]) -> PrunedCounts:
    """Each word's count over the days ``[first, last)`` for ``brand`` (``''``: all), from the day lists, after
    rebuilding (in memory) the days whose lists are stale."""
    stale = stale_days(conn, first, last)
    built = [build_day(conn, day, version, sets) for day, version in sorted(stale.items())]
    skip = f" AND day NOT IN ({_marks(len(stale))})" if stale else ""
    params: tuple[Any, ...] = (brand, first, last, *stale)
    rows = _fetch(
        conn,
        f"SELECT word, SUM(n) FROM rollup_word_tops WHERE brand = ? AND day >= ? AND day < ?{skip} GROUP BY word",
        params,
    )
    counts: Counter[str] = Counter(dict(rows))
    cut = conn.exec_driver_sql(
        f"SELECT 1 FROM rollup_word_cuts WHERE brand = ? AND day >= ? AND day < ? AND cut > 0{skip} LIMIT 1",
        params,
    ).first()
    complete = cut is None
    for tops in built:
        kept, left_out = tops.brands.get(brand, ([], 0))
        counts.update(dict(kept))
        complete = complete and not left_out
    return PrunedCounts(counts, complete, built)


def sample_condition(edge_total: int) -> tuple[str, tuple[int, ...]]:
    """A condition on ``m.rowid`` keeping about :data:`EDGE_SAMPLE` of ``edge_total`` mentions ('' for all)."""
    if edge_total <= EDGE_SAMPLE:
        return "", ()
    threshold = -(-EDGE_SAMPLE * (_ROWID_LOW + 1) // edge_total)
    return " AND (m.rowid & ?) < ?", (_ROWID_LOW, threshold)


@dataclass
class RangeWords:
    """Matching mentions, each content word's count among them, whether the counts are exact, and the day
    lists rebuilt while answering (for the caller to save)."""

    total: int
    counts: dict[str, int]
    exact: bool
    built: list[DayTops]


_OPEN = 1 << 62  # beyond any day number: an open end of a range


def frequencies(conn: Connection, flt: MentionFilter) -> tuple[WordFrequencies | None, list[DayTops]]:
    """Word frequencies of a brands-and-time filter: exact from ``rollup_words`` when that reads few rows, else
    from the day lists (one brand or all), else ``None``; and the day lists rebuilt on the way."""
    total = LeanReader(conn, flt).total() if len(flt.brands) <= 1 else None
    found = RollupReader(conn, flt).words(total=total)
    if found is not None:
        return WordFrequencies(total=found[0], counts=dict(found[1])), []
    if total is None:  # the lists are per brand
        return None, []
    got = range_words(conn, flt, total)
    return WordFrequencies(total=got.total, counts=got.counts, exact=got.exact), got.built


def range_words(conn: Connection, flt: MentionFilter, total: int) -> RangeWords:
    """Word counts of a filter of brands (at most one) and a time range (``total`` mentions), from the day
    lists and the range's edges."""
    if len(flt.brands) > 1 or not word_answerable(flt):
        raise ValueError("the day lists are kept per brand: one brand or all, and a time range only")
    reader = RollupReader(conn, flt)
    brand = flt.brands[0] if flt.brands else ALL_BRANDS
    counts: Counter[str] = Counter()
    edges: Counter[str] = Counter()
    estimates: Counter[str] = Counter()
    exact = True
    days = False
    built: list[DayTops] = []
    for piece in split_range(reader.lo, reader.hi, WORD_LEVELS):
        if piece.table is not None:
            first = -_OPEN if piece.lo is None else piece.lo
            found = pruned_counts(conn, brand, first, _OPEN if piece.hi is None else piece.hi, reader.sets)
            counts.update(found.counts)
            exact = exact and found.complete
            built += found.built
            days = True
            continue
        edge = flt.model_copy(update={"since": _when(piece.lo), "until": _when(piece.hi)})
        edge_total = LeanReader(conn, edge).total()
        if not edge_total:
            continue
        params: list[Any] = []
        sample, bound = sample_condition(edge_total)
        sql = (
            "SELECT f.title_seg, f.text_seg FROM mentions m JOIN mentions_fts f ON f.rowid = m.rowid "
            f"WHERE {reader.raw_where(piece, params)}{sample}"
        )
        rows = _fetch(conn, sql, (*params, *bound))
        seen = _document_frequencies(rows)
        if sample and rows:
            exact = False
            scale = edge_total / len(rows)
            estimates.update({word: n * scale for word, n in seen.items()})
        else:
            edges.update(seen)
    for word, n in estimates.items():
        edges[word] += round(n)
    if days and not exact:
        # An estimate counts the words the day lists hold: a word seen only at the edges, below every day's
        # cut, would otherwise look new (0 before, a scaled count now) and lead the rising words.
        edges = Counter({word: n for word, n in edges.items() if word in counts})
    counts.update(edges)
    return RangeWords(total, dict(+counts), exact, built)


def _fetch(conn: Connection, sql: str, params: Sequence[Any]) -> list[Any]:
    """Every row, read through sqlite3's own cursor inside the connection's transaction (begun by an earlier
    statement): SQLAlchemy's row objects cost more than the query itself for a few thousand rows."""
    if not conn.in_transaction():
        conn.exec_driver_sql("SELECT 1")  # begins it: the reads below share its snapshot
    driver = conn.connection.driver_connection
    assert driver is not None
    return list(driver.execute(sql, tuple(params)).fetchall())


def _document_frequencies(rows: Sequence[Any]) -> Counter[str]:
    """In how many of the rows (title_seg, text_seg) each content word occurs (:func:`content_words` per row)."""
    counts: Counter[str] = Counter(chain.from_iterable(set(f"{a or ''} {b or ''}".split()) for a, b in rows))
    for token in [t for t in counts if not content_word(t)]:  # each distinct token checked once
        del counts[token]
    return counts


def _when(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)
