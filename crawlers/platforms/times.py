"""Chinese platforms' timestamps in all their forms, as correct UTC times.

Weibo, Heimao and Tieba write times as people read them: "刚刚", "15分钟前", "昨天 12:00", "06-27" (this year,
or last year when that would be in the future), "2024-06-27 08:00", an RFC-2822 date ("Sun Dec 31 08:34:26
+0800 2023") or epoch seconds or milliseconds. Forms without a zone are China time. Everything relative is
anchored on the moment the page was fetched (``now``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")

_RELATIVE = re.compile(r"^(\d+)\s*(秒|分钟|小时|天)前$")
_DAY_WORD = re.compile(r"^(今天|昨天|前天)\s*(\d{1,2}):(\d{2})$")
_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?$")
_FULL_DATE = re.compile(r"^(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})日?(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_RELATIVE_UNITS = {"秒": "seconds", "分钟": "minutes", "小时": "hours", "天": "days"}
_DAYS_BACK = {"今天": 0, "昨天": 1, "前天": 2}


def parse_chinese_time(value: Any, now: datetime) -> datetime | None:
    """The UTC time of a Weibo (or Tieba) date string, relative forms anchored on ``now``.

    Understood: "刚刚"; "N秒前", "N分钟前", "N小时前", "N天前"; "今天 12:00", "昨天 12:00", "前天 12:00";
    "MM-DD" and "MM-DD HH:MM" (this year in China, or last year when that would lie in the future, e.g. "12-31"
    read on 1 January); "YYYY-MM-DD", "YYYY-M-D HH:MM[:SS]" (also with / or 年月日); RFC 2822 as the API gives it
    ("Sun Dec 31 08:34:26 +0800 2023"); epoch seconds or milliseconds. Forms without a zone are China time.
    ``None`` when the value is none of these.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _from_epoch(float(value))
    text = str(value).strip()
    if not text:
        return None
    if text.isdigit():
        return _from_epoch(float(text))
    local_now = now.astimezone(CHINA)
    if text == "刚刚":
        return now.astimezone(UTC)
    if match := _RELATIVE.match(text):
        delta = timedelta(**{_RELATIVE_UNITS[match.group(2)]: int(match.group(1))})
        return (now - delta).astimezone(UTC)
    if match := _DAY_WORD.match(text):
        day = local_now.date() - timedelta(days=_DAYS_BACK[match.group(1)])
        return _china(day.year, day.month, day.day, int(match.group(2)), int(match.group(3)))
    if match := _MONTH_DAY.match(text):
        month, day_of_month = int(match.group(1)), int(match.group(2))
        hour, minute = int(match.group(3) or 0), int(match.group(4) or 0)
        for year in (local_now.year, local_now.year - 1):
            when = _china(year, month, day_of_month, hour, minute)
            if when is not None and when <= now:
                return when
        return None
    if match := _FULL_DATE.match(text):
        year, month, day_of_month, hour, minute, second = (int(g or 0) for g in match.groups())
        return _china(year, month, day_of_month, hour, minute, second)
    try:
        # RFC 2822, and the API's "Sun Dec 31 08:34:26 +0800 2023" (year after the zone), which it also reads.
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CHINA)
    return parsed.astimezone(UTC)


def _china(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime | None:
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=CHINA).astimezone(UTC)
    except ValueError:  # 02-29 in a common year, 13-01, 25:00
        return None


def _from_epoch(number: float) -> datetime | None:
    if number > 1e11:  # milliseconds
        number /= 1000
    try:
        return datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        return None
