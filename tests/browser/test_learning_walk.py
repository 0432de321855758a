"""Online learning end to end in a real browser (issue 4), on a 360 px phone: a cadre searches the
course catalogue, studies a course to completion, passes its test, and sees the hours on the
learner home.

The server runs on its own throwaway var dir (SQLite file), filled by learning_walk_data.py with
the persona cast and a one-minute document course with its test, built through the real
services. Study credit is wall-clock time decided by the server from the study page's
heartbeats (learning.rules), so the walk really studies: the server is started with a 2 s
heartbeat (GANXUN_STUDY_HEARTBEAT_SECONDS) instead of 30 s, and the one-minute course completes
at 90 % — 54 credited seconds, under a minute of real time.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.support import (
    SKIP_REASON_NO_CHROMIUM,
    SKIP_REASON_POSTGRES,
    chromium_missing,
    no_sideways_scroll,
    on_postgres,
    prepare_var,
    run_json,
    running_server,
)

pytestmark = [
    pytest.mark.skipif(chromium_missing(), reason=SKIP_REASON_NO_CHROMIUM),
    pytest.mark.skipif(on_postgres(), reason=SKIP_REASON_POSTGRES),
]

DATA_SCRIPT = str(Path(__file__).with_name("learning_walk_data.py"))
WAIT_MS = 20_000  # generous for a loaded CI machine; every wait ends as soon as its condition holds
HEARTBEAT_SECONDS = 2
# The server's study settings: a heartbeat every 2 s; a gap of more than 6 s counts as idle.
STUDY_ENV = {"GANXUN_STUDY_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS), "GANXUN_STUDY_MAX_GAP_SECONDS": "6"}
PHONE = {
    "viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Mobile Safari/537.36",
}
SUCCESS_MESSAGE = ".alert-success[role=alert]"  # the flash message after a form (includes/messages.html)


def card_hours(hours: Decimal) -> str:
    """Hours as the learner home's card prints them (the `hours` filter: 0.75 stays 0.75)."""
    from ganxun.core.templatetags.hours import format_hours

    return format_hours(hours)


