"""Writes of attendance and leave: QR check-in/out, manual correction, leave, withdrawal.

Every function re-checks the actor's rights and raises DomainError with a Chinese message.
Time comes from the server clock (`now` may be passed by tests); the session comes from
the signed token, the cadre from the login.

Audit: manual corrections, leave requests and decisions and withdrawal decisions are
written to the audit trail with before/after. A cadre's own QR check-in/out is not:
the attendance row is itself the record of that act (who — the enrollment of the
logged-in account, when — checked_in_at/checked_out_at, from where — ip/checkout_ip,
how — method "qr"), it changes nobody else's data, and it never changes afterwards
except through a correction, which is audited. Writing an audit entry per scan would
queue every scan of a 300-cadre class on the audit chain's one head row (docs/attendance.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from ganxun.access import scope
from ganxun.attendance import rules
from ganxun.attendance.models import (
    AttendanceMethod,
    AttendanceRecord,
    AttendanceStatus,
    LeaveRequest,
    LeaveStatus,
    WithdrawalDecision,
    WithdrawalReview,
)
from ganxun.attendance.selectors import ATTENDED, can_run_class, standing_of
from ganxun.attendance.tokens import INVALID_MESSAGE, PURPOSE_CHECKIN, PURPOSE_CHECKOUT, token_read
from ganxun.attendance.xapi import attendance_xapi_record
from ganxun.audit.services import audit_record, client_ip
from ganxun.classes.models import Session, TrainingClass
from ganxun.classes.selectors import SLOT_ORDER
from ganxun.core.errors import DomainError, NotFound
from ganxun.roster.models import Enrollment, EnrollmentStatus

OUTCOME_NEW = "new"
OUTCOME_ALREADY = "already"


class ScanRefused(DomainError):
    """A scan that records nothing; `code` says why (docs/attendance.md lists them)."""


@dataclass(frozen=True)
class ScanResult:
    outcome: str                  # "new" or "already"
    purpose: str                  # "in" or "out"
    record: AttendanceRecord
    session: Session
    message: str


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else timezone.now()


def _status_label(status: str) -> str:
    return AttendanceStatus(status).label


# --- QR check-in / check-out -----------------------------------------------------------------

def _scan_session(session_id: int) -> Session:
    session = Session.objects.select_related("training_class").filter(pk=session_id).first()
    if session is None:
        raise ScanRefused(INVALID_MESSAGE, code="invalid_token", field="token")
    return session


def _own_enrollment_in(actor, training_class_id: int) -> Enrollment:
    """The actor's place in the class: approved → it; dropped → refused; otherwise not on the roster."""
    rows = list(Enrollment.objects.filter(training_class_id=training_class_id, cadre__person__account=actor.pk)
                .only("pk", "status", "seat_no", "training_class_id"))
    for row in rows:
        if row.status == EnrollmentStatus.APPROVED:
            return row
    if any(row.status == EnrollmentStatus.DROPPED for row in rows):
        raise ScanRefused("您已退学，不能再签到。", code="dropped")
    raise ScanRefused("您不在本班学员名单中。", code="not_enrolled")


def _refuse_unless_attended(record: AttendanceRecord) -> None:
    """A repeated check-in finds a record: fine when it says attended (a scan, or the head
    teacher's present/late); a manual absent/leave is the head teacher's call — refused."""
    if record.status in ATTENDED:
        return
    raise ScanRefused(f"班主任已将您本节课登记为“{_status_label(record.status)}”，如有疑问请联系班主任。",
                      code="recorded_by_teacher")


def _already_message(record: AttendanceRecord) -> str:
    if record.method == AttendanceMethod.QR and record.checked_in_at is not None:
        return f"您已于 {rules.hm(record.checked_in_at)} 签到。"
    return f"班主任已为您登记本节课为“{_status_label(record.status)}”。"


@transaction.atomic
def attendance_scan(*, actor, token: str, now: dt.datetime | None = None, request=None) -> ScanResult:
    """A cadre scans the QR code of a session: check-in or check-out, as the token says.

    Idempotent: a repeated scan (or two at the same moment — the unique constraint on
    (session, enrollment) lets one insert win, the other reads it) answers "already" and
    writes nothing. A handful of queries: the session, the enrollment, the insert.
    """
    scope.require(actor, "self.view")
    now = _now(now)
    info = token_read(token, now)
    session = _scan_session(info.session_id)
    if session.training_class.is_locked:
        raise ScanRefused("本班已结业，不能再签到或签退。", code="class_closed")
    enrollment = _own_enrollment_in(actor, session.training_class_id)
    ip = client_ip(request)
    if info.purpose == PURPOSE_CHECKOUT:
        return _check_out(session, enrollment, now, ip)
    return _check_in(session, enrollment, now, ip, account=actor)


