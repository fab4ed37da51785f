"""Highlighting done the same way for every backend, on the original (unsegmented) text.

Crawled text is hostile input: the snippet is HTML-escaped first and only then are the matched words
wrapped in ``<mark>``, so the result is safe to insert into a page as HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from index.text import normalize

if TYPE_CHECKING:
    from index.query import Highlighting

MARK_OPEN = "<mark>"
MARK_CLOSE = "</mark>"


def _pattern(terms: Sequence[str], prefixes: Sequence[str] = ()) -> re.Pattern[str] | None:
    # Built once per query, not once per hit and field (a page of 20 hits asks 40 times).
    return _compiled(tuple(terms), tuple(prefixes))


@lru_cache(maxsize=512)
def _compiled(terms: tuple[str, ...], prefixes: tuple[str, ...]) -> re.Pattern[str] | None:
    wanted = [(t, False) for t in dict.fromkeys(terms) if t] + [(p, True) for p in dict.fromkeys(prefixes) if p]
    parts = []
    for term, prefix in sorted(wanted, key=lambda item: len(item[0]), reverse=True):
        escaped = re.escape(term)
        if term.isascii() and term[0].isalnum() and term[-1].isalnum():
            # ASCII words match whole words only ("cat" must not light up "category"); a prefix runs to the
            # end of its word ("refun*" marks all of "refunded").
            tail = "[0-9a-z]*" if prefix else "(?![0-9a-z])"
            escaped = rf"(?<![0-9a-z]){escaped}{tail}"
        parts.append(escaped)
    if not parts:
        return None
    return re.compile("|".join(parts))


def highlight(
    text: str | None,
    terms: Sequence[str],
    *,
    context: int = 60,
    whole: bool = False,
    prefixes: Sequence[str] = (),
) -> str | None:
    """Return an HTML-safe fragment of ``text`` with ``terms`` (and words starting with ``prefixes``) in ``<mark>``.

    With ``whole=False`` the fragment is a window of about ``context`` characters either side of the first
    match (with ``…`` where text was cut). Returns ``None`` when no term occurs in the text.
    """
    if not text:
        return None
    pattern = _pattern(terms, prefixes)
    if pattern is None:
        return None
    # Matching runs on the normalised text; NFKC can change lengths, so map back only when it did not.
    folded = normalize(text)
    source = text if len(folded) == len(text) else folded
    matches = list(pattern.finditer(folded))
    if not matches:
        return None
    if whole:
        start, end = 0, len(source)
    else:
        first = matches[0]
        start = max(0, first.start() - context)
        end = min(len(source), first.end() + context)
    pieces: list[str] = []
    if start > 0:
        pieces.append("…")
    pos = start
    for match in matches:
        if match.start() < pos or match.end() > end:
            continue
        pieces.append(html.escape(source[pos : match.start()]))
        pieces.append(MARK_OPEN + html.escape(source[match.start() : match.end()]) + MARK_CLOSE)
        pos = match.end()
    pieces.append(html.escape(source[pos:end]))
    if end < len(source):
        pieces.append("…")
    return "".join(pieces)


def mention_highlights(title: str | None, text: str | None, marks: Highlighting) -> dict[str, str]:
    """Fragments of a mention's title (whole) and text (a window) with the query's positive words marked."""
    out: dict[str, str] = {}
    for name, value in (("title", title), ("text", text)):
        fragment = highlight(value, marks.terms[name], prefixes=marks.prefixes[name], whole=name == "title")
        if fragment:
            out[name] = fragment
    return out
