"""The counts behind the home page's to-do card: rectification items owned, follow-ups overdue
(the org department) and follow-ups to answer (the liaison)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from ganxun.access.roles import Role
from ganxun.evaluation.models import FollowUp, RectificationItem
from ganxun.evaluation.selectors import (
    followups_due_by_class,
    followups_overdue_count_for,
    rectification_owned_counts_for,
)
from ganxun.evaluation.tests.factories import past_class
from ganxun.testing import make_account, make_cadre, make_enrollment

pytestmark = pytest.mark.django_db

_keys = itertools.count(1)


def today() -> dt.date:
    return timezone.localdate()


def ago(days: int) -> dt.date:
    return today() - dt.timedelta(days=days)


def item(training_class, owner_org, *, status="open", due_on=None):
    return RectificationItem.objects.create(
        key=f"t:{next(_keys)}", cause="manual", title="整改", training_class=training_class,
        institution=training_class.institution, owner_org=owner_org, status=status,
        due_on=due_on or today() + dt.timedelta(days=10))


def followup(enrollment, *, due_in: int, answered: bool = False, unit=None):
    return FollowUp.objects.create(
        enrollment=enrollment, training_class=enrollment.training_class, unit=unit or enrollment.unit,
        opens_on=ago(30), due_on=today() + dt.timedelta(days=due_in),
        applies=4 if answered else None, performance=4 if answered else None,
        answered_at=timezone.now() if answered else None)


# --- rectification items owned ----------------------------------------------------------------

def test_each_side_counts_the_active_items_it_owns(cast, actor):
    county_a_class = past_class(cast).training_class
    county_b_class = past_class(cast, organiser=cast.county_b, title="西山县班").training_class
    item(county_a_class, cast.party_school, due_on=ago(1))                  # overdue
    item(county_a_class, cast.party_school, status="in_progress")
    item(county_a_class, cast.party_school, status="done")                  # waits for verification
    item(county_a_class, cast.county_a)
    item(county_a_class, cast.county_a, status="in_progress", due_on=ago(3))
    item(county_a_class, cast.county_a, status="closed")
    item(county_b_class, cast.county_b, due_on=ago(5))
    item(county_b_class, cast.party_school, status="verified")
    assert rectification_owned_counts_for(actor(cast.ivan), today=today()) == {"active": 2, "overdue": 1}
    # alice reads the party school's items of her class but owns only county A's.
    assert rectification_owned_counts_for(actor(cast.alice), today=today()) == {"active": 2, "overdue": 1}
    assert rectification_owned_counts_for(actor(cast.charlie), today=today()) == {"active": 1, "overdue": 1}
    for other in (cast.hannah, cast.tom, cast.bob, cast.leo):               # no rectification.manage
        assert rectification_owned_counts_for(actor(other), today=today()) == {"active": 0, "overdue": 0}


def test_the_city_org_department_owns_the_items_of_its_counties_but_not_the_institutions(cast, actor):
    training_class = past_class(cast).training_class
    item(training_class, cast.county_a)
    item(training_class, cast.party_school)
    city = make_account("city_org", Role.ORG_DEPT_ADMIN, cast.city)
    assert rectification_owned_counts_for(actor(city), today=today()) == {"active": 1, "overdue": 0}


# --- follow-ups -------------------------------------------------------------------------------

def test_overdue_follow_ups_of_the_org_departments_classes_are_counted(cast, actor):
    scenario = past_class(cast, ended_days_ago=120, attendees=4)
    carol, a2, a1, a2_again = scenario.enrollments
    followup(carol, due_in=-1)
    followup(a2, due_in=-1)
    followup(a1, due_in=0)                                  # due today: not overdue yet
    followup(a2_again, due_in=-9, answered=True)
    assert followups_overdue_count_for(actor(cast.alice), today=today()) == 2
    assert followups_overdue_count_for(actor(cast.charlie), today=today()) == 0
    assert followups_overdue_count_for(actor(cast.bob), today=today()) == 0     # no evaluation.view


def test_the_liaison_sees_the_follow_ups_to_answer_per_class_overdue_first(cast, actor):
    early = past_class(cast, ended_days_ago=200, title="早班", attendees=1)
    late = past_class(cast, ended_days_ago=100, title="晚班", attendees=1)
    soon = past_class(cast, ended_days_ago=95, title="近班", attendees=1)
    followup(early.carol, due_in=20)
    followup(late.carol, due_in=5)
    other = make_enrollment(late.training_class, make_cadre("李四", cast.unit_a1_sub))
    followup(other, due_in=-2)
    followup(soon.carol, due_in=3)
    answered = make_enrollment(soon.training_class, make_cadre("王五", cast.unit_a1))
    followup(answered, due_in=-2, answered=True)
    a2 = make_enrollment(early.training_class, make_cadre("赵六", cast.unit_a2))
    followup(a2, due_in=-30)                                 # another unit's
    rows = followups_due_by_class(actor(cast.bob), today=today())
    assert [(r.training_class, r.pending, r.overdue, r.due_on) for r in rows] == [
        (late.training_class, 1, 1, today() - dt.timedelta(days=2)),
        (soon.training_class, 1, 0, today() + dt.timedelta(days=3)),
        (early.training_class, 1, 0, today() + dt.timedelta(days=20)),
    ]
    assert rows[0].total == 2
    for other_actor in (cast.alice, cast.charlie, cast.hannah):           # no evaluation.followup
        assert followups_due_by_class(actor(other_actor), today=today()) == []
    a2_liaison = make_account("liaison_a2", Role.UNIT_LIAISON, cast.unit_a2)
    assert [(r.training_class, r.overdue) for r in followups_due_by_class(actor(a2_liaison), today=today())] == [
        (early.training_class, 1)]
