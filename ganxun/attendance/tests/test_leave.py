"""Leave requests, the 1/7 rule (条例 Art. 15) and the org department's withdrawal decision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ganxun.access.roles import Role
from ganxun.attendance.models import LeaveRequest, WithdrawalReview
from ganxun.attendance.selectors import leave_choices, leave_list_for, standing_of, withdrawal_candidates_for
from ganxun.attendance.services import (
    attendance_scan,
    leave_cancel,
    leave_decide,
    leave_request,
    withdrawal_decide,
)
from ganxun.attendance.tests.builders import MONDAY, at, running_class
from ganxun.attendance.tokens import checkin_token
from ganxun.audit.models import AuditEntry
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.testing import make_account, make_class, make_session

pytestmark = pytest.mark.django_db

SUNDAY_EVENING = at(MONDAY - dt.timedelta(days=1), 20, 0)


def ask(actor, enrollment, sessions, reason="家中有事", now=SUNDAY_EVENING):
    return leave_request(actor=actor, enrollment=enrollment, sessions=sessions, reason=reason, now=now)


def approve(actor, leave, now=SUNDAY_EVENING):
    return leave_decide(actor=actor, leave=leave, approve=True, note="同意", now=now)


# --- requests --------------------------------------------------------------------------------

def test_leave_hours_are_the_half_days_of_its_sessions(cast, actor):
    run = running_class(cast)
    second_lecture = make_session(run.training_class, date=MONDAY, slot="morning", title="第二讲",
                                  start=dt.time(10, 0), end=dt.time(11, 30))
    carol = actor(cast.carol)
    one_morning = ask(carol, run.carol, [run.sessions[0], second_lecture])
    assert one_morning.hours == Decimal("3")  # two sessions of one morning: one half day
    assert set(one_morning.sessions.all()) == {run.sessions[0], second_lecture}
    assert one_morning.status == "pending"
    day = ask(carol, run.carol, [run.sessions[2], run.sessions[3]])
    assert day.hours == Decimal("6")
    assert AuditEntry.objects.filter(action="leave.request").count() == 2


def test_leave_hours_follow_the_class_hours_per_half_day(cast, actor):
    run = running_class(cast, hours=Decimal("4"))
    assert ask(actor(cast.carol), run.carol, [run.sessions[0]]).hours == Decimal("4")


def test_a_request_needs_sessions_and_a_reason(cast, actor):
    run = running_class(cast)
    with pytest.raises(DomainError) as no_sessions:
        ask(actor(cast.carol), run.carol, [])
    assert no_sessions.value.field == "sessions"
    with pytest.raises(DomainError) as no_reason:
        ask(actor(cast.carol), run.carol, [run.first], reason=" ")
    assert no_reason.value.field == "reason"
    assert not LeaveRequest.objects.exists()


def test_a_past_session_cannot_be_asked_for_but_today_s_can(cast, actor):
    run = running_class(cast)
    tuesday_noon = at(MONDAY + dt.timedelta(days=1), 12, 0)
    with pytest.raises(DomainError) as past:
        ask(actor(cast.carol), run.carol, [run.sessions[1]], now=tuesday_noon)  # Monday afternoon
    assert "已经结束" in past.value.message
    this_morning = ask(actor(cast.carol), run.carol, [run.sessions[2]], now=tuesday_noon)  # Tuesday morning, over
    assert this_morning.pk
    assert run.sessions[2] not in leave_choices(run.carol, now=tuesday_noon)
    assert run.sessions[3] in leave_choices(run.carol, now=tuesday_noon)
    assert run.sessions[1] not in leave_choices(run.carol, now=tuesday_noon)


def test_a_session_of_another_class_is_refused(cast, actor):
    run = running_class(cast)
    other = make_session(make_class(cast.party_school, title="别的班", start=MONDAY))
    with pytest.raises(DomainError) as refused:
        ask(actor(cast.carol), run.carol, [other])
    assert refused.value.message == "所选课程不属于本班。"


def test_one_session_cannot_be_in_two_live_requests(cast, actor):
    run = running_class(cast)
    carol = actor(cast.carol)
    ask(carol, run.carol, [run.sessions[0], run.sessions[1]])
    with pytest.raises(DomainError) as clash:
        ask(carol, run.carol, [run.sessions[1], run.sessions[2]], reason="另一件事")
    assert clash.value.code == "duplicate" and "结构化研讨1" in clash.value.message and "待审批" in clash.value.message
    assert LeaveRequest.objects.count() == 1


def test_the_same_request_submitted_twice_is_created_once(cast, actor):
    run = running_class(cast)
    first = ask(actor(cast.carol), run.carol, [run.sessions[0]])
    second = ask(actor(cast.carol), run.carol, [run.sessions[0]])
    assert first.pk == second.pk and LeaveRequest.objects.count() == 1


def test_a_cadre_asks_only_for_her_own_place(cast, actor):
    run = running_class(cast)
    with pytest.raises(NotFound):
        ask(actor(cast.carol), run.zhang, [run.first])


def test_a_cancelled_or_rejected_request_frees_its_sessions(cast, actor):
    run = running_class(cast)
    carol = actor(cast.carol)
    first = ask(carol, run.carol, [run.first])
    leave_cancel(actor=carol, leave=first)
    second = ask(carol, run.carol, [run.first], reason="改期")
    leave_decide(actor=actor(cast.hannah), leave=second, approve=False, note="课程重要，请克服")
    assert ask(carol, run.carol, [run.first], reason="再次申请").status == "pending"


def test_the_cadre_cancels_a_pending_request_only(cast, actor):
    run = running_class(cast)
    carol = actor(cast.carol)
    leave = ask(carol, run.carol, [run.first])
    assert leave_cancel(actor=carol, leave=leave).status == "cancelled"
    assert leave_cancel(actor=carol, leave=leave).status == "cancelled"  # twice: nothing more
    assert AuditEntry.objects.filter(action="leave.cancel").count() == 1
    approved = ask(carol, run.carol, [run.sessions[1]])
    approve(actor(cast.hannah), approved)
    with pytest.raises(DomainError) as refused:
        leave_cancel(actor=carol, leave=approved)
    assert refused.value.code == "not_pending"


def test_nobody_cancels_another_cadre_s_request(cast, actor):
    run = running_class(cast)
    leave = ask(actor(cast.carol), run.carol, [run.first])
    with pytest.raises(Forbidden):
        leave_cancel(actor=actor(cast.bob), leave=leave)  # a liaison has no learner permission
    other_cadre = make_account("dave", Role.CADRE, cast.unit_a1)
    with pytest.raises(NotFound):
        leave_cancel(actor=actor(other_cadre), leave=leave)


# --- decisions -----------------------------------------------------------------------------------

def test_the_head_teacher_approves_with_a_note_and_the_audit_says_so(cast, actor):
    run = running_class(cast)
    leave = ask(actor(cast.carol), run.carol, [run.first])
    result = approve(actor(cast.hannah), leave)
    leave.refresh_from_db()
    assert (leave.status, leave.decided_by, leave.decision_note) == ("approved", cast.hannah, "同意")
    assert result.over_limit is False and result.message == "已批准卡萝的请假（3 学时）。"
    entry = AuditEntry.objects.get(action="leave.approve")
    assert entry.detail["hours"] == "3.0" and entry.detail["over_limit"] is False


def test_a_rejection_needs_a_note(cast, actor):
    run = running_class(cast)
    leave = ask(actor(cast.carol), run.carol, [run.first])
    with pytest.raises(DomainError) as refused:
        leave_decide(actor=actor(cast.hannah), leave=leave, approve=False, note="")
    assert refused.value.field == "note"
    leave.refresh_from_db()
    assert leave.status == "pending"


def test_deciding_twice_is_recorded_once_and_cannot_flip(cast, actor):
    run = running_class(cast)
    leave = ask(actor(cast.carol), run.carol, [run.first])
    approve(actor(cast.hannah), leave)
    approve(actor(cast.hannah), leave)
    assert AuditEntry.objects.filter(action="leave.approve").count() == 1
    with pytest.raises(DomainError) as refused:
        leave_decide(actor=actor(cast.hannah), leave=leave, approve=False, note="改主意")
    assert refused.value.code == "not_pending"


def test_only_the_class_s_head_teacher_or_institution_decides(cast, actor):
    run = running_class(cast)
    leave = ask(actor(cast.carol), run.carol, [run.first])
    other_head = make_account("helen", Role.HEAD_TEACHER, cast.party_school)
    with pytest.raises(NotFound):
        approve(actor(other_head), leave)
    with pytest.raises(Forbidden):
        approve(actor(cast.alice), leave)
    assert approve(actor(cast.ivan), leave).leave.status == "approved"


def test_approval_past_one_seventh_says_so(cast, actor):
    run = running_class(cast)  # 30 h → line at 4.29 h
    carol, hannah = actor(cast.carol), actor(cast.hannah)
    first = approve(hannah, ask(carol, run.carol, [run.sessions[8]]))  # 3 h
    assert first.over_limit is False
    second = approve(hannah, ask(carol, run.carol, [run.sessions[9]], reason="复诊"))  # 6 h
    assert second.over_limit is True
    assert "超过本班总学时（30）的七分之一（4.29 学时）" in second.message
    assert "已提请组织部门作退学处理" in second.message
    standing = standing_of(run.carol, now=SUNDAY_EVENING)
    assert (standing.leave_hours, standing.limit_hours, standing.over) == (Decimal("6"), Decimal("4.29"), True)


def test_exactly_one_seventh_is_not_over(cast, actor):
    run = running_class(cast, days=7, hours=Decimal("1.5"))  # 14 half days × 1.5 = 21 h → line 3 h
    carol, hannah = actor(cast.carol), actor(cast.hannah)
    result = approve(hannah, ask(carol, run.carol, [run.sessions[0], run.sessions[1]]))  # 3 h
    assert result.over_limit is False and standing_of(run.carol, now=SUNDAY_EVENING).limit_hours == Decimal("3")


def test_unexcused_absence_counts_toward_the_line(cast, actor):
    run = running_class(cast)
    approve(actor(cast.hannah), ask(actor(cast.carol), run.carol, [run.sessions[9]]))  # 3 h of leave
    assert standing_of(run.carol, now=at(MONDAY, 12, 0)).over is True  # + Monday morning missed: 6 h
    assert standing_of(run.carol, now=at(MONDAY, 11, 0)).over is False


# --- withdrawal ----------------------------------------------------------------------------------

def over_the_line(cast, actor):
    run = running_class(cast)
    hannah = actor(cast.hannah)
    approve(hannah, ask(actor(cast.carol), run.carol, [run.sessions[8], run.sessions[9]]))  # 6 h
    return run


def test_the_org_department_sees_the_flagged_cadres_of_its_scope(cast, actor):
    run = over_the_line(cast, actor)
    rows = withdrawal_candidates_for(actor(cast.alice), now=SUNDAY_EVENING)
    assert [(r.enrollment, r.standing.away_hours, r.standing.limit_hours) for r in rows] == [
        (run.carol, Decimal("6.0"), Decimal("4.29"))]
    assert withdrawal_candidates_for(actor(cast.charlie), now=SUNDAY_EVENING) == []
    assert withdrawal_candidates_for(actor(cast.bob), now=SUNDAY_EVENING) == []  # no roster.review


def test_the_org_department_over_the_unit_sees_it_too(cast, actor):
    run = over_the_line(cast, actor)
    run.training_class.organiser = cast.county_b  # run by county B, carol nominated by a unit of county A
    run.training_class.save(update_fields=["organiser"])
    assert [r.enrollment for r in withdrawal_candidates_for(actor(cast.alice), now=SUNDAY_EVENING)] == [run.carol]
    assert [r.enrollment for r in withdrawal_candidates_for(actor(cast.charlie), now=SUNDAY_EVENING)] == [run.carol]


def test_confirming_the_withdrawal_drops_the_cadre_with_an_audited_reason(cast, actor):
    run = over_the_line(cast, actor)
    pending = ask(actor(cast.carol), run.carol, [run.sessions[4]], reason="还要请假")
    review = withdrawal_decide(actor=actor(cast.alice), enrollment=run.carol, decision="withdraw",
                               note="累计请假超过总学时七分之一", now=SUNDAY_EVENING)
    run.carol.refresh_from_db()
    pending.refresh_from_db()
    assert run.carol.status == "dropped" and pending.status == "cancelled"
    assert (review.decision, review.away_hours, review.limit_hours, review.decided_by) == (
        "withdraw", Decimal("6.0"), Decimal("4.29"), cast.alice)
    entry = AuditEntry.objects.get(action="attendance.withdrawal_withdraw")
    assert entry.detail["before"] == "approved" and entry.detail["after"] == "dropped"
    assert entry.detail["note"] == "累计请假超过总学时七分之一"
    again = withdrawal_decide(actor=actor(cast.alice), enrollment=run.carol, decision="withdraw", note="再次",
                              now=SUNDAY_EVENING)
    assert again.pk == review.pk and WithdrawalReview.objects.count() == 1
    assert withdrawal_candidates_for(actor(cast.alice), now=SUNDAY_EVENING) == []


def test_a_withdrawal_needs_a_reason(cast, actor):
    run = over_the_line(cast, actor)
    with pytest.raises(DomainError) as refused:
        withdrawal_decide(actor=actor(cast.alice), enrollment=run.carol, decision="withdraw", note="")
    assert refused.value.field == "note"
    run.carol.refresh_from_db()
    assert run.carol.status == "approved"


def test_a_kept_cadre_returns_only_when_more_time_away_accrues(cast, actor):
    run = over_the_line(cast, actor)
    alice = actor(cast.alice)
    withdrawal_decide(actor=alice, enrollment=run.carol, decision="keep", note="因公出差，经研究保留", now=SUNDAY_EVENING)
    run.carol.refresh_from_db()
    assert run.carol.status == "approved"
    assert withdrawal_candidates_for(alice, now=SUNDAY_EVENING) == []
    # Monday morning missed without leave: 9 h now
    rows = withdrawal_candidates_for(alice, now=at(MONDAY, 12, 0))
    assert [(r.enrollment, r.kept_at) for r in rows] == [(run.carol, Decimal("6.0"))]


def test_a_cadre_under_the_line_cannot_be_withdrawn_here(cast, actor):
    run = running_class(cast)
    with pytest.raises(DomainError) as refused:
        withdrawal_decide(actor=actor(cast.alice), enrollment=run.carol, decision="withdraw", note="x",
                          now=SUNDAY_EVENING)
    assert refused.value.code == "not_over_limit"


def test_the_outsider_and_the_institution_cannot_decide(cast, actor):
    run = over_the_line(cast, actor)
    with pytest.raises(NotFound):
        withdrawal_decide(actor=actor(cast.charlie), enrollment=run.carol, decision="withdraw", note="x")
    with pytest.raises(Forbidden):
        withdrawal_decide(actor=actor(cast.hannah), enrollment=run.carol, decision="withdraw", note="x")


def test_leave_lists_follow_the_scope(cast, actor):
    run = running_class(cast)
    mine = ask(actor(cast.carol), run.carol, [run.first])
    assert list(leave_list_for(actor(cast.carol))) == [mine]
    assert list(leave_list_for(actor(cast.hannah))) == [mine]
    assert list(leave_list_for(actor(cast.bob))) == [mine]  # carol's unit
    assert list(leave_list_for(actor(cast.charlie))) == []
    other_head = make_account("helen", Role.HEAD_TEACHER, cast.party_school)
    assert list(leave_list_for(actor(other_head))) == []


def test_a_scan_does_not_count_as_absence_once_recorded(cast, actor):
    run = running_class(cast)
    attendance_scan(actor=actor(cast.carol), token=checkin_token(run.first, now=at(MONDAY, 8, 31)),
                    now=at(MONDAY, 8, 31))
    assert standing_of(run.carol, now=at(MONDAY, 12, 0)).absence_hours == 0
