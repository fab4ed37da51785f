"""Serving the dashboard: ``index.html`` at ``/``, the files of ``static/`` under ``/static/<version>/``, and the
security headers of every response.

The static files are plain ES modules, CSS and a vendored ECharts: nothing is built at install time. Their
URLs carry a hash of the whole folder, so browsers may cache them for a year and still see a new release at
once (``index.html`` itself is revalidated on every load).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import foundation
from sentiment.base import SentimentLabel
from tickets.enums import Category, Priority, TicketStatus
from tickets.workflow import OPEN, TRANSITIONS

STATIC_DIR = Path(__file__).resolve().parent / "static"
ASSETS_PREFIX = "/static"
#: Placeholder in ``index.html`` replaced by ``/static/<version>``.
ASSETS_MARK = "%ASSETS%"

#: The dashboard's pages run only their own scripts and talk only to this origin. ECharts draws on canvas and
#: styles its elements through the CSSOM, which ``style-src 'self'`` allows.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ]
)
IMMUTABLE = "public, max-age=31536000, immutable"


@cache
def assets_version(directory: Path = STATIC_DIR) -> str:
    """A short hash of every file under ``directory`` (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:12]


class SecurityHeaders:
    """Adds ``Content-Security-Policy``, ``X-Content-Type-Options``, ``Referrer-Policy`` and
    ``X-Frame-Options`` to every response, except the CSP of the interactive API docs (``exempt``), whose
    pages run inline scripts from FastAPI. Headers a response sets itself are kept."""

    def __init__(self, app: ASGIApp, exempt: frozenset[str] = frozenset()):
        self.app = app
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with_csp = scope["path"] not in self.exempt

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                # Links to crawled posts must not tell those sites which dashboard (and which view) sent them.
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("X-Frame-Options", "DENY")
                if with_csp:
                    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class VersionedAssets:
    """Serves ``/static/<version>/<file>``: the current version is cached for a year, any other version (a page
    loaded before an upgrade) gets today's file, revalidated each time."""

    def __init__(self, directory: Path, version: str):
        self.version = version
        self.files = StaticFiles(directory=directory)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise HTTPException(404)
        root = scope.get("root_path", "")
        path: str = scope["path"]
        route = path[len(root) :] if root and path.startswith(root) else path
        version, _, rest = route.lstrip("/").partition("/")
        if not version or not rest or rest.startswith("."):
            raise HTTPException(404, "no such file")
        cache_control = IMMUTABLE if version == self.version else "no-cache"
        # The file path is what follows root_path: move the version segment into it.
        inner = {**scope, "root_path": f"{root}/{version}"}

        async def send_cached(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 304):
                MutableHeaders(scope=message)["Cache-Control"] = cache_control
            await send(message)

        await self.files(inner, receive, send_cached)


def _meta() -> dict[str, Any]:
    """What the pages need to know of the server's vocabulary, so they never carry a second copy of it."""
    return {
        "version": foundation.__version__,
        "statuses": [s.value for s in TicketStatus],
        "open_statuses": [s.value for s in TicketStatus if s in OPEN],
        "transitions": {s.value: sorted(t.value for t in TRANSITIONS[s]) for s in TicketStatus},
        "priorities": [p.value for p in Priority],
        "categories": [c.value for c in Category],
        "sentiments": [label.value for label in SentimentLabel],
    }


def dashboard_router(directory: Path = STATIC_DIR) -> APIRouter:
    """``/`` (the single page) and ``/meta.json``; hidden from the API docs."""
    version = assets_version(directory)
    page = (directory / "index.html").read_text(encoding="utf-8").replace(ASSETS_MARK, f"{ASSETS_PREFIX}/{version}")
    meta = _meta()
    router = APIRouter(include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        return HTMLResponse(page, headers={"Cache-Control": "no-cache"})

    @router.get("/meta.json")
    def meta_json() -> JSONResponse:
        return JSONResponse(content=meta, headers={"Cache-Control": "no-cache"})

    return router


def mount_dashboard(app: FastAPI, directory: Path = STATIC_DIR, exempt: frozenset[str] = frozenset()) -> None:
    """Serve the dashboard from ``app`` and add the security headers to all its responses; the paths in
    ``exempt`` (and FastAPI's own docs pages, if enabled) get no Content-Security-Policy."""
    app.include_router(dashboard_router(directory))
    app.mount(
        ASSETS_PREFIX,
        GZipMiddleware(VersionedAssets(directory, assets_version(directory)), minimum_size=1024),
        name="static",
    )
    builtin = frozenset(p for p in (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url) if p)
    app.add_middleware(SecurityHeaders, exempt=exempt | builtin)
