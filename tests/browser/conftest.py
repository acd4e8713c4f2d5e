"""Playwright against Debian's Chromium and a live Django server holding the demo college.

Every request a page makes is recorded, so tests can assert that nothing leaves the machine.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run in a
# thread with a running loop unless told that this is deliberate (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"
DEMO_PASSWORD = "Rectify-2021"

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items: list[Any]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install the Debian package 'chromium'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


class Session:
    """One signed-in browser context, with every request URL it made."""

    def __init__(
        self, browser: Any, base_url: str, *, width: int = 1366, height: int = 900
    ) -> None:
        self.base_url = base_url
        self.requests: list[str] = []
        self.context = browser.new_context(
            viewport={"width": width, "height": height}, locale="zh-CN", base_url=base_url
        )
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)

    def login(self, username: str, password: str = DEMO_PASSWORD) -> Any:
        page = self.page
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("[data-testid=login-submit]")
        page.wait_for_load_state("networkidle")
        return page

    def foreign_requests(self) -> list[str]:
        host = urlparse(self.base_url).netloc
        return [
            u
            for u in self.requests
            if not u.startswith(("data:", "blob:")) and urlparse(u).netloc != host
        ]

    def screenshot(self, name: str) -> Path:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        path = OUTPUT / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def session_factory(browser: Any, live_server: Any, transactional_db: Any) -> Iterator[Any]:
    from conftest import load_demo
    from organization.models import Organization

    if not Organization.objects.exists():
        load_demo()
    sessions: list[Session] = []

    def make(**kwargs: Any) -> Session:
        s = Session(browser, live_server.url, **kwargs)
        sessions.append(s)
        return s

    yield make
    for s in sessions:
        s.close()
    _wait_for_requests_in_flight()


def _wait_for_requests_in_flight(timeout: float = 10.0) -> None:
    """Let the live server finish what closed pages asked last (a search box's late request,
    say): the test database is emptied next, and SQLite refuses to drop a table while
    another thread still reads it ("database table is locked")."""
    import threading
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = [t for t in threading.enumerate() if "process_request_thread" in t.name]
        if not busy:
            return
        time.sleep(0.05)
