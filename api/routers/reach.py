"""``/stats/reach``: the posts and authors that reach furthest (see :mod:`index.top_reach`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ConfigDep, MentionStoreDep, PrincipalDep
from api.schemas import MentionOut
from foundation.errors import InvalidQuery
from foundation.timeutil import utcnow
from index.base import MentionFilter
from index.top_reach import top_by_reach
from sentiment.base import SentimentLabel
from tickets.enums import Role

router = APIRouter(prefix="/stats", tags=["stats"])


class ReachParams(BaseModel):
    """Query parameters of ``GET /stats/reach``."""

    model_config = ConfigDict(extra="forbid")

    brand: list[str] = Field(default_factory=list, description="Default: every brand the caller may see.")
    platform: list[str] = Field(default_factory=list)
    sentiment: list[SentimentLabel] = Field(default_factory=list, description="e.g. negative: who spreads complaints.")
    since: datetime | None = Field(default=None, description="Default: 24 hours before 'until'.")
    until: datetime | None = Field(default=None, description="Default: now.")
    limit: int = Field(default=10, ge=1, le=50, description="Posts and authors listed.")


class AuthorOut(BaseModel):
    platform: str
    author: str
    mentions: int
    total_reach: float
    max_reach: float
    top_mention_id: str | None
    followers: int | None
    verified: bool | None


class ReachOut(BaseModel):
    since: datetime
    until: datetime
    scanned: int = Field(description="Mentions read; with 'sampled' true, the newest of a larger set.")
    sampled: bool
    posts: list[MentionOut]
    authors: list[AuthorOut]


@router.get("/reach", response_model=ReachOut, summary="Top posts and authors by reach")
def top_reach(
    params: Annotated[ReachParams, Query()], store: MentionStoreDep, config: ConfigDep, principal: PrincipalDep
) -> ReachOut:
    """The mentions with the largest reach in the period and the authors whose mentions reach furthest
    together, e.g. with ``sentiment=negative``: the accounts driving a complaint. Agents limited to some brands
    see only those brands."""
    until = params.until or utcnow()
    since = params.since or until - timedelta(hours=24)
    if since >= until:
        raise InvalidQuery("'since' must be earlier than 'until' (which defaults to now)")
    brands = params.brand
    if principal.role is Role.agent and principal.brands:
        brands = sorted(set(brands or principal.brands) & principal.brands)
        if not brands:
            return ReachOut(since=since, until=until, scanned=0, sampled=False, posts=[], authors=[])
    flt = MentionFilter(brands=brands, platforms=params.platform, labels=params.sentiment, since=since, until=until)
    top = top_by_reach(store, flt, posts=params.limit, authors=params.limit)
    return ReachOut(
        since=since,
        until=until,
        scanned=top.scanned,
        sampled=top.sampled,
        posts=[MentionOut.of(m) for m in top.posts],
        authors=[AuthorOut(**a.__dict__) for a in top.authors],
    )
