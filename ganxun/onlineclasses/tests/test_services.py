"""Themed classes: audience, membership, progress by unit, deadline, reminders, validation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ganxun.core.errors import Conflict, DomainError, NotFound
from ganxun.learning import selectors as learning_selectors
from ganxun.learning.tests.helpers import make_course
from ganxun.onlineclasses import selectors, services
from ganxun.onlineclasses.models import ThemedClassMember, ThemedClassReminder
from ganxun.onlineclasses.tests.helpers import TODAY, a_class, complete, started
from ganxun.testing import make_cadre, with_role

pytestmark = pytest.mark.django_db


def _member_names(themed_class) -> set[str]:
    return set(themed_class.members.values_list("cadre__person__name", flat=True))


# --- audience and membership -------------------------------------------------------------------

def test_it_enrols_the_serving_cadres_of_the_audience_subtree_on_opening(cast):
    themed_class = a_class(cast, open_it=True)
    assert _member_names(themed_class) == {"卡萝", "张伟", "李娜", "王强"}  # county A, not county B
    assert themed_class.members.get(cadre=cast.carol_cadre).unit == cast.unit_a1


def test_it_filters_the_audience_by_rank_and_category(cast):
    assert _member_names(a_class(cast, open_it=True, audience_rank="county")) == {"张伟"}
    assert _member_names(a_class(cast, open_it=True, audience_root=cast.unit_a1, audience_category="party_gov")) == {
        "卡萝", "张伟", "李娜"}  # cadres keep their own category; 李娜 is party_gov in the cast


def test_a_named_list_replaces_the_root_and_filters(cast):
    themed_class = a_class(cast, open_it=True, audience_rank="county", named_cadres=[cast.cadres_a[2]])
    assert _member_names(themed_class) == {"李娜"}


def test_it_leaves_out_cadres_no_longer_serving(cast):
    cast.cadres_a[3].is_active = False
    cast.cadres_a[3].save()
    assert "王强" not in _member_names(a_class(cast, open_it=True))


def test_it_refuses_a_named_cadre_outside_the_scope(cast):
    with pytest.raises(DomainError) as error:
        a_class(cast, named_cadres=[cast.cadres_b[0]])
    assert error.value.field == "named_cadres"


def test_it_refuses_an_audience_root_outside_the_scope(cast):
    with pytest.raises(NotFound):
        a_class(cast, audience_root=cast.county_b)


def test_members_keep_the_unit_they_joined_with_after_a_transfer(cast):
    themed_class = a_class(cast, open_it=True)
    cast.carol_cadre.unit = cast.unit_a2
    cast.carol_cadre.save()
    assert themed_class.members.get(cadre=cast.carol_cadre).unit == cast.unit_a1


def test_later_additions_join_once(cast):
    themed_class = a_class(cast, open_it=True, audience_root=cast.unit_a2)
    newcomer = make_cadre("孙新", cast.unit_a1)
    alice = with_role(cast.alice)
    assert services.themed_class_add_members(actor=alice, themed_class=themed_class, cadres=[newcomer]) == 1
    assert services.themed_class_add_members(actor=alice, themed_class=themed_class, cadres=[newcomer]) == 0
    member = themed_class.members.get(cadre=newcomer)
    assert member.source == "added" and themed_class.members.count() == 2


def test_it_refuses_members_before_opening(cast):
    themed_class = a_class(cast)
    with pytest.raises(Conflict):
        services.themed_class_add_members(actor=with_role(cast.alice), themed_class=themed_class,
                                          cadres=[cast.carol_cadre])


def test_opening_twice_is_a_conflict_and_enrols_nobody_twice(cast):
    themed_class = a_class(cast, open_it=True)
    with pytest.raises(Conflict):
        services.themed_class_open(actor=with_role(cast.alice), themed_class=themed_class)
    assert themed_class.members.count() == 4


# --- validation ---------------------------------------------------------------------------------

def test_it_rejects_a_deadline_before_the_start(cast):
    with pytest.raises(DomainError) as error:
        services.themed_class_create(actor=with_role(cast.alice), owner=cast.org_dept_a, title="x", start_date=TODAY,
                                     deadline=TODAY - dt.timedelta(days=1), audience_root=cast.county_a)
    assert error.value.field == "deadline"


def test_it_rejects_opening_without_courses(cast):
    themed_class = a_class(cast, courses=[])
    with pytest.raises(DomainError) as error:
        services.themed_class_open(actor=with_role(cast.alice), themed_class=themed_class)
    assert error.value.code == "no_courses"
    assert themed_class.members.count() == 0


def test_it_rejects_a_course_not_visible_to_the_audience(cast):
    county_b_course = make_course(cast, title="西山县专题", owner=cast.org_dept_b, actor=cast.charlie)
    with pytest.raises(DomainError) as error:
        a_class(cast, courses=[(county_b_course, True)])
    assert error.value.code == "course_not_visible"
    assert "西山县专题" in error.value.message


def test_it_rejects_an_unpublished_course(cast):
    with pytest.raises(DomainError) as error:
        a_class(cast, courses=[(make_course(cast, published=False), True)])
    assert error.value.code == "course_not_visible"


def test_every_course_it_accepts_opens_for_every_member(cast):
    themed_class = a_class(cast, open_it=True)
    for link in themed_class.class_courses.all():
        assert learning_selectors.course_get_for_learner(with_role(cast.carol), link.course_id) == link.course


def test_it_rejects_an_owner_that_is_not_an_org_department(cast):
    with pytest.raises(DomainError) as error:
        services.themed_class_create(actor=with_role(cast.alice), owner=cast.unit_a1, title="x", start_date=TODAY,
                                     deadline=TODAY, audience_root=cast.county_a)
    assert error.value.field == "owner"


def test_an_open_class_changes_its_deadline_but_not_its_courses(cast):
    themed_class = a_class(cast, open_it=True)
    alice = with_role(cast.alice)
    later = TODAY + dt.timedelta(days=60)
    services.themed_class_update(actor=alice, themed_class=themed_class, deadline=later)
    themed_class.refresh_from_db()
    assert themed_class.deadline == later
    with pytest.raises(Conflict):
        services.themed_class_update(actor=alice, themed_class=themed_class, courses=[])


def test_an_outsider_cannot_open_the_class(cast):
    themed_class = a_class(cast)
    with pytest.raises(NotFound):
        services.themed_class_open(actor=with_role(cast.charlie), themed_class=themed_class)


# --- progress --------------------------------------------------------------------------------------

def test_a_member_is_complete_with_every_required_course_and_the_hours(cast):
    required, elective = make_course(cast, title="必修"), make_course(cast, title="选修")
    themed_class = a_class(cast, open_it=True, courses=[(required, True), (elective, False)], required_hours="2")
    carol = cast.carol_cadre
    complete(carol, required, hours="1")

    def progress():
        return next(p for p in selectors.member_progress(themed_class, ThemedClassMember.objects.all())
                    if p.cadre_id == carol.pk)

    assert not progress().is_complete and progress().percent == 50
    complete(carol, elective, hours="1")
    assert progress().is_complete and progress().percent == 100
    assert progress().completed == 2 and progress().credit_hours == 2


def test_progress_ignores_courses_outside_the_class(cast):
    themed_class = a_class(cast, open_it=True)
    complete(cast.carol_cadre, make_course(cast, title="别的课"), hours="5")
    carol = next(p for p in selectors.member_progress(themed_class, ThemedClassMember.objects.all())
                 if p.cadre_id == cast.carol_cadre.pk)
    assert carol.completed == 0 and carol.credit_hours == 0 and not carol.started


def test_completion_by_unit_counts_members_complete_started_and_not_started(cast):
    themed_class = a_class(cast, open_it=True)
    links = list(themed_class.class_courses.all())
    complete(cast.carol_cadre, links[0].course)          # A1: complete
    started(cast.carol_cadre, links[1].course)
    complete(cast.cadres_a[3], links[1].course)          # A2: elective only — started, not complete
    completion = selectors.completion_by_unit(with_role(cast.alice), themed_class)
    by_unit = {u.unit_name: (u.members, u.complete, u.in_progress, u.not_started) for u in completion.units}
    assert by_unit == {"东城区发展和改革局": (2, 1, 0, 1), "东城区价格监测中心": (1, 0, 0, 1), "东城区教育局": (1, 0, 1, 0)}
    assert completion.members == 4 and completion.complete == 1


def test_a_liaison_sees_the_completion_of_their_unit_only(cast):
    themed_class = a_class(cast, open_it=True)
    completion = selectors.completion_by_unit(with_role(cast.bob), themed_class)
    assert {u.unit_name for u in completion.units} == {"东城区发展和改革局", "东城区价格监测中心"}
    assert completion.members == 3


def test_progress_of_the_whole_class_is_one_query(cast):
    themed_class = a_class(cast, open_it=True)
    for link in themed_class.class_courses.all():
        complete(cast.carol_cadre, link.course)
    with CaptureQueriesContext(connection) as queries:
        selectors.member_progress(themed_class, ThemedClassMember.objects.all())
    assert len(queries) == 2  # the class's course list, then one grouped query for all members


# --- deadline and reminders ----------------------------------------------------------------------

def _now(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(8, 5)))


def test_it_reminds_members_not_complete_seven_days_before_once(cast, settings):
    settings.GANXUN_THEMED_CLASS_REMINDER_DAYS = [7, 1]
    themed_class = a_class(cast, open_it=True, days=10)
    for link in themed_class.class_courses.filter(is_required=True):
        complete(cast.cadres_a[1], link.course)  # 张伟 is complete (gets an account from the helper)
    deadline = themed_class.deadline
    assert services.reminders_send(now=_now(deadline - dt.timedelta(days=8))) == 0
    assert services.reminders_send(now=_now(deadline - dt.timedelta(days=7))) == 1  # carol; others have no account
    assert services.reminders_send(now=_now(deadline - dt.timedelta(days=7))) == 0  # the job ran twice
    assert services.reminders_send(now=_now(deadline - dt.timedelta(days=5))) == 0
    assert services.reminders_send(now=_now(deadline - dt.timedelta(days=1))) == 1
    reminders = ThemedClassReminder.objects.filter(member__cadre=cast.carol_cadre)
    assert sorted(reminders.values_list("days_before", flat=True)) == [1, 7]
    assert not ThemedClassReminder.objects.filter(member__cadre=cast.cadres_a[1]).exists()


def test_a_missed_run_catches_up_with_one_reminder(cast, settings):
    settings.GANXUN_THEMED_CLASS_REMINDER_DAYS = [7, 1]
    themed_class = a_class(cast, open_it=True, days=10)
    assert services.reminders_send(now=_now(themed_class.deadline - dt.timedelta(days=3))) == 1
    assert ThemedClassReminder.objects.get().days_left == 3


def test_closed_classes_and_past_deadlines_send_no_reminders(cast, settings):
    settings.GANXUN_THEMED_CLASS_REMINDER_DAYS = [7, 1]
    themed_class = a_class(cast, open_it=True, days=3)
    assert services.reminders_send(now=_now(themed_class.deadline + dt.timedelta(days=1))) == 0
    services.themed_class_close(actor=with_role(cast.alice), themed_class=themed_class)
    assert services.reminders_send(now=_now(themed_class.deadline - dt.timedelta(days=1))) == 0


def test_a_later_deadline_brings_the_reminders_again(cast, settings):
    settings.GANXUN_THEMED_CLASS_REMINDER_DAYS = [7]
    themed_class = a_class(cast, open_it=True, days=5)
    assert services.reminders_send(now=_now(TODAY)) == 1
    services.themed_class_update(actor=with_role(cast.alice), themed_class=themed_class,
                                 deadline=TODAY + dt.timedelta(days=20))
    assert services.reminders_send(now=_now(TODAY)) == 0
    assert services.reminders_send(now=_now(TODAY + dt.timedelta(days=13))) == 1


def test_the_learner_sees_days_left_and_overdue(cast):
    themed_class = a_class(cast, open_it=True, days=3)
    entry = selectors.learner_themed_class_get(with_role(cast.carol), themed_class.pk)
    assert entry.days_left == 3 and not entry.overdue
    late = selectors.learner_themed_class_get(with_role(cast.carol), themed_class.pk,
                                              today=themed_class.deadline + dt.timedelta(days=2))
    assert late.overdue and late.days_overdue == 2
