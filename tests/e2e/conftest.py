"""Headless Chromium for the browser tests: one browser per run, a fresh phone per test.

The Debian ``chromium`` binary is used (browser downloads are blocked), found on ``PATH`` or
named by ``SHEQU_CHROMIUM``. Without one the tests are skipped, unless
``SHEQU_REQUIRE_BROWSER=1`` (CI), where a missing browser is a failure.

The fixtures are named ``browser_instance`` and ``phone_page`` so they never clash with the
``browser``/``page`` fixtures of the pytest-playwright plugin.
"""

import os
import shutil
from collections.abc import Iterator
from typing import NoReturn

import pytest
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from pytest_django.live_server_helper import LiveServer

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_VIEWPORT: ViewportSize = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000


def chromium_path() -> str | None:
    """``SHEQU_CHROMIUM`` (a path or a command name) if set, else ``chromium`` on PATH."""
    override = os.environ.get("SHEQU_CHROMIUM", "").strip()
    if override:
        if os.path.isfile(override) and os.access(override, os.X_OK):
            return override
        return shutil.which(override)
    return shutil.which("chromium")


def browser_unavailable(reason: str) -> NoReturn:
    if os.environ.get("SHEQU_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (SHEQU_REQUIRE_BROWSER=1: browser tests may not skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_instance() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        browser_unavailable("no Chromium found: install chromium or set SHEQU_CHROMIUM")
    playwright: Playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    except PlaywrightError as error:
        playwright.stop()
        browser_unavailable(f"Chromium at {executable} did not start: {error}")
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


@pytest.fixture
def phone_page(browser_instance: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh context (no cookies) on a phone-sized screen in Chinese, aimed at the live server.

    ``page.goto("/path/")`` opens the live server; its database is transactional.
    """
    context = browser_instance.new_context(
        base_url=live_server.url,
        viewport=PHONE_VIEWPORT,
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        reduced_motion="reduce",  # Bootstrap then opens the menu without a 350 ms animation
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    # Chromium reports what the Content-Security-Policy blocked on the console: an inline
    # script, handler or style that slipped back into a template fails the test that shows it.
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    try:
        yield page
    finally:
        context.close()
    assert refused == [], "blocked by the Content-Security-Policy"
