"""QR check-in and check-out: windows, late marking, idempotency, refusals; manual corrections."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory

from ganxun.access.roles import Role
from ganxun.attendance import services
from ganxun.attendance.models import AttendanceMethod, AttendanceRecord, AttendanceStatus
from ganxun.attendance.services import ScanRefused, attendance_correct, attendance_scan
from ganxun.attendance.tests.builders import MONDAY, at, running_class
from ganxun.attendance.tokens import TokenRefused, checkin_token
from ganxun.audit.models import AuditEntry
from ganxun.core.errors import Forbidden, NotFound
from ganxun.testing import make_account, make_cadre, make_class, make_enrollment, make_session

pytestmark = pytest.mark.django_db


def scan(actor, session, now, purpose="in", *, token_time=None, request=None):
    token = checkin_token(session, purpose, now=token_time or now)
    return attendance_scan(actor=actor, token=token, now=now, request=request)


# --- check-in ----------------------------------------------------------------------------------

def test_a_cadre_checks_in_on_time_with_time_and_address_on_the_row(cast, actor):
    run = running_class(cast)
    request = RequestFactory().post("/learn/checkin/", REMOTE_ADDR="10.1.2.3")
    result = scan(actor(cast.carol), run.first, at(MONDAY, 8, 31), request=request)
    assert result.outcome == "new"
    assert result.message == "签到成功：08:31，专题讲座1。"
    record = AttendanceRecord.objects.get()
    assert (record.session, record.enrollment, record.status, record.method) == (
        run.first, run.carol, AttendanceStatus.PRESENT, AttendanceMethod.QR)
    assert record.checked_in_at == at(MONDAY, 8, 31) and record.ip == "10.1.2.3"


def test_a_self_check_in_writes_no_audit_entry(cast, actor):
    # Decision (docs/attendance.md): the row itself records who, when and from where.
    run = running_class(cast)
    before = AuditEntry.objects.count()
    scan(actor(cast.carol), run.first, at(MONDAY, 8, 31))
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize(("minute", "status"), [(0, "present"), (40, "present"), (50, "late"), (59, "late")])
def test_a_check_in_after_start_plus_ten_minutes_is_late(cast, actor, minute, status):
    run = running_class(cast)
    moment = at(MONDAY, 8, 0) + dt.timedelta(minutes=minute)  # 08:30 start, late after 08:40
    result = scan(actor(cast.carol), run.first, moment)
    assert result.record.status == status
    if status == "late":
        assert result.message.startswith("签到成功（迟到）")


def test_the_late_margin_is_a_setting(cast, actor, settings):
    settings.GANXUN_CHECKIN_LATE_MINUTES = 0
    run = running_class(cast)
    assert scan(actor(cast.carol), run.first, at(MONDAY, 8, 31)).record.status == "late"


def test_check_in_opens_thirty_minutes_before_the_start(cast, actor):
    run = running_class(cast)
    with pytest.raises(ScanRefused) as refused:
        scan(actor(cast.carol), run.first, at(MONDAY, 7, 59))
    assert refused.value.code == "not_started"
    assert refused.value.message == "签到尚未开始：本节课 08:30 开始，08:00 起可以签到。"
    assert scan(actor(cast.carol), run.first, at(MONDAY, 8, 0)).outcome == "new"


def test_check_in_closes_at_the_end_of_the_session(cast, actor):
    run = running_class(cast)
    with pytest.raises(ScanRefused) as refused:
        scan(actor(cast.carol), run.first, at(MONDAY, 11, 31))
    assert refused.value.code == "closed"
    assert "11:30 结束" in refused.value.message
    assert not AttendanceRecord.objects.exists()


def test_a_second_scan_answers_already_and_writes_nothing(cast, actor):
    run = running_class(cast)
    carol = actor(cast.carol)
    scan(carol, run.first, at(MONDAY, 8, 31))
    again = scan(carol, run.first, at(MONDAY, 8, 52))
    assert again.outcome == "already"
    assert again.message == "您已于 08:31 签到。"
    record = AttendanceRecord.objects.get()
    assert record.checked_in_at == at(MONDAY, 8, 31) and record.status == "present"
    # and after the session, too
    assert scan(carol, run.first, at(MONDAY, 12, 0)).message == "您已于 08:31 签到。"


def test_an_expired_code_is_refused_and_records_nothing(cast, actor):
    run = running_class(cast)
    with pytest.raises(TokenRefused) as refused:
        scan(actor(cast.carol), run.first, at(MONDAY, 8, 31), token_time=at(MONDAY, 8, 30))
    assert refused.value.code == "expired_token"
    assert not AttendanceRecord.objects.exists()


def test_a_code_of_another_class_does_not_check_her_in(cast, actor):
    run = running_class(cast)
    other = make_class(cast.party_school, title="乡镇党委书记班", start=MONDAY, status="running")
    other_session = make_session(other, title="乡村振兴")
    with pytest.raises(ScanRefused) as refused:
        scan(actor(cast.carol), other_session, at(MONDAY, 8, 31))
    assert refused.value.code == "not_enrolled"
    assert refused.value.message == "您不在本班学员名单中。"
    assert not AttendanceRecord.objects.exists()
    assert run.carol.attendance.count() == 0


def test_a_code_of_another_session_checks_in_to_that_session_only(cast, actor):
    run = running_class(cast)
    afternoon = run.sessions[1]
    result = scan(actor(cast.carol), afternoon, at(MONDAY, 14, 31))
    assert result.record.session == afternoon
    assert not AttendanceRecord.objects.filter(session=run.first).exists()


def test_a_nominated_cadre_is_not_on_the_roster(cast, actor):
    run = running_class(cast)
    run.carol.status = "nominated"
    run.carol.save(update_fields=["status"])
    with pytest.raises(ScanRefused) as refused:
        scan(actor(cast.carol), run.first, at(MONDAY, 8, 31))
    assert refused.value.code == "not_enrolled"


def test_a_dropped_cadre_is_told_so(cast, actor):
    run = running_class(cast)
    run.carol.status = "dropped"
    run.carol.save(update_fields=["status"])
    with pytest.raises(ScanRefused) as refused:
        scan(actor(cast.carol), run.first, at(MONDAY, 8, 31))
    assert refused.value.code == "dropped" and refused.value.message == "您已退学，不能再签到。"


def test_a_closed_class_takes_no_check_in(cast, actor):
    run = running_class(cast)
    run.training_class.status = "closed"
    run.training_class.save(update_fields=["status"])
    with pytest.raises(ScanRefused) as refused:
        scan(actor(cast.carol), run.first, at(MONDAY, 8, 31))
    assert refused.value.code == "class_closed"


def test_an_account_without_a_learner_permission_cannot_scan(cast, actor):
    run = running_class(cast)
    with pytest.raises(Forbidden):
        scan(actor(cast.alice), run.first, at(MONDAY, 8, 31))


def test_a_scan_after_the_head_teacher_marked_present_answers_already(cast, actor):
    # The insert meets the unique constraint (as a simultaneous second scan would) and reads the row.
    run = running_class(cast)
    attendance_correct(actor=actor(cast.hannah), session=run.first, enrollment=run.carol, status="present",
                       reason="现场核实")
    result = scan(actor(cast.carol), run.first, at(MONDAY, 8, 31))
    assert result.outcome == "already"
    assert result.message == "班主任已为您登记本节课为“已签到”。"
    assert AttendanceRecord.objects.get().method == "manual"


def test_a_scan_after_the_head_teacher_marked_absent_is_refused(cast, actor):
    run = running_class(cast)
    attendance_correct(actor=actor(cast.hannah), session=run.first, enrollment=run.carol, status="absent",
                       reason="未到")
    with pytest.raises(ScanRefused) as refused:
        scan(actor(cast.carol), run.first, at(MONDAY, 8, 31))
    assert refused.value.code == "recorded_by_teacher"
    assert AttendanceRecord.objects.get().status == "absent"


def test_the_check_in_path_takes_a_handful_of_queries(cast, actor, django_assert_max_num_queries):
    run = running_class(cast)
    carol = actor(cast.carol)
    token = checkin_token(run.first, now=at(MONDAY, 8, 31))
    # the service's transaction (a savepoint inside the test's), session + class, enrollment,
    # savepoint, insert, release; then the `attended` statement (attendance.xapi): the system
    # client and the cadre's person (both cached outside tests), savepoint, existing-id check,
    # statement, relation, release, and the statement id onto the record.
    # A repeat adds the rollback to the savepoint and reading the row, and stores nothing.
    with django_assert_max_num_queries(16):
        attendance_scan(actor=carol, token=token, now=at(MONDAY, 8, 31))
    with django_assert_max_num_queries(9):
        attendance_scan(actor=carol, token=token, now=at(MONDAY, 8, 31))


# --- check-out ---------------------------------------------------------------------------------

def test_check_out_follows_its_own_window(cast, actor):
    run = running_class(cast, checkout=True)
    carol = actor(cast.carol)
    scan(carol, run.first, at(MONDAY, 8, 29))
    with pytest.raises(ScanRefused) as early:
        scan(carol, run.first, at(MONDAY, 10, 59), "out")
    assert early.value.message == "签退尚未开始：本节课 11:30 结束，11:00 起可以签退。"
    result = scan(carol, run.first, at(MONDAY, 11, 0), "out")
    assert result.outcome == "new" and result.message == "签退成功：11:00，专题讲座1。"
    record = AttendanceRecord.objects.get()
    assert record.checked_out_at == at(MONDAY, 11, 0) and record.status == "present"
    again = scan(carol, run.first, at(MONDAY, 11, 40), "out")
    assert again.outcome == "already" and again.message == "您已于 11:00 签退。"


def test_check_out_closes_an_hour_after_the_end(cast, actor):
    run = running_class(cast, checkout=True)
    carol = actor(cast.carol)
    scan(carol, run.first, at(MONDAY, 8, 29))
    assert scan(carol, run.first, at(MONDAY, 12, 30), "out").outcome == "new"
    scan(actor(cast.carol), run.sessions[1], at(MONDAY, 14, 29))
    with pytest.raises(ScanRefused) as late:
        scan(carol, run.sessions[1], at(MONDAY, 18, 31), "out")
    assert late.value.code == "closed" and "18:30 截止" in late.value.message


def test_check_out_needs_a_check_in(cast, actor):
    run = running_class(cast, checkout=True)
    with pytest.raises(ScanRefused) as refused:
        scan(actor(cast.carol), run.first, at(MONDAY, 11, 10), "out")
    assert refused.value.code == "no_checkin"
    assert not AttendanceRecord.objects.exists()


def test_a_session_without_check_out_refuses_a_check_out_code(cast, actor):
    run = running_class(cast)
    scan(actor(cast.carol), run.first, at(MONDAY, 8, 31))
    with pytest.raises(ScanRefused) as refused:
        scan(actor(cast.carol), run.first, at(MONDAY, 11, 10), "out")
    assert refused.value.code == "checkout_not_required"


# --- manual correction ------------------------------------------------------------------------

def test_the_head_teacher_corrects_a_record_with_before_and_after_in_the_audit(cast, actor):
    run = running_class(cast)
    scan(actor(cast.carol), run.first, at(MONDAY, 8, 50))  # late
    record = attendance_correct(actor=actor(cast.hannah), session=run.first, enrollment=run.carol,
                                status="present", reason="交通管制，已报备")
    assert (record.status, record.method, record.reason, record.recorded_by) == (
        "present", "manual", "交通管制，已报备", cast.hannah)
    assert record.checked_in_at == at(MONDAY, 8, 50)  # the scan stays as evidence
    entry = AuditEntry.objects.get(action="attendance.correct")
    assert entry.actor_username == "hannah"
    assert entry.detail["before"]["status"] == "late" and entry.detail["before"]["method"] == "qr"
    assert entry.detail["after"]["status"] == "present" and entry.detail["after"]["method"] == "manual"
    assert entry.detail["reason"] == "交通管制，已报备"


def test_a_correction_creates_a_record_when_there_is_none(cast, actor):
    run = running_class(cast)
    record = attendance_correct(actor=actor(cast.ivan), session=run.first, enrollment=run.zhang, status="leave",
                                reason="临时公务，补办请假")
    assert record.method == "manual" and record.checked_in_at is None
    assert AuditEntry.objects.get(action="attendance.correct").detail["before"] is None


def test_a_correction_needs_a_reason_and_a_known_status(cast, actor):
    run = running_class(cast)
    hannah = actor(cast.hannah)
    with pytest.raises(services.DomainError) as no_reason:
        attendance_correct(actor=hannah, session=run.first, enrollment=run.carol, status="present", reason="  ")
    assert no_reason.value.field == "reason"
    with pytest.raises(services.DomainError) as bad_status:
        attendance_correct(actor=hannah, session=run.first, enrollment=run.carol, status="sick", reason="x")
    assert bad_status.value.field == "status"
    assert not AttendanceRecord.objects.exists()


def test_the_same_correction_twice_is_recorded_once(cast, actor):
    run = running_class(cast)
    hannah = actor(cast.hannah)
    for _ in range(2):
        attendance_correct(actor=hannah, session=run.first, enrollment=run.carol, status="absent", reason="未到")
    assert AuditEntry.objects.filter(action="attendance.correct").count() == 1


def test_only_the_class_head_teacher_or_its_institution_corrects(cast, actor):
    run = running_class(cast)
    other_head = make_account("helen", Role.HEAD_TEACHER, cast.party_school)
    with pytest.raises(NotFound):
        attendance_correct(actor=actor(other_head), session=run.first, enrollment=run.carol, status="present",
                           reason="x")
    with pytest.raises(Forbidden):
        attendance_correct(actor=actor(cast.alice), session=run.first, enrollment=run.carol, status="present",
                           reason="x")
    with pytest.raises(Forbidden):
        attendance_correct(actor=actor(cast.tom), session=run.first, enrollment=run.carol, status="present",
                           reason="x")
    assert not AttendanceRecord.objects.exists()


def test_a_correction_of_someone_not_in_the_class_is_refused(cast, actor):
    run = running_class(cast)
    other = make_class(cast.party_school, title="另一班", start=MONDAY)
    stranger = make_enrollment(other, make_cadre("周八", cast.unit_a2))
    with pytest.raises(NotFound):
        attendance_correct(actor=actor(cast.hannah), session=run.first, enrollment=stranger, status="present",
                           reason="x")


def test_a_closed_class_takes_no_correction(cast, actor):
    run = running_class(cast)
    run.training_class.status = "closed"
    run.training_class.save(update_fields=["status"])
    with pytest.raises(services.DomainError):
        attendance_correct(actor=actor(cast.hannah), session=run.first, enrollment=run.carol, status="present",
                           reason="x")
