"""``/privacy``: erase a person's data (administrators only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.deps import AdminDep, ResourcesDep
from api.privacy import erase
from foundation.erasure import Subject, SubjectKind
from foundation.errors import InvalidQuery

router = APIRouter(prefix="/privacy", tags=["privacy"])


class ErasureIn(BaseModel):
    """Exactly one of ``author``, ``phone`` and ``email``: who is to be forgotten."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    author: str | None = Field(default=None, min_length=2, max_length=200, description="An author handle.")
    phone: str | None = Field(default=None, min_length=7, max_length=32, pattern=r"^[0-9+\-() ]+$")
    email: str | None = Field(default=None, min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")

    @model_validator(mode="after")
    def _one(self) -> ErasureIn:
        given = [k for k in ("author", "phone", "email") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of author, phone and email")
        return self

    def subject(self) -> Subject:
        kind = next(k for k in SubjectKind if getattr(self, k.value))
        return Subject(kind, str(getattr(self, kind.value)))


class ErasureOut(BaseModel):
    kind: str
    mentions_deleted: int
    mentions_redacted: int
    rows: dict[str, int] = Field(description="Rows changed per table of the relational database.")


@router.post("/erasure", response_model=ErasureOut, summary="Erase a person's data everywhere")
def erase_person(body: ErasureIn, resources: ResourcesDep, admin: AdminDep) -> dict[str, Any]:
    """Their own posts are deleted; their identifier is redacted wherever else it occurs (other posts, tickets
    and customer records, comments, history, exports, alert payloads, notifications, the audit log); search
    indexes and database files keep no copy. Audited without the identifier. Irreversible."""
    try:
        subject = body.subject()
    except ValueError as exc:
        raise InvalidQuery(str(exc)) from exc
    return erase(resources, subject, admin.name).as_dict()