def _check_in(session: Session, enrollment: Enrollment, now: dt.datetime, ip: str, *, account) -> ScanResult:
    opens, closes = rules.checkin_window(session)
    if not opens <= now <= closes:
        existing = AttendanceRecord.objects.filter(session=session, enrollment=enrollment).first()
        if existing is not None:
            _refuse_unless_attended(existing)
            return ScanResult(OUTCOME_ALREADY, PURPOSE_CHECKIN, existing, session, _already_message(existing))
        if now < opens:
            raise ScanRefused(f"签到尚未开始：本节课 {session.start_time:%H:%M} 开始，{rules.hm(opens)} 起可以签到。",
                              code="not_started")
        raise ScanRefused(f"本节课已于 {session.end_time:%H:%M} 结束，不能再签到；如确有出勤请联系班主任补录。",
                          code="closed")
    late = now > rules.late_after(session)
    record = AttendanceRecord(session=session, enrollment=enrollment, method=AttendanceMethod.QR,
                              status=AttendanceStatus.LATE if late else AttendanceStatus.PRESENT,
                              checked_in_at=now, ip=ip)
    try:
        with transaction.atomic():
            record.save(force_insert=True)
    except IntegrityError:
        # Someone (this cadre's other scan, or the head teacher) recorded the session first.
        existing = AttendanceRecord.objects.get(session=session, enrollment=enrollment)
        _refuse_unless_attended(existing)
        return ScanResult(OUTCOME_ALREADY, PURPOSE_CHECKIN, existing, session, _already_message(existing))
    attendance_xapi_record(record=record, account=account)
    if late:
        message = f"签到成功（迟到）：{rules.hm(now)}，{session.title}。"
    else:
        message = f"签到成功：{rules.hm(now)}，{session.title}。"
    return ScanResult(OUTCOME_NEW, PURPOSE_CHECKIN, record, session, message)


def _check_out(session: Session, enrollment: Enrollment, now: dt.datetime, ip: str) -> ScanResult:
    if not session.requires_checkout:
        raise ScanRefused("本节课无需签退。", code="checkout_not_required")
    record = AttendanceRecord.objects.filter(session=session, enrollment=enrollment).first()
    if record is not None and record.checked_out_at is not None:
        return ScanResult(OUTCOME_ALREADY, PURPOSE_CHECKOUT, record, session,
                          f"您已于 {rules.hm(record.checked_out_at)} 签退。")
    opens, closes = rules.checkout_window(session)
    if now < opens:
        raise ScanRefused(f"签退尚未开始：本节课 {session.end_time:%H:%M} 结束，{rules.hm(opens)} 起可以签退。",
                          code="not_started")
    if now > closes:
        raise ScanRefused(f"本节课签退已于 {rules.hm(closes)} 截止；如确有出勤请联系班主任补录。", code="closed")
    if record is None:
        raise ScanRefused("您本节课尚未签到，不能签退；如确有出勤请联系班主任补录。", code="no_checkin")
    if record.status not in ATTENDED:
        raise ScanRefused(f"班主任已将您本节课登记为“{_status_label(record.status)}”，如有疑问请联系班主任。",
                          code="recorded_by_teacher")
    updated = AttendanceRecord.objects.filter(pk=record.pk, checked_out_at__isnull=True).update(
        checked_out_at=now, checkout_ip=ip, updated_at=now)
    record.refresh_from_db()
    if not updated:  # a simultaneous scan of the same cadre got there first
        return ScanResult(OUTCOME_ALREADY, PURPOSE_CHECKOUT, record, session,
                          f"您已于 {rules.hm(record.checked_out_at)} 签退。")
    return ScanResult(OUTCOME_NEW, PURPOSE_CHECKOUT, record, session, f"签退成功：{rules.hm(now)}，{session.title}。")


# --- the head teacher's manual correction ------------------------------------------------------

def _require_runner(actor, training_class: TrainingClass, permission: str) -> None:
    scope.require(actor, permission)
    if not can_run_class(actor, training_class, permission):
        raise NotFound("该班次不在您的管理范围内。")


