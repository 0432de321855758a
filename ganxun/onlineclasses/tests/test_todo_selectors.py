"""The count behind the home page's to-do line of themed classes: open classes due within 7 days
whose completion is below 100 %, for the department that runs them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ganxun.access.roles import Role
from ganxun.learning.tests.helpers import make_course
from ganxun.onlineclasses import selectors, services
from ganxun.onlineclasses.models import ThemedClass
from ganxun.onlineclasses.selectors import ClassDueSoon, themed_classes_due_soon
from ganxun.onlineclasses.tests.helpers import TODAY, a_class, complete
from ganxun.testing import make_account, make_org, with_role

pytestmark = pytest.mark.django_db


def due(actor, today=TODAY) -> list[tuple[str, int, int, int]]:
    return [(d.themed_class.title, d.members, d.complete, d.percent) for d in themed_classes_due_soon(actor, today=today)]


def titled(themed_class, title):
    ThemedClass.objects.filter(pk=themed_class.pk).update(title=title)
    themed_class.refresh_from_db()
    return themed_class


def test_it_lists_open_classes_due_from_today_to_seven_days_ahead_soonest_first(cast):
    in_seven = titled(a_class(cast, open_it=True, days=7), "七天后截止")
    today = titled(a_class(cast, open_it=True, days=0), "今天截止")
    titled(a_class(cast, open_it=True, days=8), "八天后截止")
    titled(a_class(cast, days=3), "草稿")                                   # a draft waits for nobody here
    assert due(with_role(cast.alice)) == [("今天截止", 4, 0, 0), ("七天后截止", 4, 0, 0)]
    # The deadline day is the last day counted: the day after, that class leaves the line and the
    # one due in eight days enters it.
    assert due(with_role(cast.alice), today=TODAY + dt.timedelta(days=1)) == [
        ("七天后截止", 4, 0, 0), ("八天后截止", 4, 0, 0)]
    services.themed_class_close(actor=with_role(cast.alice), themed_class=in_seven)
    assert due(with_role(cast.alice)) == [("今天截止", 4, 0, 0)]
    assert today.deadline == TODAY


def test_completion_counts_required_courses_and_required_hours(cast):
    required, elective = make_course(cast, title="必修课"), make_course(cast, title="选修课")
    themed_class = a_class(cast, open_it=True, days=5, required_hours="2", courses=[(required, True), (elective, False)])
    carol, zhang, li, wang = cast.cadres_a
    complete(carol, required, hours="1")
    complete(carol, elective, hours="1")          # required course and 2 h: complete
    complete(zhang, required, hours="1")          # 1 h of 2: not complete
    complete(li, elective, hours="3")             # hours, but not the required course: not complete
    assert due(with_role(cast.alice)) == [(themed_class.title, 4, 1, 25)]
    completion = selectors.completion_by_unit(with_role(cast.alice), themed_class)
    assert (completion.members, completion.complete) == (4, 1)   # the same figures as the completion page
    complete(zhang, elective, hours="1")
    assert due(with_role(cast.alice)) == [(themed_class.title, 4, 2, 50)]


def test_a_class_everyone_has_completed_is_not_listed(cast):
    required = make_course(cast, title="必修课")
    themed_class = a_class(cast, open_it=True, days=2, courses=[(required, True)])
    for cadre in cast.cadres_a[:3]:
        complete(cadre, required)
    assert due(with_role(cast.alice)) == [(themed_class.title, 4, 3, 75)]
    complete(cast.cadres_a[3], required)
    assert due(with_role(cast.alice)) == []


def test_progress_in_another_class_course_does_not_count(cast):
    ours, other = make_course(cast, title="本班必修"), make_course(cast, title="别的课")
    a_class(cast, open_it=True, days=2, courses=[(ours, True)])
    for cadre in cast.cadres_a:
        complete(cadre, other, hours="5")
    assert [d.complete for d in themed_classes_due_soon(with_role(cast.alice), today=TODAY)] == [0]


def test_it_is_for_the_department_that_runs_the_class_and_not_outside_its_subtree(cast):
    themed_class = a_class(cast, open_it=True, days=3)
    county_b_course = make_course(cast, title="西山县课程", owner=cast.org_dept_b, actor=cast.charlie)
    charlie = with_role(cast.charlie)
    theirs = services.themed_class_create(
        actor=charlie, owner=cast.org_dept_b, title="西山县专题网络班", start_date=TODAY,
        deadline=TODAY + dt.timedelta(days=1), audience_root=cast.county_b, courses=[(county_b_course, True)])
    services.themed_class_open(actor=charlie, themed_class=theirs)
    assert due(with_role(cast.alice)) == [(themed_class.title, 4, 0, 0)]
    assert due(charlie) == [("西山县专题网络班", 2, 0, 0)]
    city = with_role(make_account("olga", Role.ORG_DEPT_ADMIN, cast.city))      # manages the whole city
    assert [row[0] for row in due(city)] == ["西山县专题网络班", themed_class.title]
    for other in (cast.bob, cast.leo, cast.ivan, cast.carol):                 # view at most: nothing to run
        assert themed_classes_due_soon(with_role(other), today=TODAY) == []


def test_a_class_of_the_city_with_members_in_the_county_is_not_the_countys_to_run(cast):
    city = with_role(make_account("olga", Role.ORG_DEPT_ADMIN, cast.city))
    city_dept = make_org("中共临江市委组织部", "org_dept", cast.city)
    course = make_course(cast, title="全市必修", owner=city_dept, actor=city)
    themed_class = services.themed_class_create(
        actor=city, owner=city_dept, title="全市专题网络班", start_date=TODAY, deadline=TODAY + dt.timedelta(days=4),
        audience_root=cast.county_a, courses=[(course, True)])
    services.themed_class_open(actor=city, themed_class=themed_class)
    assert due(city) == [("全市专题网络班", 4, 0, 0)]
    assert due(with_role(cast.alice)) == []       # alice sees its members, but the city runs it


def test_it_costs_two_queries_whatever_the_number_of_classes(cast):
    a_class(cast, open_it=True, days=1)
    alice = with_role(cast.alice)
    themed_classes_due_soon(alice, today=TODAY)
    with CaptureQueriesContext(connection) as one:
        assert len(themed_classes_due_soon(alice, today=TODAY)) == 1
    for days in (2, 3, 4):
        a_class(cast, open_it=True, days=days)
    with CaptureQueriesContext(connection) as four:
        assert len(themed_classes_due_soon(alice, today=TODAY)) == 4
    assert len(one) == len(four) == 2


@pytest.mark.parametrize(("complete_", "members", "percent"), [
    (0, 3, 0), (1, 3, 33), (2, 3, 67), (199, 200, 99), (3, 3, 100)])
def test_the_percentage_rounds_like_the_completion_page_but_never_reaches_100_early(complete_, members, percent):
    assert ClassDueSoon(themed_class=None, members=members, complete=complete_).percent == percent
