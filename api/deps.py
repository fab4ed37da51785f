"""Dependencies of the routers, as ``Annotated`` aliases (override them in tests with
``app.dependency_overrides``)."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, Security
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.resources import Resources
from api.scope import ScopedMentions
from config.models import AppConfig
from dashboard.session import COOKIE, CSRF_HEADER, SAFE_METHODS, Kind, SessionClaims, SessionRegistry, expired_cookie
from foundation.access import APPROVE_EXPORT, PII, Principal
from foundation.db import MAX_ID
from foundation.errors import NotFound
from foundation.health import SourceRunStore
from foundation.i18n import set_language
from foundation.timeutil import utcnow
from index.base import MentionStore
from tickets.enums import Level, Role
from tickets.store import TicketStore
from tickets.users import UserStore, hash_key, principal_of


def get_resources(request: Request) -> Resources:
    resources: Resources | None = getattr(request.app.state, "resources", None)
    if resources is None:
        raise RuntimeError("the app has no resources: create it with create_app(resources) or run its lifespan")
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


def get_app_config(resources: ResourcesDep) -> AppConfig:
    return resources.config


def get_raw_mention_store(resources: ResourcesDep) -> MentionStore:
    """The unscoped store: for the service's own work (health), never for a caller's reads."""
    return resources.mentions


def get_ticket_store(resources: ResourcesDep) -> TicketStore:
    return resources.tickets


def get_source_runs(resources: ResourcesDep) -> SourceRunStore:
    return resources.sources


ConfigDep = Annotated[AppConfig, Depends(get_app_config)]
TicketStoreDep = Annotated[TicketStore, Depends(get_ticket_store)]
SourceRunsDep = Annotated[SourceRunStore, Depends(get_source_runs)]

_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key.")
_bearer = HTTPBearer(auto_error=False, description="The same API key as a bearer token.")
_session = APIKeyCookie(
    name=COOKIE,
    auto_error=False,
    description=f"The dashboard's session (POST /api/v1/session); POST/PATCH/PUT/DELETE also need `{CSRF_HEADER}: 1`.",
)

#: Keys from YUQING_API_KEYS are administrators: they bootstrap users (`yuqing users add`) and run services.
BOOTSTRAP = Principal("api-key", Role.admin, Level.executive, permissions=frozenset({PII, APPROVE_EXPORT}))
ENGINE = Principal("alert-engine", Role.admin, Level.executive)
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="yuqing"'}


def get_user_store(resources: ResourcesDep) -> UserStore:
    return resources.users


UserStoreDep = Annotated[UserStore, Depends(get_user_store)]

_sessions_lock = threading.Lock()


def get_sessions(request: Request, resources: ResourcesDep) -> SessionRegistry:
    """The application's session registry (signer, logout list, login limiter), made on first use."""
    with _sessions_lock:
        registry: SessionRegistry | None = getattr(request.app.state, "sessions", None)
        if registry is None:
            registry = SessionRegistry.from_settings(resources.settings)
            request.app.state.sessions = registry
        return registry


SessionsDep = Annotated[SessionRegistry, Depends(get_sessions)]


@dataclass(frozen=True)
class KeyIdentity:
    """Whose key it is. ``kind`` is ``None`` for the in-process engine's key, which opens no browser session."""

    principal: Principal
    kind: Kind | None
    subject: str
    key_hash: str


def identify_key(resources: Resources, given: str) -> KeyIdentity | None:
    """The holder of ``given``: the in-process engine, a configured (bootstrap) key, or an active user."""
    for key in resources.internal_keys:
        if secrets.compare_digest(given.encode(), key.encode()):
            return KeyIdentity(ENGINE, None, ENGINE.name, hash_key(key))
    for i, secret in enumerate(resources.settings.api_keys):
        value = secret.get_secret_value()
        if secrets.compare_digest(given.encode(), value.encode()):
            name = f"api-key-{i + 1}"
            return KeyIdentity(replace(BOOTSTRAP, name=name), "key", name, hash_key(value))
    principal = resources.users.authenticate(given)
    if principal is not None:
        return KeyIdentity(principal, "user", principal.name, hash_key(given))
    return None