def _record_state(record: AttendanceRecord | None) -> dict | None:
    if record is None:
        return None
    return {"status": record.status, "method": record.method, "reason": record.reason,
            "checked_in_at": record.checked_in_at, "checked_out_at": record.checked_out_at}


@transaction.atomic
def attendance_correct(*, actor, session: Session, enrollment: Enrollment, status: str, reason: str,
                       request=None) -> AttendanceRecord:
    """Set a cadre's record of a session by hand (present / late / absent / leave) with a reason.

    The scan times stay on the row as evidence; the row becomes a manual record, which
    decides the figures. Audited with before and after. Submitting the same correction
    twice changes (and records) nothing the second time.
    """
    training_class = TrainingClass.objects.select_related("institution").get(pk=session.training_class_id)
    _require_runner(actor, training_class, "attendance.manage")
    enrollment = Enrollment.objects.select_related("cadre__person").get(pk=enrollment.pk)
    if training_class.is_locked:
        raise DomainError("班次已结业或归档，考勤记录不能再更正。")
    if enrollment.training_class_id != training_class.pk or enrollment.status not in (
            EnrollmentStatus.APPROVED, EnrollmentStatus.DROPPED):
        raise NotFound("该学员不在本班名单中。")
    if status not in AttendanceStatus.values:
        raise DomainError("请选择考勤状态。", field="status")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写更正原因。", field="reason")
    if len(reason) > 200:
        raise DomainError("更正原因不能超过 200 个字。", field="reason")
    record = AttendanceRecord.objects.select_for_update().filter(session=session, enrollment=enrollment).first()
    before = _record_state(record)
    if record is not None and record.method == AttendanceMethod.MANUAL and record.status == status \
            and record.reason == reason:
        return record
    if record is None:
        try:
            with transaction.atomic():
                record = AttendanceRecord.objects.create(
                    session=session, enrollment=enrollment, status=status, method=AttendanceMethod.MANUAL,
                    reason=reason, recorded_by=actor)
        except IntegrityError:  # the cadre's scan landed in between: correct that row
            record = AttendanceRecord.objects.select_for_update().get(session=session, enrollment=enrollment)
            before = _record_state(record)
    if before is not None:
        record.status, record.method, record.reason, record.recorded_by = (
            status, AttendanceMethod.MANUAL, reason, actor)
        record.save(update_fields=["status", "method", "reason", "recorded_by", "updated_at"])
    attendance_xapi_record(record=record, actor=actor)
    audit_record(action="attendance.correct", actor=actor, request=request, target=record,
                 target_repr=f"{enrollment.cadre.person.name} · {session}",
                 detail={"session": session.pk, "enrollment": enrollment.pk, "reason": reason,
                         "before": before, "after": _record_state(record)})
    return record


# --- leave ------------------------------------------------------------------------------------

def leave_hours_for(training_class: TrainingClass, sessions) -> Decimal:
    """Hours of a leave: the distinct half-days (date, slot) of its sessions × hours_per_half_day."""
    return len({(s.date, s.slot) for s in sessions}) * training_class.hours_per_half_day


def _own(actor, enrollment: Enrollment) -> None:
    if enrollment.cadre.person.account_id != actor.pk:
        raise NotFound()


def _label_of(status: str) -> str:
    return LeaveStatus(status).label


