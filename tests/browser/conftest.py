"""Headless Chromium (Debian's ``chromium``) driven by Playwright for Python, against a real
``dpv-almi serve`` on 127.0.0.1.  Playwright's own browser downloads are never used: the system
browser is started by ``executable_path``.  Every request to anything but the test server is
aborted and recorded, so a page that reaches for the internet fails its test.  Screenshots go to
``test-artifacts/browser/`` (gitignored)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.local_service import running_service

CHROMIUM = os.environ.get("DPV_ALMI_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


@pytest.fixture(scope="module")
def browser_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``dpv-almi serve`` (uvicorn) on a free port; its log is kept beside the screenshots."""
    with running_service(tmp_path_factory.mktemp("browser-server"), env={"DPV_ALMI_WORKERS": "2"}) as service:
        yield service.url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Module-scoped on purpose: Playwright's sync API keeps an event loop running in the main
    thread while it is open, and later tests that call ``asyncio.run()`` would fail."""
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield instance
        instance.close()


class Page:
    """A Playwright page that refuses and records requests leaving the test server, and collects
    console errors (a CSP violation is one)."""

    def __init__(self, page: object, base: str) -> None:
        self.page = page
        self.base = base
        self.outside: list[str] = []
        self.errors: list[str] = []
        host = urlsplit(base).netloc

        def route(route: object) -> None:
            url = route.request.url  # type: ignore[attr-defined]
            if urlsplit(url).netloc == host or url.startswith(("data:", "blob:")):
                route.continue_()  # type: ignore[attr-defined]
            else:
                self.outside.append(url)
                route.abort()  # type: ignore[attr-defined]

        page.route("**/*", route)  # type: ignore[attr-defined]
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
        page.on("pageerror", lambda e: self.errors.append(str(e)))  # type: ignore[attr-defined]

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)  # type: ignore[attr-defined]


@pytest.fixture
def page(browser: object, browser_server: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")  # type: ignore[attr-defined]
    wrapped = Page(context.new_page(), browser_server)
    yield wrapped
    context.close()
    assert wrapped.outside == [], f"the page reached outside the service: {wrapped.outside}"
