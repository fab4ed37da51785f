"""Compile a query plan to an Elasticsearch bool query over the store's mapping (see :mod:`index.elastic`).

Text conditions query the whitespace-analysed segmented fields, so a token means the same as in SQLite's
FTS5 table: ``match``/``match_phrase``/``prefix`` per field and ``span_near`` (unordered, ``slop`` = tokens
allowed in between) for proximity. Each field's clause is a ``constant_score`` with the field's weight, so
relevance is the same exact sum of weights the store uses for word searches. Field conditions and anything
without positive text go to filter context (no score); negations to ``must_not``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from index.query.plan import AnyOf, FieldEquals, FieldRange, NoneOf, Plan, TextQuery, positive_text


def _field_clause(leaf: TextQuery, column: str) -> dict[str, Any]:
    if leaf.kind == "term":
        return {"match": {column: leaf.tokens[0]}}
    if leaf.kind == "prefix":
        return {"prefix": {column: {"value": leaf.tokens[0]}}}
    if leaf.kind == "phrase":
        return {"match_phrase": {column: " ".join(leaf.tokens)}}
    return {
        "span_near": {
            "clauses": [{"span_term": {column: token}} for token in leaf.tokens],
            "slop": leaf.distance,
            "in_order": False,
        }
    }


def text_query(leaf: TextQuery, boosts: Mapping[str, float]) -> dict[str, Any]:
    """One text condition: any of its fields, each weighted."""
    clauses = [
        {"constant_score": {"filter": _field_clause(leaf, column), "boost": boosts.get(column, 1.0)}}
        for column in leaf.columns
    ]
    if len(clauses) == 1:
        return clauses[0]
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def _field_query(node: FieldEquals | FieldRange) -> dict[str, Any]:
    if isinstance(node, FieldEquals):
        return {"term": {node.field: node.value}}
    bounds: dict[str, Any] = {}
    if node.lower is not None:
        bounds["gte" if node.include_lower else "gt"] = node.lower
    if node.upper is not None:
        bounds["lte" if node.include_upper else "lt"] = node.upper
    if node.field == "published_at":
        bounds["format"] = "epoch_millis"
    if not bounds:
        return {"match_all": {}}
    return {"range": {node.field: bounds}}


def compile_plan(node: Plan, boosts: Mapping[str, float]) -> dict[str, Any]:
    """The Elasticsearch query for ``node``; scores only where positive text matched."""
    if isinstance(node, TextQuery):
        return text_query(node, boosts)
    if isinstance(node, FieldEquals | FieldRange):
        return _field_query(node)
    if isinstance(node, NoneOf):
        return {"bool": {"must_not": [compile_plan(node.child, boosts)]}}
    if isinstance(node, AnyOf):
        # A field condition beside words in an OR matches without adding to the score (as in SQLite's rank).
        should = [
            compile_plan(c, boosts) if positive_text(c) else {"bool": {"filter": [compile_plan(c, boosts)]}}
            for c in node.children
        ]
        return {"bool": {"should": should, "minimum_should_match": 1}}
    must: list[dict[str, Any]] = []
    filters: list[dict[str, Any]] = []
    must_not: list[dict[str, Any]] = []
    for child in node.children:
        if isinstance(child, NoneOf):
            must_not.append(compile_plan(child.child, boosts))
        elif positive_text(child):
            must.append(compile_plan(child, boosts))
        else:
            filters.append(compile_plan(child, boosts))
    query: dict[str, Any] = {}
    if must:
        query["must"] = must
    if filters:
        query["filter"] = filters
    if must_not:
        query["must_not"] = must_not
    return {"bool": query}


def is_scoring(node: Plan) -> bool:
    """Whether the query gives scores (has positive text); otherwise it belongs in filter context."""
    return bool(positive_text(node))
