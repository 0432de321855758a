"""/api/v1/teachers: the institutions' teacher pools, in scope, masked, audited reveals."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ganxun.audit.models import AuditEntry
from ganxun.core.idcard import make_id_number
from ganxun.people.models import Person, Teacher
from ganxun.testing import make_org, make_teacher
from ganxun.topics.models import Topic

NEW_ID = make_id_number("330102", dt.date(1975, 2, 3), 21, "M")


def _names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["name"] for item in response.json()["items"]}


def _post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def _patch(client, path, body):
    return client.patch(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def county_school_teacher(cast):
    """A teacher of a county-A institution: visible to alice, not to charlie."""
    school = make_org("中共东城区委党校", "institution", cast.county_a)
    return make_teacher("严师", school)


def _new_teacher(institution_id: int, **overrides) -> dict:
    body = {
        "name": "陈教授", "id_number": NEW_ID, "political_status": "cpc", "education": "博士",
        "institution_id": institution_id, "title": "教授", "is_internal": False, "employer": "江东大学",
        "expertise_ids": list(Topic.objects.filter(code__in=["01.01", "03.08"]).values_list("pk", flat=True)),
    }
    return body | overrides


def test_it_lists_the_teachers_in_scope(cast, token_client, county_school_teacher):
    assert _names(token_client(cast.ivan).get("/api/v1/teachers")) == {"汤姆"}
    assert _names(token_client(cast.alice).get("/api/v1/teachers")) == {"严师"}
    assert _names(token_client(cast.leo).get("/api/v1/teachers")) == {"汤姆", "严师"}
    assert _names(token_client(cast.charlie).get("/api/v1/teachers")) == set()


def test_it_refuses_the_teacher_pool_to_a_teacher(cast, token_client):
    assert token_client(cast.tom).get("/api/v1/teachers").status_code == 403


def test_it_gives_the_outsider_404_for_another_regions_teacher(cast, token_client, county_school_teacher):
    client = token_client(cast.charlie)
    missing = client.get("/api/v1/teachers/999999")
    response = client.get(f"/api/v1/teachers/{county_school_teacher.pk}")
    assert response.status_code == 404
    assert response.json() == missing.json()


def test_it_adds_a_teacher_with_expertise(cast, token_client):
    response = _post(token_client(cast.ivan), "/api/v1/teachers", _new_teacher(cast.party_school.pk))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["title"], body["title_label"], body["is_internal"]) == ("professor", "教授", False)
    assert sorted(t["code"] for t in body["expertise"]) == ["01.01", "03.08"]
    assert NEW_ID not in response.content.decode()
    assert _names(token_client(cast.ivan).get(f"/api/v1/teachers?topic_id={body['expertise'][0]['id']}")) == {"陈教授"}


def test_it_lists_every_field_error_of_a_teacher_and_adds_nothing(cast, token_client):
    before = Person.objects.count()
    body = _new_teacher(cast.party_school.pk, title="大师", employer="", id_number="123", expertise_ids=[999999])
    response = _post(token_client(cast.ivan), "/api/v1/teachers", body)
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"title", "employer", "id_number", "expertise_ids"}
    assert Person.objects.count() == before


def test_it_refuses_an_unknown_topic_even_when_the_rest_is_right(cast, token_client):
    response = _post(token_client(cast.ivan), "/api/v1/teachers",
                     _new_teacher(cast.party_school.pk, expertise_ids=[999999]))
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["expertise_ids"]
    assert not Teacher.objects.filter(person__name="陈教授").exists()


def test_it_refuses_a_duplicate_teacher(cast, token_client):
    client = token_client(cast.ivan)
    assert _post(client, "/api/v1/teachers", _new_teacher(cast.party_school.pk)).status_code == 201
    again = _post(client, "/api/v1/teachers", _new_teacher(cast.party_school.pk))
    assert (again.status_code, again.json()["code"]) == (400, "duplicate")
    assert Teacher.objects.filter(person__name="陈教授").count() == 1


def test_it_updates_a_teacher_keeping_what_was_not_sent(cast, token_client):
    teacher = cast.tom_teacher
    teacher.expertise.set(Topic.objects.filter(code="02.01"))
    id_number = teacher.person.id_number
    response = _patch(token_client(cast.ivan), f"/api/v1/teachers/{teacher.pk}", {"title": "副教授", "bio": "党史"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["bio"], [t["code"] for t in body["expertise"]]) == ("assoc_professor", "党史", ["02.01"])
    teacher.person.refresh_from_db()
    assert teacher.person.id_number == id_number


def test_it_refuses_to_move_a_teacher_to_another_institution(cast, token_client, county_school_teacher):
    response = _patch(token_client(cast.ivan), f"/api/v1/teachers/{cast.tom_teacher.pk}",
                      {"institution_id": county_school_teacher.institution_id})
    assert response.status_code == 400
    assert response.json()["field"] == "institution_id"


def test_it_reveals_a_teachers_numbers_and_audits_it(cast, token_client):
    response = token_client(cast.ivan).post(f"/api/v1/teachers/{cast.tom_teacher.pk}/reveal")
    assert response.json()["id_number"] == cast.tom_teacher.person.id_number
    assert AuditEntry.objects.filter(action="person.reveal", actor_username="ivan").count() == 1
    # A head teacher sees the pool but may not reveal.
    assert token_client(cast.hannah).post(f"/api/v1/teachers/{cast.tom_teacher.pk}/reveal").status_code == 403
