"""The error a query that cannot be read raises: where it went wrong and what was expected there."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from foundation.errors import InvalidQuery

_EXCERPT = 60  # characters of the query shown either side of the caret


class QuerySyntaxError(InvalidQuery):
    """A query the search language cannot read, or one beyond its limits (an HTTP 400).

    ``position`` is the 1-based column of the offending character, ``expected`` what would have been
    accepted there (for people, e.g. ``"a word"``, ``"')'"``). The message ends with the query and a caret
    under the position. ``details`` is what the API puts in the error body.
    """

    def __init__(self, query: str, position: int, problem: str, expected: Sequence[str] = ()):
        self.query = query
        self.position = max(1, min(position, len(query) + 1))
        self.problem = problem
        self.expected = list(expected)
        message = f"invalid query at column {self.position}: {problem}"
        if self.expected:
            message += f"; expected {_either(self.expected)}"
        super().__init__(message + "\n" + caret_excerpt(query, self.position))

    @property
    def details(self) -> list[dict[str, Any]]:
        return [
            {
                "field": "q",
                "problem": self.problem,
                "position": self.position,
                "expected": self.expected,
            }
        ]


def caret_excerpt(query: str, position: int) -> str:
    """Two lines: the query (cut around ``position`` if long, on one line) and a caret under ``position``."""
    flat = query.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    index = position - 1
    start = max(0, index - _EXCERPT)
    end = min(len(flat), index + _EXCERPT)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(flat) else ""
    line = prefix + flat[start:end] + suffix
    # East Asian characters take two columns in a terminal; pad with the same width so the caret lines up.
    pad = "".join("\u3000" if _wide(c) else " " for c in prefix + flat[start:index])
    return f"  {line}\n  {pad}^"


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in {"W", "F"}


def _either(items: Sequence[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]
