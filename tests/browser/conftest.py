"""The dashboard in a real browser: the app served by uvicorn on a loopback port over seeded embedded stores,
driven by Playwright in Debian's headless Chromium (``/usr/bin/chromium``; ``YUQING_TEST_CHROMIUM`` to use
another). Without the browser the tests skip with the reason; under CI (``CI=true``) that is a failure.

One server and one browser serve all the tests of this package; each test gets a fresh browser context (no
cookies), so tests do not depend on each other. Package scope, not session: Playwright's sync API keeps an
asyncio loop running in this thread until it stops, which would break the later tests that call
``asyncio.run``. Every page is watched: an uncaught script error, a Content-Security-Policy
violation or a JavaScript dialog (``alert()`` from a hostile post) fails the test.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from tests.browser.seed import Seeded, seed
from tests.conftest import unavailable

CHROMIUM = os.environ.get("YUQING_TEST_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


@dataclass
class Live:
    url: str
    seeded: Seeded


@pytest.fixture(scope="package")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The real app under uvicorn in a background thread, on a free loopback port."""
    import uvicorn

    seeded = seed(tmp_path_factory.mktemp("browser-stores"))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(seeded.resources), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield Live(f"http://127.0.0.1:{port}", seeded)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        seeded.resources.close()


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One headless Chromium for the package's tests."""
    if not Path(CHROMIUM).is_file():
        unavailable(
            f"Chromium not found at {CHROMIUM}: install it (apt-get install chromium) or set YUQING_TEST_CHROMIUM "
            "to a Chromium or Chrome binary"
        )
    from playwright.sync_api import Error, sync_playwright

    playwright = sync_playwright().start()
    try:
        try:
            instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        except Error as exc:
            unavailable(f"Chromium at {CHROMIUM} does not start: {exc.message.splitlines()[0]}")
            raise
        yield instance
        instance.close()
    finally:
        playwright.stop()


@dataclass
class Watched:
    """A page and what went wrong on it."""

    page: Any
    live: Live
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def goto(self, route: str = "") -> None:
        self.page.goto(f"{self.live.url}/{route}")

    def login(self, key: str | None = None) -> None:
        self.goto()
        self.page.get_by_test_id("login-key").fill(key or self.live.seeded.admin_key)
        self.page.get_by_test_id("login-submit").click()
        self.page.get_by_test_id("whoami").wait_for()

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def _watch(page: Any, live: Live) -> Watched:
    watched = Watched(page, live)
    page.on("pageerror", lambda exc: watched.errors.append(f"uncaught: {exc}"))

    def console(message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            watched.errors.append(f"CSP: {message.text}")
        elif message.type == "error" and message.text.startswith("yuqing: unexpected error"):
            watched.errors.append(message.text)  # an error the page caught and showed, but no page should have

    def dialog(d: Any) -> None:
        watched.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    page.on("console", console)
    page.on("dialog", dialog)
    return watched


def _forget_languages(live: Live) -> None:
    """Each test starts from the browser's language: a language an earlier test kept on a user (the switch
    saves it) would otherwise win over the page's locale and leak from one test into the next."""
    users = live.seeded.resources.users
    for user in users.all():
        if user.language is not None:
            users.update(user.id, {"language": None}, actor="test")


def _page(browser: Any, live: Live, locale: str) -> Iterator[Watched]:
    _forget_languages(live)
    context = browser.new_context(locale=locale, viewport={"width": 1400, "height": 950})
    context.set_default_timeout(10_000)
    watched = _watch(context.new_page(), live)
    try:
        yield watched
        assert watched.dialogs == [], "a dialog opened: some text ran as script"
        assert watched.errors == []
    finally:
        context.close()


@pytest.fixture
def web(browser: Any, live: Live) -> Iterator[Watched]:
    """A fresh page in a browser that prefers English."""
    yield from _page(browser, live, "en-US")


@pytest.fixture
def web_zh(browser: Any, live: Live) -> Iterator[Watched]:
    """A fresh page in a browser that prefers Chinese."""
    yield from _page(browser, live, "zh-CN")
