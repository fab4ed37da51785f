"""Roll-ups of the embedded index: the keys, the deltas a write makes, and how a time range splits over them.

The dashboard asks the same few questions of large time ranges: how many mentions per brand, platform,
sentiment, category and language; how many per hour or day; which words they use. Counting a million rows
for each is what made facets take seconds. The SQLite store therefore keeps, in the same transaction as
every write (insert, update, re-score, delete), counters that answer them from a few hundred rows:

- ``rollup_hours`` / ``rollup_days``: mentions per hour / UTC day × brand set × platform × sentiment label ×
  category × language;
- ``rollup_words``: per UTC day × brand set, in how many mentions each content word occurs;
- ``rollup_brand_days`` / ``rollup_brand_hours`` (the lean roll-ups): per brand (``''``: every mention once)
  × day / hour × whether the date was estimated, the mentions' count per value of each facet field
  (:data:`LEAN_FIELDS`). A facet over all brands or one brand, a trend or a volume count reads a few hundred of
  these rows instead of every combination of brand set, platform, label, category and language, which at
  thousands of mentions a day is nearly as many rows as mentions.

The brand *set* of a mention (all its brands, as one key) rather than each brand is the key, so a mention
with two brands is one row: a brand facet expands each set to its brands, a brand filter keeps the sets
holding one of them, and nothing is counted twice. A range that does not start or end on a whole hour is
answered from the roll-ups inside it and from the mentions themselves at its two ragged edges
(:func:`split_range`), so the answers are exact, the same as counting every row.
"""

from __future__ import annotations

import collections
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from index.words import content_word

#: ``Counter.update``'s counting loop for an iterable (C), called without the method's Python-level checks.
_count_elements: Callable[[Counter[Any], Iterable[Any]], None] = collections._count_elements  # type: ignore[attr-defined]

HOUR_MS = 3_600_000
DAY_MS = 86_400_000
#: (table, unit in ms), coarsest first: a range takes whole days, then whole hours, then raw rows.
COUNT_LEVELS: tuple[tuple[str, int], ...] = (("rollup_days", DAY_MS), ("rollup_hours", HOUR_MS))
WORD_LEVELS: tuple[tuple[str, int], ...] = (("rollup_words", DAY_MS),)
LEAN_LEVELS: tuple[tuple[str, int], ...] = (("rollup_brand_days", DAY_MS), ("rollup_brand_hours", HOUR_MS))
#: The lean roll-ups' fields: the facets (``brand``: the brands mentioned together with the row's brand, itself
#: included) and ``total`` (value ``''``), one row per value.
LEAN_FIELDS = ("total", "platform", "brand", "sentiment", "category", "language")
ALL_BRANDS = ""  # the lean roll-ups' brand that counts every mention once
#: Bits of a mention's rowid below its publication time (see :func:`rowid_key`).
ROWID_SHIFT = 21
_MAX_MS = (1 << (63 - ROWID_SHIFT)) - 2  # 2109; the top rowids stay free for probing
BRAND_SEPARATOR = "\x1f"


def rowid_key(published_ms: int, mention_id: str) -> int:
    """The rowid a mention is stored under: publication time in the high bits, the id's first bits below.

    Rowid order is then newest-first order (``published_at DESC, id DESC``), so FTS5 and the mentions
    table hand out matches newest first without sorting them; a time range is a rowid range. Two mentions
    of the same millisecond whose ids share their first 21 bits (about one pair in two million) take the
    next free rowid, and may then swap places with each other only.
    """
    return (_clamp(published_ms) << ROWID_SHIFT) | (int(mention_id[:6], 16) >> 3)


def rowid_floor(ms: int) -> int:
    """A rowid at or below that of every mention published at or after ``ms`` (a range's lower bound)."""
    return _clamp(ms) << ROWID_SHIFT


def rowid_ceiling(ms: int) -> int:
    """A rowid above that of every mention published before ``ms`` (a range's exclusive upper bound)."""
    if ms <= 0:
        return 1 << ROWID_SHIFT  # mentions before 1970 all sit below this
    if ms > _MAX_MS:
        return (1 << 63) - 1
    return ms << ROWID_SHIFT


def rowid_exact(ms: int) -> bool:
    """Whether a range bound at ``ms`` separates mentions by rowid alone (no time outside the rowid range)."""
    return 0 < ms <= _MAX_MS


def _clamp(ms: int) -> int:
    # Rowids are 63 bits: times before 1970 or after 2109 (a parser's mistake) share the ends of the range.
    return min(max(ms, 0), _MAX_MS)


def brand_set(brands: Iterable[str]) -> str:
    """The key of a set of brands ('' for none)."""
    return BRAND_SEPARATOR.join(sorted(set(brands)))


def brands_of(key: str) -> list[str]:
    return key.split(BRAND_SEPARATOR) if key else []


def content_words(*segmented: str | None) -> set[str]:
    """The distinct content words of space-joined token fields (title_seg, text_seg), as facets count them."""
    out: set[str] = set()
    for seg in segmented:
        if seg:
            out.update(seg.split())
    return {t for t in out if content_word(t)}


