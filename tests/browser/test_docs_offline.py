"""``/docs`` (Swagger UI) and ``/redoc`` render in Chromium with every request outside this server refused:
the API documentation works on a machine without internet access."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Live, Watched

#: Hard-coded in redoc.standalone.js (the "API docs by Redocly" footer); it removes the image on error.
REDOC_BRANDING_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def _offline(web: Watched) -> list[str]:
    """Refuse every request that does not go to the test server; return the list of refused URLs."""
    refused: list[str] = []
    web.page.context.route("**/*", lambda r: _handle(r, web.live, refused))
    return refused


def _handle(route: Any, live: Live, refused: list[str]) -> None:
    url = route.request.url
    if url.startswith(live.url) or url.startswith(("data:", "blob:")):
        route.continue_()
    else:
        refused.append(url)
        route.abort()


def test_swagger_ui_renders_offline(web: Watched) -> None:
    refused = _offline(web)
    web.goto("docs")
    web.page.locator(".opblock").first.wait_for()
    assert web.page.locator(".opblock").count() > 20
    assert "Yuqing API" in web.page.locator(".info .title").inner_text()
    web.screenshot("docs-offline")
    assert refused == []


def test_redoc_renders_offline(web: Watched) -> None:
    refused = _offline(web)
    web.goto("redoc")
    web.page.get_by_role("heading", name="Yuqing API").first.wait_for()
    web.page.locator("[data-section-id]").first.wait_for()
    web.screenshot("redoc-offline")
    # ReDoc's footer always asks for its maker's logo and hides the image when that fails; nothing else may
    # leave the machine, and the page above rendered with that request refused.
    assert set(refused) <= {REDOC_BRANDING_LOGO}
