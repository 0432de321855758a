"""The pages in a real browser (headless Chromium driven by Playwright): mobile layout at
360 px, htmx swaps, ECharts drawing, and URLs free of full ID numbers.

A real server is started on a throwaway SQLite database filled by the demo generator
(`tiny` scale) — not the test database, whose transaction a server thread could not see.
Debian's Chromium is used (/usr/bin/chromium); without it these tests are skipped, except
in CI (CI=true), where .ci/run installs it and a missing browser is a failure.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.support import (
    SKIP_REASON_NO_CHROMIUM,
    SKIP_REASON_POSTGRES,
    chromium_missing,
    manage,
    no_sideways_scroll,
    on_postgres,
    prepare_var,
    running_server,
)

PASSWORD = "Demo@2026"

pytestmark = [
    pytest.mark.skipif(chromium_missing(), reason=SKIP_REASON_NO_CHROMIUM),
    pytest.mark.skipif(on_postgres(), reason=SKIP_REASON_POSTGRES),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory, static_files):
    env = prepare_var(tmp_path_factory.mktemp("browser-var"), static_files)
    manage(env, "demo_generate", "--scale", "tiny", "--seed", "7")
    with running_server(env) as base:
        yield {"base": base, "env": env}


def _logged_in(browser, server, username: str, width: int, height: int = 760):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(server["base"] + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def test_a_cadre_reads_their_archive_on_a_360px_phone(browser, server):
    page = _logged_in(browser, server, "cadre", 360)
    assert page.url.endswith("/learn/")
    assert no_sideways_scroll(page)
    page.click("text=查看我的档案")
    page.wait_for_load_state("networkidle")
    assert no_sideways_scroll(page)
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
    assert no_sideways_scroll(page)
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


OPEN_SURVEY = """
import datetime as dt
from django.utils import timezone
from ganxun.access.models import Account
from ganxun.planning import services
from ganxun.testing import with_role
admin = with_role(Account.objects.get(username="county_admin"))
survey = services.survey_create(actor=admin, title="浏览器测试调研", audience_root=admin.active_role.scope,
                                closes_on=timezone.localdate() + dt.timedelta(days=7))
services.question_add(actor=admin, survey=survey, kind="topics", text="最想参加的培训内容", max_choices=2)
services.survey_open(actor=admin, survey=survey)
print(survey.pk)
"""


def test_a_question_with_a_maximum_stops_further_ticks_on_the_phone(browser, server):
    survey_id = manage(server["env"], "shell", "-c", OPEN_SURVEY).strip().splitlines()[-1]
    page = _logged_in(browser, server, "cadre", 360)
    page.goto(f"{server['base']}/learn/surveys/{survey_id}/")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    boxes = page.locator("[data-max-choices] input[type=checkbox]")
    assert boxes.count() > 2
    boxes.nth(0).check()
    boxes.nth(1).check()
    assert page.locator("[data-choice-count]").inner_text() == "已选 2/2 项"
    assert boxes.nth(2).is_disabled()
    boxes.nth(0).uncheck()
    assert not boxes.nth(2).is_disabled()
    assert no_sideways_scroll(page)


def test_a_survey_named_list_is_picked_by_searching_names(browser, server):
    page = _logged_in(browser, server, "county_admin", 1280)
    page.goto(f"{server['base']}/manage/surveys/new/")
    page.fill("#id_title", "点名调研（浏览器测试）")
    page.fill("#id_closes_on", "2099-12-31")
    page.select_option("#id_audience_root", index=1)
    page.fill("#named-search", "李")
    page.wait_for_selector("#named-found [data-add-cadre]")
    first = page.locator("#named-found [data-add-cadre]").first
    name = first.get_attribute("data-label")
    first.click()
    page.press("#named-search", "Enter")  # Enter searches; it must not submit the form
    assert page.url.endswith("/manage/surveys/new/")
    assert page.locator("#named-chips .named-chip").count() == 1
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/manage/surveys/" in page.url and not page.url.endswith("/new/")
    assert name in page.content()
