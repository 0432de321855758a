"""The learner's panel and its htmx actions on the phone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from ganxun.logistics import lodging_services
from ganxun.logistics.learn_views import render_panel
from ganxun.logistics.models import EnrollmentLogistics, LodgingAssignment, MealChoice, RoomGender
from ganxun.logistics.tests.factories import logistics_class, make_room
from ganxun.roster.panels import learner_panels
from ganxun.testing import make_account, make_cadre, make_enrollment, with_role

pytestmark = pytest.mark.django_db


def _request(account):
    request = RequestFactory().get("/learn/")
    request.user = with_role(account)
    return request


def _started_class(cast, **kwargs):
    """A class that began two days ago: every cut-off of its days has passed."""
    return logistics_class(cast, start=timezone.localdate() - dt.timedelta(days=2), days=2, status="running",
                           **kwargs)


def test_the_panel_shows_meal_toggles_diet_and_room(cast, actor):
    training_class = logistics_class(cast, days=2)
    carol = make_enrollment(training_class, cast.carol_cadre)
    li = make_enrollment(training_class, cast.cadres_a[2])
    room = make_room(cast.party_school, "305", building="3号楼", gender=RoomGender.FEMALE)
    for enrollment in (carol, li):
        lodging_services.lodging_assign(actor=actor(cast.ivan), enrollment=enrollment, room=room)
    html = render_panel(_request(cast.carol), carol)
    assert f'id="lg-panel-{carol.pk}"' in html
    assert reverse("logistics:learn_meal", args=[carol.pk]) in html
    assert html.count('aria-pressed="true"') == 4  # lunch + dinner on day 1, breakfast + lunch on day 2
    assert "不供餐" in html  # no breakfast on arrival day
    assert "3号楼 305" in html and "李娜" in html
    assert cast.cadres_a[2].person.id_number_masked not in html
    assert "无需住宿（本地学员）" in html


def test_the_panel_is_empty_for_a_class_without_dining_and_lodging(cast):
    training_class = logistics_class(cast, dining=False, lodging=False)
    carol = make_enrollment(training_class, cast.carol_cadre)
    assert render_panel(_request(cast.carol), carol) == ""
    unset = logistics_class(cast, title="未设置的班")
    unset.logistics.delete()
    assert render_panel(_request(cast.carol), make_enrollment(unset, cast.carol_cadre)) == ""


def test_a_nominated_cadre_sees_the_panel_read_only_and_a_dropped_one_none(cast):
    training_class = logistics_class(cast)
    carol = make_enrollment(training_class, cast.carol_cadre, status="nominated")
    html = render_panel(_request(cast.carol), carol)
    assert "确认参训后可登记食宿" in html and 'aria-pressed="true" disabled' in html
    carol.status = "dropped"
    carol.save(update_fields=["status"])
    assert render_panel(_request(cast.carol), carol) == ""


def test_the_panel_shows_only_what_the_class_provides(cast):
    lodging_only = logistics_class(cast, dining=False)
    html = render_panel(_request(cast.carol), make_enrollment(lodging_only, cast.carol_cadre))
    assert "住宿" in html and "就餐登记" not in html


def test_the_panel_is_registered_with_the_roster_and_never_shows_someone_elses_record(cast):
    training_class = logistics_class(cast)
    carol = make_enrollment(training_class, cast.carol_cadre)
    assert any(f'id="lg-panel-{carol.pk}"' in html for html in learner_panels(_request(cast.carol), carol))
    assert render_panel(_request(cast.hannah), carol) == ""


def test_after_the_cutoff_the_toggles_are_disabled_with_the_reason(cast):
    training_class = _started_class(cast)
    carol = make_enrollment(training_class, cast.carol_cadre)
    html = render_panel(_request(cast.carol), carol)
    assert "已截止" in html and "如需调整请联系班主任" in html
    assert html.count(" disabled aria-label=") == 4  # every served meal of the two days
    assert "住宿登记已于" in html and 'role="switch"' not in html


def test_carol_opts_out_of_a_meal_with_htmx_twice_and_one_row_remains(cast, login):
    training_class = logistics_class(cast)
    carol = make_enrollment(training_class, cast.carol_cadre)
    client = login(cast.carol)
    url = reverse("logistics:learn_meal", args=[carol.pk])
    data = {"date": training_class.start_date.isoformat(), "meal": "dinner", "registered": "0"}
    for _ in range(2):
        response = client.post(url, data, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
    body = response.content.decode()
    assert "晚餐：不就餐" in body and f'id="lg-panel-{carol.pk}"' in body and "<html" not in body
    assert MealChoice.objects.get().registered is False


def test_without_javascript_the_action_goes_back_to_the_page_with_a_message(cast, login):
    training_class = logistics_class(cast)
    carol = make_enrollment(training_class, cast.carol_cadre)
    client = login(cast.carol)
    response = client.post(reverse("logistics:learn_meal", args=[carol.pk]),
                           {"date": training_class.start_date.isoformat(), "meal": "lunch", "registered": "0"},
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse("logistics:learn", args=[carol.pk])
    assert "午餐：不就餐" in response.content.decode()


def test_without_javascript_the_action_returns_to_the_class_page_it_came_from(cast, login):
    training_class = logistics_class(cast)
    carol = make_enrollment(training_class, cast.carol_cadre)
    client = login(cast.carol)
    url = reverse("logistics:learn_diet", args=[carol.pk])
    response = client.post(url, {"vegetarian": "on", "next": "/learn/classes/7/"})
    assert response["Location"] == "/learn/classes/7/"
    response = client.post(url, {"vegetarian": "on", "next": "https://evil.example/"})
    assert response["Location"] == reverse("logistics:learn", args=[carol.pk])


def test_a_late_change_is_refused_on_the_phone(cast, login):
    training_class = _started_class(cast)
    carol = make_enrollment(training_class, cast.carol_cadre)
    response = login(cast.carol).post(
        reverse("logistics:learn_meal", args=[carol.pk]),
        {"date": training_class.end_date.isoformat(), "meal": "lunch", "registered": "0"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "截止" in response.content.decode()
    assert not MealChoice.objects.exists()


def test_carol_saves_her_dietary_note_and_needs_no_room(cast, login, actor):
    training_class = logistics_class(cast)
    carol = make_enrollment(training_class, cast.carol_cadre)
    lodging_services.lodging_assign(actor=actor(cast.ivan), enrollment=carol, room=make_room(cast.party_school))
    client = login(cast.carol)
    response = client.post(reverse("logistics:learn_diet", args=[carol.pk]),
                           {"halal": "on", "diet_note": "芒果过敏"}, HTTP_HX_REQUEST="true")
    assert "饮食要求已保存" in response.content.decode()
    response = client.post(reverse("logistics:learn_lodging", args=[carol.pk]), {"needed": "0"},
                           HTTP_HX_REQUEST="true")
    assert "已登记无需住宿" in response.content.decode()
    record = EnrollmentLogistics.objects.get()
    assert (record.halal, record.diet_note, record.lodging_needed) == (True, "芒果过敏", False)
    assert not LodgingAssignment.objects.exists()


def test_the_own_page_shows_the_panel_inside_the_learner_layout(cast, login):
    training_class = logistics_class(cast)
    carol = make_enrollment(training_class, cast.carol_cadre)
    response = login(cast.carol).get(reverse("logistics:learn", args=[carol.pk]))
    body = response.content.decode()
    assert response.status_code == 200 and "我的食宿" in body and "learner-tabs" in body
    assert 'name="viewport"' in body


def test_a_cadre_never_reaches_another_cadres_record(cast, login):
    training_class = logistics_class(cast)
    zhang = make_enrollment(training_class, cast.cadres_a[1])
    dave = make_account("dave", "cadre", cast.unit_a1)
    make_cadre("戴夫", cast.unit_a1, account=dave)
    for account in (cast.carol, dave, cast.hannah):
        client = login(account)
        assert client.get(reverse("logistics:learn", args=[zhang.pk])).status_code == 404
        assert client.post(reverse("logistics:learn_meal", args=[zhang.pk]), {
            "date": training_class.start_date.isoformat(), "meal": "lunch", "registered": "0"}).status_code == 404
    assert not MealChoice.objects.exists()


def test_the_outsider_cannot_use_the_learner_pages(cast, login):
    training_class = logistics_class(cast)
    carol = make_enrollment(training_class, cast.carol_cadre)
    # charlie's role has no self.view (403); a role with it but no such enrollment gets 404 (above).
    assert login(cast.charlie).get(reverse("logistics:learn", args=[carol.pk])).status_code in (403, 404)
    assert login(cast.charlie).post(reverse("logistics:learn_lodging", args=[carol.pk]),
                                    {"needed": "0"}).status_code in (403, 404)
    assert not EnrollmentLogistics.objects.exists()


def test_the_own_page_is_404_for_a_class_without_logistics(cast, login):
    training_class = logistics_class(cast, dining=False, lodging=False)
    carol = make_enrollment(training_class, cast.carol_cadre)
    assert login(cast.carol).get(reverse("logistics:learn", args=[carol.pk])).status_code == 404
