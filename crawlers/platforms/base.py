"""Platform parsers: one response body in, mentions and paging out, with no network and no Scrapy.

Parsers are pure so that spiders, ``yuqing parse`` and tests share them. A parser distinguishes two kinds of
trouble:

- the response as a whole does not have the structure it knows (the platform changed its API, or answered
  with a login page): it raises :class:`ShapeError`. The spider counts it, saves the body as a sample for
  debugging, and the source goes degraded; nothing from that response is stored.
- one item inside a good response is malformed: the parser skips it and reports it in
  :attr:`Page.problems`; the other items go on.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from crawlers.items import MentionItem


class ShapeError(ValueError):
    """A response does not look like what the parser expects for its kind."""

    def __init__(self, kind: str, reason: str):
        self.kind = kind
        self.reason = reason
        super().__init__(f"{kind}: {reason}")


class CredentialsRejected(ShapeError):
    """The platform answered with a login page or an auth error instead of data: the credentials expired."""


class Blocked(CredentialsRejected):
    """The platform answered with a captcha, a rate block or a flagged-account notice: the credentials may be
    valid, but a person must act (solve the captcha, rest the account) and asking again makes it worse."""


@dataclass
class Page:
    """What one response yields.

    ``next`` holds what the next request needs (a page number, a token, a cursor); ``None`` on the last page.
    ``follow`` lists further things to fetch that the response revealed (the comments of a matched post).
    """

    kind: str
    items: list[MentionItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    next: dict[str, Any] | None = None
    total: int | None = None
    follow: list[dict[str, Any]] = field(default_factory=list)


class Platform(ABC):
    """Reads the responses of one platform.

    Extension point: subclass, set ``name`` (the ``PLATFORM`` of ``yuqing parse``) and ``kinds`` (the response
    kinds it knows, e.g. ``search``, ``comments``), implement :meth:`detect` and :meth:`parse`, and register an
    instance in :data:`crawlers.platforms.PLATFORMS`.
    """

    name: ClassVar[str]
    kinds: ClassVar[tuple[str, ...]]

    @abstractmethod
    def detect(self, body: bytes) -> str:
        """Which of :attr:`kinds` ``body`` is; :class:`ShapeError` when it is none of them."""

    @abstractmethod
    def parse(self, kind: str, body: bytes, *, now: datetime | None = None, source: str = "") -> Page:
        """The mentions in ``body`` of kind ``kind``; ``now`` anchors relative dates ("5分钟前")."""

    def parse_any(self, body: bytes, *, now: datetime | None = None, source: str = "") -> Page:
        """Detect the kind, then parse."""
        return self.parse(self.detect(body), body, now=now, source=source)

    def _check_kind(self, kind: str) -> None:
        if kind not in self.kinds:
            raise ShapeError(kind, f"{self.name} has no response kind {kind!r}; known: {', '.join(self.kinds)}")


def load_json(body: bytes, kind: str) -> Any:
    """JSON from a response body, tolerating a UTF-8 BOM, JSONP wrappers and Google's ``)]}'`` guard."""
    text = body.decode("utf-8-sig", errors="replace").strip()
    if text.startswith(")]}'"):
        text = text[4:].lstrip()
    if text and text[0] not in "[{" and "(" in text and text.endswith((")", ");")):
        text = text[text.index("(") + 1 : text.rindex(")")]  # JSONP: callback({...});
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        snippet = text[:80].replace("\n", " ")
        if snippet.lower().startswith(("<!doctype html", "<html")):
            raise ShapeError(kind, "got an HTML page where JSON was expected") from exc
        raise ShapeError(kind, f"not JSON ({exc.msg} at character {exc.pos}): {snippet!r}") from exc


def dig(data: Any, *path: str | int, kind: str, required: bool = True) -> Any:
    """``data[path[0]][path[1]]...``; a missing step raises :class:`ShapeError` naming the path (or gives
    ``None`` when not ``required``)."""
    current = data
    for i, step in enumerate(path):
        try:
            current = current[step]
        except (KeyError, IndexError, TypeError) as exc:
            if not required:
                return None
            where = "".join(f"[{p!r}]" for p in path[: i + 1])
            raise ShapeError(kind, f"missing {where}") from exc
    return current


def epoch(value: Any) -> datetime | None:
    """A UTC datetime from seconds (or milliseconds, when the number is that large) since the epoch."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number > 1e11:  # milliseconds
        number /= 1000
    try:
        return datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def to_int(value: Any) -> int | None:
    """An integer from ``12``, ``"12"``, ``"1,234"`` or ``"1.2万"``; ``None`` when it is not a count."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    text = str(value).strip().replace(",", "")
    multiplier = 1
    for suffix, factor in (("万", 10_000), ("亿", 100_000_000), ("k", 1_000), ("K", 1_000), ("m", 1_000_000)):
        if text.endswith(suffix):
            text, multiplier = text[: -len(suffix)], factor
            break
    try:
        return int(float(text) * multiplier)
    except ValueError:
        return None


def first(*values: Any) -> Any:
    """The first value that is not ``None`` or empty."""
    for value in values:
        if value not in (None, "", [], {}):
            return value
    return None


def join_text(*parts: str | None, sep: str = "\n") -> str:
    """Non-empty parts joined, each once (a title repeated in the body is not doubled)."""
    out: list[str] = []
    for part in parts:
        part = (part or "").strip()
        if part and part not in out:
            out.append(part)
    return sep.join(out)


def looks_like(body: bytes, markers: Sequence[bytes]) -> bool:
    """Whether any marker occurs in the first 64 KiB of ``body``."""
    head = body[:65536]
    return any(marker in head for marker in markers)


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` when it is an object, else an empty one (an optional sub-object that may be null)."""
    return value if isinstance(value, dict) else {}
