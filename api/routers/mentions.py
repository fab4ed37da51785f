"""``/mentions``: search stored mentions, read one."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import MentionStoreDep, PrincipalDep
from api.schemas import MentionHitOut, MentionOut, MentionPage, MentionSearchParams
from index.base import MentionFilter, SearchRequest
from tickets.access import Principal
from tickets.enums import Role
from yuqing.errors import NotFound

router = APIRouter(prefix="/mentions", tags=["mentions"])
_ID = re.compile(r"^[0-9a-f]{24}$")


@router.get("", response_model=MentionPage, summary="Search mentions")
def search_mentions(
    params: Annotated[MentionSearchParams, Query()], store: MentionStoreDep, principal: PrincipalDep
) -> MentionPage:
    """Words (Chinese or English, all must occur), brand, platform, sentiment, score and time filters;
    newest first or by relevance; paged with ``cursor`` (any depth) or ``offset`` (bounded). Agents limited to
    some brands see only those brands' mentions."""
    brands = _allowed_brands(params.brand, principal)
    if brands == []:
        return MentionPage(items=[], total=0, next_cursor=None)
    request = SearchRequest(
        filter=MentionFilter(
            text=params.q,
            brands=brands or [],
            platforms=params.platform,
            sources=params.source,
            languages=params.language,
            labels=params.sentiment,
            score_min=params.score_min,
            score_max=params.score_max,
            since=params.since,
            until=params.until,
        ),
        sort=params.sort,
        limit=params.limit,
        offset=params.offset,
        cursor=params.cursor,
        highlight=params.highlight,
    )
    page = store.search(request)
    return MentionPage(
        items=[MentionHitOut.of_hit(hit) for hit in page.hits], total=page.total, next_cursor=page.next_cursor
    )


@router.get("/{mention_id}", response_model=MentionOut, summary="One mention")
def get_mention(mention_id: str, store: MentionStoreDep, principal: PrincipalDep) -> MentionOut:
    mention = store.get(mention_id) if _ID.match(mention_id) else None
    allowed = _allowed_brands([], principal)
    if mention is None or (allowed is not None and not set(mention.brands) & set(allowed)):
        raise NotFound(f"mention {mention_id} does not exist")
    return MentionOut.of(mention)


def _allowed_brands(requested: list[str], principal: Principal) -> list[str] | None:
    """The brands a search may cover: ``None`` for no limit, ``[]`` for none at all."""
    if principal.role is not Role.agent or not principal.brands:
        return requested or None
    if not requested:
        return sorted(principal.brands)
    return sorted(set(requested) & principal.brands)
