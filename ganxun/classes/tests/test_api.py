"""/api/v1/classes, /classes/{id}/sessions and /rooms: classes, timetables and rooms through the API."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ganxun.access.roles import Role
from ganxun.audit.models import AuditEntry
from ganxun.classes.models import ClassStatus, Room, Session, TrainingClass
from ganxun.classes.tests.factories import MONDAY, make_class, make_room
from ganxun.planning import plan_services
from ganxun.planning.tests.plan_builders import item_data
from ganxun.testing import Kind, make_account, make_org, make_session, make_teacher, with_role
from ganxun.topics.models import Topic

API = "/api/v1"
TUESDAY = MONDAY + dt.timedelta(days=1)


def _send(client, method, path, body=None):
    return getattr(client, method)(f"{API}{path}", json.dumps(body if body is not None else {}),
                                   content_type="application/json")


def _ok(response, status=200) -> dict:
    assert response.status_code == status, response.content.decode()
    return response.json()


def _error(response, status=400) -> dict:
    assert response.status_code == status, response.content.decode()
    return response.json()


def _new_class(cast, **overrides) -> dict:
    body = {"title": "2026年中青年干部培训班", "institution_id": cast.party_school.pk, "organiser_id": cast.city.pk,
            "training_type": "in_service", "start_date": "2026-03-02", "end_date": "2026-03-06",
            "place": "市委党校", "mode": "blended", "head_teacher_id": cast.hannah.pk, "capacity": 40}
    return {**body, **overrides}


def _lecture(**overrides) -> dict:
    return {"date": str(MONDAY), "slot": "morning", "title": "党史专题", **overrides}


@pytest.fixture
def school_b(cast):
    return make_org("中共西山县委党校", Kind.INSTITUTION, cast.county_b)


@pytest.fixture
def vera(cast, school_b):
    """The outsider with the permissions: admin of county B's party school."""
    return make_account("vera", Role.INSTITUTION_ADMIN, school_b, full_name="薇拉")


# --- list and detail -------------------------------------------------------------------------

def test_it_lists_the_classes_in_scope_with_the_page_filters(cast, token_client):
    spring = make_class(cast.party_school, title="春季进修班", start=MONDAY, status=ClassStatus.ENROLLING)
    autumn = make_class(cast.party_school, title="秋季进修班", start=dt.date(2026, 10, 12))
    organised = make_class(cast.party_school, title="东城区乡镇干部班", start=dt.date(2026, 5, 11),
                           organiser=cast.county_a)
    client = token_client(cast.ivan)
    page = _ok(client.get(f"{API}/classes"))
    assert [c["title"] for c in page["items"]] == ["秋季进修班", "东城区乡镇干部班", "春季进修班"]
    row = page["items"][2]
    assert (row["status"], row["status_label"], row["institution_name"], row["mode_label"]) == (
        "enrolling", "报名中", "中共临江市委党校", "线下")
    assert [c["id"] for c in _ok(client.get(f"{API}/classes?status=enrolling"))["items"]] == [spring.pk]
    assert [c["id"] for c in _ok(client.get(f"{API}/classes?year=2026&month=10"))["items"]] == [autumn.pk]
    assert [c["id"] for c in _ok(client.get(f"{API}/classes?q=乡镇"))["items"]] == [organised.pk]
    assert _ok(client.get(f"{API}/classes?institution_id={cast.party_school.pk}"))["count"] == 3
    assert _error(client.get(f"{API}/classes?month=13"))["field"] == "month"
    # The org department sees the class it organises; the outsider sees nothing.
    assert [c["id"] for c in _ok(token_client(cast.alice).get(f"{API}/classes"))["items"]] == [organised.pk]
    assert _ok(token_client(cast.charlie).get(f"{API}/classes"))["count"] == 0


def test_teachers_and_head_teachers_see_only_their_own_classes(cast, token_client):
    taught = make_class(cast.party_school, title="有汤姆授课的班")
    make_session(taught, teacher=cast.tom_teacher)
    headed = make_class(cast.party_school, title="韩娜的班")
    headed.head_teacher = cast.hannah
    headed.save()
    assert [c["id"] for c in _ok(token_client(cast.tom).get(f"{API}/classes"))["items"]] == [taught.pk]
    assert [c["id"] for c in _ok(token_client(cast.hannah).get(f"{API}/classes"))["items"]] == [headed.pk]
    assert token_client(cast.tom).get(f"{API}/classes/{headed.pk}").status_code == 404


