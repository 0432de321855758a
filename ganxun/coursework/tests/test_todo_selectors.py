"""The count behind the home page's to-do line of online-course reflections: reflections waiting
for a grade, per course, for those who grade them (the providing institution; a teacher only the
courses they teach)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ganxun.access.roles import Role
from ganxun.coursework import selectors
from ganxun.coursework.models import CourseReflection, ReflectionStatus
from ganxun.coursework.selectors import reflections_to_grade_by_course
from ganxun.coursework.tests.helpers import T0, make_course, make_provided_course
from ganxun.testing import make_account, make_org, make_teacher, with_role

pytestmark = pytest.mark.django_db

_learners = itertools.count(1)


def reflect(course, *, status=ReflectionStatus.SUBMITTED, minutes=0) -> CourseReflection:
    """A learner's reflection in the given state, written directly (the services are tested elsewhere)."""
    learner = make_account(f"learner{next(_learners)}")
    grade = "good" if status == ReflectionStatus.GRADED else ""
    return CourseReflection.objects.create(course=course, account=learner, text="体会" * 200, status=status,
                                           grade=grade, submitted_at=T0 + dt.timedelta(minutes=minutes))


def waiting(actor) -> list[tuple[str, int]]:
    return [(w.title, w.count) for w in reflections_to_grade_by_course(with_role(actor))]


@pytest.fixture
def courses(cast):
    """Two courses provided by the city party school; tom teaches the first."""
    taught = make_provided_course(cast, title="党的二十大精神")
    taught.teacher = cast.tom_teacher
    taught.save(update_fields=["teacher"])
    return taught, make_provided_course(cast, title="数字经济")


def test_it_counts_reflections_waiting_for_a_grade_per_course_the_most_first(cast, courses):
    taught, other = courses
    reflect(taught, minutes=30)
    reflect(taught, minutes=40)
    reflect(taught, status=ReflectionStatus.GRADED)
    alone = reflect(other, minutes=10)
    reflect(other, status=ReflectionStatus.RETURNED)          # waits for the learner, not the grader
    assert waiting(cast.ivan) == [("党的二十大精神", 2), ("数字经济", 1)]
    rows = reflections_to_grade_by_course(with_role(cast.hannah))
    assert rows[0].oldest_submitted_at == T0 + dt.timedelta(minutes=30)
    assert (rows[1].first_id, rows[1].oldest_submitted_at) == (alone.pk, T0 + dt.timedelta(minutes=10))
    # The same reflections as the grading queue shows.
    queue = selectors.reflections_for_grader(with_role(cast.ivan))
    assert sum(row.count for row in rows) == queue.count() == 3


def test_equal_counts_put_the_longest_waiting_course_first(cast, courses):
    taught, other = courses
    reflect(taught, minutes=50)
    reflect(other, minutes=5)
    assert waiting(cast.hannah) == [("数字经济", 1), ("党的二十大精神", 1)]


def test_a_teacher_counts_only_the_courses_they_teach(cast, courses):
    taught, other = courses
    reflect(taught)
    reflect(other)
    assert waiting(cast.tom) == [("党的二十大精神", 1)]
    colleague = make_account("wen", Role.TEACHER, cast.party_school)
    make_teacher("文老师", cast.party_school, account=colleague)
    assert waiting(colleague) == []


def test_other_institutions_and_roles_without_the_right_count_nothing(cast, courses):
    taught, _ = courses
    reflect(taught)
    county_school = make_org("西山县委党校", "institution", cast.county_b)
    outsider = make_account("xu", Role.HEAD_TEACHER, county_school)
    assert waiting(outsider) == []
    for other in (cast.alice, cast.charlie, cast.bob, cast.leo, cast.carol):   # no reflections.grade
        assert waiting(other) == []


def test_the_grading_institution_decides_not_the_owner(cast):
    # A course of county A's org department without provider or teacher has no grader at all; one
    # owned by the party school is graded there.
    nobody = make_course(cast, title="无人评阅", minutes=1)
    own = make_course(cast, title="党校自有课程", minutes=1, owner=cast.party_school, actor=cast.ivan)
    reflect(nobody)
    reflect(own)
    assert waiting(cast.ivan) == [("党校自有课程", 1)]


def test_it_is_one_query_whatever_the_number_of_courses(cast, courses):
    taught, other = courses
    reflect(taught)
    ivan = with_role(cast.ivan)
    with CaptureQueriesContext(connection) as one:
        assert len(reflections_to_grade_by_course(ivan)) == 1
    reflect(other)
    reflect(make_provided_course(cast, title="第三门"))
    with CaptureQueriesContext(connection) as three:
        assert len(reflections_to_grade_by_course(ivan)) == 3
    assert len(one) == len(three) == 1
