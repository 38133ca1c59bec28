"""Browser tests: Chromium driven through Playwright's Python API over a live server.

The browser is Debian's ``chromium`` package (``.ci/run`` installs it when it is missing);
``CHROMIUM_PATH`` names another executable. Each test gets its own browser, because
Playwright's synchronous API runs an event loop in the test's thread for as long as it is
open, and Django refuses database calls from a thread with a running loop unless
``DJANGO_ALLOW_ASYNC_UNSAFE`` is set (for that test only, here).

Screenshots of each step go to ``screenshots/<test name>/`` at the top of the checkout, a
folder git ignores.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def chromium_path() -> str | None:
    return (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


@pytest.fixture
def browser(monkeypatch) -> Iterator[object]:
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium here: install Debian's chromium package (.ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Chromium's sandbox needs user namespaces that a root CI container lacks.
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=args)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
    context.set_default_timeout(15_000)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


@pytest.fixture
def shot(request) -> Callable[[object, str], Path]:
    """``shot(page, "login")`` saves ``screenshots/<test>/01-login.png`` and returns it."""
    folder = SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    taken: list[Path] = []

    def take(page, step: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{len(taken) + 1:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        taken.append(path)
        return path

    return take


def sign_in(page, username: str, password: str = "pass-word-123") -> None:
    """Sign in on the timetable login page as a person would: type, then press Enter."""
    page.goto("/timetable/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(re.compile(r".*/timetable/(?!login).*"))