def test_the_detail_has_credit_hours_and_allowed_transitions(cast, token_client):
    training_class = make_class(cast.party_school)
    training_class.topics.set([Topic.objects.get(code="01.01")])
    make_session(training_class, slot="morning", title="第一讲")
    make_session(training_class, slot="morning", title="第二讲", start=dt.time(10, 0), end=dt.time(11, 30))
    make_session(training_class, date=TUESDAY, slot="evening", title="研讨", kind="discussion")
    body = _ok(token_client(cast.ivan).get(f"{API}/classes/{training_class.pk}"))
    assert (body["session_count"], body["credit_hours"], body["can_manage"]) == (3, 6.0, True)
    assert body["allowed_transitions"] == [{"status": "notice_issued", "label": "已发调训通知"}]
    assert [t["code"] for t in body["topics"]] == ["01.01"]
    # The org department that organises it sees it but does not manage it.
    training_class.organiser = cast.county_a
    training_class.save()
    assert _ok(token_client(cast.alice).get(f"{API}/classes/{training_class.pk}"))["can_manage"] is False


def test_the_outsider_gets_404_for_classes_sessions_and_rooms_of_another_region(cast, token_client, vera):
    training_class = make_class(cast.party_school)
    session = make_session(training_class)
    room = make_room(cast.party_school)
    for client in (token_client(cast.charlie), token_client(vera)):
        assert _error(client.get(f"{API}/classes/{training_class.pk}"), 404)["code"] == "not_found"
        assert client.get(f"{API}/classes/{training_class.pk}/sessions").status_code == 404
    vera_client = token_client(vera)
    assert _send(vera_client, "patch", f"/classes/{training_class.pk}", {"title": "改"}).status_code == 404
    assert _send(vera_client, "post", f"/classes/{training_class.pk}/transition",
                 {"to": "notice_issued"}).status_code == 404
    assert _send(vera_client, "post", f"/classes/{training_class.pk}/sessions", _lecture()).status_code == 404
    assert _send(vera_client, "patch", f"/classes/{training_class.pk}/sessions/{session.pk}",
                 {"title": "改"}).status_code == 404
    assert _send(vera_client, "delete", f"/classes/{training_class.pk}/sessions/{session.pk}").status_code == 404
    assert _send(vera_client, "patch", f"/rooms/{room.pk}", {"name": "改"}).status_code == 404
    assert token_client(cast.ivan).get(f"{API}/classes/999999").status_code == 404
    training_class.refresh_from_db()
    assert (training_class.title, training_class.status) == ("县处级领导干部进修班", ClassStatus.DRAFT)
    assert Session.objects.get().title == "专题讲座" and Room.objects.get().name == "第一教室"


# --- create, change, transition --------------------------------------------------------------------

def test_ivan_creates_a_class_with_every_field(cast, token_client):
    plan = plan_services.plan_create(actor=with_role(cast.alice), year=2026)
    item = plan_services.plan_item_add(actor=with_role(cast.alice), plan=plan, **item_data(cast))
    topic = Topic.objects.get(code="03.01")
    body = _ok(_send(token_client(cast.ivan), "post", "/classes", _new_class(
        cast, topic_ids=[topic.pk], plan_item_id=item.pk, hours_per_half_day="3.5")), 201)
    assert (body["title"], body["status"], body["institution_id"], body["organiser_name"], body["head_teacher_name"],
            body["mode_label"], body["hours_per_half_day"], body["plan_item_id"]) == (
        "2026年中青年干部培训班", "draft", cast.party_school.pk, "临江市", "韩娜", "线上线下结合", 3.5, item.pk)
    assert [t["id"] for t in body["topics"]] == [topic.pk] and body["credit_hours"] == 0
    assert AuditEntry.objects.filter(action="class.create", target_id=str(body["id"])).count() == 1


