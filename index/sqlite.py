"""The embedded mention index: SQLite with FTS5 over jieba-segmented text, in WAL mode.

One file holds the mentions, a brand table (a mention can concern several brands) and an FTS5 table whose rowids
are the mentions' rowids. A batch is written in one transaction (writers take turns: foundation.writer_turn); if it
fails, the batch is retried one mention at a time so a single bad record is reported and the rest are stored.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, bindparam, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from foundation.db import IMMEDIATE, SQLITE_BUSY_TIMEOUT_MS, make_engine, run_migrations
from foundation.errors import InvalidQuery, StoreError, StoreUnavailable
from foundation.vocabulary import SentimentLabel
from foundation.writer_turn import writer_turn
from index.base import (
    FACET_FIELDS,
    REACH_PER_MENTION,
    TOTAL_CAP,
    FacetCount,
    FacetResult,
    Mention,
    MentionFilter,
    MentionStore,
    SearchHit,
    SearchPage,
    SearchRequest,
    SortOrder,
    TrendBucket,
    TrendInterval,
    WordFrequencies,
    WriteResult,
    check_facet_request,
    decode_cursor,
    encode_cursor,
    exact_total,
    resolve_zone,
)
from index.buckets import bucket_starts
from index.highlight import mention_highlights
from index.query import Highlighting, Plan, highlighting
from index.query.fts5 import FTS_TABLE
from index.reach_groups import ReachGroup, ReachGroups, followers_of
from index.rollups import brands_of, rowid_key
from index.sqlite_lean import LeanReader, lean_answerable
from index.sqlite_rollups import BRAND_SET_SQL, CountKey, RollupReader, answerable, word_answerable
from index.sqlite_rows import stored_mentions
from index.sqlite_sql import (
    FOLLOWERS_SQL,
    filtered,
    newest,
    only_words,
    plan_of,
    reach_authors_sql,
    reach_sources_sql,
    where_clause,
)
from index.sqlite_words import DayTops, frequencies, save_days
from index.sqlite_write import IndexTokens, delete_batch, pretokenize, write_batch

_T = TypeVar("_T")
_SLOT_MS = 15 * 60 * 1000  # every real time-zone offset is a multiple of 15 minutes


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


#: Pragmas of a connection that writes a batch (each a per-connection setting, kept while the pool keeps it).
#: A batch of 1,000 mentions dirties ~2,500 pages (a third of them in the id index, where random ids land on random
#: pages) and reads each several times (the id look-ups, then the inserts): with SQLite's default 2 MB cache those
#: reads went back to the file, and the default checkpoint (every 1,000 WAL pages) copied the pages the next batches
#: dirty again (the tables' growing ends) into the file after every batch, with an fsync each time. Measured on the
#: store stage alone, mentions 250,000-300,000 of a 1,000,000-mention series (``bench/scale.py``'s), one process:
#: read 41.6 → 7.0 kB and written 24.0 → 18.0 kB a mention, system CPU 36-38 → 18-20 us, wall 190-199 → 160-180 us
#: a mention. The cache grows only as pages are used (64 MB holds a million mentions' id index); the WAL grows to
#: ~40 MB before a checkpoint.
WRITE_PRAGMAS = ("PRAGMA cache_size = -65536", "PRAGMA wal_autocheckpoint = 10000")


class SQLiteMentionStore(MentionStore):
    """Mention store in one SQLite file (``sqlite:///path``)."""

    backend = "sqlite"

    def __init__(self, url: str, *, engine: Engine | None = None):
        self.url = url
        self.engine = engine or make_engine(url)
        self._schema_ready = False

    @classmethod
    def at(cls, path: Path) -> SQLiteMentionStore:
        return cls(f"sqlite:///{path.as_posix()}")

    def describe(self) -> str:
        return f"SQLite {self.engine.url.database}"

    # -- schema ---------------------------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        if not self._schema_ready:
            run_migrations(self.engine, "index:migrations")
            self._schema_ready = True

    # -- writes ---------------------------------------------------------------------------------------------
    def upsert(self, mentions: Sequence[Mention]) -> WriteResult:
        batch: dict[str, Mention] = {}
        for mention in mentions:
            batch[mention.id] = mention  # the last version of a post in a batch wins
        if not batch:
            return WriteResult()
        # Cut before the writer's turn, so a turn holds only the SQL (another crawl's batch waits less).
        tokens = self._pretokenized(list(batch.values()))
        try:
            with self._write_connection() as conn, conn.begin():
                return write_batch(conn, list(batch.values()), tokens)
        except OperationalError as exc:
            if "locked" in str(exc.orig) or "unable to open" in str(exc.orig):
                raise StoreUnavailable(f"mention store {self.describe()} is unavailable: {exc.orig}") from exc
        except SQLAlchemyError:
            pass
        # The batch failed as a whole: write mention by mention so one bad record cannot sink the rest.
        result = WriteResult()
        for mention in batch.values():
            try:
                with self._write_connection() as conn, conn.begin():
                    result.merge(write_batch(conn, [mention], tokens))
            except SQLAlchemyError as exc:
                result.failed[mention.id] = str(getattr(exc, "orig", exc))
        return result

    @contextmanager
    def _write_connection(self) -> Iterator[Connection]:
        with (
            writer_turn(self.engine.url.database, SQLITE_BUSY_TIMEOUT_MS / 1000),
            self.engine.connect().execution_options(**{IMMEDIATE: True}) as conn,
        ):
            # Set on each connection a write is made through (one that only ever reads keeps SQLite's defaults; a
            # pooled one that wrote keeps these): see WRITE_PRAGMAS. Every turn, not once per connection, so a
            # connection the pool opened afresh is never written through with the defaults (two statements a batch).
            # Through the driver's connection, which runs them outside any transaction (SQLAlchemy's would begin one).
            driver = conn.connection.driver_connection
            if driver is not None:
                for pragma in WRITE_PRAGMAS:
                    driver.execute(pragma)
            yield conn

    def _pretokenized(self, mentions: list[Mention]) -> dict[str, IndexTokens]:
        try:
            with self._read() as conn:
                return pretokenize(conn, mentions)
        except (SQLAlchemyError, StoreError):  # the write reads again and cuts what it needs
            return {}

    def delete(self, mention_ids: Sequence[str]) -> list[str]:
        if not mention_ids:
            return []
        try:
            with self._write_connection() as conn, conn.begin():
                return delete_batch(conn, mention_ids)
        except OperationalError as exc:
            raise StoreUnavailable(f"mention store {self.describe()} is unavailable: {exc.orig}") from exc

    # -- reads ----------------------------------------------------------------------------------------------
    def get(self, mention_id: str) -> Mention | None:
        found = self.get_many([mention_id])
        return found[0] if found else None

    def get_many(self, mention_ids: Sequence[str]) -> list[Mention]:
        if not mention_ids:
            return []
        with self._read() as conn:
            rows = conn.execute(
                text("SELECT * FROM mentions WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)),
                {"ids": list(mention_ids)},
            ).all()
            by_id = {m.id: m for m in stored_mentions(conn, rows)}
        return [by_id[i] for i in mention_ids if i in by_id]

    def _read(self) -> Connection:
        try:
            return self.engine.connect()
        except OperationalError as exc:
            raise StoreUnavailable(f"mention store {self.describe()} is unavailable: {exc.orig}") from exc

    def _run(self, what: str, flt: MentionFilter, call: Callable[[], _T]) -> _T:
        """Run ``call``, turning FTS5's complaints about a query into :class:`InvalidQuery`."""
        try:
            return call()
        except OperationalError as exc:
            reason = str(exc.orig)
            if "fts5" in reason.lower():
                shown = flt.query if flt.query is not None else flt.text
                raise InvalidQuery(f"cannot search for {shown!r}: {reason}") from exc
            if "locked" in reason or "unable to open" in reason:
                raise StoreUnavailable(f"mention store {self.describe()} is unavailable: {reason}") from exc
            raise StoreError(f"{what} failed: {reason}") from exc

    @staticmethod
    def _expand(sql: str, params: dict[str, Any]) -> Any:
        stmt = text(sql)
        lists = [k for k, v in params.items() if isinstance(v, list)]
        if lists:
            stmt = stmt.bindparams(*(bindparam(k, expanding=True) for k in lists))
        return stmt

    def _total(self, conn: Connection, flt: MentionFilter, planned: Plan | None) -> tuple[int, bool]:
        """The number of matches: exact from the roll-ups when they hold it, else counted up to TOTAL_CAP."""
        if lean_answerable(flt, "total"):
            return LeanReader(conn, flt).total(), True
        if answerable(flt):
            return RollupReader(conn, flt).total(), True
        params: dict[str, Any] = {"cap": TOTAL_CAP + 1 if not exact_total(flt) else -1}  # -1: no limit
        source, conds, _, _ = newest(flt, params, planned)
        if source.startswith(FTS_TABLE) and only_words(flt, planned):
            # Words and a time range only: FTS5 counts its own matches, no mention row is read.
            source = FTS_TABLE
            conds = [c for c in conds if c.startswith(FTS_TABLE)]
        where = ("WHERE " + " AND ".join(conds)) if conds else ""
        sql = f"SELECT COUNT(*) FROM (SELECT 1 FROM {source} {where} LIMIT :cap)"
        total = int(conn.execute(self._expand(sql, params), params).scalar_one())
        return (TOTAL_CAP, False) if total > TOTAL_CAP else (total, True)

    def search(self, request: SearchRequest) -> SearchPage:
        flt = request.filter
        params: dict[str, Any] = {}
        planned = plan_of(flt)
        sort = request.effective_sort()
        after = decode_cursor(request)
        if sort is SortOrder.relevance:
            source, conds, rank = where_clause(flt, params, planned, ranked=True)
            where = ("WHERE " + " AND ".join(conds)) if conds else ""
            sql = f"SELECT * FROM (SELECT m.*, {rank} AS rank FROM {source} {where}) AS hits"
            if after is not None:
                sql += " WHERE rank > :c0 OR (rank = :c0 AND id > :c1)"
                params["c0"], params["c1"] = after
            sql += " ORDER BY rank ASC, id ASC"
        else:
            source, conds, order, cursor_cond = newest(flt, params, planned)
            if after is not None:
                conds.append(cursor_cond)
                params["c0"], params["c1"] = after
            where = ("WHERE " + " AND ".join(conds)) if conds else ""
            sql = f"SELECT m.*, NULL AS rank FROM {source} {where} ORDER BY {order}"
        sql += " LIMIT :limit OFFSET :offset"
        params["limit"] = request.limit + 1  # one extra row tells whether a next page exists
        params["offset"] = request.offset

        def run() -> tuple[Sequence[Any], tuple[int, bool], list[Mention]]:
            with self._read() as conn:
                if after is not None and sort is SortOrder.time:
                    params["c_rowid"] = self._cursor_rowid(conn, after)
                rows = conn.execute(self._expand(sql, params), params).all()
                total = self._total(conn, flt, planned)
                return rows, total, stored_mentions(conn, rows[: request.limit])

        rows, (total, exact), mentions = self._run("search", flt, run)
        more = len(rows) > request.limit
        rows = rows[: request.limit]
        marks = highlighting(planned) if request.highlight else Highlighting()
        hits = []
        for row, mention in zip(rows, mentions, strict=True):
            hit = SearchHit(mention=mention, score=(-row.rank if row.rank is not None else None))
            if marks:
                hit.highlights = mention_highlights(mention.title, mention.text, marks)
            hits.append(hit)
        next_cursor = None
        if more and rows:
            last = rows[-1]
            values = [last.rank, last.id] if sort is SortOrder.relevance else [last.published_at, last.id]
            next_cursor = encode_cursor(request, values)
        return SearchPage(hits=hits, total=total, next_cursor=next_cursor, total_exact=exact)

    @staticmethod
    def _cursor_rowid(conn: Connection, after: list[Any]) -> int:
        """The rowid of the cursor's last hit (its key if it was deleted since): the page continues below it."""
        found = conn.execute(text("SELECT rowid FROM mentions WHERE id = :id"), {"id": after[1]}).scalar()
        return int(found) if found is not None else rowid_key(int(after[0]), str(after[1]))

    def _grouped(self, what: str, flt: MentionFilter) -> Counter[CountKey]:
        """Matching mentions per (brand set, platform, label, category, language): roll-ups, else one GROUP BY."""

        def run() -> Counter[CountKey]:
            with self._read() as conn:
                if answerable(flt):
                    return RollupReader(conn, flt).counts()
                params: dict[str, Any] = {}
                sql = (
                    f"SELECT {BRAND_SET_SQL}, m.platform, m.sentiment_label, COALESCE(m.category, ''), m.language, "
                    f"COUNT(*) {filtered(flt, params)} GROUP BY 1, 2, 3, 4, 5"
                )
                out: Counter[CountKey] = Counter()
                for row in conn.execute(self._expand(sql, params), params):
                    out[(row[0], row[1], row[2], row[3], row[4])] += int(row[5])
                return out

        return self._run(what, flt, run)

    def count(self, flt: MentionFilter) -> int:
        params: dict[str, Any] = {}
        sql = f"SELECT COUNT(*) {filtered(flt, params)}"

        def run() -> int:
            with self._read() as conn:
                if lean_answerable(flt, "total"):
                    return LeanReader(conn, flt).total()
                if answerable(flt):
                    return RollupReader(conn, flt).total()
                return int(conn.execute(self._expand(sql, params), params).scalar_one())

        return self._run("count", flt, run)

    def reach_weighted_count(self, flt: MentionFilter) -> float:
        params: dict[str, Any] = {}
        sql = f"SELECT COUNT(*) + COALESCE(SUM(m.reach), 0) / {REACH_PER_MENTION!r} {filtered(flt, params)}"

        def run() -> float:
            with self._read() as conn:
                return float(conn.execute(self._expand(sql, params), params).scalar_one())

        return self._run("count", flt, run)

    def reach_groups(self, flt: MentionFilter, *, sources: int = 10, authors: int = 10) -> ReachGroups:
        """Two grouped reads (over a covering index when the filter keeps most of its time range: no mention row is
        read), then the listed authors' furthest mentions by id for their follower counts: only the listed
        groups come back to Python."""
        params: dict[str, Any] = {"sources": sources, "authors": authors}

        def run() -> ReachGroups:
            found = ReachGroups()
            with self._read() as conn:
                covering = self._mostly_in_range(conn, flt)
                source_sql = reach_sources_sql(flt, params, covering)
                author_sql = reach_authors_sql(flt, params, covering)
                for row in conn.execute(self._expand(source_sql, params), params):
                    found.total = int(row.total)
                    found.sources.append(
                        ReachGroup(row.platform, row.name, int(row.n), round(row.reach, 1), round(row.top, 1))
                    )
                rows = conn.execute(self._expand(author_sql, params), params).all()
                ids = {"ids": [row.furthest for row in rows]}
                followers = (
                    {r.id: r.followers for r in conn.execute(self._expand(FOLLOWERS_SQL, ids), ids)} if rows else {}
                )
            for row in rows:
                found.authors.append(
                    ReachGroup(
                        row.platform,
                        row.name,
                        int(row.n),
                        round(row.reach, 1),
                        round(row.top, 1),
                        followers_of(followers.get(row.furthest)),
                    )
                )
            return found

        return self._run("reach groups", flt, run)

    @staticmethod
    def _mostly_in_range(conn: Connection, flt: MentionFilter) -> bool:
        """Whether the filter keeps at least half the mentions of its time range (both counted from the
        roll-ups): then reading every index entry of the range beats looking up each mention's row, which costs
        about twice an entry. A filter the roll-ups cannot count, or one with words, reads rows."""
        if not answerable(flt):
            return False
        if not (flt.brands or flt.platforms or flt.labels or flt.languages):
            return True
        kept = RollupReader(conn, flt).total()
        whole = RollupReader(conn, MentionFilter(since=flt.since, until=flt.until)).total()
        return kept * 2 >= whole

    def label_counts(self, flt: MentionFilter) -> dict[SentimentLabel, int]:
        counts = dict.fromkeys(SentimentLabel, 0)
        # The sentiment facet: from the lean roll-ups for one brand or all, else the brand-set ones.
        for value in self.facets(flt, size=len(SentimentLabel)).facets["sentiment"]:
            counts[SentimentLabel(value.value)] = value.count
        return counts

    def facets(self, flt: MentionFilter, *, size: int = 10, sample: int = 0) -> FacetResult:
        check_facet_request(size, sample)
        per: dict[str, Counter[str]] = {name: Counter() for name in FACET_FIELDS}
        if not size and (answerable(flt) or lean_answerable(flt, "total")):  # the total and sample: no grouping
            total = self.count(flt)
        elif lean_answerable(flt, "facets"):

            def marginals() -> dict[str, Counter[str]]:
                with self._read() as conn:
                    return LeanReader(conn, flt).marginals()

            per.update(self._run("facets", flt, marginals))
            total = per.pop("total")[""]
        else:
            grouped = self._grouped("facets", flt)
            total = sum(grouped.values())
            for (brands, platform, label, category, language), n in grouped.items():
                per["platform"][platform] += n
                per["sentiment"][label] += n
                per["language"][language] += n
                if category:  # mentions without a category are not in its facet
                    per["category"][category] += n
                for brand in brands_of(brands):
                    per["brand"][brand] += n
        counts: dict[str, list[FacetCount]] = {name: [] for name in FACET_FIELDS}
        if size:
            for name, counter in per.items():
                ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:size]
                counts[name] = [FacetCount(value, n) for value, n in ranked]
        tokens: list[list[str]] = []
        if sample:
            params: dict[str, Any] = {}
            source, conds, order, _ = newest(flt, params, plan_of(flt))
            where = ("WHERE " + " AND ".join(conds)) if conds else ""
            # The size written into the SQL (an int checked above): with a bound LIMIT, SQLite materialises
            # every match of the subquery before joining (10x slower on a 30-day range of 300,000 mentions).
            sql = (
                f"SELECT t.title_seg, t.text_seg FROM (SELECT m.rowid AS r FROM {source} {where} ORDER BY {order} "
                f"LIMIT {int(sample)}) AS s JOIN {FTS_TABLE} AS t ON t.rowid = s.r ORDER BY s.r DESC"
            )

            def run() -> list[list[str]]:
                with self._read() as conn:
                    rows = conn.execute(self._expand(sql, params), params).all()  # one fetch, not one per row
                    return [f"{title} {body}".split() for title, body in rows]

            tokens = self._run("facets", flt, run)
        return FacetResult(total=total, facets=counts, sample=tokens)

    def word_frequencies(self, flt: MentionFilter) -> WordFrequencies | None:
        """Exact from ``rollup_words`` when the range is short; else from each day's top words (``exact`` tells)."""
        if not word_answerable(flt):
            return None

        def run() -> tuple[WordFrequencies | None, list[DayTops]]:
            with self._read() as conn:
                return frequencies(conn, flt)

        found, built = self._run("word frequencies", flt, run)
        save_days(self.engine, built)  # after the read: its snapshot is no longer held
        return found

    def trend(self, flt: MentionFilter, interval: TrendInterval, tz: str = "UTC") -> list[TrendBucket]:
        if flt.since is None or flt.until is None:
            raise InvalidQuery("a trend needs both 'since' and 'until'")
        zone = resolve_zone(tz)
        try:
            starts = bucket_starts(flt.since, flt.until, interval, zone)
        except ValueError as exc:
            raise InvalidQuery(str(exc)) from exc
        edges = [_ms(s) for s in starts]
        buckets = [TrendBucket(start=s, count=0, negative=0) for s in starts]
        params: dict[str, Any] = {}
        sql = (
            f"SELECT m.published_at / {_SLOT_MS} AS slot, COUNT(*) AS n, "
            f"SUM(CASE WHEN m.sentiment_label = 'negative' THEN 1 ELSE 0 END) AS neg "
            f"{filtered(flt, params)} GROUP BY slot"
        )

        def run() -> list[tuple[int, int, int]]:
            with self._read() as conn:
                if lean_answerable(flt, "trend"):
                    return LeanReader(conn, flt).trend(edges)
                if answerable(flt):
                    return RollupReader(conn, flt).trend(edges)
                rows = conn.execute(self._expand(sql, params), params)
                return [(int(row.slot) * _SLOT_MS, int(row.n), int(row.neg or 0)) for row in rows]

        for start, n, negative in self._run("trend", flt, run):
            index = bisect_right(edges, start) - 1
            if 0 <= index < len(buckets):
                buckets[index].count += n
                buckets[index].negative += negative
        return buckets

    def refresh(self) -> None:
        return None

    def ping(self) -> bool:
        try:
            with self._read() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except (StoreError, SQLAlchemyError):
            return False

    def close(self) -> None:
        self.engine.dispose()
