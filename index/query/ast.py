"""The syntax tree of a search-language query, and how to write one back as query text.

The tree is what the user wrote, before segmentation: words keep their original spelling, dates and
numbers their original text. :mod:`index.query.plan` turns it into what the backends match (jieba tokens,
resolved instants). ``parse(render(node)) == node`` for every tree in canonical form (And/Or flattened with
at least two children, no double negation), which the property tests check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeAlias

#: Fields that restrict words to one part of a mention.
TEXT_FIELDS = ("title", "text")
#: Fields compared for equality with a stored value.
KEYWORD_FIELDS = ("platform", "brand", "lang", "author", "source", "category", "sentiment")
#: Fields compared with <, <=, >, >= or a [a TO b] range.
RANGE_FIELDS = ("sentiment", "rating", "date")
KNOWN_FIELDS = (
    "title",
    "text",
    "platform",
    "brand",
    "lang",
    "author",
    "source",
    "sentiment",
    "rating",
    "category",
    "date",
)
#: Operator words: upper case only, so that "and", "or", "near" stay ordinary words.
KEYWORDS = ("AND", "OR", "NOT", "NEAR", "TO")

# A word that can be written without quotes: no space, no syntax character, not an operator, no ``field:``.
_BARE = re.compile(r'[^\s()"\-*?/~\[\]{}<>&|:\\][^\s()"*?~:\\]*')
_FIELD_LIKE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*:")
_NEAR = re.compile(r"NEAR(/[0-9]+)?")


@dataclass(frozen=True)
class Word:
    """A bare word; ``prefix`` for ``refun*``; ``field`` is ``title``, ``text`` or ``None`` (everywhere)."""

    text: str
    prefix: bool = False
    field: str | None = None


@dataclass(frozen=True)
class Phrase:
    """A quoted phrase; with ``slop`` (``"a b"~5``) its tokens need only be within ``slop`` tokens."""

    text: str
    slop: int | None = None
    field: str | None = None


@dataclass(frozen=True)
class Near:
    """``a NEAR/5 b NEAR/5 c``: the operands' tokens within ``distance`` tokens of each other."""

    operands: tuple[Word | Phrase, ...]
    distance: int


@dataclass(frozen=True)
class Match:
    """``platform:weibo``, ``author:"张三"``, ``sentiment:negative``: a field equal to a value."""

    field: str
    value: str


@dataclass(frozen=True)
class Range:
    """``rating:[1 TO 2]``, ``sentiment:<0.3``, ``date:>=now-7d``: bounds as written (``None``: open)."""

    field: str
    lower: str | None
    upper: str | None
    include_lower: bool = True
    include_upper: bool = True


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node: TypeAlias = Word | Phrase | Near | Match | Range | Not | And | Or


def is_bare(text: str) -> bool:
    """Whether ``text`` can be written as a bare word and reads back as the same word."""
    return bool(_BARE.fullmatch(text)) and text not in KEYWORDS and not _NEAR.fullmatch(text)


def quote(text: str) -> str:
    """``text`` as a quoted phrase: backslash and double quote escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _value(text: str) -> str:
    return text if is_bare(text) and not _FIELD_LIKE.match(text) else quote(text)


def _scope(field: str | None) -> str:
    return f"{field}:" if field else ""


def render(node: Node) -> str:
    """Query text that parses back to ``node``."""
    return _render(node, 0)


# Binding strength: Or 1, And 2, Not 3, Near 4, leaves 5. A child binding less than its parent is wrapped.
def _strength(node: Node) -> int:
    if isinstance(node, Or):
        return 1
    if isinstance(node, And):
        return 2
    if isinstance(node, Not):
        return 3
    if isinstance(node, Near):
        return 4
    return 5


def _render(node: Node, parent: int) -> str:
    text = _render_bare(node)
    # Same strength needs parentheses too: And(a, And(b, c)) is not what "a b c" parses to.
    return f"({text})" if _strength(node) <= parent and _strength(node) < 5 else text


def _render_bare(node: Node) -> str:
    if isinstance(node, Word):
        return _scope(node.field) + node.text + ("*" if node.prefix else "")
    if isinstance(node, Phrase):
        slop = f"~{node.slop}" if node.slop is not None else ""
        return _scope(node.field) + quote(node.text) + slop
    if isinstance(node, Near):
        return f" NEAR/{node.distance} ".join(_render_bare(op) for op in node.operands)
    if isinstance(node, Match):
        return f"{node.field}:{_value(node.value)}"
    if isinstance(node, Range):
        return f"{node.field}:{_render_range(node)}"
    if isinstance(node, Not):
        return "NOT " + _render(node.child, 3 if isinstance(node.child, Not) else 2)
    if isinstance(node, And):
        return " AND ".join(_render(child, 2) for child in node.children)
    return " OR ".join(_render(child, 1) for child in node.children)


def _render_range(node: Range) -> str:
    if node.lower is not None and node.upper is None:
        return (">=" if node.include_lower else ">") + node.lower
    if node.upper is not None and node.lower is None:
        return ("<=" if node.include_upper else "<") + node.upper
    left = "[" if node.include_lower else "{"
    right = "]" if node.include_upper else "}"
    return f"{left}{node.lower or '*'} TO {node.upper or '*'}{right}"


def walk(node: Node) -> list[Node]:
    """Every node of the tree, parents before children (iterative: trees from the parser are shallow)."""
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        if isinstance(current, And | Or):
            stack.extend(reversed(current.children))
        elif isinstance(current, Not):
            stack.append(current.child)
        elif isinstance(current, Near):
            stack.extend(reversed(current.operands))
    return out
