"""The characters a regular expression's match can start with, read off its parse tree, to skip searches.

The tree is CPython's own (``re._parser``, private: the project pins Python 3.11; a test lists some patterns'
first characters). A text that holds none of a pattern's first characters cannot match it: :class:`FirstChars`
groups patterns by those characters, so that asking "does any of these patterns match?" searches only the patterns
whose first characters the text holds. A pattern whose first characters cannot be listed (a class such as ``\\S``
or ``.``, case folding, a match that may be empty) is always searched: the answer is that of searching them all.
A chosen pattern is searched only when the text also holds one of the strings every match of it contains
(:func:`required`, e.g. "部门" for "(找|向|去)(相关|有关)部门"): the common first characters (我, 去, 要) choose most
patterns for most texts, and a failed search costs microseconds where a substring test costs a tenth of one.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from re import _constants as sre
from re import _parser as sre_parse
from typing import Any

#: A character range longer than this is not listed (the pattern is then always searched).
MAX_RANGE = 256
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_HAN = re.compile(r"[\u4e00-\u9fff]+")


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


def _required(items: Iterable[tuple[Any, Any]]) -> frozenset[str] | None:
    """Strings one of which every match of the sequence ``items`` contains (``None``: none known).

    Of a sequence, the best set one of its parts requires (a run of literals counts as one string); of a branch,
    the union of its alternatives'; of a repeat, its body's when it repeats at least once. Zero-width parts
    require nothing (their text need not be in the match)."""
    options: list[frozenset[str]] = []
    run = ""
    for op, av in items:
        if op is sre.LITERAL:
            run += chr(av)
            continue
        if run:
            options.append(frozenset([run]))
            run = ""
        found: frozenset[str] | None = None
        if op is sre.IN:
            listed = _listed(av)
            found = None if listed is None else frozenset(listed)
        elif op is sre.SUBPATTERN:
            _, add_flags, _, sub = av
            found = None if add_flags & re.IGNORECASE else _required(sub)
        elif op is sre.BRANCH:
            parts = [_required(branch) for branch in av[1]]
            found = None if any(part is None for part in parts) else frozenset().union(*parts)  # type: ignore[arg-type]
        elif op in _REPEATS:
            low, _, sub = av
            found = _required(sub) if low >= 1 else None
        if found:
            options.append(found)
    if run:
        options.append(frozenset([run]))
    # The most selective: the longest shortest string, then the fewest strings.
    return max(options, key=lambda strings: (min(map(len, strings)), -len(strings)), default=None)


def required(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings one of which every match of ``pattern`` contains, none containing another; ``None``: none known."""
    if pattern.flags & re.IGNORECASE:
        return None
    strings = _required(sre_parse.parse(pattern.pattern, pattern.flags))
    if not strings:
        return None
    # A string that contains another listed one adds nothing: the shorter one is in every text the longer is.
    return frozenset(s for s in strings if not any(t != s and t in s for t in strings))


class FirstChars:
    """Patterns indexed by what a text must hold for them to match: :meth:`any_match` searches only those it can.

    A pattern is indexed by the strings one of which every match contains (:func:`required`) where known, else by
    its first characters (:func:`first_chars`), else searched for every text."""

    def __init__(self, patterns: Sequence[re.Pattern[str]], width: int = 3):
        self.always: list[re.Pattern[str]] = []
        #: By a key's first character: the patterns (by place) and the keys that start with it.
        self.by_char: dict[str, list[tuple[int, str]]] = {}
        #: For :meth:`any_match_in`: the keys of Han characters by their first ``width`` characters (all of a
        #: shorter key), and the other keys.
        self.width = width
        self.by_piece: dict[str, list[tuple[int, str]]] = {}
        self.unpieced: list[tuple[int, str]] = []
        self.patterns = list(patterns)
        self.needs = [required(pattern) for pattern in self.patterns]
        for i, (pattern, needs) in enumerate(zip(self.patterns, self.needs, strict=True)):
            keys = needs or first_chars(pattern)
            if keys is None:
                self.always.append(pattern)
            else:
                for key in keys:
                    self.by_char.setdefault(key[0], []).append((i, key))
                    if _HAN.fullmatch(key):
                        self.by_piece.setdefault(key[:width], []).append((i, key))
                    else:
                        self.unpieced.append((i, key))

    def any_match(self, text: str) -> bool:
        """Whether any of the patterns matches somewhere in ``text`` (as ``any(p.search(text) ...)`` says)."""
        if any(pattern.search(text) is not None for pattern in self.always):
            return True
        by_char = self.by_char
        chosen = {
            i for char in set(text).intersection(by_char) for i, key in by_char[char] if len(key) == 1 or key in text
        }
        patterns = self.patterns
        return any(patterns[i].search(text) is not None for i in chosen)  # in any order: one bool

    def any_match_in(self, text: str, pieces: Collection[str]) -> bool:
        """:meth:`any_match` of a text given ``pieces``: substrings of it, among them every substring of Han
        characters up to :attr:`width` long that begins a key (e.g. the text's n-grams of orders 1 to 3). A Han key
        occurs in the text only where its first ``width`` characters do, so one look-up per piece, in C, finds the
        keys to test instead of a walk through the keys of every character of the text. The same patterns are
        searched, hence the same answer."""
        if any(pattern.search(text) is not None for pattern in self.always):
            return True
        by_piece, width = self.by_piece, self.width
        chosen = {
            i for piece in by_piece.keys() & pieces for i, key in by_piece[piece] if len(key) <= width or key in text
        }
        chosen.update(i for i, key in self.unpieced if key in text)
        patterns = self.patterns
        return any(patterns[i].search(text) is not None for i in chosen)


class Gated:
    """A pattern searched only in a text holding one of the strings every match of it contains (:func:`required`):
    a failed search of a long alternation costs microseconds, a substring test a twentieth of one."""

    def __init__(self, pattern: re.Pattern[str]):
        self.pattern = pattern
        self.keys = tuple(sorted(required(pattern) or ()))

    def search(self, text: str) -> bool:
        """Whether ``pattern.search(text)`` finds a match."""
        if self.keys and not any(map(text.__contains__, self.keys)):
            return False
        return self.pattern.search(text) is not None
