"""Back-off for sources the platform refused: how long the scheduler waits before crawling one again.

A source whose last runs ended ``blocked`` (a captcha, a rate block, a flagged account) or
``needs_credentials`` gains nothing from being asked again on its usual interval: every attempt meets the
same refusal, and to the platform a client that keeps knocking after a captcha looks more like a bot (the
flagged-account answers of Xiaohongshu, 300011, are reported after exactly that). So the wait grows: at least
:data:`MIN_WAIT`, doubling with each consecutive refused run, up to :data:`MAX_WAIT`. The first run that gets
through resets it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from foundation.health import RUN_BLOCKED, RUN_NEEDS_CREDENTIALS

REFUSED = frozenset({RUN_BLOCKED, RUN_NEEDS_CREDENTIALS})
MIN_WAIT = timedelta(minutes=30)
MAX_WAIT = timedelta(hours=24)


def refused_in_a_row(statuses: Sequence[str]) -> int:
    """How many of the newest runs (statuses newest first) were refused, up to the first that was not."""
    count = 0
    for status in statuses:
        if status not in REFUSED:
            break
        count += 1
    return count


def next_wait(interval: timedelta, statuses: Sequence[str]) -> timedelta:
    """How long after its last run a source is crawled again, given its recent run statuses (newest first):
    its ``interval``, or after refusals ``max(interval, MIN_WAIT) · 2^(n-1)`` capped at :data:`MAX_WAIT`."""
    refused = refused_in_a_row(statuses)
    if refused == 0:
        return interval
    wait: timedelta = max(interval, MIN_WAIT) * (2 ** min(refused - 1, 16))
    ceiling: timedelta = max(MAX_WAIT, interval)
    return min(wait, ceiling)
