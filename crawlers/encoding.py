"""Which character encoding a page is really in: BOM, HTTP header, ``<meta>`` and, when those are missing or
wrong, the content itself (charset-normalizer).

Chinese sites often declare nothing, or declare what the server defaults to (``ISO-8859-1``, ``UTF-8``) while
the page is GBK. Decoding with the wrong codec turns every character into garbage; the brand matcher then
finds nothing and the mentions are silently dropped as "no brand". The rules, in order:

1. a byte-order mark decides;
2. a declared encoding (header first, then ``<meta>``) is kept when the body decodes with it strictly, unless it
   is a single-byte codec (Latin-1 and friends decode any bytes at all, so succeeding proves nothing) and the
   content is clearly in a multi-byte encoding;
3. otherwise charset-normalizer's best guess;
4. nothing decodes: the page is *undecodable* (counted as an error of the run).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from charset_normalizer import from_bytes
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

# Codecs that decode any byte string without error: a successful decode tells nothing about them.
_SINGLE_BYTE = ("latin", "iso8859", "iso-8859", "cp125", "windows-125", "ascii", "cp437", "mac")
# Bytes of a body that charset-normalizer reads (its result on the first part holds for the page).
_SAMPLE = 200_000


@dataclass(frozen=True)
class Decision:
    """The encoding to decode with (``None``: nothing fits) and how it was chosen."""

    encoding: str | None
    how: str  # bom | declared | detected | ascii | undecodable


def _canonical(name: str | None) -> str | None:
    if not name:
        return None
    resolved = resolve_encoding(name) or name
    try:
        codec = codecs.lookup(resolved).name
    except LookupError:
        return None
    # GB2312 and GBK pages use characters only GB18030 (their superset) names; it decodes them all.
    return "gb18030" if codec in {"gb2312", "gbk"} else codec


def _single_byte(name: str) -> bool:
    return name.replace("_", "-").startswith(_SINGLE_BYTE)


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _detected(body: bytes) -> str | None:
    best = from_bytes(body[:_SAMPLE]).best()
    if best is None:
        return None
    name = _canonical(best.encoding)
    return name if name and _decodes(body, name) else None


def detect_encoding(body: bytes, content_type: str | None = None, *, html: bool = True) -> Decision:
    """The encoding of ``body`` served with ``content_type`` (see the module docstring for the rules)."""
    bom, _ = read_bom(body)
    if bom:
        return Decision(_canonical(bom), "bom")
    if body.isascii():
        return Decision(_canonical(http_content_type_encoding(content_type)) or "utf-8", "ascii")
    declared = [_canonical(http_content_type_encoding(content_type))]
    if html:
        declared.append(_canonical(html_body_declared_encoding(body)))
    guess: str | None = None
    guessed = False
    for name in declared:
        if name is None or not _decodes(body, name):
            continue
        if not _single_byte(name):
            return Decision(name, "declared")
        if not guessed:
            guess, guessed = _detected(body), True
        if guess is None or _single_byte(guess):
            return Decision(name, "declared")  # nothing better: the declaration stands
        return Decision(guess, "detected")
    if _decodes(body, "utf-8"):
        return Decision("utf-8", "detected")  # by far the most common undeclared encoding; strict decode proves it
    guess = guess if guessed else _detected(body)
    if guess is not None:
        return Decision(guess, "detected")
    return Decision(None, "undecodable")
