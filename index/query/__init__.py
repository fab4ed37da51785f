"""The search language: one parser, two compilers (SQLite FTS5 and Elasticsearch).

``parse(text)`` gives the syntax tree (:mod:`~index.query.ast`), :func:`prepare` the plan both stores compile
(:mod:`~index.query.plan`): :mod:`~index.query.fts5` to SQL over the FTS5 table, :mod:`~index.query.elastic`
to a bool query. Syntax, in brief (README "Search language" has the full table)::

    退款 物流            both words (implicit AND)        "申请 退款"        the phrase
    退款 OR 投诉         either (also ||)                  -退款 / NOT 退款   without
    a AND (b OR c)       AND (&&), parentheses             refun*             prefix
    "质量 退款"~5        within 5 tokens                   质量 NEAR/5 退款    the same
    platform:weibo  brand:鲜达外卖  lang:en  author:"张三"  source:x  category:logistics
    sentiment:negative  sentiment:<0.3  sentiment:[0.2 TO 0.4]  rating:<=2  rating:[1 TO 2]
    date:[2026-11-01 TO 2026-11-07]  date:>=2026-11-01  date:>now-7d   title:退款  text:"a b"

Precedence: NOT > AND > OR (NEAR binds tightest). Leading wildcards and regular expressions are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from foundation.errors import InvalidQuery
from foundation.timeutil import utcnow
from index.query.ast import Node, render
from index.query.errors import QuerySyntaxError
from index.query.parser import MAX_DEPTH, MAX_QUERY_LENGTH, MAX_TERMS, parse
from index.query.plan import AllOf, Plan, QueryContext, TextQuery, plan, positive_text, words_plan

__all__ = [
    "MAX_DEPTH",
    "MAX_QUERY_LENGTH",
    "MAX_TERMS",
    "Highlighting",
    "InvalidQuery",
    "Node",
    "Plan",
    "QueryContext",
    "QuerySyntaxError",
    "combine_queries",
    "highlighting",
    "parse",
    "prepare",
    "query_is_ranked",
    "render",
]


def combine_queries(*queries: str | None) -> str | None:
    """The queries joined with AND (each in parentheses, so an OR inside one stays inside it)."""
    given = [q.strip() for q in queries if q and q.strip()]
    if len(given) <= 1:
        return given[0] if given else None
    return " AND ".join(f"({q})" for q in given)


def prepare(text: str | None, query: str | None, tz: str = "UTC", now: datetime | None = None) -> Plan | None:
    """The plan of a filter's word search (``text``: all these words) and query (the language), ANDed.

    ``None`` when neither is given. :class:`InvalidQuery` when either cannot be run (syntax, limits, or
    nothing with letters or digits in it).
    """
    parts: list[Plan] = []
    if text:
        words = words_plan(text)
        if words is None:
            raise InvalidQuery("the search words contain no letters or digits")
        parts.append(words)
    if query:
        try:
            zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidQuery(f"unknown time zone {tz!r} for the query's dates") from exc
        ctx = QueryContext(now or utcnow(), zone)
        planned = plan(parse(query), ctx)
        if planned is None:
            raise InvalidQuery("the query contains no letters or digits to search for")
        parts.append(planned)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


@lru_cache(maxsize=1024)
def query_is_ranked(query: str) -> bool:
    """Whether a query has words to rank by (positive text); its dates play no part, so any clock will do."""
    planned = plan(parse(query), QueryContext(utcnow()))
    return planned is not None and bool(positive_text(planned))


@dataclass
class Highlighting:
    """What to mark in each shown field: exact tokens and token prefixes."""

    terms: dict[str, list[str]] = field(default_factory=lambda: {"title": [], "text": []})
    prefixes: dict[str, list[str]] = field(default_factory=lambda: {"title": [], "text": []})

    def __bool__(self) -> bool:
        return any(self.terms.values()) or any(self.prefixes.values())


def highlighting(planned: Plan | None) -> Highlighting:
    """The positive words of a plan, per shown field (a ``title:`` word is marked in the title only)."""
    out = Highlighting()
    if planned is None:
        return out
    for leaf in positive_text(planned):
        shown = _shown_fields(leaf)
        target = out.prefixes if leaf.kind == "prefix" else out.terms
        for name in shown:
            for token in leaf.tokens:
                if token not in target[name]:
                    target[name].append(token)
    return out


def _shown_fields(leaf: TextQuery) -> list[str]:
    shown = []
    if "title_seg" in leaf.columns or "text_sub" in leaf.columns:
        shown.append("title")
    if "text_seg" in leaf.columns or "text_sub" in leaf.columns:
        shown.append("text")
    return shown
