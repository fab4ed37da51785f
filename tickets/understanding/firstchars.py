"""The characters a regular expression's match can start with, read off its parse tree, to skip searches.

The tree is CPython's own (``re._parser``, private: the project pins Python 3.11; a test lists some patterns'
first characters). A text that holds none of a pattern's first characters cannot match it: :class:`FirstChars`
groups patterns by those characters, so that asking "does any of these patterns match?" searches only the patterns
whose first characters the text holds. A pattern whose first characters cannot be listed (a class such as ``\\S``
or ``.``, case folding, a match that may be empty) is always searched: the answer is that of searching them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from re import _constants as sre
from re import _parser as sre_parse
from typing import Any

#: A character range longer than this is not listed (the pattern is then always searched).
MAX_RANGE = 256
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)


def _first(items: Iterable[tuple[Any, Any]]) -> tuple[set[str] | None, bool]:
    """(the characters a match of the sequence ``items`` can start with, or ``None``: any; whether it may be empty)."""
    chars: set[str] = set()
    for op, av in items:
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue  # zero-width: the first character comes from what follows
        if op is sre.LITERAL:
            return chars | {chr(av)}, False
        if op is sre.IN:
            listed = _listed(av)
            return (None, False) if listed is None else (chars | listed, False)
        if op is sre.SUBPATTERN:
            _, add_flags, _, sub = av
            if add_flags & re.IGNORECASE:
                return None, False
            found, empty = _first(sub)
        elif op is sre.BRANCH:
            found, empty = set(), False
            for branch in av[1]:
                part, part_empty = _first(branch)
                if part is None:
                    return None, False
                found |= part
                empty = empty or part_empty
        elif op in _REPEATS:
            low, _, sub = av
            found, empty = _first(sub)
            empty = empty or low == 0
        else:
            return None, False  # any character, a category, a back-reference: not listed
        if found is None:
            return None, False
        chars |= found
        if not empty:
            return chars, False
    return chars, True


def _listed(members: Sequence[tuple[Any, Any]]) -> set[str] | None:
    out: set[str] = set()
    for op, av in members:
        if op is sre.LITERAL:
            out.add(chr(av))
        elif op is sre.RANGE and av[1] - av[0] < MAX_RANGE:
            out.update(map(chr, range(av[0], av[1] + 1)))
        else:
            return None  # a negated class, a category (\d, \s), a long range
    return out


def first_chars(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The characters every match of ``pattern`` starts with one of; ``None`` when they cannot be listed."""
    if pattern.flags & re.IGNORECASE:
        return None
    chars, empty = _first(sre_parse.parse(pattern.pattern, pattern.flags))
    return None if chars is None or empty else frozenset(chars)


class FirstChars:
    """Patterns indexed by their first characters: :meth:`any_match` searches only those a text can match."""

    def __init__(self, patterns: Sequence[re.Pattern[str]]):
        self.always: list[re.Pattern[str]] = []
        self.by_char: dict[str, list[int]] = {}
        self.patterns = list(patterns)
        for i, pattern in enumerate(self.patterns):
            chars = first_chars(pattern)
            if chars is None:
                self.always.append(pattern)
            else:
                for char in chars:
                    self.by_char.setdefault(char, []).append(i)

    def any_match(self, text: str) -> bool:
        """Whether any of the patterns matches somewhere in ``text`` (as ``any(p.search(text) ...)`` says)."""
        if any(pattern.search(text) is not None for pattern in self.always):
            return True
        by_char = self.by_char
        chosen = {i for char in set(text).intersection(by_char) for i in by_char[char]}
        return any(self.patterns[i].search(text) is not None for i in chosen)  # in any order: one bool
