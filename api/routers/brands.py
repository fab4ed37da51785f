"""``/stats/brands``: every brand side by side, for the PR desk's competitor view.

Share of voice (mentions, and mentions weighted by reach), sentiment per brand over the period and per day
or hour, and the sources and authors whose mentions reach furthest. Every figure comes with the search that
finds its posts (``search``: the filters of the dashboard's search page), so the posts behind a number are
one click away. All of it is counted by the store (the SQLite roll-ups, Elasticsearch aggregations) through
:class:`index.base.MentionStore`, within the caller's brands: a fixed number of queries per brand and one for the
sources and authors, none of which reads mentions one by one. Authors are the public account names the posts carry,
shown as ``/mentions`` shows them (texts are what holds personal data, and no text is returned here).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ConfigDep, MentionStoreDep, PrincipalDep
from foundation.errors import InvalidQuery
from foundation.timeutil import utcnow
from foundation.vocabulary import SentimentLabel
from index.base import MentionFilter
from index.reach_groups import ReachGroups

router = APIRouter(prefix="/stats", tags=["stats"])


class BrandsParams(BaseModel):
    """Query parameters of ``GET /stats/brands``."""

    model_config = ConfigDict(extra="forbid")

    brand: list[str] = Field(default_factory=list, description="Default: every brand the caller may see.")
    platform: list[str] = Field(default_factory=list)
    interval: Literal["hour", "day"] = "day"
    since: datetime | None = Field(default=None, description="Default: 30 days (day) or 48 hours (hour) ago.")
    until: datetime | None = Field(default=None, description="Default: now.")
    limit: int = Field(default=10, ge=1, le=50, description="Sources and authors listed.")


class SearchLink(BaseModel):
    """The search page's filters that list the posts behind a figure (besides the period's since/until)."""

    q: str = ""
    brand: str = ""
    platform: str = ""
    sentiment: str = ""


class BrandShare(BaseModel):
    brand: str
    mentions: int
    share: float | None = Field(description="Of all mentions of the compared brands (a post naming two counts twice).")
    reach_weighted: float
    reach_share: float | None
    positive: int
    neutral: int
    negative: int
    unscored: int
    negative_share: float | None = Field(description="Negative among scored mentions.")
    net_sentiment: float | None = Field(description="(positive - negative) / scored, from -1 to 1.")
    search: SearchLink
    negative_search: SearchLink


class BrandPoint(BaseModel):
    start: datetime
    count: int
    negative: int
    negative_share: float | None


class BrandSeries(BaseModel):
    brand: str
    buckets: list[BrandPoint]


class SourceOut(BaseModel):
    platform: str
    source: str
    mentions: int
    total_reach: float
    search: SearchLink


class AuthorOut(BaseModel):
    platform: str
    author: str
    mentions: int
    total_reach: float
    followers: int | None
    search: SearchLink


class BrandsOut(BaseModel):
    since: datetime
    until: datetime
    interval: str
    tz: str
    total: int
    brands: list[BrandShare]
    series: list[BrandSeries]
    sources: list[SourceOut]
    authors: list[AuthorOut]


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@router.get("/brands", response_model=BrandsOut, summary="Share of voice, sentiment and reach per brand")
def brands_view(
    params: Annotated[BrandsParams, Query()], store: MentionStoreDep, config: ConfigDep, principal: PrincipalDep
) -> BrandsOut:
    """Each brand the caller may see (the ones asked for, or all), compared over one period."""
    until = params.until or utcnow()
    since = params.since or until - (timedelta(hours=48) if params.interval == "hour" else timedelta(days=30))
    if since >= until:
        raise InvalidQuery("'since' must be earlier than 'until' (which defaults to now)")
    brands = principal.scope.narrow(params.brand or config.brand_names()) or []
    platform = ",".join(params.platform) if len(params.platform) == 1 else ""
    rows, series = [], []
    for brand in brands:
        flt = MentionFilter(brands=[brand], platforms=params.platform, since=since, until=until)
        labels = store.label_counts(flt)
        scored = sum(n for label, n in labels.items() if label is not SentimentLabel.unscored)
        positive, negative = labels[SentimentLabel.positive], labels[SentimentLabel.negative]
        rows.append(
            BrandShare(
                brand=brand,
                mentions=sum(labels.values()),
                share=None,
                reach_weighted=round(store.reach_weighted_count(flt), 2),
                reach_share=None,
                positive=positive,
                neutral=labels[SentimentLabel.neutral],
                negative=negative,
                unscored=labels[SentimentLabel.unscored],
                negative_share=_ratio(negative, scored),
                net_sentiment=_ratio(positive - negative, scored),
                search=SearchLink(brand=brand, platform=platform),
                negative_search=SearchLink(brand=brand, platform=platform, sentiment="negative"),
            )
        )
        points = [
            BrandPoint(start=b.start, count=b.count, negative=b.negative, negative_share=_ratio(b.negative, b.count))
            for b in store.trend(flt, params.interval, config.timezone)
        ]
        series.append(BrandSeries(brand=brand, buckets=points))
    total = sum(r.mentions for r in rows)
    weighted = sum(r.reach_weighted for r in rows)
    for row in rows:
        row.share = _ratio(row.mentions, total)
        row.reach_share = _ratio(row.reach_weighted, weighted)
    # One grouped query in the store, exact over every matching mention (no page-by-page read). No brand is
    # not "any brand": an empty filter would count every brand's mentions.
    top = (
        store.reach_groups(
            MentionFilter(brands=brands, platforms=params.platform, since=since, until=until),
            sources=params.limit,
            authors=params.limit,
        )
        if brands
        else ReachGroups()
    )
    return BrandsOut(
        since=since,
        until=until,
        interval=params.interval,
        tz=config.timezone,
        total=total,
        brands=rows,
        series=series,
        sources=[
            SourceOut(
                platform=s.platform,
                source=s.name,
                mentions=s.mentions,
                total_reach=s.total_reach,
                search=SearchLink(q=f"source:{_quoted(s.name)}", platform=s.platform),
            )
            for s in top.sources
        ],
        authors=[
            AuthorOut(
                platform=a.platform,
                author=a.name,
                mentions=a.mentions,
                total_reach=a.total_reach,
                followers=a.followers,
                search=SearchLink(q=f"author:{_quoted(a.name)}", platform=a.platform),
            )
            for a in top.authors
        ],
    )
