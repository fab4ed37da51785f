"""The write path of the SQLite mention store: one transaction per batch, rows written with executemany.

Each mention is segmented once (:func:`index.text.index_fields`); the same tokens fill the FTS5 table and
the word roll-ups. A batch reads the stored content hashes in one query, removes the old version of every
changed mention (taking its counts out of the roll-ups), and inserts the new versions, their brands, their
FTS rows and the roll-up deltas with one ``executemany`` each, so the cost per mention is the tokenizer's
plus a few B-tree inserts rather than a dozen round trips through SQLAlchemy's ``text()``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection

from foundation.gcpause import cycle_collection_paused
from index.base import Mention, WriteResult
from index.rollups import COUNT_LEVELS, LEAN_LEVELS, RollupDelta, RollupRow, brand_set, content_words, rowid_key
from index.text import index_fields, index_tokens
from index.words import content_words_of

COLUMNS = (
    "id platform post_id source url author title text published_at collected_at updated_at language rating "
    "likes reposts comments parent_id sentiment_score sentiment_label category matched_keywords extra reach "
    "content_hash date_estimated"
).split()
_CHUNK = 5000  # bound parameters per IN list, well under SQLite's limit of 32766
_INSERT_FTS = "INSERT INTO mentions_fts (rowid, title_seg, text_seg, text_sub) VALUES (?, ?, ?, ?)"
_INSERT_BRAND = "INSERT INTO mention_brands (brand, mention_rowid, published_at) VALUES (?, ?, ?)"
_INSERT_MENTION = f"INSERT INTO mentions (rowid, {', '.join(COLUMNS)}) VALUES (?{', ?' * len(COLUMNS)})"


def _ms(value: Any) -> int:
    return int(value.timestamp() * 1000)


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _marks(count: int) -> str:
    return ", ".join("?" * count)


@lru_cache(maxsize=4096)
def _keywords_json(keywords: tuple[str, ...]) -> str:
    # A source's mentions carry the same few keyword lists: encoded once each, not once per mention.
    return json.dumps(list(keywords), ensure_ascii=False)


def row_values(mention: Mention) -> dict[str, Any]:
    """The stored columns of a mention (times as epoch ms, lists and objects as JSON)."""
    # Read off the validated model directly: model_dump() per mention cost a tenth of the write.
    fields = mention.__dict__  # pydantic keeps the validated fields here; getattr per column cost a tenth more
    data = {column: fields[column] for column in COLUMNS}
    for key in ("published_at", "collected_at", "updated_at"):
        data[key] = _ms(data[key])
    data["sentiment_label"] = mention.sentiment_label.value
    data["matched_keywords"] = _keywords_json(tuple(mention.matched_keywords))
    data["extra"] = json.dumps(mention.extra, ensure_ascii=False, default=str) if mention.extra else "{}"
    data["date_estimated"] = int(mention.date_estimated)
    return data


#: A mention's index tokens: its title's, its text's and the extra search grams (:func:`index.text.index_tokens`).
IndexTokens = tuple[list[str], list[str], list[str]]


def pretokenize(conn: Connection, mentions: Sequence[Mention]) -> dict[str, IndexTokens]:
    """The index tokens of the mentions (ids distinct) that are new or changed as the store stands now.

    Read without the write lock, so that segmentation, a fifth of a write's time, is done before a writer's turn
    (:mod:`foundation.writer_turn`); the write checks again under the lock and cuts any mention this missed.
    """
    stored: dict[str, str] = {}
    for chunk in _chunks([m.id for m in mentions]):
        sql = f"SELECT id, content_hash FROM mentions WHERE id IN ({_marks(len(chunk))})"
        stored.update((row[0], row[1]) for row in conn.exec_driver_sql(sql, tuple(chunk)))
    with cycle_collection_paused():
        return {m.id: index_tokens(m.title, m.text) for m in mentions if stored.get(m.id) != m.content_hash}


def write_batch(
    conn: Connection, mentions: Sequence[Mention], tokens: dict[str, IndexTokens] | None = None
) -> WriteResult:
    """Insert new and replace changed mentions (ids distinct), inside the caller's transaction; ``tokens``: index
    tokens already cut for some of them (:func:`pretokenize`)."""
    with cycle_collection_paused():
        return _write_batch(conn, mentions, tokens or {})


def _write_batch(conn: Connection, mentions: Sequence[Mention], tokens: dict[str, IndexTokens]) -> WriteResult:
    result = WriteResult()
    existing: dict[str, tuple[int, str, int]] = {}
    for chunk in _chunks([m.id for m in mentions]):
        sql = f"SELECT id, rowid, content_hash, collected_at FROM mentions WHERE id IN ({_marks(len(chunk))})"
        for row in conn.exec_driver_sql(sql, tuple(chunk)):
            existing[row[0]] = (row[1], row[2], row[3])
    delta = RollupDelta()
    changed: list[tuple[Mention, int | None]] = []
    for mention in mentions:
        stored = existing.get(mention.id)
        if stored is not None and stored[1] == mention.content_hash:
            result.unchanged.append(mention.id)
            continue
        changed.append((mention, stored[2] if stored is not None else None))
        (result.created if stored is None else result.updated).append(mention.id)
    if not changed:
        return result
    replaced = [existing[m.id][0] for m, first_seen in changed if first_seen is not None]
    if replaced:
        _remove(conn, replaced, delta)
    mention_rows: list[tuple[Any, ...]] = []
    fts_rows: list[tuple[Any, ...]] = []
    brand_rows: list[tuple[Any, ...]] = []
    rowids = _allocate(conn, [(_ms(m.published_at), m.id) for m, _ in changed])
    for (mention, first_seen), rowid in zip(changed, rowids, strict=True):
        values = _row(mention, rowid, first_seen)
        mention_rows.append(values)
        cut = tokens.get(mention.id)
        title, body, extra = cut if cut is not None else index_tokens(mention.title, mention.text)
        fts_rows.append((rowid, " ".join(title), " ".join(body), " ".join(extra)))
        published = values[_PUBLISHED]
        brands = dict.fromkeys(mention.brands)
        brand_rows.extend((b, rowid, published) for b in brands)
        delta.add(
            RollupRow(
                published,
                brand_set(brands),
                mention.platform,
                values[_LABEL],
                mention.category or "",
                mention.language,
                content_words_of({*title, *body}),
                mention.date_estimated,
            )
        )
    conn.exec_driver_sql(_INSERT_MENTION, mention_rows)
    conn.exec_driver_sql(_INSERT_FTS, fts_rows)
    if brand_rows:
        conn.exec_driver_sql(_INSERT_BRAND, brand_rows)
    apply_delta(conn, delta)
    return result


_PUBLISHED = 1 + COLUMNS.index("published_at")
_LABEL = 1 + COLUMNS.index("sentiment_label")
_COLLECTED = 1 + COLUMNS.index("collected_at")
_UPDATED = 1 + COLUMNS.index("updated_at")
_KEYWORDS = 1 + COLUMNS.index("matched_keywords")
_EXTRA = 1 + COLUMNS.index("extra")
_ESTIMATED = 1 + COLUMNS.index("date_estimated")


def _row(mention: Mention, rowid: int, first_seen: int | None) -> tuple[Any, ...]:
    """The mentions-table row (rowid first), as :func:`row_values` (a test compares the two); a replaced mention
    keeps its first seen."""
    # The columns read off the validated fields in one C-level pass, then the few that are stored converted
    # replaced in place: the dictionary of row_values built and unpacked per mention cost as much again.
    fields = mention.__dict__
    values = [rowid, *map(fields.__getitem__, COLUMNS)]
    values[_PUBLISHED] = _ms(mention.published_at)
    values[_COLLECTED] = _ms(mention.collected_at) if first_seen is None else first_seen  # first seen stays
    values[_UPDATED] = _ms(mention.updated_at)
    values[_LABEL] = mention.sentiment_label.value
    values[_KEYWORDS] = _keywords_json(tuple(mention.matched_keywords))
    values[_EXTRA] = json.dumps(mention.extra, ensure_ascii=False, default=str) if mention.extra else "{}"
    values[_ESTIMATED] = int(mention.date_estimated)
    return tuple(values)


def delete_batch(conn: Connection, mention_ids: Sequence[str]) -> list[str]:
    """Delete the mentions among ``mention_ids`` that exist, with their counts; the ids deleted."""
    found: dict[int, str] = {}
    for chunk in _chunks(list(dict.fromkeys(mention_ids))):
        sql = f"SELECT rowid, id FROM mentions WHERE id IN ({_marks(len(chunk))})"
        found.update({row[0]: row[1] for row in conn.exec_driver_sql(sql, tuple(chunk))})
    if found:
        delta = RollupDelta()
        _remove(conn, list(found), delta)
        apply_delta(conn, delta)
    return list(found.values())


def _allocate(conn: Connection, keys: Sequence[tuple[int, str]]) -> list[int]:
    """A free rowid per (published ms, id): :func:`rowid_key`, or the next free one after it."""
    wanted = [rowid_key(ms, mention_id) for ms, mention_id in keys]
    taken: set[int] = set()
    for chunk in _chunks(wanted):
        sql = f"SELECT rowid FROM mentions WHERE rowid IN ({_marks(len(chunk))})"
        taken.update(row[0] for row in conn.exec_driver_sql(sql, tuple(chunk)))
    known_free = set(wanted) - taken

    def free(rowid: int) -> bool:
        if rowid in taken:
            return False
        if rowid in known_free:
            return True
        # A clash (same millisecond, same 21 id bits) moved a key here: rare enough to look up one by one.
        if conn.exec_driver_sql("SELECT 1 FROM mentions WHERE rowid = ?", (rowid,)).first() is not None:
            taken.add(rowid)
            return False
        return True

    out: list[int] = []
    for rowid in wanted:
        while not free(rowid):
            rowid += 1
        taken.add(rowid)
        out.append(rowid)
    return out


def _remove(conn: Connection, rowids: Sequence[int], delta: RollupDelta) -> None:
    """Delete stored mentions by rowid, taking them out of the roll-ups."""
    brands: dict[int, list[str]] = {}
    rows: list[Any] = []
    for chunk in _chunks(rowids):
        marks = _marks(len(chunk))
        for b in conn.exec_driver_sql(
            f"SELECT mention_rowid, brand FROM mention_brands WHERE mention_rowid IN ({marks})", tuple(chunk)
        ):
            brands.setdefault(b[0], []).append(b[1])
        rows += conn.exec_driver_sql(
            "SELECT m.rowid, m.published_at, m.platform, m.sentiment_label, m.category, m.language, f.title_seg, "
            f"f.text_seg, m.date_estimated FROM mentions m JOIN mentions_fts f ON f.rowid = m.rowid "
            f"WHERE m.rowid IN ({marks})",
            tuple(chunk),
        ).all()
    for r in rows:
        words = frozenset(content_words(r[6], r[7]))
        row = RollupRow(r[1], brand_set(brands.get(r[0], [])), r[2], r[3], r[4] or "", r[5], words, bool(r[8]))
        delta.add(row, -1)
    for chunk in _chunks(rowids):
        marks = _marks(len(chunk))
        conn.exec_driver_sql(f"DELETE FROM mentions_fts WHERE rowid IN ({marks})", tuple(chunk))
        conn.exec_driver_sql(f"DELETE FROM mention_brands WHERE mention_rowid IN ({marks})", tuple(chunk))
        conn.exec_driver_sql(f"DELETE FROM mentions WHERE rowid IN ({marks})", tuple(chunk))


def brandset_ids(conn: Connection, keys: set[str]) -> dict[str, int]:
    """The id of each brand set in ``keys``, creating the missing ones."""
    ids = {row[1]: row[0] for row in conn.exec_driver_sql("SELECT set_id, brands FROM rollup_brandsets")}
    missing = [(k,) for k in keys if k not in ids]
    if missing:
        conn.exec_driver_sql("INSERT INTO rollup_brandsets (brands) VALUES (?)", missing)
        ids = {row[1]: row[0] for row in conn.exec_driver_sql("SELECT set_id, brands FROM rollup_brandsets")}
    return ids


def apply_delta(conn: Connection, delta: RollupDelta) -> None:
    """Add a batch's deltas to the roll-up tables; counters that reach zero are deleted."""
    keys = {k[1] for counter in delta.counts.values() for k in counter} | {b for _, b in delta.words}
    words: list[tuple[int, int, str, int]] = []
    if keys:
        ids = brandset_ids(conn, keys)
        for table, _ in COUNT_LEVELS:
            unit = "day" if table == "rollup_days" else "hour"
            columns = ("set_id", unit, "platform", "sentiment_label", "category", "language")
            rows = [(ids[b], at, p, s, c, lang, n) for (at, b, p, s, c, lang), n in delta.counts[table].items() if n]
            _upsert(conn, table, columns, rows)
        # Grouped in key order (set_id, day), each group's words as counted: see _upsert's ``grouped``.
        groups = sorted(((ids[b], day), counter) for (day, b), counter in delta.words.items())
        words = [(set_id, day, w, n) for (set_id, day), counter in groups for w, n in counter.items() if n]
        _upsert(conn, "rollup_words", ("set_id", "day", "word"), words, grouped=True)
    if delta.word_days and words:  # the days whose word counts changed: their top-word lists are now stale
        conn.exec_driver_sql(
            "INSERT INTO rollup_word_days VALUES (?, 1) ON CONFLICT DO UPDATE SET version = version + 1",
            [(day,) for day in sorted({w[1] for w in words})],
        )
    if delta.lean is not None:
        for table, _ in LEAN_LEVELS:
            unit = "day" if table == "rollup_brand_days" else "hour"
            lean = delta.lean_rows(table)  # grouped in key order (see there)
            _upsert(conn, table, ("brand", unit, "estimated", "field", "value"), lean, grouped=True)


