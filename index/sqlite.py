"""The embedded mention index: SQLite with FTS5 over jieba-segmented text, in WAL mode.

One file holds the mentions, a brand table (a mention can concern several brands) and an FTS5 table whose
rowids are the mentions' rowids. A batch is written in one transaction; if the transaction fails, the batch
is retried one mention at a time so a single bad record is reported and the rest are stored.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, bindparam, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from foundation.db import IMMEDIATE, make_engine, run_migrations
from foundation.errors import InvalidQuery, StoreError, StoreUnavailable
from foundation.vocabulary import SentimentLabel
from index.base import (
    FACET_FIELDS,
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
    WriteResult,
    check_facet_request,
    decode_cursor,
    encode_cursor,
    resolve_zone,
)
from index.buckets import bucket_starts
from index.highlight import mention_highlights
from index.query import Highlighting, Plan, highlighting, prepare
from index.query.fts5 import FTS_TABLE, SqlQuery, relevance_match, split_match
from index.text import index_fields

_COLUMNS = (
    "id platform post_id source url author title text published_at collected_at updated_at language rating "
    "likes reposts comments parent_id sentiment_score sentiment_label category matched_keywords extra content_hash "
    "date_estimated"
).split()
_T = TypeVar("_T")
_SLOT_MS = 15 * 60 * 1000  # every real time-zone offset is a multiple of 15 minutes
# bm25 weights for title_seg, text_seg, text_sub: a word in the title counts most, a sub-word least.
_BM25 = "bm25(mentions_fts, 4.0, 2.0, 0.5)"


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def _dt(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


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
        try:
            with self._write_connection() as conn, conn.begin():
                return self._write(conn, list(batch.values()))
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
                    result.merge(self._write(conn, [mention]))
            except SQLAlchemyError as exc:
                result.failed[mention.id] = str(getattr(exc, "orig", exc))
        return result

    def _write_connection(self) -> Connection:
        # The batch reads existing rows before writing: take the write lock first (see foundation.db).
        return self.engine.connect().execution_options(**{IMMEDIATE: True})

    def _write(self, conn: Connection, mentions: list[Mention]) -> WriteResult:
        result = WriteResult()
        existing = {
            row.id: row
            for row in conn.execute(
                text("SELECT rowid, id, content_hash, collected_at FROM mentions WHERE id IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": [m.id for m in mentions]},
            )
        }
        for mention in mentions:
            row = existing.get(mention.id)
            if row is not None and row.content_hash == mention.content_hash:
                result.unchanged.append(mention.id)
                continue
            values = self._row(mention)
            if row is None:
                rowid = conn.execute(
                    text(
                        f"INSERT INTO mentions ({', '.join(_COLUMNS)}) "
                        f"VALUES ({', '.join(':' + c for c in _COLUMNS)}) RETURNING rowid"
                    ),
                    values,
                ).scalar_one()
                result.created.append(mention.id)
            else:
                rowid = row.rowid
                values["collected_at"] = row.collected_at  # first seen stays first seen
                sets = ", ".join(f"{c} = :{c}" for c in _COLUMNS if c != "id")
                conn.execute(text(f"UPDATE mentions SET {sets} WHERE rowid = :rowid"), {**values, "rowid": rowid})
                conn.execute(text("DELETE FROM mentions_fts WHERE rowid = :r"), {"r": rowid})
                conn.execute(text("DELETE FROM mention_brands WHERE mention_rowid = :r"), {"r": rowid})
                result.updated.append(mention.id)
            seg = index_fields(mention.title, mention.text)
            conn.execute(
                text(
                    "INSERT INTO mentions_fts (rowid, title_seg, text_seg, text_sub) "
                    "VALUES (:r, :title_seg, :text_seg, :text_sub)"
                ),
                {"r": rowid, **seg},
            )
            if mention.brands:
                conn.execute(
                    text("INSERT INTO mention_brands (brand, mention_rowid, published_at) VALUES (:b, :r, :p)"),
                    [{"b": b, "r": rowid, "p": values["published_at"]} for b in dict.fromkeys(mention.brands)],
                )
        return result

    @staticmethod
    def _row(mention: Mention) -> dict[str, Any]:
        data = mention.model_dump(mode="python")
        for key in ("published_at", "collected_at", "updated_at"):
            data[key] = _ms(data[key])
        data["sentiment_label"] = mention.sentiment_label.value
        data["matched_keywords"] = json.dumps(mention.matched_keywords, ensure_ascii=False)
        data["extra"] = json.dumps(mention.extra, ensure_ascii=False, default=str)
        data["date_estimated"] = int(mention.date_estimated)
        data.pop("brands")
        return data

    # -- reads ----------------------------------------------------------------------------------------------
    def _mentions(self, conn: Connection, rows: Sequence[Any]) -> list[Mention]:
        if not rows:
            return []
        brands: dict[int, list[str]] = {}
        for b in conn.execute(
            text("SELECT mention_rowid, brand FROM mention_brands WHERE mention_rowid IN :r ORDER BY brand").bindparams(
                bindparam("r", expanding=True)
            ),
            {"r": [row.rowid for row in rows]},
        ):
            brands.setdefault(b.mention_rowid, []).append(b.brand)
        out = []
        for row in rows:
            data = {c: getattr(row, c) for c in _COLUMNS}
            for key in ("published_at", "collected_at", "updated_at"):
                data[key] = _dt(data[key])
            data["matched_keywords"] = json.loads(data["matched_keywords"])
            data["extra"] = json.loads(data["extra"])
            data["date_estimated"] = bool(data["date_estimated"])
            data["brands"] = brands.get(row.rowid, [])
            out.append(Mention.model_validate(data))
        return out

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
            by_id = {m.id: m for m in self._mentions(conn, rows)}
        return [by_id[i] for i in mention_ids if i in by_id]

    def _read(self) -> Connection:
        try:
            return self.engine.connect()
        except OperationalError as exc:
            raise StoreUnavailable(f"mention store {self.describe()} is unavailable: {exc.orig}") from exc

    @staticmethod
    def _plan(flt: MentionFilter) -> Plan | None:
        return prepare(flt.text, flt.query, flt.query_tz, flt.query_now)

    @staticmethod
    def _where(
        flt: MentionFilter, params: dict[str, Any], planned: Plan | None, *, ranked: bool = False
    ) -> tuple[str, list[str], str]:
        """The FROM clause (over ``m``), conditions and rank expression for a filter; parameters go to ``params``.

        The rank is bm25() of the query's positive words (lower is better; 0 for a mention matched without
        any, e.g. by a field condition in an OR), or ``NULL`` when not ``ranked``. Full-text conditions are
        ``m.rowid IN (SELECT rowid ... MATCH)``: SQLite runs the MATCH once and walks the mentions in the
        order asked (newest first) testing membership, where a JOIN would run the MATCH once per mention.
        To rank, the MATCH drives instead (CROSS JOIN keeps it the outer loop) so bm25() comes with each row.
        """
        source = "mentions m"
        conds: list[str] = []
        rank = "NULL"
        if planned is not None:
            match, rest = split_match(planned) if ranked else (None, planned)
            if match is not None:
                source = (
                    f"(SELECT rowid AS fts_rowid, {_BM25} AS fts_rank FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match)"
                    " AS fts CROSS JOIN mentions m ON m.rowid = fts.fts_rowid"
                )
                params["match"] = match
                rank = "fts.fts_rank"
            if rest is not None:
                conds.append(SqlQuery(params).where(rest))
            if ranked and match is None:
                positive = relevance_match(planned)
                if positive is not None:
                    source += (
                        f" LEFT JOIN (SELECT rowid AS rank_rowid, {_BM25} AS rank_score FROM {FTS_TABLE} "
                        f"WHERE {FTS_TABLE} MATCH :rank_match) AS rk ON rk.rank_rowid = m.rowid"
                    )
                    params["rank_match"] = positive
                    rank = "COALESCE(rk.rank_score, 0.0)"
        if flt.brands:
            conds.append(
                "EXISTS (SELECT 1 FROM mention_brands b WHERE b.mention_rowid = m.rowid AND b.brand IN :brands)"
            )
            params["brands"] = list(flt.brands)
        for column, values, name in (
            ("m.platform", flt.platforms, "platforms"),
            ("m.source", flt.sources, "sources"),
            ("m.language", flt.languages, "languages"),
            ("m.sentiment_label", [label.value for label in flt.labels], "labels"),
        ):
            if values:
                conds.append(f"{column} IN :{name}")
                params[name] = list(values)
        if flt.score_min is not None:
            conds.append("m.sentiment_score >= :score_min")
            params["score_min"] = flt.score_min
        if flt.score_max is not None:
            conds.append("m.sentiment_score <= :score_max")
            params["score_max"] = flt.score_max
        if flt.since is not None:
            conds.append("m.published_at >= :since")
            params["since"] = _ms(flt.since)
        if flt.until is not None:
            conds.append("m.published_at < :until")
            params["until"] = _ms(flt.until)
        if flt.updated_since is not None:
            conds.append("m.updated_at >= :updated_since")
            params["updated_since"] = _ms(flt.updated_since)
        if flt.updated_until is not None:
            conds.append("m.updated_at < :updated_until")
            params["updated_until"] = _ms(flt.updated_until)
        if flt.dated_only:
            conds.append("m.date_estimated = 0")
        return source, conds, rank

    def _filtered(self, flt: MentionFilter, params: dict[str, Any], planned: Plan | None = None) -> str:
        """``FROM mentions m ... WHERE ...`` for a filter, without ranking."""
        source, conds, _ = self._where(flt, params, planned if planned is not None else self._plan(flt))
        where = ("WHERE " + " AND ".join(conds)) if conds else ""
        return f"FROM {source} {where}"

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

    def search(self, request: SearchRequest) -> SearchPage:
        flt = request.filter
        params: dict[str, Any] = {}
        planned = self._plan(flt)
        sort = request.effective_sort()
        source, conds, rank = self._where(flt, params, planned, ranked=sort is SortOrder.relevance)
        where = ("WHERE " + " AND ".join(conds)) if conds else ""
        base = f"SELECT m.*, {rank} AS rank FROM {source} {where}"
        after = decode_cursor(request)
        if sort is SortOrder.relevance:
            order = "ORDER BY rank ASC, id ASC"
            cursor_cond = "WHERE rank > :c0 OR (rank = :c0 AND id > :c1)"
        else:
            order = "ORDER BY published_at DESC, id DESC"
            cursor_cond = "WHERE published_at < :c0 OR (published_at = :c0 AND id < :c1)"
        sql = f"SELECT * FROM ({base}) AS hits"
        if after is not None:
            sql += f" {cursor_cond}"
            params["c0"], params["c1"] = after
        sql += f" {order} LIMIT :limit OFFSET :offset"
        params["limit"] = request.limit + 1  # one extra row tells whether a next page exists
        params["offset"] = request.offset
        # The total needs no rank: counted the unranked way, which lets SQLite pick the cheapest order.
        count_params: dict[str, Any] = {}
        count_sql = f"SELECT COUNT(*) {self._filtered(flt, count_params, planned)}"

        def run() -> tuple[Sequence[Any], int, list[Mention]]:
            with self._read() as conn:
                rows = conn.execute(self._expand(sql, params), params).all()
                total = conn.execute(self._expand(count_sql, count_params), count_params).scalar_one()
                return rows, int(total), self._mentions(conn, rows[: request.limit])

        rows, total, mentions = self._run("search", flt, run)
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
        return SearchPage(hits=hits, total=total, next_cursor=next_cursor)

    def count(self, flt: MentionFilter) -> int:
        params: dict[str, Any] = {}
        sql = f"SELECT COUNT(*) {self._filtered(flt, params)}"

        def run() -> int:
            with self._read() as conn:
                return int(conn.execute(self._expand(sql, params), params).scalar_one())

        return self._run("count", flt, run)

    def label_counts(self, flt: MentionFilter) -> dict[SentimentLabel, int]:
        params: dict[str, Any] = {}
        sql = (
            f"SELECT m.sentiment_label AS label, COUNT(*) AS n {self._filtered(flt, params)} GROUP BY m.sentiment_label"
        )
        counts = dict.fromkeys(SentimentLabel, 0)

        def run() -> None:
            with self._read() as conn:
                for row in conn.execute(self._expand(sql, params), params):
                    counts[SentimentLabel(row.label)] = int(row.n)

        self._run("label counts", flt, run)
        return counts

    def facets(self, flt: MentionFilter, *, size: int = 10, sample: int = 0) -> FacetResult:
        check_facet_request(size, sample)
        params: dict[str, Any] = {}
        source = self._filtered(flt, params)
        grouped = {
            "platform": "m.platform",
            "sentiment": "m.sentiment_label",
            "category": "m.category",
            "language": "m.language",
        }
        queries: dict[str, str] = {}
        if size:
            params["facet_size"] = size
            for name, column in grouped.items():
                # The filter's WHERE is wrapped, so the NOT NULL test can be added whatever it holds.
                queries[name] = (
                    f"SELECT value, COUNT(*) AS n FROM (SELECT {column} AS value {source}) AS f "
                    "WHERE value IS NOT NULL GROUP BY value ORDER BY n DESC, value ASC LIMIT :facet_size"
                )
            queries["brand"] = (
                f"SELECT mb.brand AS value, COUNT(*) AS n FROM (SELECT m.rowid AS r {source}) AS f "
                "JOIN mention_brands mb ON mb.mention_rowid = f.r "
                "GROUP BY mb.brand ORDER BY n DESC, value ASC LIMIT :facet_size"
            )
        sample_sql = (
            f"SELECT s.published_at, s.id, t.title_seg, t.text_seg FROM (SELECT m.rowid AS r, m.published_at, m.id "
            f"{source} ORDER BY m.published_at DESC, m.id DESC LIMIT :sample_size) AS s "
            f"JOIN {FTS_TABLE} AS t ON t.rowid = s.r ORDER BY s.published_at DESC, s.id DESC"
        )

        def run() -> FacetResult:
            with self._read() as conn:
                total = int(conn.execute(self._expand(f"SELECT COUNT(*) {source}", params), params).scalar_one())
                counts: dict[str, list[FacetCount]] = {name: [] for name in FACET_FIELDS}
                for name, sql in queries.items():
                    rows = conn.execute(self._expand(sql, params), params)
                    counts[name] = [FacetCount(str(row.value), int(row.n)) for row in rows]
                tokens: list[list[str]] = []
                if sample:
                    sample_params = {**params, "sample_size": sample}
                    for row in conn.execute(self._expand(sample_sql, sample_params), sample_params):
                        tokens.append(f"{row.title_seg} {row.text_seg}".split())
                return FacetResult(total=total, facets=counts, sample=tokens)

        return self._run("facets", flt, run)

    def trend(self, flt: MentionFilter, interval: TrendInterval, tz: str = "UTC") -> list[TrendBucket]:
        if flt.since is None or flt.until is None:
            raise InvalidQuery("a trend needs both 'since' and 'until'")
        zone = resolve_zone(tz)
        try:
            starts = bucket_starts(flt.since, flt.until, interval, zone)
        except ValueError as exc:
            raise InvalidQuery(str(exc)) from exc
        params: dict[str, Any] = {}
        sql = (
            f"SELECT m.published_at / {_SLOT_MS} AS slot, COUNT(*) AS n, "
            f"SUM(CASE WHEN m.sentiment_label = 'negative' THEN 1 ELSE 0 END) AS neg "
            f"{self._filtered(flt, params)} GROUP BY slot"
        )
        edges = [_ms(s) for s in starts]
        buckets = [TrendBucket(start=s, count=0, negative=0) for s in starts]

        def run() -> None:
            with self._read() as conn:
                for row in conn.execute(self._expand(sql, params), params):
                    index = bisect_right(edges, int(row.slot) * _SLOT_MS) - 1
                    if 0 <= index < len(buckets):
                        buckets[index].count += int(row.n)
                        buckets[index].negative += int(row.neg or 0)

        self._run("trend", flt, run)
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
