"""Time buckets for trends, computed in Python so both backends agree to the bucket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from index.base import TrendInterval

MAX_BUCKETS = 5000


def bucket_starts(since: datetime, until: datetime, interval: TrendInterval, zone: ZoneInfo) -> list[datetime]:
    """UTC instants at which local hours or days begin, from the bucket holding ``since`` up to ``until``.

    Local days are walked in local time, so a day across a daylight-saving change is 23 or 25 hours long.
    """
    local = since.astimezone(zone)
    if interval == "day":
        cursor = local.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        cursor = local.replace(minute=0, second=0, microsecond=0)
    starts: list[datetime] = []
    while cursor.astimezone(UTC) < until:
        starts.append(cursor.astimezone(UTC))
        if len(starts) > MAX_BUCKETS:
            raise ValueError(f"more than {MAX_BUCKETS} buckets; use a larger interval or a shorter range")
        if interval == "day":
            naive = cursor.replace(tzinfo=None) + timedelta(days=1)
            cursor = naive.replace(tzinfo=zone)
        else:
            # Step in UTC so repeated or skipped local hours around DST changes are handled.
            cursor = (cursor.astimezone(UTC) + timedelta(hours=1)).astimezone(zone)
    return starts