@pytest.mark.parametrize("changes, status, field", [
    ({"end_date": "2026-03-01"}, 400, "end_date"),
    ({"capacity": 0}, 400, "capacity"),
    ({"hours_per_half_day": "9"}, 400, "hours_per_half_day"),
    ({"title": " "}, 400, "title"),
    ({"training_type": "holiday"}, 400, "training_type"),
    ({"topic_ids": [999999]}, 400, "topic_ids"),
    ({"head_teacher_id": "tom"}, 404, "head_teacher_id"),  # no head-teacher role there: not a choice
    ({"plan_item_id": 999999}, 404, "plan_item_id"),
    ({"organiser_id": "county_b"}, 404, "organiser_id"),
    ({"institution_id": "school_b"}, 404, "institution_id"),
])
def test_it_refuses_a_bad_class_naming_the_field(cast, token_client, school_b, changes, status, field):
    refs = {"tom": cast.tom.pk, "county_b": cast.county_b.pk, "school_b": school_b.pk}
    changes = {key: refs.get(value, value) if isinstance(value, str) else value for key, value in changes.items()}
    body = _error(_send(token_client(cast.ivan), "post", "/classes", _new_class(cast, **changes)), status)
    assert body["field"] == field
    assert not TrainingClass.objects.exists()


def test_roles_without_classes_manage_get_403_and_alice_cannot_use_the_city_school(cast, token_client):
    assert _send(token_client(cast.hannah), "post", "/classes", _new_class(cast)).status_code == 403
    assert _send(token_client(cast.leo), "post", "/classes", _new_class(cast)).status_code == 403
    body = _error(_send(token_client(cast.alice), "post", "/classes", _new_class(cast)), 404)
    assert body["field"] == "institution_id"


def test_it_changes_only_the_class_fields_sent(cast, token_client):
    training_class = make_class(cast.party_school)
    make_session(training_class, date=dt.date(2026, 3, 5))
    client = token_client(cast.ivan)
    body = _ok(_send(client, "patch", f"/classes/{training_class.pk}", {"place": "党校一号楼", "capacity": 60,
                                                                         "head_teacher_id": cast.hannah.pk}))
    assert (body["place"], body["capacity"], body["head_teacher_name"], body["title"], body["end_date"]) == (
        "党校一号楼", 60, "韩娜", "县处级领导干部进修班", "2026-03-06")
    assert _error(_send(client, "patch", f"/classes/{training_class.pk}",
                        {"institution_id": cast.county_a.pk}))["field"] == "institution_id"
    body = _error(_send(client, "patch", f"/classes/{training_class.pk}", {"end_date": "2026-03-04"}))
    assert body["field"] == "start_date" and "2026-03-05" in body["message"]
    assert _error(_send(client, "patch", f"/classes/{training_class.pk}", {"capacity": None}))["field"] == "capacity"
    training_class.refresh_from_db()
    assert training_class.end_date == dt.date(2026, 3, 6)


def test_a_transition_follows_the_lifecycle_and_a_retry_changes_nothing(cast, token_client):
    training_class = make_class(cast.party_school)
    client = token_client(cast.ivan)
    body = _ok(_send(client, "post", f"/classes/{training_class.pk}/transition", {"to": "notice_issued"}))
    assert body["status"] == "notice_issued"
    assert [t["status"] for t in body["allowed_transitions"]] == ["draft", "enrolling"]
    assert _ok(_send(client, "post", f"/classes/{training_class.pk}/transition",
                     {"to": "notice_issued"}))["status"] == "notice_issued"
    assert AuditEntry.objects.filter(action="class.transition").count() == 1
    body = _error(_send(client, "post", f"/classes/{training_class.pk}/transition", {"to": "archived"}))
    assert (body["code"], body["field"], body["message"]) == (
        "illegal_transition", "to", "班次当前为“已发调训通知”，不能直接变为“已归档”。")
    assert _error(_send(client, "post", f"/classes/{training_class.pk}/transition", {"to": "paused"}))[
        "field"] == "to"


# --- timetable -------------------------------------------------------------------------------

