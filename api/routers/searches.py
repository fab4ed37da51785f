"""``/searches``: saved mention searches, per user; shared ones are visible to everyone."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel

from api.deps import ObjectId, PrincipalDep, ResourcesDep
from foundation.access import Principal
from index.saved import SavedSearchIn, SavedSearchPatch, SavedSearchStore, SavedSearchView, SearchOptions

router = APIRouter(prefix="/searches", tags=["searches"])


def get_saved_searches(resources: ResourcesDep) -> SavedSearchStore:
    return SavedSearchStore(resources.db)


SavedSearchesDep = Annotated[SavedSearchStore, Depends(get_saved_searches)]


class SavedSearchOut(BaseModel):
    """A saved search. ``editable``: whether you may change or delete it (its owner, or an admin)."""

    id: int
    name: str
    owner: str
    query: str
    filters: SearchOptions
    shared: bool
    editable: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, search: SavedSearchView, principal: Principal) -> SavedSearchOut:
        return cls(
            id=search.id,
            name=search.name,
            owner=search.owner,
            query=search.query,
            filters=search.filters,
            shared=search.shared,
            editable=principal.is_admin or search.owner == principal.name,
            created_at=search.created_at,
            updated_at=search.updated_at,
        )


class SavedSearchList(BaseModel):
    items: list[SavedSearchOut]


@router.get("", response_model=SavedSearchList, summary="Your saved searches and the shared ones")
def list_searches(store: SavedSearchesDep, principal: PrincipalDep) -> SavedSearchList:
    """By name: yours and everyone's shared searches (all of them for an admin)."""
    return SavedSearchList(items=[SavedSearchOut.of(s, principal) for s in store.visible(principal)])


@router.post(
    "",
    response_model=SavedSearchOut,
    status_code=status.HTTP_201_CREATED,
    summary="Save a search",
    responses={400: {"description": "The query is not valid (the message names the position)"}, 409: {}},
)
def create_search(
    body: SavedSearchIn, response: Response, store: SavedSearchesDep, principal: PrincipalDep
) -> SavedSearchOut:
    """A name unique among your searches (and among shared ones, if shared), a query in the search language
    (as ``GET /mentions?q=``), and the order. ``shared: true`` makes it visible to everyone and usable as an
    alert rule's ``saved_search``."""
    search = store.create(principal, body)
    response.headers["Location"] = f"/api/v1/searches/{search.id}"
    return SavedSearchOut.of(search, principal)


@router.get("/{search_id}", response_model=SavedSearchOut, summary="One saved search")
def get_search(search_id: ObjectId, store: SavedSearchesDep, principal: PrincipalDep) -> SavedSearchOut:
    return SavedSearchOut.of(store.get(principal, search_id), principal)


@router.patch("/{search_id}", response_model=SavedSearchOut, summary="Change a saved search (owner or admin)")
def update_search(
    search_id: ObjectId, body: SavedSearchPatch, store: SavedSearchesDep, principal: PrincipalDep
) -> SavedSearchOut:
    """Rename it, change its query or order, share or unshare it. Only its owner or an admin may."""
    return SavedSearchOut.of(store.update(principal, search_id, body), principal)


@router.delete("/{search_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a saved search (owner or admin)")
def delete_search(search_id: ObjectId, store: SavedSearchesDep, principal: PrincipalDep) -> Response:
    """Rules that name it (``saved_search``) pause with an error until a shared search of that name exists."""
    store.delete(principal, search_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