class Walk:
    def __init__(self, base: str, data: dict):
        self.base, self.data = base, data
        self.page = None
        self.shots: Path | None = None
        self.log: list[str] = []

    def url(self, path: str) -> str:
        return self.base + path

    def log_in(self, browser):
        """A phone-sized browser context logged in as the cadre through the log-in page."""
        context = browser.new_context(**PHONE)
        context.set_default_timeout(WAIT_MS)
        page = self.page = context.new_page()
        page.on("console", lambda message: self.log.append(f"console {message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.log.append(f"page error: {error}"))
        page.on("response", lambda response: self.log.append(f"{response.status} {response.request.method} "
                                                             f"{urlsplit(response.url).path}")
                if "/api/" in response.url else None)
        page.goto(self.url("/login/"))
        page.fill("#id_username", self.data["cadre"])
        page.fill("#id_password", self.data["password"])
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)
        return page

    def assert_fits(self, what: str) -> None:
        assert no_sideways_scroll(self.page), f"{what} scrolls sideways at 360 px"

    @contextmanager
    def step(self, name: str):
        """A step of the walk: on failure, a screenshot of the page and the browser log are named
        in the error."""
        try:
            yield
        except Exception as exc:
            note = f"learning walk step “{name}” failed"
            if self.page is not None:
                try:
                    path = self.shots / f"{name.split()[0]}-cadre.png"
                    self.page.screenshot(path=str(path), full_page=True)
                    note += f" at {self.page.url}; screenshot {path}"
                except Exception:  # noqa: BLE001 — a closed page has nothing more to show
                    pass
            exc.add_note(note + ("\nbrowser log (last 40):\n" + "\n".join(self.log[-40:]) if self.log else ""))
            raise


@pytest.fixture(scope="module")
def walk(tmp_path_factory, static_files, playwright_driver):
    env = prepare_var(tmp_path_factory.mktemp("learning-walk-var"), static_files)
    env.update(STUDY_ENV)
    data = run_json(env, DATA_SCRIPT, "setup")
    with running_server(env) as base:
        yield Walk(base, data)


def test_a_cadre_finds_a_course_studies_it_passes_its_test_and_sees_the_hours_at_home(walk, browser, tmp_path):
    from playwright.sync_api import expect

    data = walk.data
    walk.shots = tmp_path
    title, course_id = data["course_title"], data["course_id"]
    course_hours, bonus = Decimal(data["course_hours"]), Decimal(data["test_bonus_hours"])
    # The default rule: a course under 15 minutes earns 0.25 h, passing its test 0.5 h more.
    assert (course_hours, bonus) == (Decimal("0.25"), Decimal("0.5")), "the default conversion rule changed"
    required = data["required_seconds"]
    assert required == 54, "a one-minute course completes at 90 %: 54 credited seconds"

    with walk.step("1 log-in-to-the-learner-home"):
        cadre = walk.log_in(browser)
        assert urlsplit(cadre.url).path == "/learn/", f"the cadre landed on {cadre.url}"
        expect(cadre.locator("#learn-year-hours"), "no hours yet this year").to_have_text("0")
        walk.assert_fits("the learner home")

    with walk.step("2 search-the-catalogue"):
        cadre.locator(".learner-tabs").get_by_role("link", name="网络学习").click()
        cadre.wait_for_url(re.compile(r"/learn/courses/$"))
        walk.assert_fits("the catalogue")
        cadre.get_by_role("searchbox", name="搜索课程").fill(data["search_word"])
        cadre.get_by_role("button", name="搜索").click()
        cadre.wait_for_url(re.compile(r"/learn/courses/\?.*q="))
        results = cadre.locator("a.card-link[href^='/learn/courses/']")
        expect(results, "the search finds the one course").to_have_count(1)
        expect(results.first).to_contain_text(title)
        walk.assert_fits("the catalogue's results")

    with walk.step("3 study-to-completion"):
        results.first.click()
        cadre.wait_for_url(re.compile(rf"/learn/courses/{course_id}/$"))
        expect(cadre.locator("h1"), "the study page of the course").to_have_text(title)
        expect(cadre.locator("#study-doc"), "the document is shown").to_be_visible()
        expect(cadre.locator("#test-locked")).to_have_count(0)
        walk.assert_fits("the study page")
        # The page reports a heartbeat every 2 s; the server credits the time and says when the
        # course is complete. 54 s of credit take 27 heartbeats: wait well beyond that.
        status = cadre.locator("#study-status")
        expect(status, "the server credits the study time").to_contain_text(
            re.compile(r"已认定 [1-9]\d* 秒，完成需 54 秒"), timeout=WAIT_MS)
        expect(status, "the server completes the course").to_have_text(
            "已完成本课程，学时已记入培训档案。", timeout=(required + 60) * 1000)
        expect(cadre.locator("#study-percent")).to_have_text("100%")
        assert not cadre.locator("#study-notice").is_visible(), (
            f"the study page warns: {cadre.locator('#study-notice').inner_text()}")
        walk.assert_fits("the completed study page")

    with walk.step("4 my-courses-shows-the-course-hours"):
        cadre.reload()
        expect(cadre.locator("#study-status"), "the completion is kept").to_contain_text(
            f"已完成，折算 {course_hours.normalize()} 学时")
        cadre.goto(walk.url("/learn/courses/mine/"))
        expect(cadre.locator("#mine-hours"), "the course's own hours, exactly").to_have_text(
            str(course_hours.normalize()))
        walk.assert_fits("my courses")

    with walk.step("5 pass-the-course-test"):
        cadre.goto(walk.url(f"/learn/courses/{course_id}/"))
        cadre.locator("#coursework-links").get_by_role("link", name="课程测试").click()
        cadre.wait_for_url(re.compile(rf"/learn/courses/{course_id}/test/$"))
        walk.assert_fits("the test page")
        cadre.get_by_role("button", name="开始测试").click()
        cadre.wait_for_url(re.compile(r"/learn/test-attempts/\d+/$"))
        questions = cadre.locator("#paper fieldset")
        expect(questions, "every question of the bank is drawn").to_have_count(len(data["questions"]))
        walk.assert_fits("the test paper")
        for question in data["questions"]:
            fieldset = cadre.locator("#paper fieldset", has_text=question["stem"])
            for text in question["correct"]:
                fieldset.locator("label.form-check", has=cadre.locator(".form-check-label", has_text=re.compile(
                    rf"^([A-H]\. )?{re.escape(text)}$"))).click()
        cadre.get_by_role("button", name="交卷").click()
        expect(cadre.locator(SUCCESS_MESSAGE), "the submission is confirmed").to_contain_text("恭喜，测试通过！")
        expect(cadre.locator("#score"), "every answer is right").to_have_text("100.0 分")
        expect(cadre.locator(".card-body .badge.bg-green"), "the result is a pass").to_have_text("通过")
        walk.assert_fits("the test result")

    with walk.step("6 the-hours-on-the-learner-home"):
        cadre.locator(".learner-tabs").get_by_role("link", name="首页").click()
        cadre.wait_for_url(re.compile(r"/learn/$"))
        # The year's hours: the course's 0.25 h and the test's 0.5 h (the card prints one decimal).
        expect(cadre.locator("#learn-year-hours"), "the year's hours card counts the course and its test").to_have_text(
            card_hours(course_hours + bonus))
        walk.assert_fits("the learner home")