def _upsert(
    conn: Connection, table: str, key: tuple[str, ...], rows: list[tuple[Any, ...]], grouped: bool = False
) -> None:
    """Add ``rows`` (the values of the ``key`` columns, in the primary key's order, then the change ``n``).

    ``grouped``: the rows come in groups sharing the key's first columns, the groups in key order; they are
    then written as they come (the rows of one group fall on the same few B-tree pages).
    """
    if not rows:
        return
    # In primary-key order: each B-tree page is then visited once, not once per row that falls on it. Rows
    # grouped already are near enough: sorting each group's words as well cost more in Python (~6 us a mention
    # on ~25 word and lean rows) than it saved in SQLite (~2 us).
    if not grouped:
        rows.sort()
    conn.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(key)}, n) VALUES ({_marks(len(key) + 1)}) "
        "ON CONFLICT DO UPDATE SET n = n + excluded.n",
        rows,
    )
    emptied = [r[:-1] for r in rows if r[-1] < 0]
    if emptied:
        where = " AND ".join(f"{c} = ?" for c in key)
        conn.exec_driver_sql(f"DELETE FROM {table} WHERE {where} AND n <= 0", emptied)


# -- used once, by the migration that introduced the roll-ups -------------------------------------------------
def rekey_rowids(conn: Connection) -> None:
    """Move every stored mention to its :func:`rowid_key` (mentions, brands and FTS rows alike)."""
    rows = conn.exec_driver_sql("SELECT rowid, id, published_at FROM mentions").all()
    if not rows:
        return
    taken: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for old, mention_id, published in rows:
        new = rowid_key(published, mention_id)
        while new in taken:
            new += 1
        taken.add(new)
        pairs.append((old, new))
    conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    conn.exec_driver_sql("CREATE TEMP TABLE rekey (old INTEGER PRIMARY KEY, new INTEGER NOT NULL)")
    conn.exec_driver_sql("INSERT INTO rekey VALUES (?, ?)", pairs)
    conn.exec_driver_sql("UPDATE mentions SET rowid = (SELECT new FROM rekey WHERE old = mentions.rowid)")
    conn.exec_driver_sql(
        "UPDATE mention_brands SET mention_rowid = (SELECT new FROM rekey WHERE old = mention_brands.mention_rowid)"
    )
    # Segmented again, not copied: the index is cut by jieba-rs now (see index.text), and queries with it.
    fts = [
        (rowid, *index_fields(title, body).values())
        for rowid, title, body in conn.exec_driver_sql("SELECT rowid, title, text FROM mentions")  # re-keyed above
    ]
    conn.exec_driver_sql("DELETE FROM mentions_fts")
    if fts:
        conn.exec_driver_sql(_INSERT_FTS, fts)
    conn.exec_driver_sql("DROP TABLE rekey")


