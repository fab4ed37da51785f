"""``/session``: log in to the dashboard with an API key, see who you are, log out.

The browser never keeps the key: logging in exchanges it for an HttpOnly, SameSite=Strict cookie holding a
signed token (:mod:`dashboard.session`). Every request re-checks the user and key behind the token.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from api.deps import ConfigDep, PrincipalDep, ResourcesDep, SessionsDep, identify_key
from api.errors import error_body
from api.resources import Resources
from config.models import AppConfig
from dashboard.session import COOKIE, CSRF_HEADER, SessionClaims, expired_cookie, session_cookie
from foundation.access import APPROVE_EXPORT, EXPORT, PII, Principal
from foundation.errors import InvalidQuery, NotFound
from foundation.timeutil import utcnow
from tickets.enums import Level, Role

router = APIRouter(prefix="/session", tags=["session"])

CsrfHeader = Annotated[
    str | None,
    Header(alias=CSRF_HEADER, description="Must be 1: proves the request comes from the dashboard's own pages."),
]


class SessionIn(BaseModel):
    """Body of ``POST /session``."""

    model_config = ConfigDict(extra="forbid")

    key: SecretStr = Field(
        min_length=1, max_length=512, description="Your API key (`yuqing users add` prints it) or a configured key."
    )


class SessionOut(BaseModel):
    """Who is logged in and what they may do."""

    name: str
    user_id: int | None = Field(
        default=None, description='The user\'s id (for "my tickets"); null for a bootstrap key.'
    )
    display_name: str
    role: Role
    level: Level
    departments: list[str]
    brands: list[str] = Field(description="The brands this person sees.")
    all_brands: bool = Field(description="Not limited to some brands.")
    permissions: list[str] = Field(description="Extra permissions: pii, export, approve_export.")
    can_write_tickets: bool
    via: Literal["session", "key"] = Field(description="Authenticated by the session cookie or by a key header.")
    expires_at: datetime | None = Field(description="When the session ends (null for a key header).")
    language: Literal["zh", "en"] | None = Field(
        default=None, description="The language this user chose (null: never chose; the browser's decides)."
    )
    reply_channels: list[str] = Field(
        default_factory=list, description="How a reply can reach the customer here: email, sms, platform."
    )


class LanguageIn(BaseModel):
    """Body of ``PUT /session/language``."""

    model_config = ConfigDict(extra="forbid")

    language: Literal["zh", "en"]


def _require_csrf(value: str | None) -> None:
    if value != "1":
        raise HTTPException(403, f"send the header {CSRF_HEADER}: 1 (the dashboard does; other sites cannot)")


def _describe(
    principal: Principal, resources: Resources, config: AppConfig, claims: SessionClaims | None
) -> SessionOut:
    display_name = principal.name
    if principal.user_id is not None:
        with contextlib.suppress(NotFound):  # deleted since authenticating: the name will do
            display_name = resources.users.by_name(principal.name).display_name or principal.name
    limited = principal.scope.limited
    brands = sorted(principal.brands) if limited else config.brand_names()
    return SessionOut(
        name=principal.name,
        user_id=principal.user_id,
        display_name=display_name,
        role=principal.role,
        level=principal.level,
        departments=sorted(principal.departments),
        brands=brands,
        all_brands=not limited,
        permissions=sorted(p for p in (PII, EXPORT, APPROVE_EXPORT) if principal.may(p)),
        can_write_tickets=principal.can_write_tickets(),
        via="session" if claims else "key",
        expires_at=claims.expires_at if claims else None,
        language=principal.language,
        reply_channels=config.tickets.replies.channels(),
    )


@router.post(
    "",
    response_model=SessionOut,
    summary="Log in to the dashboard",
    responses={
        401: {"description": "The key is not valid"},
        403: {"description": f"The {CSRF_HEADER} header is missing"},
        429: {"description": "Too many failed logins from this address; see Retry-After"},
    },
)
def login(
    body: SessionIn,
    request: Request,
    response: Response,
    resources: ResourcesDep,
    sessions: SessionsDep,
    config: ConfigDep,
    csrf: CsrfHeader = None,
) -> SessionOut | JSONResponse:
    """Exchange an API key for a session cookie (HttpOnly, SameSite=Strict, Secure over https) that lasts
    ``session_hours``. Failed attempts are limited per client address (``login_max_failures`` per
    ``login_window_seconds``); beyond that the answer is 429 with ``Retry-After``, even for a right key."""
    _require_csrf(csrf)
    address = request.client.host if request.client else "unknown"
    now = utcnow()
    wait = sessions.limiter.retry_after(address, now)
    if wait is not None:
        seconds = math.ceil(wait)
        return JSONResponse(
            error_body(429, "too_many_logins", f"too many failed logins from your address; try again in {seconds} s"),
            status_code=429,
            headers={"Retry-After": str(seconds)},
        )
    identity = identify_key(resources, body.key.get_secret_value())
    if identity is None or identity.kind is None:
        sessions.limiter.failed(address, now)
        raise HTTPException(401, "this key is not valid: it is mistyped, was replaced, or its user was deactivated")
    sessions.limiter.succeeded(address)
    token, claims = sessions.signer.issue(identity.kind, identity.subject, identity.key_hash, now)
    secure = resources.settings.session_cookie_secure
    if secure is None:
        secure = request.url.scheme == "https"
    response.headers.append(
        "Set-Cookie", session_cookie(token, int(sessions.signer.ttl.total_seconds()), secure=secure)
    )
    response.headers["Cache-Control"] = "no-store"
    return _describe(identity.principal, resources, config, claims)


@router.get("", response_model=SessionOut, summary="Who am I")
def whoami(
    request: Request, response: Response, principal: PrincipalDep, resources: ResourcesDep, config: ConfigDep
) -> SessionOut:
    """The logged-in person (or the holder of the key sent): name, role, brands and permissions."""
    response.headers["Cache-Control"] = "no-store"
    return _describe(principal, resources, config, getattr(request.state, "session", None))


@router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Log out",
    responses={403: {"description": f"The {CSRF_HEADER} header is missing"}},
)
def logout(request: Request, sessions: SessionsDep, csrf: CsrfHeader = None) -> Response:
    """Delete the session cookie; the token stops working in this API process even if a copy survives."""
    _require_csrf(csrf)
    token = request.cookies.get(COOKIE)
    now = utcnow()
    claims = sessions.signer.verify(token, now) if token else None
    if claims is not None:
        sessions.revoke(claims, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers={"Set-Cookie": expired_cookie()})


@router.put("/language", response_model=SessionOut, summary="Choose your language")
def choose_language(
    body: LanguageIn, request: Request, principal: PrincipalDep, resources: ResourcesDep, config: ConfigDep
) -> SessionOut:
    """Keep ``zh`` or ``en`` as your language: the dashboard opens in it on any browser, and the server writes
    its texts (errors, reports, summaries) in it when a request names no language."""
    if principal.user_id is None:
        raise InvalidQuery("a configured key is not a user and has no language to keep; use a user's key")
    resources.users.set_language(principal.name, body.language)
    return _describe(
        replace(principal, language=body.language), resources, config, getattr(request.state, "session", None)
    )
