"""Read the search language into a syntax tree (:mod:`index.query.ast`) with a lark LALR grammar.

Precedence, loosest first: ``OR`` (``||``), ``AND`` (``&&``, or nothing: two terms side by side), ``NOT``
(``-``), ``NEAR``. Operators are upper case; ``and``, ``or``, ``near`` are ordinary words. Anything the
language cannot read, or that would make a backend scan the whole index (leading wildcards, regular
expressions), raises :class:`~index.query.errors.QuerySyntaxError` with the column and what was expected.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any, NoReturn

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from foundation.vocabulary import Category, SentimentLabel
from index.query.ast import (
    KNOWN_FIELDS,
    And,
    Match,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Range,
    Word,
    walk,
)
from index.query.errors import QuerySyntaxError

MAX_QUERY_LENGTH = 1000
MAX_TERMS = 50  # words, phrases and field conditions
MAX_DEPTH = 8  # nested parentheses
MAX_DISTANCE = 100  # NEAR/n and "..."~n
DEFAULT_NEAR = 10  # NEAR without /n, as in SQLite FTS5

GRAMMAR = r"""
?start: or_expr

?or_expr: and_expr ((_OR | _PIPES) and_expr)*
?and_expr: unary ((_AND | _AMPS)? unary)*
?unary: (_NOT | _MINUS) unary -> negate
      | near
?near: atom (NEAR atom)*
?atom: _LPAR or_expr _RPAR
     | WORD -> word
     | PHRASE SLOP? -> phrase
     | FIELD value -> field

?value: WORD -> value_word
      | PHRASE SLOP? -> value_phrase
      | CMP RVALUE -> value_compare
      | RANGE_OPEN RVALUE _TO RVALUE RANGE_CLOSE -> value_range
      | _LPAR or_expr _RPAR -> value_group

