"""The learner's home: hours against the pro-rated yearly requirement, continue learning,
required courses not yet done, and the cards other apps register."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils.html import format_html

from ganxun.access.roles import Role
from ganxun.learning import home
from ganxun.learning.models import StudyProgress
from ganxun.learning.tests.helpers import Player, make_course
from ganxun.portal.selectors import yearly_hours
from ganxun.testing import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_it_pro_rates_the_yearly_requirement_by_the_day_of_the_year(settings):
    settings.GANXUN_YEARLY_HOURS_REQUIRED = 50
    assert yearly_hours(Decimal("0"), today=dt.date(2025, 12, 31)).due == Decimal("50.0")
    mid = yearly_hours(Decimal("20"), today=dt.date(2025, 7, 2))  # day 183 of 365
    assert mid.due == Decimal("25.1") and not mid.on_track and mid.shortfall == Decimal("5.1")
    assert mid.percent == 40 and mid.due_percent == 50
    leap = yearly_hours(Decimal("30"), today=dt.date(2024, 7, 2))  # day 184 of 366
    assert leap.due == Decimal("25.1") and leap.on_track and leap.shortfall == 0


def test_the_home_shows_hours_against_the_requirement_so_far(cast, login, settings):
    settings.GANXUN_YEARLY_HOURS_REQUIRED = 50
    page = login(cast.carol).get("/learn/").text
    assert 'id="learn-year-hours-card"' in page and "全年 50 学时" in page
    assert "按进度应达" in page


def test_the_hours_card_keeps_quarter_hours(cast, login):
    """A 1-minute course earns 0.25 h: the card says 0.25, not a rounded 0.3."""
    finished = make_course(cast, title="微课", minutes=1)
    Player(cast.carol, finished).play(3)
    assert StudyProgress.objects.get(course=finished).credit_hours == Decimal("0.25")
    page = login(cast.carol).get("/learn/").text
    assert '<span id="learn-year-hours">0.25</span>' in page


def test_the_home_lists_courses_to_continue_most_recent_first_and_leaves_out_completed_ones(cast, login):
    older = make_course(cast, title="较早学的课程")
    newer = make_course(cast, title="最近学的课程")
    finished = make_course(cast, title="已学完的课程", minutes=1)
    Player(cast.carol, older).beat()
    Player(cast.carol, newer, start=1000).beat()
    Player(cast.carol, finished, start=2000).play(3)
    assert StudyProgress.objects.get(course=finished).completed_at is not None
    page = login(cast.carol).get("/learn/").text
    card = page[page.index('id="continue-learning-card"'):page.index('id="required-courses-card"')]
    assert card.index("最近学的课程") < card.index("较早学的课程")
    assert "已学完的课程" not in card and "5%" in card  # 30 s of 540 s needed


def test_the_home_lists_required_courses_not_yet_completed(cast, login):
    make_course(cast, title="党章党规必修", is_required=True)
    done = make_course(cast, title="已完成必修", is_required=True, minutes=1)
    make_course(cast, title="选修课程", series="经济管理")
    make_course(cast, title="草稿必修", is_required=True, published=False)
    Player(cast.carol, done).play(3)
    page = login(cast.carol).get("/learn/").text
    card = page[page.index('id="required-courses-card"'):]
    assert "党章党规必修" in card and "1 门未完成" in card
    assert "已完成必修" not in card and "选修课程" not in card and "草稿必修" not in card


def test_the_home_shows_no_courses_from_outside_the_learners_reach(cast, login):
    make_course(cast, title="西山县必修", is_required=True, owner=cast.org_dept_b, actor=cast.charlie)
    assert "西山县必修" not in login(cast.carol).get("/learn/").text


def test_a_registered_home_panel_shows_on_the_home_and_an_empty_one_does_not(cast, login):
    home.register_home_panel("test-panel", order=250,
                             render=lambda request: format_html('<div id="test-panel">{}</div>', request.user.username))
    home.register_home_panel("test-plain", order=255, render=lambda request: "<b>plain</b>")
    home.register_home_panel("test-empty", order=260, render=lambda request: "")
    try:
        page = login(cast.carol).get("/learn/").text
        assert '<div id="test-panel">carol</div>' in page
        assert "&lt;b&gt;plain&lt;/b&gt;" in page  # a plain str is escaped, never trusted
        # 250: between the portal's continue learning (200) and required courses (300).
        assert page.index('id="continue-learning-card"') < page.index('id="test-panel"') < page.index(
            'id="required-courses-card"')
    finally:
        for key in ("test-panel", "test-plain", "test-empty"):
            home._PANELS.pop(key, None)


def test_a_panel_needing_a_cadre_is_not_rendered_for_an_account_without_one(cast, login):
    calls = []

    def render(request):
        calls.append(request.user.username)
        return format_html('<div id="test-cadre-panel">{}</div>', request.user.username)

    home.register_home_panel("test-cadre", order=100, render=render, needs_cadre=True)
    try:
        nobody = make_account("nocadre", Role.CADRE, cast.unit_a1)
        page = login(nobody).get("/learn/").text
        assert calls == [] and 'id="test-cadre-panel"' not in page and 'id="learn-year-hours-card"' not in page
        page = login(cast.carol).get("/learn/").text
        assert calls == ["carol"]
        # Same order as the hours card: the portal's own card first.
        assert page.index('id="learn-year-hours-card"') < page.index('id="test-cadre-panel"') < page.index(
            'id="my-classes-card"')
    finally:
        home._PANELS.pop("test-cadre", None)


def test_the_home_is_for_learners_only(cast, login):
    assert login(cast.alice).get("/learn/").status_code == 403
