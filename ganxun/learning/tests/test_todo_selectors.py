"""The counts behind the home page's to-do lines of the review pipeline: courses a reviewer has
still to score, courses whose reviews are complete and wait for the org department."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ganxun.access.roles import Role
from ganxun.learning import review
from ganxun.learning.selectors import courses_awaiting_confirmation, courses_awaiting_my_review
from ganxun.learning.tests.helpers import T0, city_admin, make_course, reviewers
from ganxun.testing import make_account, make_teacher, with_role

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def submitted(cast, title, *, at=T0, owner=None, teacher=None):
    """A course of the party school (or of `owner`, submitted by its org department) sent to review."""
    if owner is None:
        course = make_course(cast, title=title, owner=cast.party_school, actor=cast.ivan, published=False)
        submitter = cast.ivan
    else:
        course = make_course(cast, title=title, owner=owner, published=False)
        submitter = cast.alice
    if teacher is not None:
        course.teacher = teacher
        course.save(update_fields=["teacher"])
    review.course_submit(actor=with_role(submitter), course=course, now=at)
    course.refresh_from_db()
    return course


def score(expert, course, *, at=T0):
    review.course_review_save(actor=expert, course=course, content_score=4, teaching_score=4, production_score=4,
                              comment="可以。", now=at)


def backlog(actor) -> tuple[int, dt.datetime | None]:
    figures = courses_awaiting_my_review(actor)
    return figures.count, figures.oldest_submitted_at


# --- courses to review -------------------------------------------------------------------------

def test_it_counts_the_courses_in_review_the_reviewer_has_not_scored(cast):
    first = submitted(cast, "第一门", at=T0)
    submitted(cast, "第二门", at=T0 + HOUR)
    rev1, rev2, _ = reviewers(cast)
    assert backlog(rev1) == (2, T0)
    score(rev1, first)
    assert backlog(rev1) == (1, T0 + HOUR)            # the one left was submitted an hour later
    assert backlog(rev2) == (2, T0)                   # another expert's score is not theirs
    assert [c.title for c in review.courses_for_reviewer(rev1) if not c.my_review_done] == ["第二门"]


def test_a_returned_and_resubmitted_course_waits_for_the_reviewer_again(cast):
    course = submitted(cast, "退回重审", at=T0)
    rev1 = reviewers(cast, 1)[0]
    score(rev1, course)
    assert backlog(rev1) == (0, None)
    review.course_confirm(actor=city_admin(cast), course=course, decision="return", reason="请补充案例", now=T0 + HOUR)
    assert backlog(rev1) == (0, None)                 # a draft waits for nobody's score
    course.refresh_from_db()
    review.course_submit(actor=with_role(cast.ivan), course=course, now=T0 + 5 * HOUR)
    assert backlog(rev1) == (1, T0 + 5 * HOUR)        # round 2, submitted at the resubmission


def test_a_course_the_reviewer_teaches_is_not_theirs_to_score(cast):
    expert = make_account("prof", Role.COURSE_REVIEWER, cast.city, full_name="教授")
    teacher = make_teacher("教授", cast.party_school, account=expert)
    own = submitted(cast, "自己主讲", teacher=teacher)
    submitted(cast, "别人的课")
    expert = with_role(expert)
    assert backlog(expert) == (1, T0)
    # The queue page lists it (the service refuses the score); the card leaves it out.
    assert own.pk in {c.pk for c in review.courses_for_reviewer(expert)}


def test_a_reviewer_counts_only_courses_under_their_scope(cast):
    submitted(cast, "党校课程")                                       # owner: the city's party school
    submitted(cast, "东城区课程", owner=cast.org_dept_a)
    county_a = with_role(make_account("reva", Role.COURSE_REVIEWER, cast.county_a))
    county_b = with_role(make_account("revb", Role.COURSE_REVIEWER, cast.county_b))
    assert backlog(reviewers(cast, 1)[0])[0] == 2
    assert backlog(county_a)[0] == 1
    assert backlog(county_b) == (0, None)
    for other in (cast.alice, cast.ivan, cast.tom, cast.leo):          # no courses.review
        assert backlog(with_role(other)) == (0, None)


def test_drafts_and_published_courses_wait_for_no_reviewer(cast):
    make_course(cast, title="草稿", owner=cast.party_school, actor=cast.ivan, published=False)
    make_course(cast, title="已发布", owner=cast.party_school, actor=cast.ivan)     # went through review
    assert backlog(reviewers(cast, 1)[0]) == (0, None)


# --- courses awaiting confirmation -------------------------------------------------------------

def test_a_course_waits_for_confirmation_once_its_round_has_the_required_reviews(cast, settings):
    settings.GANXUN_COURSE_REVIEWS_REQUIRED = 3
    course = submitted(cast, "待确认")
    submitted(cast, "评审中")
    experts = reviewers(cast)
    olga = city_admin(cast)
    for expert in experts[:2]:
        score(expert, course)
    assert list(courses_awaiting_confirmation(olga)) == []
    score(experts[2], course)
    ready = list(courses_awaiting_confirmation(olga))
    assert [(c.title, c.review_count) for c in ready] == [("待确认", 3)]


def test_reviews_of_an_earlier_round_do_not_count(cast):
    course = submitted(cast, "第二轮")
    for expert in reviewers(cast):
        score(expert, course)
    olga = city_admin(cast)
    review.course_confirm(actor=olga, course=course, decision="return", reason="请修改", now=T0 + HOUR)
    course.refresh_from_db()
    review.course_submit(actor=with_role(cast.ivan), course=course, now=T0 + 2 * HOUR)
    course.refresh_from_db()
    score(reviewers(cast, 1)[0], course)
    assert list(courses_awaiting_confirmation(olga)) == []
    for expert in reviewers(cast)[1:]:
        score(expert, course)
    assert [c.review_count for c in courses_awaiting_confirmation(olga)] == [3]


def test_confirmation_is_for_the_org_department_over_the_owner(cast):
    school = submitted(cast, "党校课程")
    county = submitted(cast, "东城区课程", owner=cast.org_dept_a)
    for course in (school, county):
        for expert in reviewers(cast):
            score(expert, course)
    assert {c.title for c in courses_awaiting_confirmation(city_admin(cast))} == {"党校课程", "东城区课程"}
    assert [c.title for c in courses_awaiting_confirmation(with_role(cast.alice))] == ["东城区课程"]
    for other in (cast.charlie, cast.ivan, cast.leo, cast.bob):        # county B, or no courses.confirm
        assert list(courses_awaiting_confirmation(with_role(other))) == []
    review.course_confirm(actor=with_role(cast.alice), course=county, decision="publish", now=T0 + HOUR)
    assert list(courses_awaiting_confirmation(with_role(cast.alice))) == []


def test_each_count_is_one_query(cast):
    courses = [submitted(cast, f"课程{n}", at=T0 + n * HOUR) for n in range(3)]
    for course in courses:
        for expert in reviewers(cast):
            score(expert, course)
    expert, olga = with_role(make_account("rev9", Role.COURSE_REVIEWER, cast.city)), city_admin(cast)
    with CaptureQueriesContext(connection) as captured:
        assert backlog(expert) == (3, T0)
        assert len(list(courses_awaiting_confirmation(olga))) == 3
    assert len(captured) == 2
