"""The seasonal count model behind ``volume_spike``: what count is usual now, and how unlikely the one seen is.

Written after studying what the detectors at the top of the NAB scoreboard share (Twitter's seasonal ADVec,
Etsy's Skyline, Numenta HTM, ARTime): a baseline that follows the daily and weekly rhythm, adapts quickly to a
new level, and judges a point by how improbable it is under that baseline rather than by a fixed ratio. This
one stays a rule a person can check by hand:

1. **Season.** The count in the same window at the same time on past weeks (once ``min_weeks`` weeks exist),
   else on past days. The median, so one past incident does not move it.
2. **Level.** The ``adapt`` span just before the window (e.g. the last 6 hours) against the same span on those
   past days or weeks: a brand now twice as busy as usual at this time has its expectation doubled. After a
   level shift the expectation catches up within ``adapt``, so a shift is one incident, not one per day.
3. **Spread.** How well this recipe would have predicted the same window on each past day (the robust size of
   its log errors), beyond Poisson noise: the over-dispersion of a negative binomial, never below
   ``min_spread``.
4. **Tail.** The probability of at least the count seen, under a negative binomial with that mean and spread
   (a Poisson one when the spread is pure counting noise): a quiet brand going from 2 to 6 mentions is not
   improbable, from 2 to 30 is. It fires below ``max_p``, and only with at least ``min_count`` mentions and
   ``min_ratio`` times the expectation.

The rule (:mod:`alerts.rules.volume_spike`) adds two things around :func:`assess`:

5. **Two stretches.** The last hour and its last half hour are both judged (``short_window``), sharing
   ``max_p`` between them: a burst shows in the half hour before it fills the hour, which halves the delay on
   a sharp start, while a slow build-up still shows in the hour.
6. **Persistence.** The stretches ending at the previous bucket end must look unusual too
   (``confirm_buckets``): on a noisy series the spread read off a handful of past days is itself noisy, and
   where it comes out small by chance for one bucket, a lone bucket would fire. A real incident lasts longer
   than one bucket, so this costs one bucket (5 minutes) of delay.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from scipy.stats import nbinom, poisson

MAD_TO_SIGMA = 1.4826  # the median absolute deviation as a standard deviation, for normal noise


@dataclass(frozen=True)
class SeasonalParams:
    """The knobs of the model (``volume_spike`` takes them from its config)."""

    max_p: float = 1e-4
    min_spread: float = 0.1
    min_count: int = 10
    min_ratio: float = 1.5
    min_history_days: int = 2
    min_weeks: int = 2
    #: Pseudo-count added to both sides of the level ratio, so a few mentions cannot triple the expectation.
    level_prior: float = 5.0
    max_level: float = 10.0
    spread_quantile: float = 0.5
    #: How many standard errors the spread estimate is widened by (see :func:`_overdispersion`).
    spread_margin: float = 1.0


@dataclass(frozen=True)
class Lag:
    """One past day (or week): the count in the window then, and in the ``adapt`` span before it."""

    window: int
    span: int


@dataclass(frozen=True)
class Assessment:
    """The verdict on one window, with everything needed to explain it."""

    firing: bool
    count: int
    expected: float
    upper: float  # the 99th percentile of the expected distribution
    p_value: float
    season: float  # the seasonal reference before the level correction
    level: float
    spread: float  # over-dispersion as a coefficient of variation (0: Poisson)
    basis: str  # "weekly" | "daily" | "warm-up"
    history: int  # past days (or weeks) compared
    warming_up: bool = False


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else 0.0


def distribution(mean: float, spread: float) -> tuple[float, float]:
    """``(n, p)`` of a negative binomial with this mean and coefficient of over-dispersion (``n`` is
    ``inf`` for a Poisson)."""
    phi = spread * spread
    if phi <= 1e-9:
        return math.inf, 1.0
    n = 1.0 / phi
    return n, n / (n + mean)


def tail(count: int, mean: float, spread: float) -> float:
    """P(X >= count) under the model with this mean and spread."""
    if count <= 0:
        return 1.0
    mean = max(mean, 1e-3)
    n, p = distribution(mean, spread)
    if math.isinf(n):
        return float(poisson.sf(count - 1, mean))
    return float(nbinom.sf(count - 1, n, p))


def percentile(q: float, mean: float, spread: float) -> float:
    """The ``q`` quantile of the model with this mean and spread."""
    mean = max(mean, 1e-3)
    n, p = distribution(mean, spread)
    if math.isinf(n):
        return float(poisson.ppf(q, mean))
    return float(nbinom.ppf(q, n, p))


def _predict(window_ref: float, span_ref: float, span: float, params: SeasonalParams) -> tuple[float, float]:
    """The expected window count (and the level factor) from the seasonal references and the recent span."""
    level = (span + params.level_prior) / (span_ref + params.level_prior)
    level = min(max(level, 1.0 / params.max_level), params.max_level)
    return window_ref * level, level


def _errors(lags: Sequence[Lag], params: SeasonalParams) -> list[tuple[float, float]]:
    """(relative error, prediction) of the recipe on each lag, against the lags' own references."""
    window_ref = _median([lag.window for lag in lags])
    span_ref = _median([lag.span for lag in lags])
    out = []
    for lag in lags:
        predicted, _ = _predict(window_ref, span_ref, lag.span, params)
        predicted = max(predicted, 0.5)
        out.append(((lag.window - predicted) / predicted, predicted))
    return out


