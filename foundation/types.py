"""Field types shared by the config models."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

from foundation.timeutil import format_duration, parse_duration


def _positive(value: timedelta) -> timedelta:
    if value.total_seconds() <= 0:
        raise ValueError("must be longer than zero")
    return value


#: A length of time written ``30s``, ``15m``, ``1h30m``, ``7d`` or as a number of seconds.
Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    AfterValidator(_positive),
    PlainSerializer(format_duration, return_type=str),
]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def _check_name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(
            f"{value!r} is not a valid name: use 1-64 lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return value


#: A machine name (sources, rules): it appears in file names, URLs and command lines.
Name = Annotated[str, AfterValidator(_check_name)]


def _strip_nonempty(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


#: Text that must say something (keywords, brand names).
NonEmptyText = Annotated[str, AfterValidator(_strip_nonempty)]


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Asia/Shanghai") from exc
    return value


#: An IANA time zone name, checked when the config is loaded.
TimeZoneName = Annotated[str, AfterValidator(_check_zone)]
