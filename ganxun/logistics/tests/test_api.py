"""/api/v1 dining and lodging: scoped like the pages, the same rules and messages."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from ganxun.access.roles import Role
from ganxun.logistics.models import LodgingAssignment, LodgingRoom, MealChoice, RoomGender
from ganxun.logistics.tests.factories import logistics_class, make_room
from ganxun.testing import Kind, make_account, make_enrollment, make_org

pytestmark = pytest.mark.django_db
API = "/api/v1"


def _put(client, path, body):
    return client.put(f"{API}{path}", json.dumps(body), content_type="application/json")


def _post(client, path, body=None):
    return client.post(f"{API}{path}", json.dumps(body or {}), content_type="application/json")


def test_carol_reads_and_changes_her_own_meals(cast, login):
    training_class = logistics_class(cast, days=2)
    carol = make_enrollment(training_class, cast.carol_cadre)
    client = login(cast.carol)
    own = client.get(f"{API}/enrollments/{carol.pk}/logistics").json()
    assert own["provides_dining"] and [s["served"] for s in own["days"][0]["slots"]] == [False, True, True]
    response = _put(client, f"/enrollments/{carol.pk}/meals",
                    {"date": training_class.start_date.isoformat(), "meal": "dinner", "registered": False})
    assert response.status_code == 200 and response.json()["registered"] is False
    again = _put(client, f"/enrollments/{carol.pk}/meals",
                 {"date": training_class.start_date.isoformat(), "meal": "dinner", "registered": False})
    assert again.status_code == 200 and MealChoice.objects.count() == 1
    mine = client.get(f"{API}/me/logistics").json()
    assert [item["enrollment_id"] for item in mine["items"]] == [carol.pk]


def test_a_late_change_by_the_cadre_is_400_with_the_reason(cast, login):
    training_class = logistics_class(cast, start=timezone.localdate() - dt.timedelta(days=1), days=2,
                                     status="running")
    carol = make_enrollment(training_class, cast.carol_cadre)
    response = _put(login(cast.carol), f"/enrollments/{carol.pk}/meals",
                    {"date": training_class.end_date.isoformat(), "meal": "lunch", "registered": False})
    assert response.status_code == 400
    assert response.json()["code"] == "cutoff_passed" and "截止" in response.json()["message"]
    assert _put(login(cast.hannah), f"/enrollments/{carol.pk}/meals",
                {"date": training_class.end_date.isoformat(), "meal": "lunch", "registered": False}).status_code == 200


def test_carol_never_reaches_another_cadres_record(cast, login):
    training_class = logistics_class(cast)
    zhang = make_enrollment(training_class, cast.cadres_a[1])
    client = login(cast.carol)
    assert client.get(f"{API}/enrollments/{zhang.pk}/logistics").status_code == 404
    assert _put(client, f"/enrollments/{zhang.pk}/diet", {"halal": True}).status_code == 404
    assert _put(client, f"/enrollments/{zhang.pk}/lodging-need", {"needed": False}).status_code == 404
    assert client.get(f"{API}/classes/{training_class.pk}/meal-counts").status_code == 403


def test_hannah_reads_counts_of_the_classes_she_heads_only(cast, login):
    helen = make_account("helen", Role.HEAD_TEACHER, cast.party_school)
    mine = logistics_class(cast, days=2)
    theirs = logistics_class(cast, head_teacher=None, title="别人的班")
    theirs.head_teacher = helen
    theirs.save(update_fields=["head_teacher"])
    make_enrollment(mine, cast.carol_cadre)
    make_enrollment(mine, cast.cadres_a[1])
    client = login(cast.hannah)
    counts = client.get(f"{API}/classes/{mine.pk}/meal-counts").json()
    assert counts["headcount"] == 2 and counts["total"] == 8
    assert [(c["meal"], c["registered"]) for c in counts["counts"]][:2] == [("lunch", 2), ("dinner", 2)]
    for path in ("logistics", "meal-counts", "meals", "lodging"):
        assert client.get(f"{API}/classes/{theirs.pk}/{path}").status_code == 404, path
    theirs_enrollment = make_enrollment(theirs, cast.cadres_a[3])
    assert client.get(f"{API}/enrollments/{theirs_enrollment.pk}/logistics").status_code == 404


def test_the_outsider_gets_404_or_403(cast, login):
    training_class = logistics_class(cast)
    carol = make_enrollment(training_class, cast.carol_cadre)
    other_school = make_org("西山县委党校", Kind.INSTITUTION, cast.county_b)
    olga = make_account("olga", Role.INSTITUTION_ADMIN, other_school)
    # An institution admin elsewhere has the right but not this class: 404, nothing learned.
    client = login(olga)
    assert client.get(f"{API}/classes/{training_class.pk}/logistics").status_code == 404
    assert client.get(f"{API}/enrollments/{carol.pk}/logistics").status_code == 404
    assert _post(client, f"/classes/{training_class.pk}/lodging/auto-assign").status_code == 404
    # charlie's role (org department) has no logistics right at all: 403.
    assert login(cast.charlie).get(f"{API}/classes/{training_class.pk}/logistics").status_code == 403


def test_settings_are_saved_through_the_api_with_the_meal_plan(cast, login):
    training_class = logistics_class(cast, days=3)
    second = training_class.start_date + dt.timedelta(days=1)
    response = _put(login(cast.ivan), f"/classes/{training_class.pk}/logistics", {
        "provides_dining": True, "provides_lodging": False, "cutoff_days_before": 2, "cutoff_time": "12:00",
        "meal_plan": [{"date": second.isoformat(), "meals": ["lunch"]}]})
    body = response.json()
    assert response.status_code == 200 and body["cutoff_time"] == "12:00" and body["provides_lodging"] is False
    assert body["days"][1] == {"date": second.isoformat(), "meals": ["lunch"],
                               "default_meals": ["breakfast", "lunch", "dinner"]}
    bad = _put(login(cast.ivan), f"/classes/{training_class.pk}/logistics", {
        "provides_dining": True, "provides_lodging": True, "cutoff_days_before": 9})
    assert bad.status_code == 400 and bad.json()["field"] == "cutoff_days_before"


def test_rooms_assignments_and_auto_assign_through_the_api(cast, login):
    training_class = logistics_class(cast)
    client = login(cast.ivan)
    created = _post(client, "/lodging-rooms", {"institution_id": cast.party_school.pk, "building": "1号楼",
                                               "number": "101", "beds": 2, "gender": "F"})
    assert created.status_code == 201 and created.json()["gender_label"] == "女"
    duplicate = _post(client, "/lodging-rooms", {"institution_id": cast.party_school.pk, "building": "1号楼",
                                                 "number": "101", "beds": 2})
    assert duplicate.status_code == 400 and duplicate.json()["code"] == "duplicate"
    women = LodgingRoom.objects.get()
    men = make_room(cast.party_school, "102", gender=RoomGender.MALE)
    zhang = make_enrollment(training_class, cast.cadres_a[1])
    carol = make_enrollment(training_class, cast.carol_cadre)
    refused = _put(client, f"/enrollments/{zhang.pk}/room", {"room_id": women.pk})
    assert refused.status_code == 400 and refused.json()["code"] == "room_refused"
    assert "不能安排男学员“张伟”" in refused.json()["message"]
    auto = _post(client, f"/classes/{training_class.pk}/lodging/auto-assign").json()
    assert auto["assigned"] == 2 and auto["unplaced"] == []
    board = client.get(f"{API}/classes/{training_class.pk}/lodging").json()
    assert {r["name"]: r["room"]["number"] for r in board["rows"]} == {"张伟": "102", "卡萝": "101"}
    assert _put(client, f"/enrollments/{zhang.pk}/room", {"room_id": men.pk}).json()["room"]["id"] == men.pk
    own = login(cast.carol).get(f"{API}/enrollments/{carol.pk}/logistics").json()
    assert own["room"] == {"id": women.pk, "building": "1号楼", "number": "101"} and own["roommates"] == []
    assert client.delete(f"{API}/enrollments/{zhang.pk}/room").json()["unassigned"] is True
    assert client.delete(f"{API}/enrollments/{zhang.pk}/room").json()["unassigned"] is False
    assert LodgingAssignment.objects.count() == 1


def test_a_room_of_another_institution_is_404_naming_the_field(cast, login):
    training_class = logistics_class(cast)
    zhang = make_enrollment(training_class, cast.cadres_a[1])
    elsewhere = make_room(make_org("西山县委党校", Kind.INSTITUTION, cast.county_b))
    response = _put(login(cast.ivan), f"/enrollments/{zhang.pk}/room", {"room_id": elsewhere.pk})
    assert response.status_code == 404 and response.json()["field"] == "room_id"


def test_carol_says_she_needs_no_room_and_loses_her_bed(cast, login):
    training_class = logistics_class(cast)
    carol = make_enrollment(training_class, cast.carol_cadre)
    LodgingAssignment.objects.create(enrollment=carol, room=make_room(cast.party_school))
    response = _put(login(cast.carol), f"/enrollments/{carol.pk}/lodging-need", {"needed": False})
    assert response.json() == {"enrollment_id": carol.pk, "lodging_needed": False}
    assert not LodgingAssignment.objects.exists()
    assert _put(login(cast.carol), f"/enrollments/{carol.pk}/room", {"room_id": 1}).status_code == 403


def test_rooms_are_listed_and_changed_within_the_institution(cast, login):
    make_room(cast.party_school, "110")
    make_room(cast.party_school, "12")
    room = make_room(cast.party_school, "9")
    client = login(cast.ivan)
    listed = client.get(f"{API}/lodging-rooms").json()
    assert [r["number"] for r in listed["items"]] == ["9", "12", "110"]  # natural order
    assert [r["number"] for r in client.get(f"{API}/lodging-rooms?q=11").json()["items"]] == ["110"]
    changed = client.patch(f"{API}/lodging-rooms/{room.pk}", json.dumps({"is_active": False, "beds": 4}),
                           content_type="application/json").json()
    assert (changed["beds"], changed["is_active"]) == (4, False)
    olga = make_account("olga", Role.INSTITUTION_ADMIN, make_org("西山县委党校", Kind.INSTITUTION, cast.county_b))
    assert login(olga).get(f"{API}/lodging-rooms").json()["count"] == 0
    assert login(olga).patch(f"{API}/lodging-rooms/{room.pk}", json.dumps({"beds": 1}),
                             content_type="application/json").status_code == 404
