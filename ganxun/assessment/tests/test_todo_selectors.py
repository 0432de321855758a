"""The counts behind the home page's to-do card: reflections to grade, classes to close."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ganxun.access.roles import Role
from ganxun.assessment.models import Reflection
from ganxun.assessment.selectors import classes_awaiting_close, reflections_to_grade_by_class
from ganxun.assessment.tests.builders import enroll, ran_class
from ganxun.testing import make_account, make_cadre, make_session

pytestmark = pytest.mark.django_db


def reflect(enrollment, grade=""):
    return Reflection.objects.create(enrollment=enrollment, title="体会", text="学习" * 500, grade=grade)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


# --- reflections to grade ---------------------------------------------------------------------

def test_ungraded_reflections_are_counted_per_class_for_those_who_grade_them(cast, actor):
    first, _ = ran_class(cast, title="第一期")                       # tom teaches its first session
    second, second_sessions = ran_class(cast, title="第二期", head_teacher=None)
    second_sessions[0].teacher = None                                # nobody from the pool: not tom's
    second_sessions[0].save(update_fields=["teacher"])
    a = enroll(first, cast.cadres_a[:3])
    b = enroll(second, [cast.cadres_a[3]])
    reflect(a[0])
    reflect(a[1])
    reflect(a[2], grade="good")                                      # graded
    reflect(b[0])
    assert reflections_to_grade_by_class(actor(cast.ivan)) == [(first, 2), (second, 1)]
    assert reflections_to_grade_by_class(actor(cast.hannah)) == [(first, 2)]   # heads only the first
    assert reflections_to_grade_by_class(actor(cast.tom)) == [(first, 2)]      # teaches only in the first
    for other in (cast.alice, cast.charlie, cast.bob, cast.leo):                # no reflections.grade
        assert reflections_to_grade_by_class(actor(other)) == []
    helen = make_account("helen", Role.HEAD_TEACHER, cast.party_school)
    assert reflections_to_grade_by_class(actor(helen)) == []


def test_reflections_of_dropped_cadres_and_closed_classes_wait_for_nobody(cast, actor):
    training_class, _ = ran_class(cast)
    dropped, kept = enroll(training_class, [cast.cadres_a[0], cast.cadres_a[1]])
    dropped.status = "dropped"
    dropped.save(update_fields=["status"])
    reflect(dropped)
    reflect(kept)
    assert reflections_to_grade_by_class(actor(cast.hannah)) == [(training_class, 1)]
    training_class.status = "closed"
    training_class.save(update_fields=["status"])
    assert reflections_to_grade_by_class(actor(cast.hannah)) == []


def test_another_institutions_reflections_are_not_counted(cast, actor):
    from ganxun.testing import make_class, make_enrollment, make_org

    other_school = make_org("西山县委党校", "institution", cast.county_b)
    training_class = make_class(other_school, status="running")
    reflect(make_enrollment(training_class, make_cadre("赵敏", cast.unit_b1)))
    assert reflections_to_grade_by_class(actor(cast.ivan)) == []


# --- classes to close -------------------------------------------------------------------------

def test_a_running_class_waits_to_be_closed_once_its_last_session_has_ended(cast, actor):
    training_class, sessions = ran_class(cast)         # last session: the last day's afternoon, till 17:30
    last = sessions[-1]
    assert classes_awaiting_close(actor(cast.hannah), now=at(last.date, 17, 29)) == []
    ready = classes_awaiting_close(actor(cast.hannah), now=at(last.date, 17, 30))
    assert ready == [training_class] and ready[0].last_day == last.date
    assert classes_awaiting_close(actor(cast.ivan), now=at(last.date, 18, 0)) == [training_class]
    for other in (cast.alice, cast.charlie, cast.tom, cast.leo, cast.bob):   # no classes.close
        assert classes_awaiting_close(actor(other), now=at(last.date, 18, 0)) == []
    helen = make_account("helen", Role.HEAD_TEACHER, cast.party_school)
    assert classes_awaiting_close(actor(helen), now=at(last.date, 18, 0)) == []


def test_classes_that_cannot_be_closed_are_not_listed(cast, actor):
    later = dt.date.today() + dt.timedelta(days=30)
    enrolling, _ = ran_class(cast, title="报名中", status="enrolling")
    closed, _ = ran_class(cast, title="已结业", status="closed")
    empty, sessions = ran_class(cast, title="无课程", days=1)
    for session in sessions:
        session.delete()
    extended, _ = ran_class(cast, title="加课")
    make_session(extended, date=later, slot="morning", title="补课")
    assert enrolling and closed and empty
    assert classes_awaiting_close(actor(cast.ivan), now=timezone.now()) == []
    oldest, _ = ran_class(cast, title="最早", start=dt.date.today() - dt.timedelta(days=20))
    newest, _ = ran_class(cast, title="最近")
    assert classes_awaiting_close(actor(cast.ivan), now=timezone.now()) == [oldest, newest]
