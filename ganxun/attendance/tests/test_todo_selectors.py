"""The counts behind the home page's to-do card: withdrawals to decide, leave to approve, today's
sessions to run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ganxun.access.roles import Role
from ganxun.attendance.models import AttendanceRecord, LeaveRequest, WithdrawalReview
from ganxun.attendance.selectors import (
    pending_leave_by_class,
    sessions_to_run_today,
    withdrawal_candidate_count,
    withdrawal_candidates_for,
)
from ganxun.attendance.tests.builders import MONDAY, at, running_class
from ganxun.testing import make_account, make_cadre, make_enrollment, make_session

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + dt.timedelta(days=1)


def approved_leave(enrollment, sessions, hours="3", status="approved"):
    leave = LeaveRequest.objects.create(enrollment=enrollment, reason="事假", hours=Decimal(hours), status=status)
    leave.sessions.set(sessions)
    return leave


def present(enrollment, sessions, status="present"):
    AttendanceRecord.objects.bulk_create([AttendanceRecord(session=s, enrollment=enrollment, status=status, method="qr")
                                          for s in sessions])


def both(account, actor, now):
    """The bulk count and the length of the withdrawal list, which it must equal."""
    who = actor(account)
    return withdrawal_candidate_count(who, now=now), len(withdrawal_candidates_for(who, now=now))


# --- withdrawals ------------------------------------------------------------------------------

def test_the_withdrawal_count_is_the_length_of_the_withdrawal_list(cast, actor):
    run = running_class(cast)                               # 30 h: the 1/7 line is 4.29 h
    approved_leave(run.carol, run.sessions[8:10], hours="6")  # carol: 6 h of leave, ahead
    assert both(cast.alice, actor, at(MONDAY, 7, 0)) == (1, 1)
    # Tuesday noon: Monday's two and Tuesday morning settled; zhang and li missed all three (9 h).
    present(run.carol, run.sessions[:3])
    assert both(cast.alice, actor, at(TUESDAY, 12, 0)) == (3, 3)
    # Li present on Monday: 3 h away, under the line.
    present(run.li, run.sessions[:2])
    assert both(cast.alice, actor, at(TUESDAY, 12, 0)) == (2, 2)


def test_a_kept_cadre_counts_again_only_when_more_time_away_accrues(cast, actor):
    run = running_class(cast)
    approved_leave(run.carol, run.sessions[8:10], hours="6")
    WithdrawalReview.objects.create(enrollment=run.carol, decision="keep", note="因公", leave_hours=Decimal("6"),
                                    absence_hours=Decimal("0"), away_hours=Decimal("6"), limit_hours=Decimal("4.29"),
                                    decided_by=cast.alice, decided_at=at(MONDAY, 6, 0))
    present(run.zhang, run.sessions)
    present(run.li, run.sessions)
    assert both(cast.alice, actor, at(MONDAY, 7, 0)) == (0, 0)
    assert both(cast.alice, actor, at(MONDAY, 12, 0)) == (1, 1)   # missed Monday morning: 9 h


def test_the_withdrawal_count_follows_the_scope(cast, actor):
    run = running_class(cast)
    approved_leave(run.carol, run.sessions[8:10], hours="6")
    present(run.zhang, run.sessions)
    present(run.li, run.sessions)
    assert both(cast.charlie, actor, at(MONDAY, 7, 0)) == (0, 0)
    assert withdrawal_candidate_count(actor(cast.bob), now=at(MONDAY, 7, 0)) == 0     # no roster.review
    assert withdrawal_candidate_count(actor(cast.hannah), now=at(MONDAY, 7, 0)) == 0
    # Run by county B: the org department over carol's unit still decides, and county B does too.
    run.training_class.organiser = cast.county_b
    run.training_class.save(update_fields=["organiser"])
    assert both(cast.alice, actor, at(MONDAY, 7, 0)) == (1, 1)
    assert both(cast.charlie, actor, at(MONDAY, 7, 0)) == (1, 1)


def test_closed_classes_and_dropped_cadres_are_not_counted(cast, actor):
    run = running_class(cast)
    approved_leave(run.carol, run.sessions[8:10], hours="6")
    run.zhang.status = "dropped"
    run.zhang.save(update_fields=["status"])
    present(run.li, run.sessions)
    assert both(cast.alice, actor, at(TUESDAY, 12, 0)) == (1, 1)
    run.training_class.status = "closed"
    run.training_class.save(update_fields=["status"])
    assert both(cast.alice, actor, at(TUESDAY, 12, 0)) == (0, 0)


def test_the_withdrawal_count_costs_the_same_queries_for_more_classes(cast, actor):
    def grow(n):
        for i in range(n):
            run = running_class(cast, title=f"班次{i}{n}")
            approved_leave(run.carol, run.sessions[8:10], hours="6")

    grow(1)
    alice = actor(cast.alice)
    with CaptureQueriesContext(connection) as small:
        assert withdrawal_candidate_count(alice, now=at(TUESDAY, 12, 0)) == 3
    grow(3)
    with CaptureQueriesContext(connection) as large:
        assert withdrawal_candidate_count(alice, now=at(TUESDAY, 12, 0)) == 12
    assert len(large) == len(small) <= 9


# --- pending leave ----------------------------------------------------------------------------

def test_pending_leave_is_counted_per_class_for_whoever_decides_it(cast, actor):
    run = running_class(cast)
    other = running_class(cast, title="第二期", head_teacher=make_account("helen", Role.HEAD_TEACHER, cast.party_school))
    approved_leave(run.carol, run.sessions[2:3], status="pending")
    approved_leave(run.zhang, run.sessions[2:3], status="pending")
    approved_leave(run.li, run.sessions[4:5], status="approved")       # decided
    approved_leave(other.carol, other.sessions[3:4], status="pending")
    assert pending_leave_by_class(actor(cast.hannah)) == [(run.training_class, 2)]
    assert pending_leave_by_class(actor(cast.ivan)) == [(run.training_class, 2), (other.training_class, 1)]
    for outsider in (cast.alice, cast.charlie, cast.bob, cast.tom):      # no leave.approve
        assert pending_leave_by_class(actor(outsider)) == []
    run.training_class.status = "closed"
    run.training_class.save(update_fields=["status"])
    assert pending_leave_by_class(actor(cast.hannah)) == []


# --- today's sessions -------------------------------------------------------------------------

def test_todays_sessions_carry_who_checked_in_and_who_is_expected(cast, actor):
    run = running_class(cast)
    present(run.carol, run.sessions[:1])
    present(run.zhang, run.sessions[:1], status="late")
    AttendanceRecord.objects.create(session=run.sessions[0], enrollment=run.li, status="absent", method="manual")
    extra = make_enrollment(run.training_class, make_cadre("候补", cast.unit_a2), status="nominated")
    assert extra.status == "nominated"                       # not expected: not on the roster
    sessions = sessions_to_run_today(actor(cast.hannah), now=at(MONDAY, 9, 0))
    assert [(s.pk, s.checked_in, s.expected) for s in sessions] == [
        (run.sessions[0].pk, 2, 3), (run.sessions[1].pk, 0, 3)]
    assert sessions[0].training_class == run.training_class
    assert [s.pk for s in sessions_to_run_today(actor(cast.ivan), now=at(MONDAY, 9, 0))] == [
        run.sessions[0].pk, run.sessions[1].pk]
    assert sessions_to_run_today(actor(cast.hannah), now=at(MONDAY - dt.timedelta(days=1), 9, 0)) == []


def test_todays_sessions_are_only_those_the_actor_runs(cast, actor):
    run = running_class(cast)
    helen = make_account("helen", Role.HEAD_TEACHER, cast.party_school)
    assert sessions_to_run_today(actor(helen), now=at(MONDAY, 9, 0)) == []
    for reader in (cast.alice, cast.leo, cast.tom, cast.charlie, cast.bob):   # no attendance.manage
        assert sessions_to_run_today(actor(reader), now=at(MONDAY, 9, 0)) == []
    draft = running_class(cast, title="草稿班")
    draft.training_class.status = "draft"
    draft.training_class.save(update_fields=["status"])
    make_session(run.training_class, date=MONDAY, slot="evening", title="晚自习")
    assert len(sessions_to_run_today(actor(cast.hannah), now=at(MONDAY, 9, 0))) == 3
    run.training_class.status = "closed"
    run.training_class.save(update_fields=["status"])
    assert sessions_to_run_today(actor(cast.hannah), now=at(MONDAY, 9, 0)) == []