def backfill_rollups(conn: Connection) -> None:
    """Count every stored mention into the (empty) brand-set roll-ups (the lean ones: :func:`backfill_lean`)."""
    brands: dict[int, list[str]] = {}
    for rowid, brand in conn.exec_driver_sql("SELECT mention_rowid, brand FROM mention_brands"):
        brands.setdefault(rowid, []).append(brand)
    delta = RollupDelta(lean=None, word_days=False)  # that migration is older than the lean ones and word days
    rows = conn.exec_driver_sql(
        "SELECT m.rowid, m.published_at, m.platform, m.sentiment_label, m.category, m.language, f.title_seg, "
        "f.text_seg FROM mentions m JOIN mentions_fts f ON f.rowid = m.rowid"
    ).all()
    for r in rows:
        words = frozenset(content_words(r[6], r[7]))
        delta.add(RollupRow(r[1], brand_set(brands.get(r[0], [])), r[2], r[3], r[4] or "", r[5], words))
    apply_delta(conn, delta)


def backfill_lean(conn: Connection) -> None:
    """Count every stored mention into the (empty) lean roll-ups, in SQL: a million mentions would make
    millions of counters in Python. Gives what :meth:`~index.rollups.RollupDelta.add` gives mention by mention."""
    values = {
        "total": "''",
        "platform": "m.platform",
        "sentiment": "m.sentiment_label",
        "language": "m.language",
        "category": "m.category",
        "brand": "v.brand",
    }
    for table, unit in LEAN_LEVELS:
        # Floor division, as Python's // (SQLite's / truncates towards zero: dates before 1970).
        at = f"(CASE WHEN m.published_at >= 0 THEN m.published_at / {unit} ELSE (m.published_at + 1) / {unit} - 1 END)"
        for name, value in values.items():
            joins = " JOIN mention_brands v ON v.mention_rowid = m.rowid" if name == "brand" else ""
            where = " WHERE m.category IS NOT NULL AND m.category != ''" if name == "category" else ""
            for brand, brand_join in (("''", ""), ("b.brand", " JOIN mention_brands b ON b.mention_rowid = m.rowid")):
                conn.exec_driver_sql(
                    f"INSERT INTO {table} SELECT {brand}, {at}, m.date_estimated, '{name}', {value}, COUNT(*) "
                    f"FROM mentions m{brand_join}{joins}{where} GROUP BY 1, 2, 3, 5"
                )
