"""``/docs`` and ``/redoc`` load everything from this server: no CDN, no web font, so they work offline."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.resources import Resources
from config.loader import parse_config
from config.settings import Settings
from tests.factories import BRANDS_YAML

REFERENCE = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']|\burl\s*:\s*["']([^"']+)["']""")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path,
        config=tmp_path / "c.yaml",
        database_url=f"sqlite:///{(tmp_path / 'y.sqlite3').as_posix()}",
        mention_store_url=f"sqlite:///{(tmp_path / 'm.sqlite3').as_posix()}",
        api_keys=["docs-test-key-0123456789"],
    )
    resources = Resources.open(settings, parse_config(BRANDS_YAML))
    try:
        with TestClient(create_app(resources)) as c:
            yield c
    finally:
        resources.close()


def references(html: str) -> list[str]:
    found = [a or b for a, b in REFERENCE.findall(html)]
    return [ref for ref in found if ref]


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("/docs", {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.svg", "openapi.json"}),
        ("/redoc", {"redoc.standalone.js", "favicon.svg", "openapi.json"}),
    ],
)
def test_doc_pages_load_only_local_files(client: TestClient, page: str, expected: set[str]) -> None:
    response = client.get(page)
    assert response.status_code == 200
    html = response.text
    assert "cdn" not in html.lower() and "googleapis" not in html and "//" not in html.replace("://", "")
    refs = references(html)
    names = {ref.rsplit("/", 1)[-1] for ref in refs}
    assert expected <= names, refs
    for ref in refs:
        assert ref.startswith("/"), f"{page} loads {ref} from elsewhere"
        asset = client.get(ref)
        assert asset.status_code == 200, ref
        assert len(asset.content) > 100, ref
    assets = [ref for ref in refs if ref.endswith((".js", ".css"))]
    assert assets and all(ref.startswith("/static/") for ref in assets)


def test_the_swagger_bundle_is_the_real_library(client: TestClient) -> None:
    page = client.get("/docs").text
    js = next(ref for ref in references(page) if ref.endswith("swagger-ui-bundle.js"))
    body = client.get(js)
    assert body.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert "SwaggerUIBundle" in body.text and len(body.content) > 1_000_000


def test_oauth2_redirect_page_is_served(client: TestClient) -> None:
    response = client.get("/docs/oauth2-redirect")
    assert response.status_code == 200 and "oauth2" in response.text.lower()


def test_doc_pages_are_not_in_the_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not {"/docs", "/redoc", "/docs/oauth2-redirect"} & set(paths)
