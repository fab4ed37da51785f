"""``/users``: people and their roles (admins only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from api.deps import AdminDep, ConfigDep, ObjectId, PrincipalDep, UserStoreDep
from config.models import AppConfig
from foundation.access import APPROVE_EXPORT, EXPORT, PII
from foundation.errors import Forbidden, InvalidQuery
from tickets.enums import Level, Role
from tickets.models import User

router = APIRouter(prefix="/users", tags=["users"])
PERMISSIONS = frozenset({PII, EXPORT, APPROVE_EXPORT})


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=64, pattern=r"^[\w.@-]+$")
    display_name: str | None = Field(default=None, max_length=100)
    role: Role
    level: Level = Level.agent
    departments: list[str] = Field(default_factory=list)
    brands: list[str] = Field(default_factory=list, description="Empty: every brand.")
    permissions: list[str] = Field(default_factory=list, description=f"Any of {sorted(PERMISSIONS)}.")
    language: Literal["zh", "en"] | None = Field(default=None, description="Null: the browser's language.")


class UserChange(BaseModel):
    """Fields of ``PATCH /users/{id}``; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    display_name: str | None = Field(default=None, min_length=1, max_length=100)
    role: Role | None = None
    level: Level | None = None
    departments: list[str] | None = None
    brands: list[str] | None = Field(default=None, description="Empty: every brand.")
    permissions: list[str] | None = None
    language: Literal["zh", "en"] | None = None


class UserOut(BaseModel):
    id: int
    name: str
    display_name: str
    role: Role
    level: Level
    departments: list[str]
    brands: list[str]
    permissions: list[str]
    active: bool
    created_at: datetime
    language: str | None = None

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            name=user.name,
            display_name=user.display_name,
            role=Role(user.role),
            level=Level(user.level),
            departments=user.departments,
            brands=user.brands,
            permissions=user.permissions,
            active=user.active,
            created_at=user.created_at,
            language=user.language,
        )


class UserCreated(UserOut):
    api_key: str = Field(description="Shown this once; only its hash is stored.")


def _check(config: AppConfig, role: Role, departments: list[str], brands: list[str], permissions: list[str]) -> None:
    unknown_departments = sorted(set(departments) - set(config.tickets.departments))
    if unknown_departments:
        raise InvalidQuery(f"unknown departments {unknown_departments}; configured: {config.tickets.departments}")
    unknown_brands = sorted(set(brands) - set(config.brand_names()))
    if unknown_brands:
        raise InvalidQuery(f"unknown brands {unknown_brands}; configured: {config.brand_names()}")
    unknown = sorted(set(permissions) - PERMISSIONS)
    if unknown:
        raise InvalidQuery(f"unknown permissions {unknown}; known: {sorted(PERMISSIONS)}")
    if role is Role.agent and not departments:
        raise InvalidQuery("an agent works tickets of at least one department: give departments")


@router.post("", response_model=UserCreated, status_code=status.HTTP_201_CREATED, summary="Add a user")
def create_user(body: UserIn, users: UserStoreDep, config: ConfigDep, admin: AdminDep) -> UserCreated:
    _check(config, body.role, body.departments, body.brands, body.permissions)
    user, key = users.create(
        body.name,
        body.role,
        level=body.level,
        departments=body.departments,
        brands=body.brands,
        permissions=body.permissions,
        display_name=body.display_name,
        actor=admin.name,
    )
    if body.language is not None:
        user = users.update(user.id, {"language": body.language}, actor=admin.name)
    return UserCreated(**UserOut.of(user).model_dump(), api_key=key)


@router.patch("/{user_id}", response_model=UserOut, summary="Change a user's role, scope or language")
def update_user(
    user_id: ObjectId, body: UserChange, users: UserStoreDep, config: ConfigDep, admin: AdminDep
) -> UserOut:
    """Role, level, departments, brands (empty: every brand), permissions, display name, language; audited
    with the values before and after. Admins cannot take their own admin role away (someone must remain)."""
    current = users.get(user_id)
    changes = body.model_dump(exclude_unset=True)
    if any(changes.get(k, 0) is None for k in ("role", "level", "departments", "brands", "permissions")):
        raise InvalidQuery("role, level, departments, brands and permissions cannot be null")
    role = body.role or Role(current.role)
    _check(
        config,
        role,
        body.departments if body.departments is not None else list(current.departments or []),
        body.brands if body.brands is not None else list(current.brands or []),
        body.permissions if body.permissions is not None else list(current.permissions or []),
    )
    if current.name == admin.name and role is not Role.admin:
        raise Forbidden("you cannot take your own admin role away; ask another admin")
    return UserOut.of(users.update(user_id, changes, actor=admin.name))


class Assignee(BaseModel):
    """Someone a ticket can be given to (no role, key or permission details)."""

    id: int
    display_name: str
    departments: list[str]


@router.get("/assignees", response_model=list[Assignee], summary="Who can take a ticket (for assign and transfer)")
def assignees(users: UserStoreDep, principal: PrincipalDep, department: str | None = None) -> list[Assignee]:
    """Active agents, of ``department`` if given. Anyone who works tickets may ask: transferring a ticket to a
    colleague needs to know who the colleagues are."""
    if not principal.can_write_tickets():
        raise Forbidden(f"role {principal.role.value} can read tickets but not change them")
    scope = principal.scope.brands
    mine = set(principal.departments) if principal.role is Role.agent else None

    def colleague(u: Any) -> bool:
        # Only people the caller works beside: of the caller's departments (agents) and brands (when limited);
        # another brand's staff are not the caller's to know.
        if not u.active or u.role != Role.agent.value:
            return False
        theirs = set(u.departments or [])
        if department is not None and department not in theirs:
            return False
        if mine is not None and not theirs & mine:
            return False
        return scope is None or not u.brands or bool(set(u.brands) & scope)

    return [
        Assignee(id=u.id, display_name=u.display_name, departments=list(u.departments or []))
        for u in users.all()
        if colleague(u)
    ]


@router.get("", response_model=list[UserOut], summary="List users")
def list_users(users: UserStoreDep, _: AdminDep) -> list[UserOut]:
    return [UserOut.of(u) for u in users.all()]


@router.post("/{user_id}/deactivate", response_model=UserOut, summary="Disable a user (their key stops working)")
def deactivate(user_id: ObjectId, users: UserStoreDep, admin: AdminDep) -> UserOut:
    return UserOut.of(users.set_active(user_id, False, actor=admin.name))


@router.post("/{user_id}/key", response_model=UserCreated, summary="Give a user a new key (the old one stops)")
def rotate_key(user_id: ObjectId, users: UserStoreDep, admin: AdminDep) -> UserCreated:
    key = users.rotate_key(user_id, actor=admin.name)
    return UserCreated(**UserOut.of(users.get(user_id)).model_dump(), api_key=key)


@router.post("/{user_id}/activate", response_model=UserOut, summary="Enable a disabled user again")
def activate(user_id: ObjectId, users: UserStoreDep, admin: AdminDep) -> UserOut:
    return UserOut.of(users.set_active(user_id, True, actor=admin.name))