@transaction.atomic
def leave_request(*, actor, enrollment: Enrollment, sessions, reason: str, now: dt.datetime | None = None,
                  request=None) -> LeaveRequest:
    """A cadre asks for leave from sessions of their class (today's or later ones).

    A session may be in one pending or approved request only. Submitting the very same
    request twice (same sessions, same reason, still pending) returns the first one.
    """
    scope.require(actor, "self.view")
    enrollment = Enrollment.objects.select_for_update().select_related(
        "cadre__person", "training_class").get(pk=enrollment.pk)  # one request of a cadre at a time
    _own(actor, enrollment)
    training_class = enrollment.training_class
    if enrollment.status != EnrollmentStatus.APPROVED:
        raise DomainError("您不在本班学员名单中，不能请假。", code="not_enrolled")
    if training_class.is_locked:
        raise DomainError("本班已结业，不能再请假。")
    reason = (reason or "").strip()
    sessions = sorted({s.pk: s for s in sessions}.values(), key=lambda s: (s.date, SLOT_ORDER[s.slot], s.start_time))
    if not sessions:
        raise DomainError("请选择请假的课程。", field="sessions")
    if not reason:
        raise DomainError("请填写请假事由。", field="reason")
    if len(reason) > 300:
        raise DomainError("请假事由不能超过 300 个字。", field="reason")
    today = timezone.localtime(_now(now)).date()
    for session in sessions:
        if session.training_class_id != training_class.pk:
            raise DomainError("所选课程不属于本班。", field="sessions")
        if session.date < today:
            raise DomainError(f"“{session.title}”（{session.date:%m-%d}）已经结束，不能再请假。", field="sessions")
    live = LeaveRequest.objects.filter(enrollment=enrollment, status__in=(LeaveStatus.PENDING, LeaveStatus.APPROVED))
    clashing = list(live.filter(sessions__in=sessions).distinct().prefetch_related("sessions"))
    wanted = {s.pk for s in sessions}
    for other in clashing:
        if other.status == LeaveStatus.PENDING and other.reason == reason \
                and {s.pk for s in other.sessions.all()} == wanted:
            return other  # the same request submitted twice
    if clashing:
        other = clashing[0]
        taken = next(s for s in sessions if s.pk in {x.pk for x in other.sessions.all()})
        raise DomainError(f"“{taken.title}”（{taken.date:%m-%d}）已在另一份{_label_of(other.status)}的请假申请中。",
                          field="sessions", code="duplicate")
    leave = LeaveRequest.objects.create(enrollment=enrollment, reason=reason,
                                        hours=leave_hours_for(training_class, sessions))
    leave.sessions.set(sessions)
    audit_record(action="leave.request", actor=actor, request=request, target=leave,
                 detail={"class": training_class.pk, "sessions": sorted(wanted), "hours": leave.hours})
    return leave


@transaction.atomic
def leave_cancel(*, actor, leave: LeaveRequest, request=None) -> LeaveRequest:
    """The cadre withdraws a pending request (a second cancel changes nothing)."""
    scope.require(actor, "self.view")
    leave = LeaveRequest.objects.select_for_update().select_related("enrollment__cadre__person").get(pk=leave.pk)
    _own(actor, leave.enrollment)
    if leave.status == LeaveStatus.CANCELLED:
        return leave
    if leave.status != LeaveStatus.PENDING:
        raise DomainError(f"该申请{_label_of(leave.status)}，只能撤销待审批的申请。", code="not_pending")
    leave.status = LeaveStatus.CANCELLED
    leave.save(update_fields=["status", "updated_at"])
    audit_record(action="leave.cancel", actor=actor, request=request, target=leave)
    return leave


@dataclass(frozen=True)
class LeaveDecisionResult:
    leave: LeaveRequest
    over_limit: bool            # after this decision the cadre is past the 1/7 line
    away_hours: Decimal
    limit_hours: Decimal
    message: str


@transaction.atomic
def leave_decide(*, actor, leave: LeaveRequest, approve: bool, note: str = "", now: dt.datetime | None = None,
                 request=None) -> LeaveDecisionResult:
    """The head teacher (or institution admin) approves or rejects a pending request.

    Rejection needs a note. Deciding the same way twice changes nothing. When approval
    takes the cadre past 1/7 of the class's hours, the message says so: the cadre now
    appears in the org department's withdrawal list.
    """
    leave = LeaveRequest.objects.select_for_update().select_related(
        "enrollment__training_class__institution", "enrollment__cadre__person").get(pk=leave.pk)
    training_class = leave.enrollment.training_class
    _require_runner(actor, training_class, "leave.approve")
    wanted = LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED
    note = (note or "").strip()
    if len(note) > 300:
        raise DomainError("审批意见不能超过 300 个字。", field="note")
    changed = leave.status == LeaveStatus.PENDING
    if not changed and leave.status != wanted:
        raise DomainError(f"该申请{_label_of(leave.status)}，不能再审批。", code="not_pending")
    if changed:
        if training_class.is_locked:
            raise DomainError("班次已结业或归档，不能再审批请假。")
        if not approve and not note:
            raise DomainError("不批准时请填写理由。", field="note")
        leave.status, leave.decided_by, leave.decided_at, leave.decision_note = wanted, actor, _now(now), note
        leave.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    standing = standing_of(leave.enrollment, now=now)
    name = leave.enrollment.cadre.person.name
    if approve:
        message = f"已批准{name}的请假（{leave.hours.normalize():f} 学时）。"
        if standing.over:
            message += (f"该学员累计请假和缺课已达 {standing.away_hours.normalize():f} 学时，超过本班总学时"
                        f"（{standing.credit_hours.normalize():f}）的七分之一（{standing.limit_hours.normalize():f} 学时），"
                        "已提请组织部门作退学处理。")
    else:
        message = f"已不批准{name}的请假。"
    if changed:
        audit_record(action="leave.approve" if approve else "leave.reject", actor=actor, request=request,
                     target=leave, detail={"hours": leave.hours, "note": note, "away_hours": standing.away_hours,
                                           "limit_hours": standing.limit_hours, "over_limit": standing.over})
    return LeaveDecisionResult(leave=leave, over_limit=approve and standing.over, away_hours=standing.away_hours,
                               limit_hours=standing.limit_hours, message=message)


