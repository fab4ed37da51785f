"""The dashboard's files: served at ``/`` with versioned, cacheable assets and strict security headers, while
``/docs``, ``/api/v1`` and ``/healthz`` keep working."""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dashboard.web import CONTENT_SECURITY_POLICY, STATIC_DIR, assets_version
from tickets.workflow import TRANSITIONS

JS_DIR = STATIC_DIR / "js"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """Serving files does not depend on the database: SQLite only."""
    return f"sqlite:///{(tmp_path / 'yuqing.sqlite3').as_posix()}"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


def page(client: TestClient) -> _Tags:
    parser = _Tags()
    parser.feed(client.get("/").text)
    return parser


def test_the_page_is_served_at_the_root_with_strict_security_headers(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert csp == CONTENT_SECURITY_POLICY
    directives = dict(d.split(" ", 1) for d in csp.split("; "))
    assert directives["script-src"] == "'self'" and "unsafe" not in csp
    assert directives["frame-ancestors"] == "'none'" and directives["default-src"] == "'none'"
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-cache"


def test_the_page_has_no_inline_script_or_style_and_versioned_assets(client: TestClient) -> None:
    parsed = page(client)
    assert parsed.inline_scripts == []
    version = assets_version()
    scripts = [attrs for tag, attrs in parsed.tags if tag == "script"]
    assert {a.get("type") for a in scripts} == {None, "module"}
    for tag, attrs in parsed.tags:
        assert tag != "style" and "style" not in attrs, f"inline style on <{tag}>"
        assert not any(name.startswith("on") for name in attrs), f"event handler attribute on <{tag}>"
        for name in ("src", "href"):
            if attrs.get(name):
                assert attrs[name].startswith(f"/static/{version}/"), attrs
    assert "%ASSETS%" not in client.get("/").text


def test_assets_are_cached_for_a_year_under_their_version(client: TestClient) -> None:
    version = assets_version()
    for path, media_type in (
        ("js/main.js", "javascript"),
        ("app.css", "text/css"),
        ("vendor/echarts.min.js", "javascript"),
        ("favicon.svg", "image/svg+xml"),
    ):
        response = client.get(f"/static/{version}/{path}")
        assert response.status_code == 200, path
        assert media_type in response.headers["content-type"]
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.content == (STATIC_DIR / path).read_bytes()
        again = client.get(f"/static/{version}/{path}", headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304 and again.headers["cache-control"].startswith("public")


def test_a_page_from_before_an_upgrade_gets_todays_files_uncached(client: TestClient) -> None:
    response = client.get("/static/0123456789ab/js/main.js")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    "path",
    [
        "/static/{v}/js/nothing.js",
        "/static/{v}/",
        "/static/{v}",
        "/static/{v}/../../api/deps.py",
        "/static/{v}/%2e%2e/%2e%2e/api/deps.py",
        "/static/{v}/.hidden",
    ],
)
def test_missing_files_are_a_json_404(client: TestClient, path: str) -> None:
    response = client.get(path.format(v=assets_version()))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_large_assets_are_compressed(client: TestClient) -> None:
    response = client.get(f"/static/{assets_version()}/vendor/echarts.min.js", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert len(response.content) == (STATIC_DIR / "vendor/echarts.min.js").stat().st_size  # decoded by httpx


def test_the_version_follows_the_content(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text("1")
    first = assets_version(tmp_path)
    assets_version.cache_clear()
    (tmp_path / "a.js").write_text("2")
    assert assets_version(tmp_path) != first
    assets_version.cache_clear()


def test_meta_carries_the_workflow_of_the_server(client: TestClient) -> None:
    meta = client.get("/meta.json").json()
    assert meta["transitions"] == {s.value: sorted(t.value for t in TRANSITIONS[s]) for s in TRANSITIONS}
    assert "waiting_customer" in meta["open_statuses"] and "closed" not in meta["open_statuses"]
    assert meta["priorities"] == ["urgent", "major", "general", "suggestion"]
    assert "negative" in meta["sentiments"]


def test_docs_api_and_health_still_work(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert "content-security-policy" not in docs.headers, "Swagger UI runs inline scripts"
    assert docs.headers["x-content-type-options"] == "nosniff"
    schema = client.get("/openapi.json").json()
    assert "/api/v1/session" in schema["paths"] and "/" not in schema["paths"] and "/meta.json" not in schema["paths"]
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    api = client.get("/api/v1/tickets")
    assert api.status_code == 401 and api.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_module_imports_point_at_files_that_exist() -> None:
    imports = re.compile(r"""(?:^|\n)\s*import\s+(?:[^"']+\s+from\s+)?["']([^"']+)["']""")
    files = sorted(JS_DIR.rglob("*.js"))
    assert len(files) >= 8
    for path in files:
        for target in imports.findall(path.read_text(encoding="utf-8")):
            assert target.startswith("."), f"{path.name}: {target} is not a relative module (no build step here)"
            assert (path.parent / target).resolve().is_file(), f"{path.name} imports missing {target}"


# Crawled text is hostile: the pages build the DOM with textContent. These would parse strings as markup or
# code; the one place that parses markup (the server's highlight fragments) uses DOMParser and copies text.
_DANGEROUS = re.compile(
    r"\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\(\s*[\"']on"
)


def test_no_script_of_ours_turns_strings_into_markup_or_code() -> None:
    for path in sorted(JS_DIR.rglob("*.js")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not _DANGEROUS.search(line), f"{path.relative_to(STATIC_DIR)}:{number}: {line.strip()}"


def test_the_vendored_echarts_is_the_one_recorded() -> None:
    readme = (STATIC_DIR / "vendor" / "README.md").read_text(encoding="utf-8")
    for name in ("echarts.min.js", "echarts-LICENSE.txt", "echarts-NOTICE.txt", "echarts-LICENSE-d3.txt"):
        digest = hashlib.sha256((STATIC_DIR / "vendor" / name).read_bytes()).hexdigest()
        assert f"`{name}`" in readme and digest in readme, name