def test_the_timetable_lists_sessions_in_order(cast, token_client):
    training_class = make_class(cast.party_school)
    evening = make_session(training_class, slot="evening", title="晚间研讨")
    second = make_session(training_class, date=TUESDAY, title="第二天")
    morning = make_session(training_class, slot="morning", title="开班讲座", teacher=cast.tom_teacher)
    afternoon = make_session(training_class, slot="afternoon", title="下午课")
    body = _ok(token_client(cast.ivan).get(f"{API}/classes/{training_class.pk}/sessions"))
    assert [s["id"] for s in body["sessions"]] == [morning.pk, afternoon.pk, evening.pk, second.pk]
    assert body["credit_hours"] == 12.0
    first = body["sessions"][0]
    assert (first["slot_label"], first["start_time"], first["end_time"], first["kind_label"], first["teacher_name"]) == (
        "上午", "08:30:00", "11:30:00", "专题讲座", "汤姆")


def test_it_adds_a_session_with_default_times(cast, token_client):
    training_class = make_class(cast.party_school)
    room = make_room(cast.party_school)
    topic = Topic.objects.get(code="01.01")
    body = _ok(_send(token_client(cast.ivan), "post", f"/classes/{training_class.pk}/sessions", _lecture(
        slot="afternoon", teacher_id=cast.tom_teacher.pk, room_id=room.pk, topic_id=topic.pk, kind="case_study",
        requires_checkout=True)), 201)
    assert (body["start_time"], body["end_time"], body["kind_label"], body["teacher_name"], body["room_name"],
            body["topic_name"], body["requires_checkout"]) == (
        "14:30:00", "17:30:00", "案例教学", "汤姆", "第一教室", topic.name, True)
    assert AuditEntry.objects.filter(action="session.add").count() == 1


def test_a_double_booked_teacher_or_room_is_409_naming_the_clash(cast, token_client):
    other = make_class(cast.party_school, title="乡镇党委书记培训班")
    room = make_room(cast.party_school)
    make_session(other, title="乡村振兴战略", teacher=cast.tom_teacher)
    Session.objects.create(training_class=other, date=MONDAY, slot="afternoon", start_time=dt.time(14, 30),
                           end_time=dt.time(17, 30), title="案例研讨", room=room)
    training_class = make_class(cast.party_school, title="年轻干部培训班")
    client = token_client(cast.ivan)

    body = _error(_send(client, "post", f"/classes/{training_class.pk}/sessions", _lecture(
        teacher_id=cast.tom_teacher.pk, start_time="10:00")), 409)
    assert body["field"] == "teacher_id"
    assert body["message"] == ("教师“汤姆”在该时间已有安排：班次“乡镇党委书记培训班”2026-03-02 08:30–11:30"
                               "“乡村振兴战略”。")
    body = _error(_send(client, "post", f"/classes/{training_class.pk}/sessions",
                        _lecture(slot="afternoon", room_id=room.pk)), 409)
    assert body["field"] == "room_id" and "案例研讨" in body["message"]
    assert not training_class.sessions.exists()
    # Back to back is fine.
    _ok(_send(client, "post", f"/classes/{training_class.pk}/sessions", _lecture(
        teacher_id=cast.tom_teacher.pk, start_time="11:30", end_time="12:00")), 201)


@pytest.mark.parametrize("changes, field", [
    ({"date": "2026-03-09"}, "date"),
    ({"start_time": "11:00", "end_time": "10:00"}, "end_time"),
    ({"kind": "on_site"}, "base_id"),
    ({"title": " "}, "title"),
    ({"slot": "night"}, "slot"),
    ({"topic_id": 999999}, "topic_id"),
])
def test_it_refuses_a_bad_session_naming_the_field(cast, token_client, changes, field):
    training_class = make_class(cast.party_school)
    body = _error(_send(token_client(cast.ivan), "post", f"/classes/{training_class.pk}/sessions", _lecture(**changes)))
    assert body["field"] == field
    assert not Session.objects.exists()


