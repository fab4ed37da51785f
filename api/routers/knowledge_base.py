"""``/knowledge/entries``: the knowledge base of prepared answers (read by whoever works tickets, written by
supervisors and admins), scoped to the caller's brands."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.exceptions import RequestValidationError

from api.deps import ConfigDep, ObjectId, PrincipalDep, TicketStoreDep
from config.models import AppConfig
from tickets.enums import Category
from tickets.schemas import KnowledgeEntryIn, KnowledgeEntryOut

router = APIRouter(prefix="/knowledge/entries", tags=["knowledge"])


def _known_brand(body: KnowledgeEntryIn, config: AppConfig) -> None:
    if body.brand is not None and body.brand not in config.brand_names():
        problem = {
            "type": "value_error",
            "loc": ("body", "brand"),
            "msg": f"unknown brand {body.brand!r}; configured: {config.brand_names()}",
            "input": body.brand,
        }
        raise RequestValidationError([problem])


@router.get("", response_model=list[KnowledgeEntryOut], summary="Knowledge base entries")
def list_entries(
    store: TicketStoreDep,
    principal: PrincipalDep,
    q: Annotated[str | None, Query(max_length=500, description="Words to look for; ranks by similarity.")] = None,
    category: Category | None = None,
) -> list[KnowledgeEntryOut]:
    """Entries of every brand or of yours, newest first (best first with ``q``)."""
    return store.knowledge_entries(actor=principal, q=q.strip() if q else None, category=category)


@router.post("", response_model=KnowledgeEntryOut, status_code=status.HTTP_201_CREATED, summary="Add an entry")
def create_entry(
    body: KnowledgeEntryIn, store: TicketStoreDep, config: ConfigDep, principal: PrincipalDep
) -> KnowledgeEntryOut:
    """Supervisors (and above) and admins; a caller limited to some brands writes for one of them."""
    _known_brand(body, config)
    return store.add_knowledge(body, actor=principal)


@router.get("/{entry_id}", response_model=KnowledgeEntryOut, summary="One entry")
def get_entry(entry_id: ObjectId, store: TicketStoreDep, principal: PrincipalDep) -> KnowledgeEntryOut:
    return store.knowledge_entry(entry_id, actor=principal)


@router.put("/{entry_id}", response_model=KnowledgeEntryOut, summary="Change an entry")
def update_entry(
    entry_id: ObjectId, body: KnowledgeEntryIn, store: TicketStoreDep, config: ConfigDep, principal: PrincipalDep
) -> KnowledgeEntryOut:
    _known_brand(body, config)
    return store.change_knowledge(entry_id, body, actor=principal)


@router.delete("/{entry_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete an entry")
def delete_entry(entry_id: ObjectId, store: TicketStoreDep, principal: PrincipalDep) -> Response:
    store.remove_knowledge(entry_id, actor=principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
