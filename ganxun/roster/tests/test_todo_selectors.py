"""The counts behind the home page's to-do card: nominations to review, draft calls of classes
starting soon, quotas with seats left."""

from __future__ import annotations

import datetime as dt

import pytest

from ganxun.access.roles import Role
from ganxun.roster.models import CallStatus
from ganxun.roster.selectors import draft_calls_starting_soon, nominations_pending_review, quotas_to_fill
from ganxun.roster.tests.factories import county_class, make_call, make_quota, today
from ganxun.testing import make_account, make_cadre, make_class, make_enrollment

pytestmark = pytest.mark.django_db


def nominate(quota, cadre, status="nominated"):
    return make_enrollment(quota.call.training_class, cadre, status=status, unit=quota.unit, quota=quota)


# --- nominations to review --------------------------------------------------------------------

def test_nominations_are_counted_per_class_for_the_reviewing_org_department(cast, actor):
    small = county_class(cast, title="小班")
    big = county_class(cast, title="大班")
    q_small = make_quota(make_call(small), cast.unit_a1, 5)
    q_big = make_quota(make_call(big), cast.unit_a2, 5)
    nominate(q_small, cast.cadres_a[0])
    nominate(q_small, cast.cadres_a[1], status="approved")
    nominate(q_small, cast.cadres_a[2], status="rejected")
    nominate(q_big, cast.cadres_a[3])
    nominate(q_big, make_cadre("新人甲", cast.unit_a2))
    assert nominations_pending_review(actor(cast.alice)) == [(big, 2), (small, 1)]
    for other in (cast.charlie, cast.bob, cast.hannah, cast.ivan, cast.leo):
        assert nominations_pending_review(actor(other)) == []


def test_a_class_run_by_another_region_is_reviewed_there_not_by_the_units_org_department(cast, actor):
    theirs = make_class(cast.party_school, title="西山县班", organiser=cast.county_b,
                        start=today() + dt.timedelta(days=10))
    quota = make_quota(make_call(theirs), cast.unit_a1, 2)
    nominate(quota, cast.carol_cadre)
    assert nominations_pending_review(actor(cast.alice)) == []
    assert nominations_pending_review(actor(cast.charlie)) == [(theirs, 1)]


def test_nominations_of_closed_classes_wait_for_nobody(cast, actor):
    training_class = county_class(cast)
    nominate(make_quota(make_call(training_class), cast.unit_a1), cast.carol_cadre)
    training_class.status = "running"
    training_class.save(update_fields=["status"])
    assert nominations_pending_review(actor(cast.alice)) == [(training_class, 1)]
    training_class.status = "closed"
    training_class.save(update_fields=["status"])
    assert nominations_pending_review(actor(cast.alice)) == []


# --- draft calls of classes starting soon -----------------------------------------------------

def test_draft_calls_of_classes_starting_within_thirty_days_are_listed_soonest_first(cast, actor):
    def draft(days, **options):
        training_class = county_class(cast, title=f"{days}天后", start=today() + dt.timedelta(days=days),
                                      status=options.pop("class_status", "draft"))
        make_call(training_class, status=options.pop("status", CallStatus.DRAFT), deadline=today())
        return training_class

    in_30, today_class, in_5 = draft(30), draft(0), draft(5)
    draft(31)                                      # too far ahead
    draft(-1, class_status="enrolling")            # already started
    draft(3, status=CallStatus.ISSUED, class_status="notice_issued")
    draft(4, class_status="running")               # no call can be issued any more
    calls = draft_calls_starting_soon(actor(cast.alice), today=today())
    assert [c.training_class for c in calls] == [today_class, in_5, in_30]
    assert draft_calls_starting_soon(actor(cast.alice), today=today(), days=5) == calls[:2]
    for other in (cast.charlie, cast.bob, cast.ivan, cast.hannah, cast.leo):
        assert draft_calls_starting_soon(actor(other), today=today()) == []


def test_a_draft_call_with_quotas_is_listed_once(cast, actor):
    training_class = county_class(cast, status="draft", start=today() + dt.timedelta(days=9))
    call = make_call(training_class, status=CallStatus.DRAFT)
    make_quota(call, cast.unit_a1)
    make_quota(call, cast.unit_a2)
    assert draft_calls_starting_soon(actor(cast.alice), today=today()) == [call]


# --- quotas with seats left -------------------------------------------------------------------

def test_quotas_with_seats_left_before_the_deadline_are_listed_earliest_deadline_first(cast, actor):
    def quota(title, deadline_days, seats, *, unit=None, class_status="enrolling"):
        training_class = county_class(cast, title=title, status=class_status)
        return make_quota(make_call(training_class, deadline=today() + dt.timedelta(days=deadline_days)),
                          unit or cast.unit_a1, seats)

    later = quota("后截止", 4, 3)
    due_today = quota("今天截止", 0, 2, unit=cast.unit_a1_sub)
    quota("昨天截止", -1, 2)
    full = quota("已报满", 2, 1)
    nominate(full, cast.carol_cadre)
    quota("他单位", 1, 2, unit=cast.unit_a2)
    quota("已开班", 1, 2, class_status="running")
    nominate(later, cast.cadres_a[1], status="approved")
    nominate(later, cast.cadres_a[0], status="withdrawn")      # frees its seat
    rows = quotas_to_fill(actor(cast.bob), today=today())
    assert [(q, q.remaining) for q in rows] == [(due_today, 2), (later, 2)]
    a2_liaison = make_account("liaison_a2", Role.UNIT_LIAISON, cast.unit_a2)
    assert [q.call.training_class.title for q in quotas_to_fill(actor(a2_liaison), today=today())] == ["他单位"]
    for other in (cast.alice, cast.charlie, cast.hannah):
        assert quotas_to_fill(actor(other), today=today()) == []


def test_a_draft_calls_quota_waits_for_nobody(cast, actor):
    training_class = county_class(cast)
    make_quota(make_call(training_class, status=CallStatus.DRAFT), cast.unit_a1)
    assert quotas_to_fill(actor(cast.bob), today=today()) == []
