"""Dependencies of the routers, as ``Annotated`` aliases (override them in tests with
``app.dependency_overrides``)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.resources import Resources
from config.models import AppConfig
from crawlers.health import SourceRunStore
from index.base import MentionStore
from tickets.store import TicketStore


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

_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key from YUQING_API_KEYS.")
_bearer = HTTPBearer(auto_error=False, description="The same API key as a bearer token.")


@dataclass(frozen=True)
class Principal:
    """Who is calling. Later: users and roles; now: which key (by a short fingerprint, never the key)."""

    name: str


def require_api_key(
    resources: ResourcesDep,
    api_key: Annotated[str | None, Security(_api_key)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> Principal:
    """Accept ``X-API-Key: KEY`` or ``Authorization: Bearer KEY``."""
    given = api_key or (bearer.credentials if bearer else None)
    challenge = {"WWW-Authenticate": 'Bearer realm="yuqing"'}
    if not given:
        raise HTTPException(
            401, "missing API key: send it as the X-API-Key header or as a Bearer token", headers=challenge
        )
    for key in resources.internal_keys:
        if secrets.compare_digest(given.encode(), key.encode()):
            return Principal("alert-engine")
    configured = resources.settings.api_keys
    if not configured and not resources.internal_keys:
        raise HTTPException(401, "no API keys are configured on this server; set YUQING_API_KEYS", headers=challenge)
    for i, secret in enumerate(configured):
        if secrets.compare_digest(given.encode(), secret.get_secret_value().encode()):
            return Principal(f"api-key-{i + 1}")
    raise HTTPException(401, "invalid API key", headers=challenge)


PrincipalDep = Annotated[Principal, Depends(require_api_key)]
