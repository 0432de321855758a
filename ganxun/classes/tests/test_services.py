"""Services of classes and timetables: validation, conflicts, lifecycle, credit hours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ganxun.classes import services
from ganxun.classes.models import ClassStatus, Room, Session, SessionKind, Slot, TrainingClass
from ganxun.classes.selectors import class_credit_hours, class_list_for, sessions_of
from ganxun.classes.tests.factories import MONDAY, make_class, make_room
from ganxun.core.errors import Conflict, DomainError, Forbidden, NotFound
from ganxun.org.models import Organisation
from ganxun.testing import make_account, make_org, make_teacher

pytestmark = pytest.mark.django_db


def _data(**changes) -> dict:
    data = {"title": "2026年春季中青年干部培训班", "training_type": "in_service", "start_date": MONDAY,
            "end_date": MONDAY + dt.timedelta(days=4), "place": "市委党校", "mode": "offline", "capacity": 40,
            "hours_per_half_day": Decimal("3"), "plan_item_id": None}
    data.update(changes)
    return data


def _session(**changes) -> dict:
    data = {"date": MONDAY, "slot": Slot.MORNING, "start_time": None, "end_time": None,
            "kind": SessionKind.LECTURE, "title": "学习贯彻党的二十届四中全会精神", "topic": None,
            "teacher": None, "room": None, "base": None}
    data.update(changes)
    return data


def test_ivan_creates_a_class_with_head_teacher(cast, actor):
    ivan = actor(cast.ivan)
    training_class = services.class_create(actor=ivan, data=_data(), institution=cast.party_school,
                                           organiser=cast.city, head_teacher=cast.hannah)
    assert training_class.status == ClassStatus.DRAFT
    assert training_class.head_teacher == cast.hannah
    assert training_class.created_by == cast.ivan


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"end_date": MONDAY - dt.timedelta(days=1)}, "end_date", "结业日期不能早于开班日期"),
    ({"capacity": 0}, "capacity", "计划人数至少为 1 人"),
])
def test_it_refuses_bad_class_input_and_saves_nothing(cast, actor, changes, field, message):
    with pytest.raises(DomainError) as error:
        services.class_create(actor=actor(cast.ivan), data=_data(**changes), institution=cast.party_school)
    assert error.value.field == field
    assert message in error.value.message
    assert TrainingClass.objects.count() == 0


def test_it_refuses_a_head_teacher_without_the_role(cast, actor):
    with pytest.raises(DomainError) as error:
        services.class_create(actor=actor(cast.ivan), data=_data(), institution=cast.party_school,
                              head_teacher=cast.tom)
    assert error.value.field == "head_teacher"
    assert "不是中共临江市委党校的班主任" in error.value.message
    assert TrainingClass.objects.count() == 0


def test_it_refuses_a_class_at_an_institution_outside_the_scope(cast, actor):
    # The party school is a city institution, outside alice's county.
    with pytest.raises(NotFound):
        services.class_create(actor=actor(cast.alice), data=_data(), institution=cast.party_school)
    county_school = make_org("东城区委党校", Organisation.Kind.INSTITUTION, cast.county_a)
    created = services.class_create(actor=actor(cast.alice), data=_data(), institution=county_school,
                                    organiser=cast.county_a)
    assert created.organiser == cast.county_a


def test_a_leader_may_not_create_classes(cast, actor):
    with pytest.raises(Forbidden):
        services.class_create(actor=actor(cast.leo), data=_data(), institution=cast.party_school)


def test_it_refuses_a_teacher_of_another_institution_pool(cast, actor):
    ivan = actor(cast.ivan)
    other_school = make_org("临江市行政学院", Organisation.Kind.INSTITUTION, cast.city)
    stranger = make_teacher("外校教师", other_school)
    training_class = make_class(cast.party_school)
    with pytest.raises(DomainError) as error:
        services.session_add(actor=ivan, training_class=training_class, data=_session(teacher=stranger))
    assert error.value.field == "teacher"
    assert "不在中共临江市委党校的师资库中" in error.value.message
    assert Session.objects.count() == 0


def test_it_blocks_a_teacher_double_booked_in_another_class(cast, actor):
    ivan = actor(cast.ivan)
    first = make_class(cast.party_school, title="乡镇党委书记培训班")
    second = make_class(cast.party_school, title="年轻干部培训班")
    services.session_add(actor=ivan, training_class=first,
                         data=_session(teacher=cast.tom_teacher, title="乡村振兴战略"))
    with pytest.raises(Conflict) as error:
        services.session_add(actor=ivan, training_class=second, data=_session(
            teacher=cast.tom_teacher, start_time=dt.time(10, 0), end_time=dt.time(12, 0)))
    assert error.value.field == "teacher"
    assert "乡镇党委书记培训班" in error.value.message and "乡村振兴战略" in error.value.message
    assert second.sessions.count() == 0
    # The afternoon does not overlap: accepted.
    services.session_add(actor=ivan, training_class=second, data=_session(teacher=cast.tom_teacher,
                                                                           slot=Slot.AFTERNOON))
    assert second.sessions.count() == 1


def test_it_blocks_a_room_double_booked(cast, actor):
    ivan = actor(cast.ivan)
    room = make_room(cast.party_school)
    first = make_class(cast.party_school, title="乡镇党委书记培训班")
    second = make_class(cast.party_school, title="年轻干部培训班")
    services.session_add(actor=ivan, training_class=first, data=_session(room=room))
    with pytest.raises(Conflict) as error:
        services.session_add(actor=ivan, training_class=second, data=_session(room=room))
    assert error.value.field == "room"
    assert "第一教室" in error.value.message and "乡镇党委书记培训班" in error.value.message


def test_a_base_may_host_two_groups_at_once(cast, actor):
    ivan = actor(cast.ivan)
    base = make_org("红色教育基地", Organisation.Kind.BASE, cast.city)
    for title in ("甲班", "乙班"):
        services.session_add(actor=ivan, training_class=make_class(cast.party_school, title=title),
                             data=_session(kind=SessionKind.ON_SITE, base=base))
    assert Session.objects.filter(base=base).count() == 2


def test_it_requires_a_base_for_on_site_teaching(cast, actor):
    with pytest.raises(DomainError) as error:
        services.session_add(actor=actor(cast.ivan), training_class=make_class(cast.party_school),
                             data=_session(kind=SessionKind.ON_SITE))
    assert error.value.field == "base"
    assert "现场教学须选择教学基地" in error.value.message


@pytest.mark.parametrize(("changes", "field"), [
    ({"date": MONDAY + dt.timedelta(days=9)}, "date"),
    ({"start_time": dt.time(11, 0), "end_time": dt.time(9, 0)}, "end_time"),
])
def test_it_refuses_sessions_outside_dates_or_with_times_reversed(cast, actor, changes, field):
    with pytest.raises(DomainError) as error:
        services.session_add(actor=actor(cast.ivan), training_class=make_class(cast.party_school),
                             data=_session(**changes))
    assert error.value.field == field
    assert Session.objects.count() == 0


def test_it_refuses_room_and_base_together(cast, actor):
    base = make_org("红色教育基地", Organisation.Kind.BASE, cast.city)
    with pytest.raises(DomainError) as error:
        services.session_add(actor=actor(cast.ivan), training_class=make_class(cast.party_school),
                             data=_session(room=make_room(cast.party_school), base=base))
    assert error.value.field == "base"


def test_updating_a_session_does_not_clash_with_itself(cast, actor):
    ivan = actor(cast.ivan)
    session = services.session_add(actor=ivan, training_class=make_class(cast.party_school),
                                   data=_session(teacher=cast.tom_teacher))
    updated = services.session_update(actor=ivan, session=session,
                                      data=_session(teacher=cast.tom_teacher, title="改后的题目"))
    assert updated.title == "改后的题目"


def test_status_follows_the_lifecycle_and_refuses_jumps(cast, actor):
    ivan = actor(cast.ivan)
    training_class = make_class(cast.party_school)
    with pytest.raises(DomainError) as error:
        services.class_transition(actor=ivan, training_class=training_class, to=ClassStatus.RUNNING)
    assert "不能直接变为“进行中”" in error.value.message
    for status in (ClassStatus.NOTICE_ISSUED, ClassStatus.ENROLLING, ClassStatus.RUNNING):
        training_class = services.class_transition(actor=ivan, training_class=training_class, to=status)
    # Closing assesses the cadres and posts credits: only assessment.services.class_close does it.
    with pytest.raises(DomainError) as error:
        services.class_transition(actor=ivan, training_class=training_class, to=ClassStatus.CLOSED)
    assert error.value.code == "illegal_transition"
    TrainingClass.objects.filter(pk=training_class.pk).update(status=ClassStatus.CLOSED)
    training_class = services.class_transition(actor=ivan, training_class=training_class, to=ClassStatus.ARCHIVED)
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.ARCHIVED


def test_a_closed_class_timetable_is_frozen(cast, actor):
    ivan = actor(cast.ivan)
    training_class = make_class(cast.party_school)
    session = services.session_add(actor=ivan, training_class=training_class, data=_session())
    TrainingClass.objects.filter(pk=training_class.pk).update(status=ClassStatus.CLOSED)
    with pytest.raises(DomainError):
        services.session_remove(actor=ivan, session=session)
    assert Session.objects.filter(pk=session.pk).exists()


def test_credit_hours_count_half_days_with_sessions(cast, actor):
    ivan = actor(cast.ivan)
    training_class = make_class(cast.party_school)
    tuesday = MONDAY + dt.timedelta(days=1)
    # Monday morning holds two sessions (one half day), Monday afternoon one, Tuesday evening one.
    for data in (_session(start_time=dt.time(8, 30), end_time=dt.time(10, 0)),
                 _session(start_time=dt.time(10, 0), end_time=dt.time(11, 30), title="第二节"),
                 _session(slot=Slot.AFTERNOON, title="研讨", kind=SessionKind.DISCUSSION),
                 _session(date=tuesday, slot=Slot.EVENING, title="观看专题片")):
        services.session_add(actor=ivan, training_class=training_class, data=data)
    assert class_credit_hours(training_class) == Decimal("9")
    training_class.hours_per_half_day = Decimal("4")
    assert class_credit_hours(training_class) == Decimal("12")
    assert [s.title for s in sessions_of(training_class)][-1] == "观看专题片"


def test_rooms_are_unique_per_institution_and_deactivate(cast, actor):
    ivan = actor(cast.ivan)
    room = services.room_create(actor=ivan, institution=cast.party_school, name="报告厅", capacity=200)
    with pytest.raises(DomainError) as error:
        services.room_create(actor=ivan, institution=cast.party_school, name="报告厅")
    assert error.value.field == "name"
    services.room_set_active(actor=ivan, room=room, active=False)
    with pytest.raises(DomainError) as error:
        services.session_add(actor=ivan, training_class=make_class(cast.party_school), data=_session(room=room))
    assert "已停用" in error.value.message
    assert Room.objects.count() == 1


def test_a_teacher_sees_only_classes_where_they_teach(cast, actor):
    ivan = actor(cast.ivan)
    taught = make_class(cast.party_school, title="有汤姆的班")
    make_class(cast.party_school, title="没有汤姆的班")
    services.session_add(actor=ivan, training_class=taught, data=_session(teacher=cast.tom_teacher))
    services.session_add(actor=ivan, training_class=taught, data=_session(teacher=cast.tom_teacher,
                                                                          slot=Slot.AFTERNOON))
    assert list(class_list_for(actor(cast.tom))) == [taught]


def test_a_head_teacher_sees_the_classes_they_head(cast, actor):
    headed = services.class_create(actor=actor(cast.ivan), data=_data(title="韩娜的班"),
                                   institution=cast.party_school, head_teacher=cast.hannah)
    make_class(cast.party_school, title="别人的班")
    assert list(class_list_for(actor(cast.hannah))) == [headed]
    other_head = make_account("hugo", "head_teacher", cast.party_school)
    assert list(class_list_for(actor(other_head))) == []