def test_a_session_takes_a_room_or_a_base_of_the_right_kind(cast, token_client, school_b):
    training_class = make_class(cast.party_school)
    base = make_org("红色教育基地", Kind.BASE, cast.city)
    room = make_room(cast.party_school)
    client = token_client(cast.ivan)
    body = _error(_send(client, "post", f"/classes/{training_class.pk}/sessions",
                        _lecture(room_id=room.pk, base_id=base.pk)))
    assert (body["field"], body["message"]) == ("base_id", "教室和教学基地只能选择一个。")
    assert _error(_send(client, "post", f"/classes/{training_class.pk}/sessions",
                        _lecture(base_id=cast.unit_a1.pk)), 404)["field"] == "base_id"
    # A teacher or room of another region's school: 404 like a missing id.
    teacher_b = make_teacher("西山教师", school_b)
    room_b = make_room(school_b)
    assert _error(_send(client, "post", f"/classes/{training_class.pk}/sessions",
                        _lecture(teacher_id=teacher_b.pk)), 404)["field"] == "teacher_id"
    assert _error(_send(client, "post", f"/classes/{training_class.pk}/sessions",
                        _lecture(room_id=room_b.pk)), 404)["field"] == "room_id"
    body = _ok(_send(client, "post", f"/classes/{training_class.pk}/sessions",
                     _lecture(kind="on_site", base_id=base.pk)), 201)
    assert body["base_name"] == "红色教育基地"


def test_a_deactivated_room_cannot_be_booked(cast, token_client):
    training_class = make_class(cast.party_school)
    room = make_room(cast.party_school)
    client = token_client(cast.ivan)
    _ok(_send(client, "patch", f"/rooms/{room.pk}", {"is_active": False}))
    body = _error(_send(client, "post", f"/classes/{training_class.pk}/sessions", _lecture(room_id=room.pk)))
    assert (body["field"], body["message"]) == ("room_id", "教室“第一教室”已停用。")


def test_it_changes_a_session_and_checks_conflicts_again(cast, token_client):
    other = make_class(cast.party_school, title="另一个班")
    make_session(other, slot="afternoon", title="下午讲座", teacher=cast.tom_teacher)
    training_class = make_class(cast.party_school)
    session = make_session(training_class, title="上午讲座", teacher=cast.tom_teacher)
    client = token_client(cast.ivan)
    path = f"/classes/{training_class.pk}/sessions/{session.pk}"
    body = _ok(_send(client, "patch", path, {"title": "改过的讲座", "end_time": "12:00"}))
    assert (body["title"], body["start_time"], body["end_time"], body["teacher_id"]) == (
        "改过的讲座", "08:30:00", "12:00:00", cast.tom_teacher.pk)
    body = _error(_send(client, "patch", path, {"slot": "afternoon", "start_time": None, "end_time": None}), 409)
    assert body["field"] == "teacher_id" and "另一个班" in body["message"]
    body = _ok(_send(client, "patch", path, {"slot": "afternoon", "start_time": None, "end_time": None,
                                              "teacher_id": None}))
    assert (body["slot"], body["start_time"], body["teacher_id"]) == ("afternoon", "14:30:00", None)
    # A session is reached only through its own class.
    assert _send(client, "patch", f"/classes/{other.pk}/sessions/{session.pk}", {"title": "x"}).status_code == 404


def test_it_removes_a_session_and_a_retry_is_404(cast, token_client):
    training_class = make_class(cast.party_school)
    session = make_session(training_class)
    client = token_client(cast.ivan)
    assert _send(client, "delete", f"/classes/{training_class.pk}/sessions/{session.pk}").status_code == 204
    assert _send(client, "delete", f"/classes/{training_class.pk}/sessions/{session.pk}").status_code == 404
    assert not Session.objects.exists()


def test_a_closed_class_timetable_is_frozen(cast, token_client):
    training_class = make_class(cast.party_school, status=ClassStatus.CLOSED)
    session = make_session(training_class)
    client = token_client(cast.ivan)
    assert _error(_send(client, "post", f"/classes/{training_class.pk}/sessions", _lecture()))["message"] == (
        "班次已结业或归档，课程安排不能再修改。")
    assert _send(client, "delete", f"/classes/{training_class.pk}/sessions/{session.pk}").status_code == 400
    assert _error(_send(client, "patch", f"/classes/{training_class.pk}", {"place": "x"}))["message"] == (
        "班次已结业或归档，不能再修改。")


