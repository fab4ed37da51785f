"""One message catalogue for the text the server produces: Chinese first, English available.

Messages are written in English in the code (the gettext convention: the English text is the message id) with
named placeholders, ``gettext("no baseline yet: %(days)s of %(needed)s days", days=3, needed=14)``, and
translated in ``foundation/locale/<language>/LC_MESSAGES/yuqing.po``, read with Babel. English needs no
catalogue. A missing translation falls back to the English text (and the catalogue test fails).

Which language: an explicit ``language=`` argument, else the one of the current request or job
(:func:`use_language`, set by the API for each request from what the caller asked for), else Chinese.

:func:`localize` also translates text that was produced in English before this module existed (exception
messages with values in them): each catalogue entry with placeholders doubles as a pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Literal

from babel.core import negotiate_locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")
DEFAULT_LANGUAGE: Language = "zh"
DOMAIN = "yuqing"
LOCALE_DIR = Path(__file__).with_name("locale")

_current: ContextVar[Language] = ContextVar("yuqing_language", default=DEFAULT_LANGUAGE)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
#: Placeholders that hold what people wrote (a post, a title): never translated, even if they look like a message.
VERBATIM = frozenset({"text", "title", "body", "error"})


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it here (module-level constants)."""
    return message


def current_language() -> Language:
    """The language of the current request or job."""
    return _current.get()


@contextmanager
def use_language(language: Language) -> Iterator[None]:
    """Produce text in ``language`` inside the block (the API wraps each request in one)."""
    token = _current.set(language)
    try:
        yield
    finally:
        _current.reset(token)


def set_language(language: Language) -> None:
    """Produce text in ``language`` for the rest of the current request (the caller's own choice, known only
    once they are authenticated; the enclosing :func:`use_language` restores the previous value)."""
    _current.set(language)


def parse_language(value: str | None) -> Language | None:
    """``zh``, ``zh-CN``, ``zh_Hant``… → ``zh``; ``en-US`` → ``en``; anything else → ``None``."""
    if not value:
        return None
    head = value.strip().replace("_", "-").split("-")[0].lower()
    return head if head in LANGUAGES else None


def negotiate(accept_language: str | None) -> Language:
    """The best of our languages for an ``Accept-Language`` header (Chinese when it names neither)."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    preferred = []
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            preferred.append((quality, tag.strip().replace("_", "-")))
    ordered = [tag.split("-")[0].lower() for _, tag in sorted(preferred, key=lambda p: -p[0])]
    chosen = negotiate_locale(ordered, list(LANGUAGES))
    return parse_language(chosen) or DEFAULT_LANGUAGE


@cache
def catalog(language: Language) -> Catalog | None:
    """The catalogue of ``language`` (``None`` for English, the language of the message ids)."""
    if language == "en":
        return None
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def gettext(message: str, language: Language | None = None, **params: object) -> str:
    """``message`` in ``language`` (default: the current one), with ``params`` filled in."""
    text = message
    cat = catalog(language or current_language())
    if cat is not None:
        entry = cat.get(message)
        if entry is not None and entry.string and not entry.fuzzy:
            text = str(entry.string)
    return text % params if params else text


@cache
def _patterns(language: Language) -> list[tuple[re.Pattern[str], str]]:
    """Each catalogue entry with placeholders as a regular expression over the English text."""
    cat = catalog(language)
    if cat is None:
        return []
    out = []
    for entry in cat:
        msgid = entry.id
        if not isinstance(msgid, str) or not msgid or not entry.string or "%(" not in msgid:
            continue
        pattern = ""
        last = 0
        for match in _PLACEHOLDER.finditer(msgid):
            pattern += re.escape(msgid[last : match.start()]) + f"(?P<{match.group(1)}>.+?)"
            last = match.end()
        pattern += re.escape(msgid[last:])
        out.append((re.compile(f"^{pattern}$", re.DOTALL), str(entry.string)))
    # Longest first: the most specific pattern wins when two could match.
    out.sort(key=lambda item: -len(item[0].pattern))
    return out


def localize(text: str, language: Language | None = None) -> str:
    """``text``, an English message produced by the server, in ``language``: an exact catalogue entry, else an
    entry whose placeholders match the values in it; unknown text is returned as it is."""
    lang = language or current_language()
    cat = catalog(lang)
    if cat is None or not text:
        return text
    entry = cat.get(text)
    if entry is not None and entry.string and not entry.fuzzy:
        return str(entry.string)
    for pattern, translated in _patterns(lang):
        match = pattern.match(text)
        if match:
            return translated % {
                name: value if name in VERBATIM else _value(value, cat, lang)
                for name, value in match.groupdict().items()
            }
    return text


def _value(value: str, cat: Catalog, lang: Language) -> str:
    """A value inside a message: vocabulary (a status, a role, a list of them) or a message of its own (the
    reason inside an alert summary) is translated, the rest kept."""
    quoted = value[1:-1] if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"" else value
    inner = localize(quoted, lang)
    if inner != quoted:
        return inner
    parts = quoted.split(", ")
    out = []
    for part in parts:
        entry = cat.get(part)
        out.append(str(entry.string) if entry is not None and entry.string and not entry.fuzzy else part)
    return "、".join(out) if len(parts) > 1 else out[0]