def session_principal(resources: Resources, sessions: SessionRegistry, claims: SessionClaims) -> Principal | None:
    """Who a verified session token stands for *now*: ``None`` once logged out, or when the user was
    deactivated or the key that logged in was rotated or removed since."""
    if sessions.is_revoked(claims):
        return None
    fingerprint = sessions.signer.fingerprint
    if claims.kind == "user":
        try:
            user = resources.users.by_name(claims.subject)
        except NotFound:
            return None
        if not user.active or not secrets.compare_digest(fingerprint(user.key_hash), claims.fingerprint):
            return None
        return principal_of(user)
    for i, secret in enumerate(resources.settings.api_keys):
        if secrets.compare_digest(fingerprint(hash_key(secret.get_secret_value())), claims.fingerprint):
            return replace(BOOTSTRAP, name=f"api-key-{i + 1}")
    return None


def authenticate(
    request: Request,
    resources: ResourcesDep,
    sessions: SessionsDep,
    api_key: Annotated[str | None, Security(_api_key)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
    session: Annotated[str | None, Security(_session)] = None,
) -> Principal:
    """Accept ``X-API-Key: KEY`` or ``Authorization: Bearer KEY`` (a user's key, a configured key, or the
    in-process engine's key), or else the dashboard's session cookie. A key in a header wins over the cookie.

    A cookie-authenticated request that changes something must carry ``X-Yuqing-CSRF: 1``: another site can
    make a browser send the cookie, but not that header."""
    given = api_key or (bearer.credentials if bearer else None)
    if given:
        identity = identify_key(resources, given)
        if identity is None:
            raise HTTPException(401, "invalid API key", headers=_CHALLENGE)
        return identity.principal
    if session:
        claims = sessions.signer.verify(session, utcnow())
        principal = session_principal(resources, sessions, claims) if claims else None
        if claims is None or principal is None:
            raise HTTPException(
                401,
                "your session has ended (expired, logged out, or the key changed): log in again",
                headers={**_CHALLENGE, "Set-Cookie": expired_cookie()},
            )
        if request.method not in SAFE_METHODS and request.headers.get(CSRF_HEADER) != "1":
            raise HTTPException(
                403,
                f"a browser session must send the header {CSRF_HEADER}: 1 with POST, PATCH, PUT and DELETE "
                "(it proves the request comes from the dashboard, not from another site)",
            )
        request.state.session = claims
        return principal
    raise HTTPException(
        401,
        "missing API key: send it as the X-API-Key header or as a Bearer token, or log in to the dashboard",
        headers=_CHALLENGE,
    )


async def caller(request: Request, principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    """The authenticated caller; a user who chose a language gets the server's texts in it when the request
    does not ask for one (``Accept-Language``). Async on purpose: it runs in the request's own context, so
    the language it sets holds for the endpoint and the error handlers after it."""
    if principal.language is not None and "accept-language" not in request.headers:
        set_language(principal.language)
    return principal


PrincipalDep = Annotated[Principal, Depends(caller)]


def require(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets only ``roles`` through (403 for the others: a whole function is off limits)."""

    def check(principal: PrincipalDep) -> Principal:
        if principal.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise HTTPException(403, f"this needs one of the roles {allowed}; you are {principal.role.value}")
        return principal

    return check


AdminDep = Annotated[Principal, Depends(require(Role.admin))]

#: An object's id in a path: a positive 64-bit integer (a larger one could never exist; it is a 422, not a 500).
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]


def get_mention_store(resources: ResourcesDep, principal: PrincipalDep) -> MentionStore:
    """The mention store as the caller may see it (:class:`api.scope.ScopedMentions`): every router reads
    mentions through this, so none can forget the brand scope."""
    return ScopedMentions(resources.mentions, principal.scope)


MentionStoreDep = Annotated[MentionStore, Depends(get_mention_store)]