def test_the_head_teacher_keeps_the_timetable_of_her_class_only(cast, token_client):
    mine = make_class(cast.party_school, title="韩娜的班")
    mine.head_teacher = cast.hannah
    mine.save()
    not_mine = make_class(cast.party_school, title="别人的班")
    client = token_client(cast.hannah)
    assert _send(client, "post", f"/classes/{mine.pk}/sessions", _lecture()).status_code == 201
    assert _send(client, "post", f"/classes/{not_mine.pk}/sessions", _lecture()).status_code == 404
    # Teachers and the org department may read timetables but not keep them.
    assert _send(token_client(cast.tom), "post", f"/classes/{mine.pk}/sessions", _lecture()).status_code == 403
    assert _send(token_client(cast.charlie), "post", f"/classes/{mine.pk}/sessions", _lecture()).status_code == 403


# --- rooms -----------------------------------------------------------------------------------

def test_it_lists_creates_and_changes_rooms(cast, token_client, school_b):
    make_room(cast.party_school, "报告厅", 200)
    make_room(school_b, "西山教室")
    client = token_client(cast.ivan)
    body = _ok(_send(client, "post", "/rooms", {"institution_id": cast.party_school.pk, "name": " 第一教室 ",
                                                 "capacity": 60}), 201)
    assert (body["name"], body["capacity"], body["institution_name"], body["is_active"]) == (
        "第一教室", 60, "中共临江市委党校", True)
    again = _error(_send(client, "post", "/rooms", {"institution_id": cast.party_school.pk, "name": "第一教室"}))
    assert (again["field"], again["message"]) == ("name", "本机构已有名为“第一教室”的教室。")
    assert _error(_send(client, "post", "/rooms", {"institution_id": school_b.pk, "name": "新教室"}), 404)[
        "field"] == "institution_id"
    assert _error(_send(client, "post", "/rooms", {"institution_id": cast.party_school.pk, "name": "x",
                                                   "capacity": -1}))["field"] == "capacity"

    body = _ok(_send(client, "patch", f"/rooms/{body['id']}", {"name": "一号教室", "is_active": False}))
    assert (body["name"], body["capacity"], body["is_active"]) == ("一号教室", 60, False)
    assert [r["name"] for r in _ok(client.get(f"{API}/rooms"))["items"]] == ["报告厅"]
    assert [r["name"] for r in _ok(client.get(f"{API}/rooms?include_inactive=true"))["items"]] == ["一号教室", "报告厅"]
    assert list(AuditEntry.objects.filter(action__startswith="room.").order_by("id").values_list(
        "action", flat=True)) == ["room.create", "room.update", "room.deactivate"]


def test_rooms_need_rooms_manage(cast, token_client):
    for account in (cast.hannah, cast.alice, cast.charlie):
        assert token_client(account).get(f"{API}/rooms").status_code == 403


def test_a_room_for_the_timetable_is_found_within_the_scope_only(cast, actor, vera):
    from ganxun.classes.selectors import timetable_room_get_for
    from ganxun.core.errors import NotFound

    room = make_room(cast.party_school)
    assert timetable_room_get_for(actor(cast.hannah), room.pk) == room  # no rooms.manage, but keeps timetables
    for account in (vera, cast.tom, cast.ivan):
        if account is cast.ivan:
            assert timetable_room_get_for(actor(account), room.pk) == room
            continue
        with pytest.raises(NotFound):
            timetable_room_get_for(actor(account), room.pk)


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_lists_take_the_same_number_of_queries_for_more_rows(cast, token_client):
    client = token_client(cast.ivan)
    training_class = make_class(cast.party_school)
    training_class.topics.set([Topic.objects.get(code="01.01")])
    make_session(training_class, teacher=cast.tom_teacher)
    make_room(cast.party_school)
    urls = [f"{API}/classes", f"{API}/rooms", f"{API}/classes/{training_class.pk}/sessions"]
    client.get(f"{API}/classes")  # the token's first use is recorded once
    before = [_queries(client, url) for url in urls]
    for index in range(4):
        other = make_class(cast.party_school, title=f"班{index}", organiser=cast.city)
        other.topics.set([Topic.objects.get(code="03.01")])
        make_room(cast.party_school, f"教室{index}")
        make_session(training_class, date=TUESDAY, slot=["morning", "afternoon", "evening", "morning"][index],
                     start=dt.time(8 + index * 3, 0), end=dt.time(9 + index * 3, 0), title=f"课{index}",
                     teacher=make_teacher(f"教师{index}", cast.party_school))
    assert [_queries(client, url) for url in urls] == before