_OR: "OR"
_PIPES: "||"
_AND: "AND"
_AMPS: "&&"
_NOT: "NOT"
_MINUS: "-"
_TO: "TO"
_LPAR: "("
_RPAR: ")"
NEAR.3: /NEAR(\/[0-9]+)?(?=[\s()"]|$)/
FIELD.3: /[A-Za-z_][A-Za-z0-9_]*:/
PHRASE: /"(?:[^"\\]|\\.)*"/
SLOP.2: /~[0-9]+/
CMP.3: /<=|>=|<|>/
RANGE_OPEN.3: /[\[{]/
RANGE_CLOSE: /[\]}]/
RVALUE: /[^\s\[\]{}()"]+/
WORD: /[^\s()"\-][^\s()"]*/

%ignore /\s+/
"""

#: What each terminal is called in error messages.
_NAMES = {
    "WORD": "a word",
    "PHRASE": "a quoted phrase",
    "FIELD": "a field such as platform:",
    "_LPAR": "'('",
    "_RPAR": "')'",
    "_OR": "OR",
    "_PIPES": "OR",
    "_AND": "AND",
    "_AMPS": "AND",
    "_NOT": "NOT",
    "_MINUS": "NOT",
    "NEAR": "NEAR",
    "SLOP": "~N",
    "CMP": "a comparison (<, <=, >, >=)",
    "RANGE_OPEN": "a range such as [1 TO 2]",
    "RANGE_CLOSE": "']' or '}'",
    "RVALUE": "a value",
    "_TO": "TO",
    "$END": "the end of the query",
}
# The order in which expected items are listed (most useful first).
_ORDER = list(dict.fromkeys(_NAMES.values()))

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?")
_RELATIVE = re.compile(r"now(?:([+-])(\d{1,5})([smhdw]))?")
_FIELD_ALIASES = {"language": "lang"}


class _Invalid(Exception):
    """Raised inside grammar callbacks; turned into a QuerySyntaxError with the query text."""

    def __init__(self, column: int, problem: str, expected: list[str] | None = None):
        super().__init__(problem)
        self.column = column
        self.problem = problem
        self.expected = expected or []


def _column(token: Token) -> int:
    return int(token.column) if token.column is not None else 1


_OPERATOR = re.compile(r"AND|OR|NOT|&&|\|\||NEAR(?:/[0-9]+)?")
#: What can start a term: listed when an operator stands where a term should.
_TERM_START = ["WORD", "PHRASE", "FIELD", "_LPAR", "_NOT"]


def _check_word(token: Token) -> tuple[str, bool]:
    """The word's text and whether it ends in ``*`` (a prefix); wildcards elsewhere are refused."""
    text = str(token)
    col = _column(token)
    if _OPERATOR.fullmatch(text):
        # The contextual lexer reads an operator where none can stand as a word: "a OR OR b" is a mistake.
        raise _Invalid(col, f"unexpected {text!r} (put it in quotes to search for the word)", _expected(_TERM_START))
    if text.startswith("/") and len(text) > 1:
        raise _Invalid(col, "regular expressions (/.../) are not supported: they scan the whole index")
    if text[0] == "*" or (text[0] == "?" and text.strip("?")):
        # A lone "?" is punctuation ("怎么退款 ?"), dropped like any; "?x" and "*x" are wildcards.
        raise _Invalid(
            col, f"{text!r} starts with a wildcard; leading wildcards scan the whole index. Use a prefix (refun*)"
        )
    prefix = text.endswith("*")
    body = text[:-1] if prefix else text
    for i, char in enumerate(body):
        if char == "*":
            raise _Invalid(col + i, f"{text!r}: a wildcard is only allowed at the end of a word (refun*)")
        if char == "?" and body[i + 1 :].strip("?"):  # trailing question marks are punctuation
            raise _Invalid(col + i, f"{text!r}: single-character wildcards (?) are not supported")
        if char == "~":
            raise _Invalid(
                col + i,
                f'{text!r}: fuzzy matching (word~) is not supported; proximity is written "a b"~5 or a NEAR/5 b',
            )
    return body, prefix


def _unquote(token: Token) -> str:
    return re.sub(r"\\(.)", r"\1", str(token)[1:-1], flags=re.DOTALL)


def _slop(token: Token | None) -> int | None:
    if token is None:
        return None
    value = int(str(token)[1:])
    if value > MAX_DISTANCE:
        raise _Invalid(_column(token), f"proximity {value} is too large (at most {MAX_DISTANCE})")
    return value


def _near_distance(token: Token) -> int:
    text = str(token)
    if "/" not in text:
        return DEFAULT_NEAR
    value = int(text.split("/", 1)[1])
    if value > MAX_DISTANCE:
        raise _Invalid(_column(token), f"NEAR/{value} is too far (at most NEAR/{MAX_DISTANCE})")
    return value


def _flatten(kind: type[And] | type[Or], children: list[Any]) -> Node:
    flat: list[Node] = []
    for child in children:
        if isinstance(child, kind):
            flat.extend(child.children)
        else:
            flat.append(child)
    return kind(tuple(flat))


def check_number(text: str) -> float:
    """``text`` as a finite number, or ``ValueError``."""
    if not _NUMBER.fullmatch(text):
        raise ValueError(f"{text!r} is not a number")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value


def check_date(text: str) -> str:
    """Validate a date value: ``2026-11-01``, ``2026-11-01T08:00[:00][Z|+08:00]``, ``now``, ``now-7d``.

    Returns ``"day"``, ``"instant"`` or ``"relative"``; ``ValueError`` with the accepted forms otherwise.
    """
    try:
        if _DATE.fullmatch(text):
            datetime.strptime(text, "%Y-%m-%d")  # raises on 2026-02-30
            return "day"
        if _DATETIME.fullmatch(text):
            datetime.fromisoformat(text.replace("Z", "+00:00"))
            return "instant"
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date") from None
    if _RELATIVE.fullmatch(text):
        return "relative"
    raise ValueError(f"{text!r} is not a date; use 2026-11-01, 2026-11-01T08:00, now, or now-7d (units s, m, h, d, w)")


class _Builder:
    """Grammar callbacks, run as the LALR parser reduces (no recursion, however the query nests)."""

    def word(self, children: list[Token]) -> Word:
        text, prefix = _check_word(children[0])
        return Word(text, prefix)

    def phrase(self, children: list[Token]) -> Phrase:
        return Phrase(_unquote(children[0]), _slop(children[1] if len(children) > 1 else None))

    def negate(self, children: list[Any]) -> Node:
        child = children[-1]
        return child.child if isinstance(child, Not) else Not(child)  # NOT NOT x is x

    def and_expr(self, children: list[Any]) -> Node:
        return _flatten(And, children)

    def or_expr(self, children: list[Any]) -> Node:
        return _flatten(Or, children)

    def near(self, children: list[Any]) -> Node:
        operands: list[Word | Phrase] = []
        distances: set[int] = set()
        col = _column(next(c for c in children if isinstance(c, Token)))
        for child in children:
            if isinstance(child, Token):
                distances.add(_near_distance(child))
                continue
            if isinstance(child, Word) and child.prefix:
                raise _Invalid(col, f"a prefix ({child.text}*) cannot be used with NEAR")
            if not isinstance(child, Word | Phrase) or (isinstance(child, Phrase) and child.slop is not None):
                raise _Invalid(col, "NEAR joins words or quoted phrases, not groups, ~N or field conditions")
            operands.append(child)
        if len(distances) > 1:
            raise _Invalid(_column(children[1]), "use one distance in a chain of NEARs (a NEAR/5 b NEAR/5 c)")
        return Near(tuple(operands), distances.pop())

    # -- fields -------------------------------------------------------------------------------------------
    def value_word(self, children: list[Token]) -> tuple[str, Any]:
        return ("word", children[0])

    def value_phrase(self, children: list[Token]) -> tuple[str, Any]:
        return ("phrase", children)

    def value_compare(self, children: list[Token]) -> tuple[str, Any]:
        return ("compare", children)

    def value_range(self, children: list[Token]) -> tuple[str, Any]:
        return ("range", children)

    def value_group(self, children: list[Any]) -> tuple[str, Any]:
        return ("group", children[0])

    def field(self, children: list[Any]) -> Node:
        token: Token = children[0]
        kind, value = children[1]
        name = str(token)[:-1].lower()
        name = _FIELD_ALIASES.get(name, name)
        col = _column(token)
        if name not in KNOWN_FIELDS:
            raise _Invalid(
                col,
                f"unknown field {str(token)[:-1]!r}; known fields: {', '.join(KNOWN_FIELDS)} "
                "(put text containing ':' in quotes to search for it)",
            )
        if name in ("title", "text"):
            return _text_field(name, kind, value, col)
        if name in ("rating", "date") or (name == "sentiment" and kind in ("compare", "range")):
            return _range_field(name, kind, value, col)
        return _keyword_field(name, kind, value, col)


def _text_field(name: str, kind: str, value: Any, col: int) -> Node:
    if kind == "word":
        text, prefix = _check_word(value)
        return Word(text, prefix, name)
    if kind == "phrase":
        return Phrase(_unquote(value[0]), _slop(value[1] if len(value) > 1 else None), name)
    if kind == "group":
        return _scope_text(value, name, col)
    raise _Invalid(col, f"{name}: takes words or a quoted phrase, not a comparison or range")


def _scope_text(node: Node, name: str, col: int) -> Node:
    """``title:(a OR -b)``: every word inside is restricted to the field."""
    if isinstance(node, Word | Phrase):
        if node.field is not None and node.field != name:
            raise _Invalid(col, f"{node.field}: inside {name}:(...) restricts a word to two fields at once")
        return type(node)(**{**node.__dict__, "field": name})
    if isinstance(node, Near):
        return Near(tuple(_scope_text(op, name, col) for op in node.operands), node.distance)  # type: ignore[misc]
    if isinstance(node, Not):
        return Not(_scope_text(node.child, name, col))
    if isinstance(node, And | Or):
        return type(node)(tuple(_scope_text(child, name, col) for child in node.children))
    raise _Invalid(col, f"only words and phrases can be inside {name}:(...), not field conditions")


def _keyword_value(name: str, text: str, col: int) -> str:
    if not text.strip():
        raise _Invalid(col, f"{name}: needs a value")
    if name in ("platform", "lang", "category", "sentiment"):
        text = text.lower()
    if name == "category" and text not in {c.value for c in Category}:
        raise _Invalid(col, f"unknown category {text!r}; categories: {', '.join(c.value for c in Category)}")
    if name == "sentiment" and text not in {s.value for s in SentimentLabel}:
        raise _Invalid(
            col,
            f"unknown sentiment {text!r}; use a label ({', '.join(s.value for s in SentimentLabel)}) "
            "or compare the score: sentiment:<0.3, sentiment:[0.2 TO 0.4]",
        )
    return text


def _keyword_field(name: str, kind: str, value: Any, col: int) -> Node:
    if kind == "word":
        return Match(name, _keyword_value(name, str(value), col))
    if kind == "phrase":
        if len(value) > 1:
            raise _Invalid(col, f"{name}: compares whole values; ~N proximity does not apply")
        return Match(name, _keyword_value(name, _unquote(value[0]), col))
    if kind == "group":
        return _scope_keyword(value, name, col)
    raise _Invalid(col, f"{name}: takes a value, not a comparison or range")


def _scope_keyword(node: Node, name: str, col: int) -> Node:
    """``platform:(weibo OR douyin)``: every word inside is a value of the field."""
    if isinstance(node, Word | Phrase) and node.field is None and not (isinstance(node, Word) and node.prefix):
        if isinstance(node, Phrase) and node.slop is not None:
            raise _Invalid(col, f"{name}: compares whole values; ~N proximity does not apply")
        return Match(name, _keyword_value(name, node.text, col))
    if isinstance(node, Not):
        return Not(_scope_keyword(node.child, name, col))
    if isinstance(node, And | Or):
        return type(node)(tuple(_scope_keyword(child, name, col) for child in node.children))
    raise _Invalid(col, f"only values combined with AND, OR, NOT can be inside {name}:(...)")


def _bound(name: str, token: Token) -> str | None:
    text = str(token)
    if text == "*":
        return None
    try:
        if name == "date":
            check_date(text)
        else:
            check_number(text)
    except ValueError as exc:
        raise _Invalid(_column(token), f"{name}: {exc}") from None
    return text


def _range_field(name: str, kind: str, value: Any, col: int) -> Node:
    if kind == "compare":
        op, token = str(value[0]), value[1]
        bound = _bound(name, token)
        if bound is None:
            raise _Invalid(_column(token), f"{name}: compare with a value, not *")
        if op.startswith(">"):
            return Range(name, bound, None, include_lower=op == ">=")
        return Range(name, None, bound, include_upper=op == "<=")
    if kind == "range":
        opening, low, high, closing = value
        lower, upper = _bound(name, low), _bound(name, high)
        if name != "date" and lower is not None and upper is not None and float(lower) > float(upper):
            raise _Invalid(_column(opening), f"{name}: the range [{lower} TO {upper}] is empty (lower above upper)")
        return Range(name, lower, upper, str(opening) == "[", str(closing) == "]")
    if kind == "word":
        text = str(value)
        if name == "date":
            try:
                form = check_date(text)
            except ValueError as exc:
                raise _Invalid(_column(value), f"date: {exc}") from None
            if form != "day":
                raise _Invalid(_column(value), "date: compare a time with >, >=, <, <= or give a range [a TO b]")
            return Range(name, text, text)
        if name == "rating":
            bound = _bound(name, value)
            return Range(name, bound, bound)
    raise _Invalid(col, f"{name}: use a comparison ({name}:<=2) or a range ({name}:[1 TO 2])")


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", lexer="contextual", transformer=_Builder())


def _check_limits(query: str) -> None:
    if len(query) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(query, MAX_QUERY_LENGTH + 1, f"the query is longer than {MAX_QUERY_LENGTH} characters")
    depth = 0
    quoted = False
    escaped = False
    for i, char in enumerate(query):
        if quoted:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == "(":
            depth += 1
            if depth > MAX_DEPTH:
                raise QuerySyntaxError(query, i + 1, f"parentheses nest deeper than {MAX_DEPTH} levels")
        elif char == ")":
            depth = max(0, depth - 1)


def _expected(names: Iterable[str]) -> list[str]:
    wanted = {_NAMES.get(name, name) for name in names if not name.startswith("__")}
    return sorted(wanted, key=lambda w: _ORDER.index(w) if w in _ORDER else len(_ORDER))


def _syntax_error(query: str, exc: UnexpectedInput) -> NoReturn:
    column = int(exc.column) if isinstance(exc.column, int) and exc.column > 0 else len(query) + 1
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream if isinstance(exc.pos_in_stream, int) else column - 1
        char = query[pos] if 0 <= pos < len(query) else ""
        if char == '"':
            raise QuerySyntaxError(query, column, "this quote is never closed", ['a closing "']) from None
        problem = f"unexpected {char!r}"
        expected = _expected(exc.allowed or set())
    elif isinstance(exc, UnexpectedToken):
        token = exc.token
        if token.type == "$END":
            column = len(query.rstrip()) + 1
            problem = "the query ends too early"
        else:
            problem = f"unexpected {str(token)!r}"
        expected = _expected(exc.accepts or exc.expected)
    elif isinstance(exc, UnexpectedEOF):
        column = len(query.rstrip()) + 1
        problem = "the query ends too early"
        expected = _expected(set(exc.expected))
    else:  # pragma: no cover - lark has no other kinds
        problem, expected = str(exc), []
    raise QuerySyntaxError(query, column, problem, expected) from None


@lru_cache(maxsize=2048)
def parse(query: str) -> Node:
    """The syntax tree of ``query``; :class:`QuerySyntaxError` (an ``InvalidQuery``) when it cannot be read."""
    _check_limits(query)
    if not query.strip():
        raise QuerySyntaxError(query, 1, "the query is empty", _expected({"WORD", "PHRASE", "FIELD"}))
    try:
        tree = _parser().parse(query)
    except _Invalid as exc:
        raise QuerySyntaxError(query, exc.column, exc.problem, exc.expected) from None
    except VisitError as exc:
        if isinstance(exc.orig_exc, _Invalid):
            raise QuerySyntaxError(query, exc.orig_exc.column, exc.orig_exc.problem) from None
        raise
    except UnexpectedInput as exc:
        _syntax_error(query, exc)
    node: Node = tree  # type: ignore[assignment]
    terms = sum(1 for n in walk(node) if isinstance(n, Word | Phrase | Match | Range))
    if terms > MAX_TERMS:
        raise QuerySyntaxError(query, 1, f"the query has {terms} terms; at most {MAX_TERMS} are allowed")
    return node
