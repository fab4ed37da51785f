"""Query translation: a mention filter or search request → an Elasticsearch request, and hits → a page.

Conditions are the same as ``SQLiteMentionStore._where``; the search language (``MentionFilter.query``) is
compiled from the plan SQLite compiles too (:mod:`index.query.elastic`). Relevance is a sum of fixed field
weights (:data:`FIELD_BOOSTS`), not BM25, so that ``search_after`` cursors are exact and stay valid while
mentions keep arriving. Highlighting is computed in Python by the code SQLite uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from foundation.errors import InvalidQuery
from index.base import (
    Mention,
    MentionFilter,
    SearchHit,
    SearchPage,
    SearchRequest,
    SortOrder,
    decode_cursor,
    encode_cursor,
)
from index.elastic.schema import SEGMENTED_FIELDS, epoch_ms
from index.elastic_rollups import track_total
from index.highlight import mention_highlights
from index.query import Highlighting, highlighting, prepare
from index.query.elastic import compile_plan, is_scoring
from index.text import query_terms

# Relevance = the sum, over the query's words, of the weights of the fields each word occurs in (the weights
# SQLite gives bm25()): a word in the title counts most, a sub-word least; words that also occur next to
# each other as a phrase add PHRASE_BONUS per field. Deliberately not BM25: these sums are exact binary
# fractions, so a cursor's score compares equal on any server (a float32/float64 rounding difference makes
# search_after repeat or skip hits), and they do not depend on corpus statistics, so a cursor stays valid
# while crawlers keep adding mentions (BM25's IDF shifts with every write) and scores agree across shards.
FIELD_BOOSTS = {"title_seg": 4.0, "text_seg": 2.0, "text_sub": 0.5}
PHRASE_BONUS = {"title_seg": 1.0, "text_seg": 1.0}

_MALFORMED_CURSOR = "the cursor is malformed; use the next_cursor of a previous page"


def _word_clauses(text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The required (must) and bonus (should) clauses for plain search words."""
    terms = query_terms(text)
    if not terms:
        raise InvalidQuery("the search words contain no letters or digits")
    # Every word must occur in at least one segmented field (FTS5's implicit AND across columns).
    # Words go into match queries on whitespace-analysed fields, so query syntax in user input
    # ("-", "*", "OR", quotes, "field:") has no meaning and is matched literally.
    must: list[dict[str, Any]] = [
        {
            "bool": {
                "should": [
                    {"constant_score": {"filter": {"match": {field: term}}, "boost": boost}}
                    for field, boost in FIELD_BOOSTS.items()
                ],
                "minimum_should_match": 1,
            }
        }
        for term in terms
    ]
    should: list[dict[str, Any]] = []
    if len(terms) > 1:
        # Optional (should beside must): ranks "申请 退款" written together above scattered words.
        phrase = " ".join(terms)
        should.extend(
            {"constant_score": {"filter": {"match_phrase": {field: phrase}}, "boost": boost}}
            for field, boost in PHRASE_BONUS.items()
        )
    return must, should


def _field_filters(flt: MentionFilter) -> list[dict[str, Any]]:
    """Filter-context clauses for the filter's field, score and time conditions."""
    filters: list[dict[str, Any]] = []
    for field, values in (
        ("brands", flt.brands),
        ("platform", flt.platforms),
        ("source", flt.sources),
        ("language", flt.languages),
        ("sentiment_label", [label.value for label in flt.labels]),
    ):
        if values:
            filters.append({"terms": {field: list(values)}})
    score: dict[str, float] = {}
    if flt.score_min is not None:
        score["gte"] = flt.score_min
    if flt.score_max is not None:
        score["lte"] = flt.score_max
    if score:
        filters.append({"range": {"sentiment_score": score}})
    published: dict[str, Any] = {}
    if flt.since is not None:
        published["gte"] = epoch_ms(flt.since)  # since is inclusive
    if flt.until is not None:
        published["lt"] = epoch_ms(flt.until)  # until is exclusive
    if published:
        filters.append({"range": {"published_at": {**published, "format": "epoch_millis"}}})
    updated: dict[str, Any] = {}
    if flt.updated_since is not None:
        updated["gte"] = epoch_ms(flt.updated_since)
    if flt.updated_until is not None:
        updated["lt"] = epoch_ms(flt.updated_until)
    if updated:
        filters.append({"range": {"updated_at": {**updated, "format": "epoch_millis"}}})
    if flt.dated_only:
        # must_not rather than term false: documents written before the field existed have no value for it.
        filters.append({"bool": {"must_not": [{"term": {"date_estimated": True}}]}})
    return filters


