"""What a query means to the backends: jieba tokens, stored columns and resolved instants.

:func:`plan` turns a syntax tree into a tree of :class:`TextQuery`, :class:`FieldEquals`, :class:`FieldRange`
and the boolean nodes :class:`AllOf`, :class:`AnyOf`, :class:`NoneOf`, resolving everything that depends on
segmentation, the time zone or the clock. Both compilers (:mod:`index.query.fts5`, :mod:`index.query.elastic`)
work from the same plan, so SQLite and Elasticsearch cannot disagree on what a word or a date means.

Semantics fixed here:

- A word is cut with jieba like the indexed text (:func:`index.text.segment`); a word of several tokens
  (``申请退款``, ``foo-bar``) is matched as the phrase of its tokens. A word with no letters or digits is
  dropped (``退款 ，`` is ``退款``); a query left with nothing raises :class:`InvalidQuery`.
- Proximity (``"a b"~5``, ``a NEAR/5 b``) counts tokens: all tokens of the operands occur, in any order,
  within a window holding at most ``distance`` other tokens, in one field.
- Dates without a zone are in the query's time zone; a day ``2026-11-01`` is the whole local day. Every date
  condition becomes a half-open ``[lower, upper)`` interval of epoch milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, TypeAlias
from zoneinfo import ZoneInfo

from foundation.errors import InvalidQuery
from index.query import ast
from index.query.parser import check_date
from index.text import query_terms, segment

SEGMENTED_COLUMNS = ("title_seg", "text_seg", "text_sub")
#: Which segmented columns a word restricted to a field is looked for in (sub-words live in text_sub).
COLUMNS = {None: SEGMENTED_COLUMNS, "title": ("title_seg",), "text": ("text_seg", "text_sub")}
#: Query field → stored mention field, for equality conditions.
EQUALITY_FIELDS = {
    "platform": "platform",
    "brand": "brands",
    "lang": "language",
    "author": "author",
    "source": "source",
    "category": "category",
    "sentiment": "sentiment_label",
}
RANGE_COLUMNS = {"sentiment": "sentiment_score", "rating": "rating", "date": "published_at"}
#: Stored fields that may be missing (NULL): conditions on them are false, and their negation true, there.
NULLABLE = frozenset({"author", "category", "sentiment_score", "rating"})
MIN_PREFIX = 2  # letters before * in a Latin prefix; one CJK character is enough
_RELATIVE = re.compile(r"now(?:([+-])(\d+)([smhdw]))?")
_UNIT = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class TextQuery:
    """Tokens to find in some of the segmented columns.

    ``term``: one token; ``phrase``: consecutive tokens; ``prefix``: a token starting with ``tokens[0]``;
    ``near``: every token, any order, with at most ``distance`` other tokens in the window.
    """

    kind: Literal["term", "phrase", "prefix", "near"]
    tokens: tuple[str, ...]
    columns: tuple[str, ...] = SEGMENTED_COLUMNS
    distance: int = 0


@dataclass(frozen=True)
class FieldEquals:
    """A stored field equals ``value`` (for ``brands``: one of the mention's brands is ``value``)."""

    field: str
    value: str


@dataclass(frozen=True)
class FieldRange:
    """A stored number within bounds. ``published_at`` bounds are epoch milliseconds, upper exclusive."""

    field: str
    lower: float | int | None
    upper: float | int | None
    include_lower: bool = True
    include_upper: bool = True


@dataclass(frozen=True)
class AllOf:
    children: tuple[Plan, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Plan, ...]


@dataclass(frozen=True)
class NoneOf:
    """Negation of ``child``: matches every mention ``child`` does not."""

    child: Plan


Plan: TypeAlias = TextQuery | FieldEquals | FieldRange | AllOf | AnyOf | NoneOf


@dataclass(frozen=True)
class QueryContext:
    """What a query's meaning depends on besides its text: the clock (``now-7d``) and the time zone."""

    now: datetime
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))


def plan(node: ast.Node, ctx: QueryContext) -> Plan | None:
    """The plan of a syntax tree; ``None`` when nothing searchable is left (only punctuation)."""
    if isinstance(node, ast.Word):
        return _word(node)
    if isinstance(node, ast.Phrase):
        tokens = segment(node.text)
        if node.slop is not None:
            return _near(tokens, node.slop, COLUMNS[node.field])
        return _tokens(tokens, COLUMNS[node.field])
    if isinstance(node, ast.Near):
        fields = {op.field for op in node.operands}
        if len(fields) > 1:
            raise InvalidQuery("the words joined by NEAR must be searched in the same field (all title: or all text:)")
        tokens = [token for op in node.operands for token in segment(op.text)]
        return _near(tokens, node.distance, COLUMNS[fields.pop()])
    if isinstance(node, ast.Match):
        return FieldEquals(EQUALITY_FIELDS[node.field], node.value)
    if isinstance(node, ast.Range):
        return _range(node, ctx)
    if isinstance(node, ast.Not):
        child = plan(node.child, ctx)
        if child is None:
            return None
        return child.child if isinstance(child, NoneOf) else NoneOf(child)
    children = tuple(p for p in (plan(c, ctx) for c in node.children) if p is not None)
    if not children:
        return None
    if len(children) == 1:
        return children[0]
    return AllOf(children) if isinstance(node, ast.And) else AnyOf(children)


