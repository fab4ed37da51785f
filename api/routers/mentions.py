"""``/mentions``: search stored mentions in the search language, count them by facet, read one."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import ConfigDep, MentionStoreDep, PrincipalDep
from api.schemas import (
    FacetParams,
    FacetPeriodOut,
    FacetsOut,
    FacetValueOut,
    MentionHitOut,
    MentionOut,
    MentionPage,
    MentionSearchParams,
    RisingWordOut,
    WordOut,
)
from config.models import AppConfig
from foundation.errors import InvalidQuery, NotFound
from foundation.timeutil import utcnow
from index.base import FACET_FIELDS, MAX_FACET_SIZE, SearchRequest
from index.words import excluded_words, period_words

router = APIRouter(prefix="/mentions", tags=["mentions"])
_ID = re.compile(r"^[0-9a-f]{24}$")
#: The newest mentions whose words are counted, per period: enough for stable ranks, fast on either backend.
WORD_SAMPLE = 2000
DEFAULT_FACET_PERIOD = timedelta(hours=24)


@router.get("", response_model=MentionPage, summary="Search mentions")
def search_mentions(
    params: Annotated[MentionSearchParams, Query()],
    store: MentionStoreDep,
    principal: PrincipalDep,
    config: ConfigDep,
) -> MentionPage:
    """``q`` in the search language (plain words: all must occur; see the ``q`` parameter), and brand,
    platform, sentiment, score and time filters; newest first or by relevance; paged with ``cursor`` (any depth)
    or ``offset`` (bounded). Agents limited to some brands see only those brands' mentions."""
    brands = principal.scope.narrow(params.brand)
    if brands == []:
        return MentionPage(items=[], total=0, next_cursor=None)
    request = SearchRequest(
        filter=params.to_filter(brands or [], config.timezone),
        sort=params.sort,
        limit=params.limit,
        offset=params.offset,
        cursor=params.cursor,
        highlight=params.highlight,
    )
    page = store.search(request)
    return MentionPage(
        items=[MentionHitOut.of_hit(hit) for hit in page.hits],
        total=page.total,
        total_exact=page.total_exact,
        next_cursor=page.next_cursor,
    )


@router.get("/facets", response_model=FacetsOut, summary="Counts by facet, top and rising words")
def mention_facets(
    params: Annotated[FacetParams, Query()],
    store: MentionStoreDep,
    principal: PrincipalDep,
    config: ConfigDep,
) -> FacetsOut:
    """For the mentions ``GET /mentions`` would list with the same filters: how many there are per platform,
    brand, sentiment, category and language; their most frequent words; and the words that rose most against
    the previous period of the same length ("what is driving this spike"). Without ``since``/``until`` the
    period is the last 24 hours. Words leave out stop words, numbers, single characters and the brands' own
    names and keywords. On long periods of large stores the words are estimated from each day's most frequent
    words (``words_exact`` is then false). Agents limited to some brands see only those brands."""
    until = params.until or utcnow()
    since = params.since or until - DEFAULT_FACET_PERIOD
    if since >= until:
        raise InvalidQuery("'since' must be earlier than 'until' (which defaults to now)")
    length = until - since
    period = FacetPeriodOut(since=since, until=until, previous_since=since - length, previous_until=since)
    brands = principal.scope.narrow(params.brand)
    if brands == []:
        empty: dict[str, list[FacetValueOut]] = {name: [] for name in FACET_FIELDS}
        return FacetsOut(total=0, facets=empty, top_words=[], rising_words=[], period=period)
    restricted = principal.scope.limited
    flt = params.to_filter(brands or [], config.timezone, since=since, until=until)
    # A restricted agent's mentions may name other brands too: ask for every value; the scoped store keeps
    # only theirs.
    current = store.facets(flt, size=MAX_FACET_SIZE if restricted else params.size)
    facets = {
        name: [FacetValueOut(value=c.value, count=c.count) for c in values][: params.size]
        for name, values in current.facets.items()
    }
    top: list[WordOut] = []
    rising: list[RisingWordOut] = []
    exact = True
    if params.words:
        previous = flt.model_copy(update={"since": period.previous_since, "until": since})
        words = period_words(store, flt, previous, _brand_words(config), params.words, WORD_SAMPLE)
        top = [WordOut(word=w.word, count=w.count) for w in words.top]
        rising = [RisingWordOut(word=w.word, count=w.count, previous=w.previous, ratio=w.ratio) for w in words.rising]
        exact = words.exact
    return FacetsOut(
        total=current.total, facets=facets, top_words=top, rising_words=rising, words_exact=exact, period=period
    )


@router.get("/{mention_id}", response_model=MentionOut, summary="One mention")
def get_mention(
    mention_id: Annotated[
        # Ids are 24 hex digits; anything else simply does not exist (404), so the pattern is documented only.
        str,
        Path(json_schema_extra={"pattern": _ID.pattern}, description="24 hexadecimal digits."),
    ],
    store: MentionStoreDep,
    principal: PrincipalDep,
) -> MentionOut:
    mention = store.get(mention_id) if _ID.match(mention_id) else None
    if mention is None:
        raise NotFound(f"mention {mention_id} does not exist")
    return MentionOut.of(mention)


def _brand_words(config: AppConfig) -> frozenset[str]:
    """The brands' names and keywords: every mention contains them, so they explain nothing."""
    return excluded_words(word for brand in config.brands for word in (brand.name, *brand.keywords))
