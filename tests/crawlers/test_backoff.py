"""Back-off after refused runs: the wait doubles per refused run in a row, is capped, and resets."""

from __future__ import annotations

from datetime import timedelta

from crawlers.backoff import MAX_WAIT, MIN_WAIT, next_wait, refused_in_a_row


def test_no_refusal_keeps_the_interval() -> None:
    assert next_wait(timedelta(minutes=15), []) == timedelta(minutes=15)
    assert next_wait(timedelta(minutes=15), ["ok", "blocked"]) == timedelta(minutes=15)  # the newest got through


def test_refusals_double_from_the_minimum() -> None:
    interval = timedelta(minutes=15)
    waits = [next_wait(interval, ["blocked"] * n) for n in (1, 2, 3)]
    assert waits == [MIN_WAIT, MIN_WAIT * 2, MIN_WAIT * 4]
    mixed = ["needs_credentials", "blocked", "ok", "blocked"]
    assert refused_in_a_row(mixed) == 2 and next_wait(interval, mixed) == MIN_WAIT * 2


def test_capped_and_long_intervals_kept() -> None:
    assert next_wait(timedelta(minutes=15), ["blocked"] * 40) == MAX_WAIT
    assert next_wait(timedelta(hours=2), ["blocked"]) == timedelta(hours=2)
    assert next_wait(timedelta(days=2), ["blocked"] * 5) == timedelta(days=2)  # never shorter than the interval
