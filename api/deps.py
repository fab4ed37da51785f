"""Dependencies of the routers, as ``Annotated`` aliases (override them in tests with
``app.dependency_overrides``)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.resources import Resources
from config.models import AppConfig
from crawlers.health import SourceRunStore
from index.base import MentionStore
from tickets.access import APPROVE_EXPORT, PII, Principal
from tickets.enums import Level, Role
from tickets.store import TicketStore
from tickets.users import UserStore


def get_resources(request: Request) -> Resources:
    resources: Resources | None = getattr(request.app.state, "resources", None)
    if resources is None:
        raise RuntimeError("the app has no resources: create it with create_app(resources) or run its lifespan")
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


def get_app_config(resources: ResourcesDep) -> AppConfig:
    return resources.config


def get_mention_store(resources: ResourcesDep) -> MentionStore:
    return resources.mentions


def get_ticket_store(resources: ResourcesDep) -> TicketStore:
    return resources.tickets


def get_source_runs(resources: ResourcesDep) -> SourceRunStore:
    return resources.sources


ConfigDep = Annotated[AppConfig, Depends(get_app_config)]
MentionStoreDep = Annotated[MentionStore, Depends(get_mention_store)]
TicketStoreDep = Annotated[TicketStore, Depends(get_ticket_store)]
SourceRunsDep = Annotated[SourceRunStore, Depends(get_source_runs)]

_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key.")
_bearer = HTTPBearer(auto_error=False, description="The same API key as a bearer token.")

#: Keys from YUQING_API_KEYS are administrators: they bootstrap users (`yuqing users add`) and run services.
BOOTSTRAP = Principal("api-key", Role.admin, Level.executive, permissions=frozenset({PII, APPROVE_EXPORT}))
ENGINE = Principal("alert-engine", Role.admin, Level.executive)


def get_user_store(resources: ResourcesDep) -> UserStore:
    return resources.users


UserStoreDep = Annotated[UserStore, Depends(get_user_store)]


def authenticate(
    resources: ResourcesDep,
    api_key: Annotated[str | None, Security(_api_key)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> Principal:
    """Accept ``X-API-Key: KEY`` or ``Authorization: Bearer KEY``: a user's key, a configured key, or the
    in-process engine's key."""
    given = api_key or (bearer.credentials if bearer else None)
    challenge = {"WWW-Authenticate": 'Bearer realm="yuqing"'}
    if not given:
        raise HTTPException(
            401, "missing API key: send it as the X-API-Key header or as a Bearer token", headers=challenge
        )
    for key in resources.internal_keys:
        if secrets.compare_digest(given.encode(), key.encode()):
            return ENGINE
    for i, secret in enumerate(resources.settings.api_keys):
        if secrets.compare_digest(given.encode(), secret.get_secret_value().encode()):
            return replace(BOOTSTRAP, name=f"api-key-{i + 1}")
    principal = resources.users.authenticate(given)
    if principal is not None:
        return principal
    raise HTTPException(401, "invalid API key", headers=challenge)


PrincipalDep = Annotated[Principal, Depends(authenticate)]


def require(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets only ``roles`` through (403 for the others: a whole function is off limits)."""

    def check(principal: PrincipalDep) -> Principal:
        if principal.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise HTTPException(403, f"this needs one of the roles {allowed}; you are {principal.role.value}")
        return principal

    return check


AdminDep = Annotated[Principal, Depends(require(Role.admin))]
