"""Fixtures for the browser tests of the chat page (tests/system/browser).

The tests drive Debian's Chromium (/usr/bin/chromium, installed by
scripts/ensure_browser.sh) through Playwright's `executable_path`: Playwright's
own browser download is never used. The `stack` tests run against the running
stack (chat_url and rasa_url, tests/system/conftest.py: the one scripts/test.sh starts,
else one started for the session). When a test fails, a screenshot of every page it
opened (plus the page's text and console) is saved in test-artifacts/browser/.
SAVE_SCREENSHOTS=1 saves them for passing tests too.
"""

import os
import re
from pathlib import Path
from typing import Callable, List

import pytest

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling Google services,
# which floods a closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")  # sync_playwright runs an event loop: end it with this module
def browser(chat_url):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: run scripts/ensure_browser.sh (never `playwright install`)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser, request) -> Callable:
    """new_page(viewport=DESKTOP, **context_options) -> a page in a fresh context
    (empty localStorage, so a new conversation). Console messages and page errors
    are kept on page.her2_console / page.her2_errors."""
    contexts = []
    pages: List = []
    request.node.her2_pages = pages

    def make(viewport=DESKTOP, **options):
        context = browser.new_context(viewport=viewport, **options)
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        page.her2_console = []
        page.her2_errors = []
        page.on("console", lambda msg: page.her2_console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda error: page.her2_errors.append(str(error)))
        pages.append(page)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def _save_artifacts(item, suffix: str) -> None:
    pages = getattr(item, "her2_pages", None) or []
    if not pages:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.name)
    for index, page in enumerate(pages):
        stem = ARTIFACTS / f"{name}{'-' + str(index) if index else ''}{suffix}"
        try:
            page.screenshot(path=f"{stem}.png", full_page=True)
            text = page.locator("body").inner_text(timeout=2_000)
            log = "\n".join(page.her2_console + ["pageerror: " + e for e in page.her2_errors])
            Path(f"{stem}.txt").write_text(
                f"URL: {page.url}\n\n--- page text ---\n{text}\n\n--- console ---\n{log}\n"
            )
        except Exception as error:  # a crashed page must not hide the real failure
            Path(f"{stem}.txt").write_text(f"could not capture the page: {error}\n")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" or (report.when == "setup" and report.failed):
        if report.failed:
            _save_artifacts(item, "-FAILED")
        elif report.when == "call" and os.environ.get("SAVE_SCREENSHOTS") == "1":
            _save_artifacts(item, "")
