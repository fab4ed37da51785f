"""The SQL of a mention filter in the SQLite store: FROM clauses, conditions and newest-first order.

Parameters go into the ``params`` dict the caller passes; list values are expanded by the store.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from index.base import MentionFilter
from index.query import Plan, prepare
from index.query.fts5 import FTS_TABLE, SqlQuery, relevance_match, split_match
from index.rollups import rowid_ceiling, rowid_exact, rowid_floor

# bm25 weights for title_seg, text_seg, text_sub: a word in the title counts most, a sub-word least.
BM25 = "bm25(mentions_fts, 4.0, 2.0, 0.5)"


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def plan_of(flt: MentionFilter) -> Plan | None:
    return prepare(flt.text, flt.query, flt.query_tz, flt.query_now)


def where_clause(
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
                f"(SELECT rowid AS fts_rowid, {BM25} AS fts_rank FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match)"
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
                    f" LEFT JOIN (SELECT rowid AS rank_rowid, {BM25} AS rank_score FROM {FTS_TABLE} "
                    f"WHERE {FTS_TABLE} MATCH :rank_match) AS rk ON rk.rank_rowid = m.rowid"
                )
                params["rank_match"] = positive
                rank = "COALESCE(rk.rank_score, 0.0)"
    if flt.brands:
        # Through the brand key (brand, published_at, rowid): only the brand's mentions in the range are read.
        inner = ["b.brand IN :brands"]
        if flt.since is not None:
            inner.append("b.published_at >= :since")
        if flt.until is not None:
            inner.append("b.published_at < :until")
        conds.append(f"m.rowid IN (SELECT b.mention_rowid FROM mention_brands b WHERE {' AND '.join(inner)})")
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
        # Rowids follow publication time (index.rollups.rowid_key): the range is a rowid range too.
        conds.append("m.published_at >= :since AND m.rowid >= :since_rowid")
        params["since"] = _ms(flt.since)
        params["since_rowid"] = rowid_floor(params["since"])
    if flt.until is not None:
        conds.append("m.published_at < :until AND m.rowid < :until_rowid")
        params["until"] = _ms(flt.until)
        params["until_rowid"] = rowid_ceiling(params["until"])
    if flt.updated_since is not None:
        conds.append("m.updated_at >= :updated_since")
        params["updated_since"] = _ms(flt.updated_since)
    if flt.updated_until is not None:
        conds.append("m.updated_at < :updated_until")
        params["updated_until"] = _ms(flt.updated_until)
    if flt.dated_only:
        conds.append("m.date_estimated = 0")
    return source, conds, rank


def filtered(flt: MentionFilter, params: dict[str, Any], planned: Plan | None = None) -> str:
    """``FROM mentions m ... WHERE ...`` for a filter, without ranking."""
    source, conds, _ = where_clause(flt, params, planned if planned is not None else plan_of(flt))
    where = ("WHERE " + " AND ".join(conds)) if conds else ""
    return f"FROM {source} {where}"


def newest(flt: MentionFilter, params: dict[str, Any], planned: Plan | None) -> tuple[str, list[str], str, str]:
    """FROM, conditions, ORDER BY and cursor condition for newest first, in an order SQLite reads as is.

    Rowids follow publication time, so newest first is rowid order: words are read from FTS5 in
    descending rowid order (a MATCH plus the time range as a rowid range); one brand from its key
    (brand, published_at, rowid); anything else from the mentions table's own rowid order. SQLite stops
    after the page instead of sorting every match.
    """
    match, rest = split_match(planned) if planned is not None else (None, None)
    if match is not None:
        _, conds, _ = where_clause(flt, params, rest)
        params["match"] = match
        conds.insert(0, f"{FTS_TABLE} MATCH :match")
        if flt.since is not None:
            conds.append(f"{FTS_TABLE}.rowid >= :since_rowid")
        if flt.until is not None:
            conds.append(f"{FTS_TABLE}.rowid < :until_rowid")
        column = f"{FTS_TABLE}.rowid"
        return (
            f"{FTS_TABLE} CROSS JOIN mentions m ON m.rowid = {column}",
            conds,
            f"{column} DESC",
            f"{column} < :c_rowid",
        )
    if planned is None and len(flt.brands) == 1:
        _, conds, _ = where_clause(flt.model_copy(update={"brands": []}), params, None)
        params["brand"] = flt.brands[0]
        conds.insert(0, "b.brand = :brand")
        if flt.since is not None:
            conds.append("b.published_at >= :since")
        if flt.until is not None:
            conds.append("b.published_at < :until")
        return (
            "mention_brands b CROSS JOIN mentions m ON m.rowid = b.mention_rowid",
            conds,
            "b.published_at DESC, b.mention_rowid DESC",
            "b.published_at <= :c0 AND b.mention_rowid < :c_rowid",
        )
    source, conds, _ = where_clause(flt, params, planned)
    return source, conds, "m.rowid DESC", "m.rowid < :c_rowid"


def only_words(flt: MentionFilter, planned: Plan | None) -> bool:
    """Whether the filter is text conditions FTS5 can match alone, plus at most a time range it can bound."""
    if planned is None or split_match(planned)[1] is not None:
        return False
    if any(bound is not None and not rowid_exact(_ms(bound)) for bound in (flt.since, flt.until)):
        return False  # the time condition must stay on published_at
    return not (
        flt.brands
        or flt.platforms
        or flt.sources
        or flt.languages
        or flt.labels
        or flt.score_min is not None
        or flt.score_max is not None
        or flt.updated_since
        or flt.updated_until
        or flt.dated_only
    )


#: Covers what the top sources and authors read (migration 0008): counted from its entries, not the rows.
REACH_INDEX = "ix_mentions_reach_groups"


def _reach_source(flt: MentionFilter, params: dict[str, Any], extra: list[str], covering: bool) -> str:
    """``FROM ... WHERE ...`` of the filter for a grouped read by reach. ``covering``: the covering index drives
    (every entry in the time range is read, the brand set a condition on it; no mention row is read), which pays
    when the filter keeps much of the range; otherwise the matching mentions are read by rowid."""
    source, conds, _ = where_clause(flt, params, plan_of(flt))
    if covering:
        source = f"mentions m INDEXED BY {REACH_INDEX}"
    return f"FROM {source} WHERE {' AND '.join([*conds, *extra]) or '1'}"


def reach_sources_sql(flt: MentionFilter, params: dict[str, Any], covering: bool) -> str:
    """Mentions and reach per (platform, source) of the filter's mentions: the ``:sources`` of largest summed
    reach (then most mentions, then name), each row with the number of matching mentions (``total``)."""
    return (
        "SELECT m.platform AS platform, m.source AS name, COUNT(*) AS n, COALESCE(SUM(m.reach), 0.0) AS reach, "
        "COALESCE(MAX(m.reach), 0.0) AS top, SUM(COUNT(*)) OVER () AS total "
        f"{_reach_source(flt, params, [], covering)} GROUP BY m.platform, m.source "
        # Aggregates spelled out: in an expression, ``reach`` would be the column, not the sum.
        "ORDER BY ROUND(COALESCE(SUM(m.reach), 0.0), 1) DESC, n DESC, name, platform LIMIT :sources"
    )


def reach_authors_sql(flt: MentionFilter, params: dict[str, Any], covering: bool) -> str:
    """Mentions with a reach per (platform, author) of the filter's mentions: the ``:authors`` of largest summed
    reach (then largest reach, then name), each with the id of its furthest-reaching mention (``furthest``; ties:
    the smallest id). The id rides on a key that sorts by reach descending, then id (reach is 0-100)."""
    extra = ["m.reach IS NOT NULL", "m.author IS NOT NULL", "m.author <> ''"]
    return (
        "SELECT m.platform AS platform, m.author AS name, COUNT(*) AS n, SUM(m.reach) AS reach, MAX(m.reach) AS top, "
        "substr(MIN(printf('%020.12f', 100.0 - m.reach) || m.id), 21) AS furthest "
        f"{_reach_source(flt, params, extra, covering)} GROUP BY m.platform, m.author "
        "ORDER BY ROUND(SUM(m.reach), 1) DESC, ROUND(MAX(m.reach), 1) DESC, name, platform LIMIT :authors"
    )


#: ``extra.followers`` of mentions by id, where it is a number.
FOLLOWERS_SQL = (
    "SELECT id, CASE WHEN json_type(extra, '$.followers') IN ('integer', 'real') "
    "THEN json_extract(extra, '$.followers') END AS followers FROM mentions WHERE id IN :ids"
)
