"""Time helpers: everything stored is UTC; durations in config read like ``15m`` or ``1h30m``."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
#: The longest duration a config may give (100 years): longer ones are typos, and adding them to a date
#: overflows Python's datetime at run time, long after the config was accepted.
MAX_DURATION = timedelta(days=36600)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def to_utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; a naive datetime is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


#: Times a request may name: anything else is a typing error, and date arithmetic on it would overflow.
EARLIEST_YEAR, LATEST_YEAR = 1970, 2999


def request_time(value: datetime) -> datetime:
    """A time given in a request, in UTC; :class:`ValueError` (a 422) outside 1970-2999."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"must be between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return to_utc(value)


def parse_duration(value: str | int | float | timedelta) -> timedelta:
    """Parse ``30s``, ``15m``, ``1h30m``, ``7d``, ``2w`` or a number of seconds.

    Raises ``ValueError`` with a message that shows the accepted forms.
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("a duration must be a number of seconds or text like 30s, 15m, 1h, 7d")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("a duration must be a finite number")
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return _bounded(float(value), value)
    text = str(value).strip().lower().replace(" ", "")
    if not text:
        raise ValueError("empty duration; use e.g. 30s, 15m, 1h, 7d")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _bounded(float(text), value)
    pos = 0
    total = 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(text) or pos == 0:
        raise ValueError(f"invalid duration {value!r}; use e.g. 30s, 15m, 1h, 1h30m, 7d")
    return _bounded(total, value)


def _bounded(seconds: float, given: object) -> timedelta:
    if not math.isfinite(seconds) or seconds > MAX_DURATION.total_seconds():
        raise ValueError(f"duration {given!r} is too long: at most {MAX_DURATION.days}d (100 years)")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """Render a duration the way config writes it (``1h30m``)."""
    seconds = int(value.total_seconds())
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            count, seconds = divmod(seconds, size)
            parts.append(f"{count}{unit}")
    return "".join(parts)


def floor_time(value: datetime, step: timedelta) -> datetime:
    """Round ``value`` down to a multiple of ``step`` since the Unix epoch (UTC)."""
    step_s = step.total_seconds()
    if step_s <= 0:
        return value
    epoch = to_utc(value).timestamp()
    return datetime.fromtimestamp(epoch - (epoch % step_s), UTC)


def isoformat_z(value: datetime) -> str:
    """ISO-8601 in UTC with a ``Z`` suffix and no sub-second noise unless present."""
    text = to_utc(value).isoformat()
    return text.replace("+00:00", "Z")