def _overdispersion(errors: Sequence[tuple[float, float]], params: SeasonalParams) -> float:
    """The relative spread beyond counting noise: a robust quantile of the squared relative errors, read as a
    variance, less what counting noise explains (Poisson noise of the day itself, 1/mean, and of the median
    it was compared with, about pi/2n of that)."""
    if not errors:
        return 0.0
    squares = sorted(e * e for e, _ in errors)
    position = params.spread_quantile * (len(squares) - 1)
    low = int(position)
    high = min(low + 1, len(squares) - 1)
    q = squares[low] + (squares[high] - squares[low]) * (position - low)
    z = statistics.NormalDist().inv_cdf(0.5 + params.spread_quantile / 2)
    counting = _median([1.0 / p for _, p in errors]) * (1.0 + math.pi / (2 * len(errors)))
    # A spread read off a handful of past days is itself uncertain, and where it comes out small by chance the
    # rule would fire on noise: widen it by its standard error (about 1/sqrt(n) relative), as a Student t
    # widens a normal interval.
    return math.sqrt(max(0.0, q / (z * z) - counting)) * (1.0 + params.spread_margin / math.sqrt(len(errors)))


def assess(
    count: int,
    span: int,
    daily: Sequence[Lag],
    weekly: Sequence[Lag],
    params: SeasonalParams,
) -> Assessment:
    """Whether ``count`` (this window) is a spike, given ``span`` (the ``adapt`` span before it) and the same
    window and span on past days (``daily``) and weeks (``weekly``) that have data."""
    if len(weekly) >= params.min_weeks:
        lags, basis = list(weekly), "weekly"
    else:
        lags, basis = list(daily), "daily"
    if len(daily) < params.min_history_days:
        return Assessment(False, count, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, "warm-up", len(daily), warming_up=True)
    window_ref = _median([lag.window for lag in lags])
    span_ref = _median([lag.span for lag in lags])
    expected, level = _predict(window_ref, span_ref, span, params)
    # How far this recipe was off on each past day and week (each against its own references): its log errors,
    # less what counting noise explains. Days and weeks pooled: a handful of weeks alone is too few to say.
    errors = [e for group in (daily, weekly) if len(group) >= 2 for e in _errors(group, params)]
    spread = max(params.min_spread, _overdispersion(errors, params))
    p_value = tail(count, expected, spread)
    firing = p_value < params.max_p and count >= params.min_count and count >= params.min_ratio * max(expected, 1e-9)
    return Assessment(
        firing,
        count,
        round(expected, 3),
        percentile(0.99, expected, spread),
        p_value,
        round(window_ref, 3),
        round(level, 4),
        round(spread, 4),
        basis,
        len(lags),
    )
