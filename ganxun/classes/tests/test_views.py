"""Pages of classes and timetables: who sees what, forms showing the services' refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from ganxun.classes.models import ClassStatus, Room, Session, SessionKind, Slot, TrainingClass
from ganxun.classes.tests.factories import MONDAY, make_class, make_room

pytestmark = pytest.mark.django_db


def _session(training_class, teacher=None, room=None, *, date=MONDAY, slot=Slot.MORNING, title="专题讲座",
             start=dt.time(8, 30), end=dt.time(11, 30), kind=SessionKind.LECTURE) -> Session:
    return Session.objects.create(training_class=training_class, date=date, slot=slot, start_time=start,
                                  end_time=end, kind=kind, title=title, teacher=teacher, room=room)


def _class_post(cast, **changes) -> dict:
    data = {"title": "2026年中青年干部培训班", "institution": cast.party_school.pk, "organiser": cast.city.pk,
            "training_type": "in_service", "start_date": "2026-03-02", "end_date": "2026-03-06",
            "place": "市委党校", "mode": "offline", "head_teacher": cast.hannah.pk, "capacity": "40",
            "hours_per_half_day": "3"}
    data.update(changes)
    return data


def test_ivan_creates_a_class_through_the_form(cast, login):
    page = login(cast.ivan).get(reverse("classes:create")).content.decode()
    assert "韩娜" in page and "党的理论教育和党性教育专题培训" in page
    response = login(cast.ivan).post(reverse("classes:create"), _class_post(cast))
    training_class = TrainingClass.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("classes:detail", args=[training_class.pk])
    assert training_class.head_teacher == cast.hannah


def test_the_form_shows_dates_out_of_order(cast, login):
    response = login(cast.ivan).post(reverse("classes:create"), _class_post(cast, end_date="2026-03-01"))
    assert response.status_code == 200
    assert "结业日期不能早于开班日期" in response.content.decode()
    assert not TrainingClass.objects.exists()


def test_the_timetable_form_shows_a_teacher_conflict(cast, login):
    other = make_class(cast.party_school, title="乡镇党委书记培训班")
    _session(other, cast.tom_teacher, title="乡村振兴战略")
    training_class = make_class(cast.party_school, title="年轻干部培训班")
    response = login(cast.ivan).post(reverse("classes:session_add", args=[training_class.pk]), {
        "date": "2026-03-02", "slot": "morning", "kind": "lecture", "title": "党史专题",
        "teacher": cast.tom_teacher.pk,
    })
    assert response.status_code == 400
    body = response.content.decode()
    assert "乡镇党委书记培训班" in body and "乡村振兴战略" in body
    assert not training_class.sessions.exists()


def test_ivan_adds_edits_and_removes_a_session(cast, login):
    client = login(cast.ivan)
    training_class = make_class(cast.party_school)
    room = make_room(cast.party_school)
    page = client.get(reverse("classes:timetable", args=[training_class.pk])).content.decode()
    assert "添加课程" in page and "汤姆（讲师）" in page and "第一教室" in page
    response = client.post(reverse("classes:session_add", args=[training_class.pk]), {
        "date": "2026-03-03", "slot": "afternoon", "kind": "lecture", "title": "党史专题",
        "teacher": cast.tom_teacher.pk, "room": room.pk,
    })
    assert response.status_code == 302
    session = training_class.sessions.get()
    assert (session.start_time, session.end_time) == (dt.time(14, 30), dt.time(17, 30))
    edit_page = client.get(reverse("classes:session_edit", args=[training_class.pk, session.pk]))
    assert 'value="党史专题"' in edit_page.content.decode()
    response = client.post(reverse("classes:session_edit", args=[training_class.pk, session.pk]), {
        "date": "2026-03-03", "slot": "afternoon", "kind": "case_study", "title": "案例：基层治理",
        "teacher": cast.tom_teacher.pk, "room": room.pk,
    })
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.kind == SessionKind.CASE_STUDY
    client.post(reverse("classes:session_remove", args=[training_class.pk, session.pk]))
    assert not training_class.sessions.exists()


def test_the_status_action_moves_the_class_and_refuses_jumps(cast, login):
    client = login(cast.ivan)
    training_class = make_class(cast.party_school)
    client.post(reverse("classes:transition", args=[training_class.pk]), {"to": "running"})
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.DRAFT
    client.post(reverse("classes:transition", args=[training_class.pk]), {"to": "notice_issued"})
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.NOTICE_ISSUED


def test_the_printable_timetable_lists_sessions_in_date_and_slot_order(cast, login):
    training_class = make_class(cast.party_school)
    tuesday = MONDAY + dt.timedelta(days=1)
    _session(training_class, title="周二晚上", date=tuesday, slot=Slot.EVENING, start=dt.time(19), end=dt.time(21))
    _session(training_class, cast.tom_teacher, title="周一下午", slot=Slot.AFTERNOON, start=dt.time(14, 30),
             end=dt.time(17, 30))
    _session(training_class, title="周一上午")
    response = login(cast.ivan).get(reverse("classes:timetable_print", args=[training_class.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("周一上午") < body.index("周一下午") < body.index("周二晚上")
    assert "汤姆 讲师" in body
    assert "@page { size: A4" in body
    assert "navbar" not in body


def test_the_detail_page_shows_the_credit_hours(cast, login):
    training_class = make_class(cast.party_school)
    _session(training_class, title="上午一")
    _session(training_class, title="下午一", slot=Slot.AFTERNOON, start=dt.time(14, 30), end=dt.time(17, 30))
    response = login(cast.leo).get(reverse("classes:detail", args=[training_class.pk]))
    assert '<strong id="credit-hours">6</strong>' in response.content.decode()


def test_leo_reads_the_class_but_cannot_change_it(cast, login):
    client = login(cast.leo)
    training_class = make_class(cast.party_school)
    session = _session(training_class)
    assert client.get(reverse("classes:detail", args=[training_class.pk])).status_code == 200
    assert client.get(reverse("classes:timetable", args=[training_class.pk])).status_code == 200
    assert client.post(reverse("classes:edit", args=[training_class.pk]), _class_post(cast)).status_code == 403
    assert client.post(reverse("classes:transition", args=[training_class.pk]),
                       {"to": "notice_issued"}).status_code == 403
    assert client.post(reverse("classes:session_add", args=[training_class.pk]),
                       {"date": "2026-03-02", "slot": "evening", "kind": "lecture", "title": "x"}).status_code == 403
    assert client.post(reverse("classes:session_remove", args=[training_class.pk, session.pk])).status_code == 403
    assert client.post(reverse("classes:rooms"), {"institution": cast.party_school.pk, "name": "x"}).status_code == 403
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.DRAFT and training_class.sessions.count() == 1


def test_the_outsider_gets_404(cast, login):
    client = login(cast.charlie)
    training_class = make_class(cast.party_school, organiser=cast.county_a)
    session = _session(training_class)
    for url in (reverse("classes:detail", args=[training_class.pk]),
                reverse("classes:timetable", args=[training_class.pk]),
                reverse("classes:timetable_print", args=[training_class.pk]),
                reverse("classes:edit", args=[training_class.pk]),
                reverse("classes:session_edit", args=[training_class.pk, session.pk])):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("classes:transition", args=[training_class.pk]),
                       {"to": "notice_issued"}).status_code == 404
    assert "县处级领导干部进修班" not in client.get(reverse("classes:list")).content.decode()


def test_the_organiser_region_sees_its_class_at_a_city_institution(cast, login):
    training_class = make_class(cast.party_school, organiser=cast.county_a, title="东城区科级干部班")
    client = login(cast.alice)
    assert "东城区科级干部班" in client.get(reverse("classes:list")).content.decode()
    detail = client.get(reverse("classes:detail", args=[training_class.pk])).content.decode()
    # Seeing is not managing: the institution is outside her county, so no actions are offered
    # and a forged edit is refused.
    assert reverse("classes:edit", args=[training_class.pk]) not in detail
    response = client.post(reverse("classes:edit", args=[training_class.pk]), _class_post(cast, title="改名"))
    assert "不在您的管理范围内" in response.content.decode()
    training_class.refresh_from_db()
    assert training_class.title == "东城区科级干部班"


def test_tom_lists_only_the_classes_where_he_teaches(cast, login):
    taught = make_class(cast.party_school, title="有汤姆授课的班")
    _session(taught, cast.tom_teacher)
    _session(taught, cast.tom_teacher, slot=Slot.AFTERNOON, start=dt.time(14, 30), end=dt.time(17, 30))
    other = make_class(cast.party_school, title="没有汤姆的班")
    client = login(cast.tom)
    body = client.get(reverse("classes:list")).content.decode()
    assert body.count("有汤姆授课的班") == 1
    assert "没有汤姆的班" not in body
    assert client.get(reverse("classes:detail", args=[other.pk])).status_code == 404


def test_the_list_filters_by_status_and_month(cast, login):
    make_class(cast.party_school, title="三月的班")
    make_class(cast.party_school, title="五月的班", start=dt.date(2026, 5, 11), status=ClassStatus.ENROLLING)
    client = login(cast.ivan)
    body = client.get(reverse("classes:list"), {"year": 2026, "month": 5}).content.decode()
    assert "五月的班" in body and "三月的班" not in body
    body = client.get(reverse("classes:list"), {"status": "draft"}).content.decode()
    assert "三月的班" in body and "五月的班" not in body


def test_ivan_manages_rooms(cast, login):
    client = login(cast.ivan)
    assert "添加教室" in client.get(reverse("classes:rooms")).content.decode()
    response = client.post(reverse("classes:rooms"), {"institution": cast.party_school.pk, "name": "报告厅",
                                                      "capacity": "200"})
    assert response.status_code == 302
    room = Room.objects.get()
    client.post(reverse("classes:room_edit", args=[room.pk]), {"active": "0"})
    room.refresh_from_db()
    assert not room.is_active
    assert login(cast.charlie).post(reverse("classes:room_edit", args=[room.pk]), {"active": "1"}).status_code == 403
    assert login(cast.hannah).post(reverse("classes:room_edit", args=[room.pk]), {"active": "1"}).status_code == 403


def test_another_institution_admin_gets_404_for_a_room(cast, login):
    from ganxun.org.models import Organisation
    from ganxun.testing import make_account, make_org

    room = make_room(cast.party_school)
    other_school = make_org("临江市行政学院", Organisation.Kind.INSTITUTION, cast.city)
    other_admin = make_account("olga", "institution_admin", other_school)
    client = login(other_admin)
    assert client.post(reverse("classes:room_edit", args=[room.pk]), {"active": "0"}).status_code == 404
    assert "第一教室" not in client.get(reverse("classes:rooms")).content.decode()
    room.refresh_from_db()
    assert room.is_active


def test_hannah_arranges_the_timetable_of_the_class_she_heads(cast, login):
    headed = make_class(cast.party_school, title="韩娜带的班")
    headed.head_teacher = cast.hannah
    headed.save()
    other = make_class(cast.party_school, title="别人带的班")
    client = login(cast.hannah)
    response = client.post(reverse("classes:session_add", args=[headed.pk]), {
        "date": "2026-03-02", "slot": "morning", "kind": "discussion", "title": "结构化研讨：基层减负"})
    assert response.status_code == 302
    assert headed.sessions.get().kind == SessionKind.DISCUSSION
    assert client.post(reverse("classes:session_add", args=[other.pk]), {
        "date": "2026-03-02", "slot": "morning", "kind": "lecture", "title": "x"}).status_code == 404
    # Changing the class itself is the institution admin's job.
    assert client.post(reverse("classes:transition", args=[headed.pk]), {"to": "notice_issued"}).status_code == 403
