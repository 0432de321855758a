"""/api/v1/evaluation/… and /api/v1/rectifications: the same rules and scope as the pages."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client

from ganxun.access.roles import Role
from ganxun.evaluation.models import FollowUp, RectificationItem, SessionRating
from ganxun.evaluation.services import followups_materialise
from ganxun.evaluation.tests.factories import past_class, rate_class, rate_sessions
from ganxun.testing import api_client, make_account

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _client(account) -> Client:
    return api_client(account)


def _post(client, path, body, method="post"):
    return getattr(client, method)(API + path, json.dumps(body), content_type="application/json")


def test_carol_lists_what_she_may_rate_and_rates_it(cast):
    scenario = past_class(cast, attendees=2)
    client = _client(cast.carol)
    listing = client.get(f"{API}/evaluation/to-rate").json()
    assert listing["count"] == 3
    assert [(i["kind"], i["title"], i["open"]) for i in listing["items"]][0] == ("class", "班次总体评价", True)
    session = scenario.sessions[0]
    first = _post(client, f"/evaluation/sessions/{session.pk}/rating", {"content": 4, "teaching": 5})
    again = _post(client, f"/evaluation/sessions/{session.pk}/rating", {"content": 2, "teaching": 2,
                                                                          "comment": "改一下"})
    assert first.status_code == again.status_code == 200
    assert again.json()["content"] == 2 and SessionRating.objects.count() == 1
    rated = client.get(f"{API}/evaluation/to-rate").json()["items"]
    assert next(i for i in rated if i["session_id"] == session.pk)["my_rating"]["comment"] == "改一下"


def test_the_api_refuses_a_session_the_cadre_did_not_attend(cast):
    scenario = past_class(cast, attendees=2)
    scenario.carol.attendance.filter(session=scenario.sessions[1]).update(status="absent")
    response = _post(_client(cast.carol), f"/evaluation/sessions/{scenario.sessions[1].pk}/rating",
                     {"content": 5, "teaching": 5})
    assert response.status_code == 400 and response.json()["code"] == "not_attended"
    bad = _post(_client(cast.carol), f"/evaluation/sessions/{scenario.sessions[0].pk}/rating",
                {"content": 7, "teaching": 5})
    assert bad.status_code == 400 and bad.json()["field"] == "content"


def test_a_cadre_of_another_class_gets_404(cast):
    scenario = past_class(cast, attendees=2)
    stranger = make_account("stranger", Role.CADRE, cast.unit_a2)
    response = _post(_client(stranger), f"/evaluation/classes/{scenario.training_class.pk}/rating",
                     {"content": 5, "organisation": 5, "logistics": 5})
    assert response.status_code == 404


def test_the_class_summary_has_exact_figures_and_no_names(cast):
    scenario = past_class(cast, attendees=4)
    rate_sessions(scenario.sessions[0], scenario.enrollments[:3], [(5, 3), (4, 3), (4, 4)],
                  comments=["好", "", "很好"])
    rate_class(scenario.training_class, scenario.enrollments[:3], [(5, 4, 3), (4, 4, 2), (4, 5, 2)])
    response = _client(cast.ivan).get(f"{API}/evaluation/classes/{scenario.training_class.pk}/summary")
    assert response.status_code == 200
    data = response.json()
    assert data["reaction"] == {"responses": 3, "attendees": 4, "response_rate": 0.75,
                                "means": {"content": 4.33, "organisation": 4.33, "logistics": 2.33}}
    tom = data["sessions"][0]
    assert tom["figures"]["means"] == {"content": 4.33, "teaching": 3.33} and tom["comments"] == ["好", "很好"]
    assert data["sessions"][1]["figures"]["means"] == {"content": None, "teaching": None}
    assert not any(e.cadre.person.name in response.content.decode() for e in scenario.enrollments)
    assert _client(cast.charlie).get(f"{API}/evaluation/classes/{scenario.training_class.pk}/summary").status_code == 404


def test_teacher_rankings_rank_only_with_three_responses(cast):
    scenario = past_class(cast, attendees=3)
    rate_sessions(scenario.sessions[0], scenario.enrollments, [(4, 5), (4, 4), (4, 4)])
    rate_sessions(scenario.sessions[1], scenario.enrollments[:1], [(5, 5)])
    items = _client(cast.alice).get(f"{API}/evaluation/teacher-rankings").json()["items"]
    assert [(i["rank"], i["teacher_name"], i["figures"]["means"]["teaching"]) for i in items] == [
        (1, "汤姆", 4.33), (None, scenario.sessions[1].teacher.person.name, None)]
    assert _client(cast.charlie).get(f"{API}/evaluation/teacher-rankings").json()["count"] == 0
    courses = _client(cast.ivan).get(f"{API}/evaluation/course-rankings?institution_id={cast.party_school.pk}")
    assert courses.json()["items"][0]["title"] == "党史专题"


def test_tom_gets_his_own_ratings_only(cast):
    scenario = past_class(cast, attendees=3)
    rate_sessions(scenario.sessions[0], scenario.enrollments, [(4, 5), (4, 4), (4, 4)], comments=["a", "b", ""])
    rate_sessions(scenario.sessions[1], scenario.enrollments, [(1, 1), (1, 1), (1, 1)], comments=["差"] * 3)
    data = _client(cast.tom).get(f"{API}/evaluation/my-ratings").json()
    assert data["overall"]["means"] == {"content": 4.0, "teaching": 4.33}
    assert [c["title"] for c in data["courses"]["items"]] == ["党史专题"]
    assert data["courses"]["items"][0]["comments"] == ["a", "b"]
    assert "差" not in json.dumps(data, ensure_ascii=False)
    assert _client(cast.ivan).get(f"{API}/evaluation/my-ratings").status_code == 403


def test_bob_lists_and_answers_followups_of_his_unit(cast):
    scenario = past_class(cast, ended_days_ago=100, attendees=4)
    client = _client(cast.bob)
    listing = client.get(f"{API}/evaluation/followups?state=pending").json()
    assert listing["count"] == 2 and {i["unit_id"] for i in listing["items"]} == {cast.unit_a1.pk}
    carol = FollowUp.objects.get(enrollment=scenario.carol)
    answered = _post(client, f"/evaluation/followups/{carol.pk}/answer", {"applies": 4, "performance": 5})
    assert answered.status_code == 200 and answered.json()["state"] == "answered"
    followups_materialise()  # the other unit's rows too (bob's call made only his own)
    other = FollowUp.objects.filter(unit=cast.unit_a2).first()
    assert _post(client, f"/evaluation/followups/{other.pk}/answer",
                 {"applies": 4, "performance": 5}).status_code == 404
    assert client.get(f"{API}/evaluation/followups?state=bogus").status_code == 400


def test_rectifications_through_the_api(cast):
    scenario = past_class(cast, attendees=1)
    client = _client(cast.alice)
    body = {"class_id": scenario.training_class.pk, "session_id": scenario.sessions[0].pk, "title": "案例陈旧",
            "idempotency_key": "k-1"}
    created = _post(client, "/rectifications", body)
    repeated = _post(client, "/rectifications", body)
    assert created.status_code == repeated.status_code == 201
    assert created.json()["id"] == repeated.json()["id"] and RectificationItem.objects.count() == 1
    item_id = created.json()["id"]
    closed = _post(client, f"/rectifications/{item_id}", {"status": "closed"}, method="patch")
    assert closed.status_code == 400 and closed.json()["field"] == "note"
    moved = _post(client, f"/rectifications/{item_id}", {"status": "in_progress", "note": "已部署"}, method="patch")
    assert moved.status_code == 200 and moved.json()["status"] == "in_progress"
    assert [n["to_status"] for n in moved.json()["notes"]] == ["open", "in_progress"]
    listing = client.get(f"{API}/rectifications?status=in_progress").json()
    assert [i["id"] for i in listing["items"]] == [item_id]
    assert _client(cast.charlie).get(f"{API}/rectifications/{item_id}").status_code == 404
    assert _client(cast.charlie).get(f"{API}/rectifications").json()["count"] == 0
    foreign_session = past_class(cast, attendees=1, title="另一个班").sessions[0]
    wrong = _post(client, "/rectifications", {**body, "session_id": foreign_session.pk, "idempotency_key": ""})
    assert wrong.status_code == 404
