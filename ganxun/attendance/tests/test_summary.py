"""The figures: attendance_summary, the matrix marks, the live list of a session."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ganxun.attendance.models import LeaveRequest
from ganxun.attendance.selectors import Mark, attendance_summary, class_overview, session_roll
from ganxun.attendance.services import attendance_correct, attendance_scan
from ganxun.attendance.tests.builders import MONDAY, at, running_class
from ganxun.attendance.tokens import checkin_token
from ganxun.testing import make_session

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + dt.timedelta(days=1)


def scan(actor, session, now, purpose="in"):
    return attendance_scan(actor=actor, token=checkin_token(session, purpose, now=now), now=now)


def approved_leave(enrollment, sessions, hours="3"):
    leave = LeaveRequest.objects.create(enrollment=enrollment, reason="事假", hours=Decimal(hours), status="approved")
    leave.sessions.set(sessions)
    return leave


def test_the_summary_counts_settled_sessions_only(cast, actor):
    run = running_class(cast)
    monday_morning, monday_afternoon = run.sessions[0], run.sessions[1]
    scan(actor(cast.carol), monday_morning, at(MONDAY, 8, 31))
    scan(actor(cast.carol), monday_afternoon, at(MONDAY, 14, 45))  # late
    summary = attendance_summary(run.training_class, now=at(MONDAY, 12, 0))
    assert summary[run.carol.pk].sessions == 1 and summary[run.carol.pk].attended == 1
    assert summary[run.zhang.pk].absent == 1
    evening = attendance_summary(run.training_class, now=at(MONDAY, 18, 0))[run.carol.pk]
    assert (evening.sessions, evening.attended, evening.late, evening.absent) == (2, 2, 1, 0)
    assert evening.attendance_rate == Decimal("1")


def test_the_rate_is_attended_over_settled_and_one_before_anything_settles(cast, actor):
    run = running_class(cast)
    assert attendance_summary(run.training_class, now=at(MONDAY, 8, 0))[run.carol.pk].attendance_rate == 1
    scan(actor(cast.carol), run.sessions[0], at(MONDAY, 8, 31))
    summary = attendance_summary(run.training_class, now=at(TUESDAY, 12, 0))[run.carol.pk]
    assert (summary.sessions, summary.attended, summary.absent) == (3, 1, 2)
    assert summary.attendance_rate == Decimal("0.3333")


def test_closing_counts_every_session(cast):
    run = running_class(cast)
    summary = attendance_summary(run.training_class, all_sessions=True, now=at(MONDAY, 8, 0))[run.carol.pk]
    assert summary.sessions == 10 and summary.absent == 10


def test_approved_leave_excuses_a_missed_session_and_its_hours_count(cast):
    run = running_class(cast)
    approved_leave(run.carol, [run.sessions[0]])
    summary = attendance_summary(run.training_class, now=at(MONDAY, 18, 0))[run.carol.pk]
    assert (summary.on_leave, summary.absent, summary.leave_hours) == (1, 1, Decimal("3"))
    assert summary.absence_hours == Decimal("3.0")  # the unexcused afternoon


def test_absence_hours_share_a_half_day_between_its_sessions(cast):
    run = running_class(cast)
    make_session(run.training_class, date=MONDAY, slot="morning", title="第二讲", start=dt.time(10, 0),
                 end=dt.time(11, 30))
    summary = attendance_summary(run.training_class, now=at(MONDAY, 12, 0))[run.carol.pk]
    assert summary.absent == 2 and summary.absence_hours == Decimal("3.0")  # 1.5 + 1.5: one half-day


def test_a_manual_record_decides(cast, actor):
    run = running_class(cast)
    approved_leave(run.carol, [run.sessions[0]])
    attendance_correct(actor=actor(cast.hannah), session=run.sessions[0], enrollment=run.carol, status="present",
                       reason="销假到课")
    summary = attendance_summary(run.training_class, now=at(MONDAY, 12, 0))[run.carol.pk]
    assert (summary.attended, summary.on_leave) == (1, 0)


def test_attending_a_session_on_leave_counts_as_attended(cast, actor):
    run = running_class(cast)
    approved_leave(run.carol, [run.sessions[0]])
    scan(actor(cast.carol), run.sessions[0], at(MONDAY, 8, 31))
    summary = attendance_summary(run.training_class, now=at(MONDAY, 12, 0))[run.carol.pk]
    assert (summary.attended, summary.on_leave) == (1, 0)


def test_a_check_in_without_check_out_counts_as_absent_once_check_out_closes(cast, actor):
    run = running_class(cast, checkout=True)
    carol = actor(cast.carol)
    scan(carol, run.sessions[0], at(MONDAY, 8, 31))
    # not settled before 12:30: the session is not counted yet
    assert attendance_summary(run.training_class, now=at(MONDAY, 12, 29))[run.carol.pk].sessions == 0
    summary = attendance_summary(run.training_class, now=at(MONDAY, 12, 30))[run.carol.pk]
    assert (summary.sessions, summary.attended, summary.absent, summary.no_checkout) == (1, 0, 1, 1)
    assert summary.attendance_rate == 0


def test_a_check_in_with_check_out_counts_as_attended(cast, actor):
    run = running_class(cast, checkout=True)
    carol = actor(cast.carol)
    scan(carol, run.sessions[0], at(MONDAY, 8, 31))
    scan(carol, run.sessions[0], at(MONDAY, 11, 35), "out")
    summary = attendance_summary(run.training_class, now=at(MONDAY, 13, 0))[run.carol.pk]
    assert (summary.attended, summary.no_checkout) == (1, 0)


def test_the_matrix_shows_the_marks(cast, actor):
    run = running_class(cast)
    scan(actor(cast.carol), run.sessions[0], at(MONDAY, 8, 50))
    approved_leave(run.zhang, [run.sessions[0]])
    sessions, rows = class_overview(run.training_class, now=at(MONDAY, 12, 0))
    by_seat = {row.enrollment.seat_no: [mark for mark, _, _ in row.cells] for row in rows}
    assert by_seat[1][:2] == [Mark.LATE, Mark.OPEN]
    assert by_seat[2][0] == Mark.LEAVE
    assert by_seat[3][0] == Mark.ABSENT
    symbols = {row.enrollment.seat_no: row.cells[0][1] for row in rows}
    assert symbols == {1: "迟", 2: "假", 3: "✗"}
    assert len(sessions) == 10


def test_the_live_list_counts_who_has_and_has_not_checked_in(cast, actor):
    run = running_class(cast)
    scan(actor(cast.carol), run.first, at(MONDAY, 8, 45))
    approved_leave(run.zhang, [run.first])
    roll = session_roll(run.first)
    assert [row.enrollment.seat_no for row in roll.rows] == [1, 2, 3]
    assert [row.state for row in roll.rows] == ["late", "leave", "not_yet"]
    assert roll.counts == {"present": 0, "late": 1, "leave": 1, "absent": 0, "not_yet": 1, "checked_out": 0,
                           "checked_in": 1, "total": 3}


def test_attended_sessions_follow_the_check_out_rule(cast, actor):
    from ganxun.attendance.selectors import attended_sessions

    run = running_class(cast, checkout=True)
    scan(actor(cast.carol), run.sessions[0], at(MONDAY, 8, 31))  # never checks out
    scan(actor(cast.carol), run.sessions[1], at(MONDAY, 14, 31))
    scan(actor(cast.carol), run.sessions[1], at(MONDAY, 17, 31), "out")
    attended = attended_sessions(run.training_class, now=at(MONDAY, 20, 0))
    assert attended[run.carol.pk] == {run.sessions[1].pk}
    assert attended[run.zhang.pk] == set()
