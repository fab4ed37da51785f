"""``/stats``: mention and negative counts over time."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ConfigDep, MentionStoreDep, PrincipalDep
from api.schemas import TrendOut, TrendParams, TrendPoint, TrendSeries
from foundation.errors import InvalidQuery
from foundation.timeutil import utcnow
from index.base import MentionFilter

router = APIRouter(prefix="/stats", tags=["stats"])


@router.get("/trend", response_model=TrendOut, summary="Mentions and negatives per hour or day, per brand")
def trend(
    params: Annotated[TrendParams, Query()], store: MentionStoreDep, config: ConfigDep, principal: PrincipalDep
) -> TrendOut:
    """One series per brand you may see (the ones asked for, or all of them)."""
    until = params.until or utcnow()
    since = params.since or until - (timedelta(hours=48) if params.interval == "hour" else timedelta(days=30))
    if since >= until:
        raise InvalidQuery("'since' must be earlier than 'until' (which defaults to now)")
    tz = params.tz or config.timezone
    series = []
    brands = principal.scope.narrow(params.brand or config.brand_names()) or []
    for brand in brands:
        flt = MentionFilter(brands=[brand], platforms=params.platform, since=since, until=until)
        buckets = store.trend(flt, params.interval, tz)
        points = [
            TrendPoint(
                start=b.start,
                count=b.count,
                negative=b.negative,
                negative_share=round(b.negative / b.count, 4) if b.count else None,
            )
            for b in buckets
        ]
        series.append(
            TrendSeries(
                brand=brand,
                total=sum(p.count for p in points),
                negative=sum(p.negative for p in points),
                buckets=points,
            )
        )
    return TrendOut(interval=params.interval, tz=tz, since=since, until=until, series=series)