def filter_query(flt: MentionFilter) -> dict[str, Any]:
    """The Elasticsearch query for a filter; the same conditions as ``SQLiteMentionStore._where``."""
    must: list[dict[str, Any]] = []
    should: list[dict[str, Any]] = []
    filters: list[dict[str, Any]] = []
    planned = prepare(None, flt.query, flt.query_tz, flt.query_now)
    if planned is not None:
        # Words outside any NOT score (must); a query of field conditions only filters.
        (must if is_scoring(planned) else filters).append(compile_plan(planned, FIELD_BOOSTS))
    if flt.text:
        words, bonus = _word_clauses(flt.text)
        must.extend(words)
        should.extend(bonus)
    filters.extend(_field_filters(flt))
    if not must and not filters:
        return {"match_all": {}}
    query: dict[str, Any] = {}
    if must:
        query["must"] = must
    if should:
        query["should"] = should
        query["minimum_should_match"] = 0  # bonus only: never narrows what matches
    if filters:
        query["filter"] = filters  # filter context: no scoring, cacheable
    return {"bool": query}


def check_search_after(values: list[Any], sort: SortOrder) -> list[Any]:
    """Check a decoded cursor's values have the types this sort produces (a forged one gets a 400)."""
    first, last_id = values
    if not isinstance(last_id, str) or isinstance(first, bool):
        raise InvalidQuery(_MALFORMED_CURSOR)
    if sort is SortOrder.time and not isinstance(first, int):
        raise InvalidQuery(_MALFORMED_CURSOR)
    if sort is SortOrder.relevance and not isinstance(first, int | float):
        raise InvalidQuery(_MALFORMED_CURSOR)
    return [first, last_id]


def search_params(alias: str, request: SearchRequest, query: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments of ``client.search`` for one page of ``request`` (``query``: its filter's query)."""
    sort = request.effective_sort()
    after = decode_cursor(request)
    if sort is SortOrder.relevance:
        order: list[dict[str, Any]] = [{"_score": {"order": "desc"}}, {"id": {"order": "asc"}}]
    else:
        order = [{"published_at": {"order": "desc"}}, {"id": {"order": "desc"}}]
    params: dict[str, Any] = {
        "index": alias,
        "query": query,
        "sort": order,
        "size": request.limit + 1,  # one extra hit tells whether a next page exists
        "track_total_hits": track_total(request.filter),  # exact, or capped as SQLite caps them
        "source_excludes": list(SEGMENTED_FIELDS),
    }
    if after is not None:
        params["search_after"] = check_search_after(after, sort)
    elif request.offset:
        params["from_"] = request.offset
    return params


def read_page(
    body: dict[str, Any], request: SearchRequest, to_mention: Callable[[dict[str, Any]], Mention]
) -> SearchPage:
    """The page a search response holds: hits (highlighted if asked), exact total and the next cursor."""
    flt = request.filter
    sort = request.effective_sort()
    raw_hits = body["hits"]["hits"]
    total = int(body["hits"]["total"]["value"])
    more = len(raw_hits) > request.limit
    raw_hits = raw_hits[: request.limit]
    marks = (
        highlighting(prepare(flt.text, flt.query, flt.query_tz, flt.query_now)) if request.highlight else Highlighting()
    )
    hits: list[SearchHit] = []
    for raw in raw_hits:
        mention = to_mention(raw["_source"])
        score = raw.get("_score") if sort is SortOrder.relevance else None
        hit = SearchHit(mention=mention, score=float(score) if score is not None else None)
        if marks:
            hit.highlights = mention_highlights(mention.title, mention.text, marks)
        hits.append(hit)
    next_cursor = None
    if more and raw_hits:
        next_cursor = encode_cursor(request, list(raw_hits[-1]["sort"]))
    exact = body["hits"]["total"].get("relation", "eq") == "eq"
    return SearchPage(hits=hits, total=total, next_cursor=next_cursor, total_exact=exact)
