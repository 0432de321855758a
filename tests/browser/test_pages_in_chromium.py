"""The pages in a real browser (headless Chromium driven by Playwright): mobile layout at
360 px, htmx swaps, ECharts drawing, and URLs free of full ID numbers.

A real server is started on a throwaway SQLite database filled by the demo generator
(`tiny` scale) — not the test database, whose transaction a server thread could not see.
Debian's Chromium is used (/usr/bin/chromium); without it these tests are skipped, except
in CI (CI=true), where .ci/run installs it and a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PASSWORD = "Demo@2026"

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None and os.environ.get("CI") != "true",
        reason="Chromium is not installed (apt-get install chromium); CI installs it",
    ),
    # One run is enough: the server uses its own SQLite file whichever database the suite runs on.
    pytest.mark.skipif(bool(os.environ.get("GANXUN_DATABASE_URL")), reason="browser tests run in the SQLite pass"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    var = tmp_path_factory.mktemp("browser-var")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GANXUN_")}
    env.update(GANXUN_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="ganxun.settings", PYTHONPATH=str(ROOT))
    run = [sys.executable, "-m", "ganxun"]
    for command in (["migrate", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"],
                    ["demo_generate", "--scale", "tiny", "--seed", "7"]):
        subprocess.run(run + command, env=env, cwd=ROOT, check=True, capture_output=True, timeout=300)
    port = _free_port()
    process = subprocess.Popen(run + ["runserver", "--noreload", f"127.0.0.1:{port}"], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not start")
        yield {"base": base, "env": env}
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "Chromium is required in CI"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync",
        ])
        yield chromium
        chromium.close()


def _logged_in(browser, server, username: str, width: int, height: int = 760):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(server["base"] + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_cadre_reads_their_archive_on_a_360px_phone(browser, server):
    page = _logged_in(browser, server, "cadre", 360)
    assert page.url.endswith("/learn/")
    assert _no_sideways_scroll(page)
    page.click("text=查看我的档案")
    page.wait_for_load_state("networkidle")
    assert _no_sideways_scroll(page)
    identity = page.locator("#own-identity")
    masked = identity.locator("dd").first.inner_text()
    assert re.fullmatch(r"\d{3}\*{11}[\dX]{4}", masked)
    page.click("text=显示完整号码")  # htmx swaps in the full values
    page.wait_for_function("!document.querySelector('#own-identity').innerText.includes('*****')")
    assert re.search(r"\d{17}[\dX]", identity.inner_text())
    assert page.locator(".learner-tabs a.active").inner_text().strip() == "我的档案"


def test_a_search_by_id_number_keeps_the_number_out_of_the_address_bar(browser, server):
    page = _logged_in(browser, server, "county_admin", 360)
    page.goto(server["base"] + "/manage/people/cadres/")
    assert _no_sideways_scroll(page)
    first = page.locator("tbody tr td a").first
    name = first.inner_text().strip()
    first.click()
    page.wait_for_load_state("networkidle")
    page.click("text=显示完整信息")
    page.wait_for_function("document.body.innerText.match(/\\d{17}[\\dX]/)")
    number = re.search(r"\d{17}[\dX]", page.inner_text("body")).group(0)
    page.goto(server["base"] + "/manage/people/cadres/")
    page.fill("input[name=q]", number)
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state("networkidle")
    assert number not in page.url and "qh=" in page.url
    rows = page.locator("tbody tr")
    assert rows.count() == 1 and name in rows.first.inner_text()


def test_the_dashboard_draws_its_charts(browser, server):
    page = _logged_in(browser, server, "county_admin", 1280)
    page.wait_for_selector("#chart-rank canvas", timeout=5000)
    for chart in ("chart-rank", "chart-category", "chart-age"):
        assert page.evaluate(f"!!echarts.getInstanceByDom(document.getElementById('{chart}'))")


def test_the_organisation_tree_expands_with_htmx(browser, server):
    page = _logged_in(browser, server, "county_admin", 1280)
    page.goto(server["base"] + "/manage/org/")
    before = page.locator(".tree li").count()
    page.locator(".tree [hx-get]").first.click()
    page.wait_for_function(f"document.querySelectorAll('.tree li').length > {before}")
    assert page.locator(".tree li").count() > before
