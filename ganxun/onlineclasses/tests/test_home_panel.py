"""The learner home's 专题网络班 card, a learning.home panel: its place on the page, what it
shows, and what it costs."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from ganxun.access.roles import Role
from ganxun.learning import home
from ganxun.onlineclasses import services
from ganxun.onlineclasses.panels import render_home_card
from ganxun.onlineclasses.tests.helpers import a_class
from ganxun.testing import make_account, with_role

pytestmark = pytest.mark.django_db

CARD = 'id="themed-classes-card"'


def card_ids(page: str) -> list[str]:
    return re.findall(r'<(?:div|a) class="card[^"]*"[^>]*\bid="([^"]+)"', page)


def a_request(account):
    request = RequestFactory().get("/learn/")
    request.user = with_role(account)
    return request


def test_the_card_sits_between_the_hours_and_my_classes(cast, login, settings):
    settings.GANXUN_THEMED_CLASS_REMINDER_DAYS = [7]
    themed_class = a_class(cast, open_it=True, days=3)
    services.reminders_send()
    page = login(cast.carol).get("/learn/").content.decode()
    assert card_ids(page) == ["learn-year-hours-card", "themed-classes-card", "my-classes-card",
                              "continue-learning-card", "required-courses-card", "home-profile"]
    card = page[page.index(CARD):page.index('id="my-classes-card"')]
    assert themed_class.title in card and "还剩 3 天" in card and "data-reminder" in card
    assert f'href="/learn/themed-classes/{themed_class.pk}/"' in card and "必修 0/1 门" in card


def test_there_is_no_card_without_an_open_class(cast, login):
    a_class(cast)  # a draft: not the learner's yet
    closed = a_class(cast, open_it=True)
    services.themed_class_close(actor=with_role(cast.alice), themed_class=closed)
    assert CARD not in login(cast.carol).get("/learn/").content.decode()
    assert render_home_card(a_request(cast.carol)) == ""


def test_without_an_open_class_the_card_costs_one_query(cast):
    request = a_request(cast.carol)
    with CaptureQueriesContext(connection) as queries:
        assert render_home_card(request) == ""
    assert len(queries) == 1  # the memberships; no reminders are looked for


def test_each_open_class_costs_the_same_number_of_queries(cast):
    a_class(cast, open_it=True)
    request = a_request(cast.carol)
    with CaptureQueriesContext(connection) as one:
        assert CARD in render_home_card(request)
    a_class(cast, open_it=True, days=10)
    with CaptureQueriesContext(connection) as two:
        assert render_home_card(request).count("/learn/themed-classes/") == 3  # two classes, the list
    per_class = len(two) - len(one)
    assert 0 < per_class <= 2 and len(one) == 2 + per_class  # memberships, reminders, progress


def test_the_card_is_not_rendered_for_a_learner_without_a_cadre_record(cast, login, monkeypatch):
    a_class(cast, open_it=True)
    panel = home._PANELS["themed-classes"]
    assert panel.needs_cadre and panel.order == 120 and panel.render is render_home_card
    monkeypatch.setattr(home, "_PANELS", {"themed-classes": panel})  # other apps' panels aside
    nobody = make_account("nocadre", Role.CADRE, cast.unit_a1)
    request = a_request(nobody)
    with CaptureQueriesContext(connection) as queries:
        assert home.home_panels(request, has_cadre=False) == []
    assert len(queries) == 0
    page = login(nobody).get("/learn/").content.decode()
    assert card_ids(page) == ["continue-learning-card", "required-courses-card"]
    assert "您的账号尚未关联干部档案" in page