# --- withdrawal (退学) -------------------------------------------------------------------------

@transaction.atomic
def withdrawal_decide(*, actor, enrollment: Enrollment, decision: str, note: str, now: dt.datetime | None = None,
                      request=None) -> WithdrawalReview:
    """The org department decides on a cadre past the 1/7 line: withdraw (the enrollment
    becomes dropped, pending leave is cancelled) or keep (with a note; the cadre returns
    to the list only if more time away accrues). Audited; a repeated decision is a no-op."""
    scope.require(actor, "roster.review")
    if not scope.scoped(actor, Enrollment, permission="roster.review").filter(pk=enrollment.pk).exists():
        raise NotFound()
    enrollment = Enrollment.objects.select_for_update().select_related(
        "training_class", "cadre__person").get(pk=enrollment.pk)
    if decision not in WithdrawalDecision.values:
        raise DomainError("请选择处理结果。", field="decision")
    note = (note or "").strip()
    if not note:
        raise DomainError("请填写理由。", field="note")
    if len(note) > 300:
        raise DomainError("理由不能超过 300 个字。", field="note")
    last = enrollment.withdrawal_reviews.order_by("-decided_at", "-id").first()
    if enrollment.status == EnrollmentStatus.DROPPED and decision == WithdrawalDecision.WITHDRAW and last is not None:
        return last  # already withdrawn
    if enrollment.status != EnrollmentStatus.APPROVED:
        raise DomainError(f"该学员当前为“{enrollment.get_status_display()}”，无需处理。", code="not_approved")
    if enrollment.training_class.is_locked:
        raise DomainError("班次已结业或归档，不能再作退学处理。")
    standing = standing_of(enrollment, now=now)
    if not standing.over:
        raise DomainError(f"该学员请假和缺课共 {standing.away_hours.normalize():f} 学时，未超过限额 "
                          f"{standing.limit_hours.normalize():f} 学时，无需处理。", code="not_over_limit")
    if decision == WithdrawalDecision.KEEP and last is not None and last.decision == WithdrawalDecision.KEEP \
            and last.away_hours >= standing.away_hours:
        return last  # already kept at these hours
    review = WithdrawalReview.objects.create(
        enrollment=enrollment, decision=decision, note=note, leave_hours=standing.leave_hours,
        absence_hours=standing.absence_hours, away_hours=standing.away_hours, limit_hours=standing.limit_hours,
        decided_by=actor, decided_at=_now(now))
    detail = {"decision": decision, "note": note, "leave_hours": standing.leave_hours,
              "absence_hours": standing.absence_hours, "limit_hours": standing.limit_hours}
    if decision == WithdrawalDecision.WITHDRAW:
        before = enrollment.status
        enrollment.status = EnrollmentStatus.DROPPED
        enrollment.save(update_fields=["status", "updated_at"])
        cancelled = list(enrollment.leave_requests.filter(status=LeaveStatus.PENDING).values_list("pk", flat=True))
        enrollment.leave_requests.filter(pk__in=cancelled).update(
            status=LeaveStatus.CANCELLED, decision_note="学员已退学", updated_at=_now(now))
        detail.update({"before": before, "after": enrollment.status, "cancelled_leave": cancelled})
    audit_record(action=f"attendance.withdrawal_{decision}", actor=actor, request=request, target=enrollment,
                 target_repr=f"{enrollment.cadre.person.name} · {enrollment.training_class.title}", detail=detail)
    return review
