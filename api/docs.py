"""The interactive API documentation (``/docs``, Swagger UI; ``/redoc``, ReDoc) from vendored copies.

FastAPI's own pages fetch their scripts and styles from a CDN, so an offline or air-gapped deployment saw a
blank page. These pages load the copies in ``dashboard/static/vendor`` (see its README for versions and hashes)
through the dashboard's versioned asset URLs, and no web font.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse

from dashboard.web import ASSETS_PREFIX, assets_version

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
#: Pages that run FastAPI's inline start-up script, so they cannot carry the dashboard's strict CSP.
DOCS_PATHS = frozenset({DOCS_URL, REDOC_URL, OAUTH2_REDIRECT_URL})


def install_docs(app: FastAPI) -> None:
    """Add ``/docs``, ``/docs/oauth2-redirect`` and ``/redoc`` to ``app`` (created with ``docs_url=None`` and
    ``redoc_url=None``)."""
    base = f"{ASSETS_PREFIX}/{assets_version()}"
    title = app.title

    @app.get(DOCS_URL, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{title} — Swagger UI",
            swagger_js_url=f"{base}/vendor/swagger-ui-bundle.js",
            swagger_css_url=f"{base}/vendor/swagger-ui.css",
            swagger_favicon_url=f"{base}/favicon.svg",
            oauth2_redirect_url=OAUTH2_REDIRECT_URL,
        )

    @app.get(OAUTH2_REDIRECT_URL, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(REDOC_URL, include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{title} — ReDoc",
            redoc_js_url=f"{base}/vendor/redoc.standalone.js",
            redoc_favicon_url=f"{base}/favicon.svg",
            with_google_fonts=False,
        )