class RollupRow(NamedTuple):
    """What the roll-ups need to know of one stored mention (a tuple: one is built per mention written)."""

    published_ms: int
    brands: str  # brand_set()
    platform: str
    label: str
    category: str  # '' for none
    language: str
    words: frozenset[str] = frozenset()
    estimated: bool = False  # Mention.date_estimated


LeanKey = tuple[str, int, int, str, str]
#: (brand, unit, estimated): the part of a lean key shared by all of one mention's facet values.
LeanGroup = tuple[str, int, int]
Pair = tuple[str, str]  # (field, value)


def _lean_counters() -> dict[str, dict[LeanGroup, Counter[Pair]]]:
    return {table: {} for table, _ in LEAN_LEVELS}


def _count(groups: dict[Any, Counter[Any]], key: Any, items: Iterable[Any], sign: int) -> None:
    counter = groups.get(key)
    if counter is None:
        counter = groups[key] = Counter()
    if sign > 0:
        # What ``Counter.update`` runs for an iterable, without its ``isinstance(items, Mapping)`` check: an ABC
        # check in Python, as long as the counting itself for a mention's six facet values (five calls a mention).
        _count_elements(counter, items)
    else:
        counter.subtract(items)


@dataclass
class RollupDelta:
    """Changes to the roll-up counters made by one batch; ``n`` may be negative (update, delete).

    Word and lean counts are grouped by the part of their key one mention shares ((day, brand set) and
    (brand, unit, estimated)) so that a mention's dozen words and facet values are counted by one C-level
    ``Counter.update`` each instead of one dictionary increment apiece (that was a fifth of a write);
    :meth:`word_rows` and :meth:`lean_rows` give the flat counters.
    """

    counts: dict[str, Counter[tuple[int, str, str, str, str, str]]] = field(
        default_factory=lambda: {table: Counter() for table, _ in COUNT_LEVELS}
    )
    #: (day, brand set) → word → mentions
    words: dict[tuple[int, str], Counter[str]] = field(default_factory=dict)
    #: Per lean table, (brand, unit, estimated) → (field, value) → mentions; ``None``: the lean tables are not
    #: kept (a migration older than them).
    lean: dict[str, dict[LeanGroup, Counter[Pair]]] | None = field(default_factory=lambda: _lean_counters())
    #: Whether the days whose word counts change get their version bumped (``rollup_word_days``, see
    #: index.sqlite_words); false only for a migration older than that table.
    word_days: bool = True

    def add(self, row: RollupRow, sign: int = 1) -> None:
        rest = (row.brands, row.platform, row.label, row.category, row.language)
        for table, unit in COUNT_LEVELS:
            self.counts[table][(row.published_ms // unit, *rest)] += sign
        if row.words:
            _count(self.words, (row.published_ms // DAY_MS, row.brands), row.words, sign)
        if self.lean is None:
            return
        brands = brands_of(row.brands)
        values = [("total", ""), ("platform", row.platform), ("sentiment", row.label), ("language", row.language)]
        if row.category:
            values.append(("category", row.category))
        values += [("brand", b) for b in brands]
        estimated = int(row.estimated)
        for table, unit in LEAN_LEVELS:
            groups = self.lean[table]
            at = row.published_ms // unit
            for brand in (ALL_BRANDS, *brands):
                _count(groups, (brand, at, estimated), values, sign)

    def word_rows(self) -> list[tuple[int, str, str, int]]:
        """(day, brand set, word, change) for every word count that changed."""
        return [(day, brands, w, n) for (day, brands), c in self.words.items() for w, n in c.items() if n]

    def lean_rows(self, table: str) -> list[tuple[str, int, int, str, str, int]]:
        """(brand, unit, estimated, field, value, change) for every count of lean ``table`` that changed, grouped by
        (brand, unit, estimated) in that order, each group's values in the order they were counted."""
        groups = (self.lean or {}).get(table, {})
        return [(*key, name, value, n) for key, c in sorted(groups.items()) for (name, value), n in c.items() if n]


@dataclass(frozen=True)
class Piece:
    """Part of a time range: whole units of a roll-up table (``table`` set), or raw rows in ``[lo, hi)`` ms."""

    lo: int | None
    hi: int | None
    table: str | None = None
    unit: int = 0


def split_range(lo: int | None, hi: int | None, levels: Sequence[tuple[str, int]]) -> list[Piece]:
    """``[lo, hi)`` (ms, ``None`` = open) as roll-up pieces of whole units and raw pieces at the edges.

    A roll-up piece holds unit numbers ``[lo, hi)`` of its table; a raw piece holds milliseconds.
    """
    if not levels:
        return [Piece(lo, hi)]
    table, unit = levels[0]
    first = None if lo is None else -(-lo // unit)  # the first whole unit at or after lo
    last = None if hi is None else hi // unit  # the unit holding hi (exclusive)
    if first is not None and last is not None and first >= last:
        return split_range(lo, hi, levels[1:])
    pieces = [Piece(first, last, table, unit)]
    if lo is not None and first is not None and first * unit > lo:
        pieces = split_range(lo, first * unit, levels[1:]) + pieces
    if hi is not None and last is not None and last * unit < hi:
        pieces += split_range(last * unit, hi, levels[1:])
    return pieces
