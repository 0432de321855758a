"""Fixtures of the browser tests (helpers in support.py)."""

from __future__ import annotations

import pytest

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, collect_static


@pytest.fixture(scope="session")
def static_files(tmp_path_factory):
    """The collected static files, shared by the servers of this worker's browser test modules."""
    return collect_static(tmp_path_factory.mktemp("browser-static"))


@pytest.fixture(scope="module")
def playwright_driver():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "Chromium is required in CI"
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(playwright_driver):
    chromium = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
