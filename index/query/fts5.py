"""Compile a query plan to SQL for the SQLite store: a WHERE expression over ``mentions m``.

Full-text parts become FTS5 MATCH expressions over ``mentions_fts``. FTS5 alone cannot say "everything
except" (its NOT needs a left-hand side) nor test stored fields, so the plan is compiled to SQL booleans and
each maximal sub-tree FTS5 *can* express becomes one ``m.rowid IN (SELECT rowid FROM mentions_fts WHERE
mentions_fts MATCH ?)``. A plan that is a conjunction of such a part and field conditions instead JOINs the
FTS5 table, so bm25() is available for relevance without a second MATCH.

Every condition is two-valued: a test on a field that can be NULL is false there (never NULL), so ``NOT``
keeps the mentions that lack the field, exactly as Elasticsearch's ``must_not`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from index.query.plan import (
    NULLABLE,
    SEGMENTED_COLUMNS,
    AllOf,
    AnyOf,
    FieldEquals,
    FieldRange,
    NoneOf,
    Plan,
    TextQuery,
    positive_text,
)

FTS_TABLE = "mentions_fts"


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def text_match(leaf: TextQuery) -> str:
    """The FTS5 expression of one text condition."""
    if leaf.kind == "term":
        body = _quote(leaf.tokens[0])
    elif leaf.kind == "prefix":
        body = _quote(leaf.tokens[0]) + " *"
    elif leaf.kind == "phrase":
        body = _quote(" ".join(leaf.tokens))
    else:
        # FTS5 counts the tokens between the first and the last phrase of the window; with one-token phrases
        # that is the window less two, where the plan counts the window less every token: add the middle ones.
        body = f"NEAR({' '.join(_quote(t) for t in leaf.tokens)}, {leaf.distance + len(leaf.tokens) - 2})"
    if tuple(leaf.columns) == SEGMENTED_COLUMNS:
        return body
    return "{" + " ".join(leaf.columns) + "} : " + body


def fts_expression(node: Plan) -> str | None:
    """The plan as one FTS5 query, or ``None`` when FTS5 cannot express it (field tests, bare negation)."""
    if isinstance(node, TextQuery):
        return text_match(node)
    if isinstance(node, AnyOf):
        parts = [fts_expression(child) for child in node.children]
        if any(p is None for p in parts):
            return None
        return "(" + " OR ".join(p for p in parts if p is not None) + ")"
    if isinstance(node, AllOf):
        positive: list[str] = []
        negative: list[str] = []
        for child in node.children:
            target = negative if isinstance(child, NoneOf) else positive
            expr = fts_expression(child.child if isinstance(child, NoneOf) else child)
            if expr is None:
                return None
            target.append(expr)
        if not positive:
            return None
        return _and_not(positive, negative)
    return None


def _and_not(positive: list[str], negative: list[str]) -> str:
    expr = "(" + " AND ".join(positive) + ")"
    if negative:
        expr = f"({expr} NOT ({' OR '.join(negative)}))"
    return expr


def relevance_match(node: Plan) -> str | None:
    """An FTS5 query matching the mentions that contain any positive text condition (for bm25)."""
    parts = [text_match(leaf) for leaf in positive_text(node)]
    if not parts:
        return None
    return " OR ".join(dict.fromkeys(parts))


@dataclass
class SqlQuery:
    """Collects bound parameters while compiling; names are ``q0``, ``q1``... so they never clash."""

    params: dict[str, Any] = field(default_factory=dict)

    def bind(self, value: Any) -> str:
        name = f"q{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def in_fts(self, expression: str) -> str:
        return f"m.rowid IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH {self.bind(expression)})"

    def where(self, node: Plan) -> str:
        """A boolean SQL expression over ``m`` (the mentions table) for the plan."""
        expression = fts_expression(node)
        if expression is not None:
            return self.in_fts(expression)
        if isinstance(node, AllOf | AnyOf):
            return self._group(node)
        if isinstance(node, NoneOf):
            return f"NOT ({self.where(node.child)})"
        if isinstance(node, FieldEquals):
            return self._equals(node)
        if isinstance(node, FieldRange):
            return self._range(node)
        # A lone TextQuery always has an FTS5 expression.
        raise AssertionError(f"cannot compile {node!r}")  # pragma: no cover

    def _group(self, node: AllOf | AnyOf) -> str:
        # Text children FTS5 can take together go into one MATCH: one FTS5 scan instead of one per word.
        conjunction = isinstance(node, AllOf)
        text_pos: list[str] = []
        text_neg: list[str] = []
        rest: list[str] = []
        for child in node.children:
            inner = child.child if conjunction and isinstance(child, NoneOf) else child
            expression = fts_expression(inner)
            if expression is None:
                rest.append(self.where(child))
            elif inner is child:
                text_pos.append(expression)
            else:
                text_neg.append(expression)
        parts: list[str] = []
        if conjunction:
            if text_pos:
                parts.append(self.in_fts(_and_not(text_pos, text_neg)))
            elif text_neg:
                parts.append(f"NOT ({self.in_fts(' OR '.join(text_neg))})")
        elif text_pos:
            parts.append(self.in_fts("(" + " OR ".join(text_pos) + ")"))
        parts.extend(rest)
        joiner = " AND " if conjunction else " OR "
        return "(" + joiner.join(parts) + ")"

    def _equals(self, node: FieldEquals) -> str:
        value = self.bind(node.value)
        if node.field == "brands":
            return f"EXISTS (SELECT 1 FROM mention_brands b WHERE b.mention_rowid = m.rowid AND b.brand = {value})"
        if node.field in NULLABLE:
            return f"(m.{node.field} IS NOT NULL AND m.{node.field} = {value})"
        return f"m.{node.field} = {value}"

    def _range(self, node: FieldRange) -> str:
        column = f"m.{node.field}"
        conds: list[str] = []
        if node.field in NULLABLE:
            conds.append(f"{column} IS NOT NULL")
        if node.lower is not None:
            conds.append(f"{column} {'>=' if node.include_lower else '>'} {self.bind(node.lower)}")
        if node.upper is not None:
            conds.append(f"{column} {'<=' if node.include_upper else '<'} {self.bind(node.upper)}")
        if not conds:
            return "1"
        return "(" + " AND ".join(conds) + ")"


def split_match(node: Plan) -> tuple[str | None, Plan | None]:
    """Split off the part of a conjunction FTS5 can run as one MATCH (JOINed, so bm25() is at hand).

    Returns ``(match, rest)``: the MATCH expression (``None`` when there is no positive text to join on) and
    the plan of what is left for the WHERE clause (``None`` when nothing is).
    """
    whole = fts_expression(node)
    if whole is not None:
        return whole, None
    if not isinstance(node, AllOf):
        return None, node
    positive: list[str] = []
    negative: list[str] = []
    rest: list[Plan] = []
    for child in node.children:
        inner = child.child if isinstance(child, NoneOf) else child
        expression = fts_expression(inner)
        if expression is None:
            rest.append(child)
        elif inner is child:
            positive.append(expression)
        else:
            negative.append(expression)
    if not positive:
        return None, node
    remainder: Plan | None
    if not rest:
        remainder = None
    elif len(rest) == 1:
        remainder = rest[0]
    else:
        remainder = AllOf(tuple(rest))
    return _and_not(positive, negative), remainder
