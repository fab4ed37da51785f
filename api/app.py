"""Build the FastAPI application.

``create_app()`` opens the stores named by the settings when it starts (lifespan) and closes them when it
stops. Passing ``resources`` instead serves already-open stores; that is how the embedded alert engine talks
to the API in its own process, through httpx's ASGI transport, which runs no lifespan.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

import foundation
from api.docs import DOCS_PATHS, install_docs
from api.errors import install_error_handlers
from api.language import LanguageMiddleware
from api.resources import Resources
from api.routers import (
    brands,
    knowledge_base,
    mentions,
    monitoring,
    privacy,
    public,
    reach,
    report_archive,
    reports,
    session,
    stats,
    system,
    tickets,
    users,
)
from config.settings import Settings, get_settings
from dashboard.web import mount_dashboard

API_PREFIX = "/api/v1"
#: The largest request body accepted (a 413 beyond): the largest real one, a ticket, is well under 100 kB.
MAX_BODY_BYTES = 1_000_000


def create_app(resources: Resources | None = None, settings: Settings | None = None) -> FastAPI:
    """The API; with ``resources`` given it uses them and never closes them."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "resources", None) is not None:
            yield
            return
        opened = Resources.open(settings or get_settings())
        app.state.resources = opened
        try:
            yield
        finally:
            opened.close()
            app.state.resources = None

    app = FastAPI(
        title="Yuqing API",
        version=foundation.__version__,
        summary="Brand mentions, trends and complaint tickets.",
        description=(
            "Authenticate with `X-API-Key: KEY` or `Authorization: Bearer KEY` (keys from `YUQING_API_KEYS` or "
            "`yuqing users add`); the dashboard at `/` logs in with the same keys through `/api/v1/session`. "
            'Errors are JSON: `{"error": {"status", "code", "message", "details"}}`.'
        ),
        lifespan=lifespan,
        max_body_size=MAX_BODY_BYTES,
        # Served by api/docs.py from vendored copies: FastAPI's defaults load them from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.resources = resources
    install_error_handlers(app)
    v1 = APIRouter(prefix=API_PREFIX)
    v1.include_router(mentions.router)
    v1.include_router(stats.router)
    v1.include_router(reach.router)
    v1.include_router(brands.router)
    v1.include_router(report_archive.router)
    v1.include_router(tickets.router)
    v1.include_router(system.sources_router)
    v1.include_router(users.router)
    v1.include_router(public.router)
    v1.include_router(session.router)
    v1.include_router(monitoring.router)
    v1.include_router(privacy.router)
    v1.include_router(knowledge_base.router)
    for router in (reports.exports, reports.reports, reports.knowledge, reports.audit):
        v1.include_router(router)
    app.include_router(v1)
    app.include_router(system.health_router)
    install_docs(app)
    mount_dashboard(app, exempt=DOCS_PATHS)
    app.add_middleware(LanguageMiddleware)
    return app