def words_plan(text: str) -> Plan | None:
    """The plan of :attr:`MentionFilter.text`: every token must occur, anywhere (the original word search)."""
    terms = query_terms(text)
    if not terms:
        return None
    leaves = tuple(TextQuery("term", (t,)) for t in terms)
    return leaves[0] if len(leaves) == 1 else AllOf(leaves)


def _tokens(tokens: list[str], columns: tuple[str, ...]) -> TextQuery | None:
    if not tokens:
        return None
    if len(tokens) == 1:
        return TextQuery("term", (tokens[0],), columns)
    return TextQuery("phrase", tuple(tokens), columns)


def _word(node: ast.Word) -> TextQuery | None:
    tokens = segment(node.text)
    columns = COLUMNS[node.field]
    if not node.prefix:
        return _tokens(tokens, columns)
    if not tokens:
        return None
    if len(tokens) > 1:
        raise InvalidQuery(f"{node.text}*: a prefix search takes a single word (it is cut into {' '.join(tokens)})")
    token = tokens[0]
    if token.isascii() and len(token) < MIN_PREFIX:
        raise InvalidQuery(f"{node.text}*: a prefix needs at least {MIN_PREFIX} letters (it would match too much)")
    return TextQuery("prefix", (token,), columns)


def _near(tokens: list[str], distance: int, columns: tuple[str, ...]) -> TextQuery | None:
    unique = tuple(dict.fromkeys(tokens))  # the same token twice would be found once on one backend
    if not unique:
        return None
    if len(unique) == 1:
        return TextQuery("term", unique, columns)
    return TextQuery("near", unique, columns, distance)


def _range(node: ast.Range, ctx: QueryContext) -> FieldRange:
    column = RANGE_COLUMNS[node.field]
    if node.field != "date":
        lower = float(node.lower) if node.lower is not None else None
        upper = float(node.upper) if node.upper is not None else None
        return FieldRange(column, lower, upper, node.include_lower, node.include_upper)
    low = _instant(node.lower, ctx, upper=False, inclusive=node.include_lower) if node.lower is not None else None
    high = _instant(node.upper, ctx, upper=True, inclusive=node.include_upper) if node.upper is not None else None
    return FieldRange(column, low, high, True, False)


def _ms(value: datetime) -> int:
    # The conversion both stores use for published_at.
    return int(value.timestamp() * 1000)


def _instant(text: str, ctx: QueryContext, *, upper: bool, inclusive: bool) -> int:
    """A date bound as epoch ms: inclusive lower bound or exclusive upper bound."""
    form = check_date(text)
    if form == "day":
        day = datetime.strptime(text, "%Y-%m-%d").date()
        # Past the last millisecond of the day when the day itself belongs to the range's top or is excluded below.
        if upper == inclusive:
            day += timedelta(days=1)
        return _ms(datetime(day.year, day.month, day.day, tzinfo=ctx.tz))
    if form == "instant":
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ctx.tz)
    else:
        found = _RELATIVE.fullmatch(text)
        assert found is not None  # check_date accepted it
        moment = ctx.now
        sign, amount, unit = found.groups()
        if amount is not None:
            # At most five digits (the parser's limit): even 99999 weeks stays within datetime's range.
            delta = timedelta(**{_UNIT[unit]: int(amount)})
            moment = moment - delta if sign == "-" else moment + delta
    ms = _ms(moment)
    return ms + 1 if upper == inclusive else ms


def leaves(node: Plan, negated: bool = False) -> Iterator[tuple[Plan, bool]]:
    """Every leaf with whether it sits under an odd number of negations."""
    if isinstance(node, AllOf | AnyOf):
        for child in node.children:
            yield from leaves(child, negated)
    elif isinstance(node, NoneOf):
        yield from leaves(node.child, not negated)
    else:
        yield node, negated


def positive_text(node: Plan) -> list[TextQuery]:
    """The text conditions that count for relevance and highlighting (not under a NOT)."""
    return [leaf for leaf, negated in leaves(node) if isinstance(leaf, TextQuery) and not negated]


def has_positive_text(node: Plan) -> bool:
    return bool(positive_text(node))
