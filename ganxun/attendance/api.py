"""/api/v1/attendance — check-in, session lists and corrections, class summaries, leave, withdrawals.

Parse → call the same selectors and services as the pages → serialise. The check-in
answers 201 for a new record, 409 for a repeated scan (already recorded, nothing written;
the message says when) and 400 with a stable `code` for every refusal (docs/api.md,
docs/attendance.md).
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from ganxun.api.auth import permission
from ganxun.api.errors import responses
from ganxun.api.schemas import Id, Input, Page, PageQuery, label, page_of, text
from ganxun.attendance import selectors, services
from ganxun.attendance.models import AttendanceStatus, LeaveRequest, LeaveStatus, WithdrawalDecision
from ganxun.attendance.selectors import RollRow
from ganxun.attendance.tokens import PURPOSE_CHECKIN, checkin_token, checkin_url, seconds_left, window_seconds
from ganxun.classes.models import Slot
from ganxun.classes.selectors import class_credit_hours, class_get_for
from ganxun.core.errors import Conflict, DomainError, NotFound
from ganxun.roster.models import EnrollmentStatus

router = Router(tags=["签到与请假"])


# --- schemas ------------------------------------------------------------------------------

class CheckinIn(Input):
    token: text(80) = Field(description="二维码中的令牌：签到页地址 /learn/checkin/?t=… 中 t 的值")


class CheckinOut(Schema):
    purpose: Literal["in", "out"] = Field(description="in 签到，out 签退")
    message: str = Field(description="给学员看的提示，如“签到成功：08:31，专题讲座。”")
    session_id: int
    session_title: str
    class_id: int
    class_title: str
    status: str
    status_label: str
    checked_in_at: datetime | None
    checked_out_at: datetime | None


class CheckinTokenOut(Schema):
    session_id: int
    purpose: Literal["in", "out"]
    token: str
    url: str = Field(description="二维码内容：学员签到页的绝对地址")
    rotates_in: float = Field(description="距下次更换的秒数")
    window_seconds: int


class PurposeQuery(Schema):
    purpose: Literal["in", "out"] = Field(PURPOSE_CHECKIN, description="in 签到码，out 签退码（仅需签退的课程）")


class SessionRef(Schema):
    id: int
    date: date
    slot: str
    slot_label: str
    start_time: time
    end_time: time
    title: str
    requires_checkout: bool


class RollItemOut(Schema):
    enrollment_id: int
    seat_no: int | None
    name: str
    unit_name: str
    state: str = Field(description="present 已签到 / late 迟到 / leave 请假 / absent 缺勤 / not_yet 未签到")
    state_label: str
    method: str | None = Field(description="qr 扫码 / manual 人工；无记录为 null")
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    reason: str
    on_leave: bool = Field(description="有已批准的请假覆盖本节课")


class RollCountsOut(Schema):
    total: int
    checked_in: int = Field(description="已签到（含迟到）")
    present: int
    late: int
    leave: int
    absent: int
    not_yet: int
    checked_out: int


class SessionAttendanceOut(Schema):
    class_id: int
    session: SessionRef
    counts: RollCountsOut
    items: list[RollItemOut]


class CorrectionIn(Input):
    enrollment_id: Id
    status: AttendanceStatus = Field(description="present / late / absent / leave")
    reason: text(200) = Field(description="更正原因（必填）")


class RecordOut(Schema):
    session_id: int
    enrollment_id: int
    status: str
    status_label: str
    method: str
    reason: str
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    updated_at: datetime


class SummaryItemOut(Schema):
    enrollment_id: int
    seat_no: int | None
    name: str
    unit_name: str
    enrollment_status: str
    sessions: int = Field(description="已计入的课次（已结束；需签退的课程在签退截止后）")
    attended: int
    late: int
    on_leave: int
    absent: int
    no_checkout: int = Field(description="其中未签退（按缺勤计）")
    attendance_rate: Decimal = Field(description="出勤率 0–1")
    leave_hours: Decimal
    absence_hours: Decimal
    away_hours: Decimal = Field(description="请假学时 + 缺课学时")
    flagged: bool = Field(description="超过总学时七分之一且未被保留：退学预警")
    marks: list[str] = Field(description="与 sessions 一一对应：present/late/leave/absent/no_checkout/open")


class AttendanceClassOut(Schema):
    class_id: int
    title: str
    credit_hours: Decimal
    limit_hours: Decimal = Field(description="总学时 ÷ 7")
    sessions: list[SessionRef]
    items: list[SummaryItemOut]


class LeaveSessionOut(Schema):
    id: int
    date: date
    slot: str
    slot_label: str
    title: str


class LeaveOut(Schema):
    id: int
    enrollment_id: int
    class_id: int
    class_title: str
    name: str
    seat_no: int | None
    unit_name: str
    sessions: list[LeaveSessionOut]
    hours: Decimal
    reason: str
    status: str
    status_label: str
    decided_by: str
    decided_at: datetime | None
    decision_note: str
    created_at: datetime


class LeaveFilters(Schema):
    class_id: Id | None = Field(None, description="只列该班次的；看不到的班次不匹配任何申请")
    status: LeaveStatus | None = None


class LeaveIn(Input):
    class_id: Id = Field(description="本人已确认参训的班次")
    session_ids: list[Id] = Field(min_length=1, max_length=100, description="请假的课程（今天及以后的）")
    reason: text(300) = Field(description="事由（必填）")


class LeaveDecisionIn(Input):
    decision: Literal["approve", "reject"]
    note: text(300) = Field("", description="审批意见；不批准时必填")


class LeaveDecisionOut(Schema):
    leave: LeaveOut
    over_limit: bool = Field(description="批准后该学员请假和缺课超过总学时七分之一")
    away_hours: Decimal
    limit_hours: Decimal
    message: str


class WithdrawalOut(Schema):
    enrollment_id: int
    class_id: int
    class_title: str
    name: str
    seat_no: int | None
    unit_name: str
    leave_hours: Decimal
    absence_hours: Decimal
    away_hours: Decimal
    credit_hours: Decimal
    limit_hours: Decimal
    kept_at: Decimal | None = Field(description="上次“保留学籍”时的合计学时；从未处理为 null")


class WithdrawalDecisionIn(Input):
    decision: WithdrawalDecision = Field(description="withdraw 予以退学 / keep 保留学籍")
    note: text(300) = Field(description="理由（必填）")


class WithdrawalReviewOut(Schema):
    id: int
    enrollment_id: int
    enrollment_status: str
    decision: str
    decision_label: str
    note: str
    leave_hours: Decimal
    absence_hours: Decimal
    away_hours: Decimal
    limit_hours: Decimal
    decided_at: datetime


# --- serialisers ---------------------------------------------------------------------------

def _session_ref(session) -> dict:
    return {"id": session.pk, "date": session.date, "slot": session.slot, "slot_label": label(Slot, session.slot),
            "start_time": session.start_time, "end_time": session.end_time, "title": session.title,
            "requires_checkout": session.requires_checkout}


def _roll_item(row: RollRow) -> dict:
    record = row.record
    return {"enrollment_id": row.enrollment.pk, "seat_no": row.enrollment.seat_no,
            "name": row.enrollment.cadre.person.name, "unit_name": row.enrollment.unit.name,
            "state": row.state, "state_label": row.state_label, "method": record.method if record else None,
            "checked_in_at": record.checked_in_at if record else None,
            "checked_out_at": record.checked_out_at if record else None,
            "reason": record.reason if record else "", "on_leave": row.on_leave}


def _record_out(record) -> dict:
    return {"session_id": record.session_id, "enrollment_id": record.enrollment_id, "status": record.status,
            "status_label": label(AttendanceStatus, record.status), "method": record.method,
            "reason": record.reason, "checked_in_at": record.checked_in_at, "checked_out_at": record.checked_out_at,
            "updated_at": record.updated_at}


def leave_out(leave: LeaveRequest) -> dict:
    enrollment = leave.enrollment
    return {
        "id": leave.pk, "enrollment_id": enrollment.pk, "class_id": enrollment.training_class_id,
        "class_title": enrollment.training_class.title, "name": enrollment.cadre.person.name,
        "seat_no": enrollment.seat_no, "unit_name": enrollment.unit.name,
        "sessions": [{"id": s.pk, "date": s.date, "slot": s.slot, "slot_label": label(Slot, s.slot), "title": s.title}
                     for s in sorted(leave.sessions.all(), key=lambda s: (s.date, s.start_time, s.pk))],
        "hours": leave.hours, "reason": leave.reason, "status": leave.status,
        "status_label": label(LeaveStatus, leave.status),
        "decided_by": leave.decided_by.full_name if leave.decided_by_id else "", "decided_at": leave.decided_at,
        "decision_note": leave.decision_note, "created_at": leave.created_at,
    }


def _review_out(review) -> dict:
    return {"id": review.pk, "enrollment_id": review.enrollment_id, "enrollment_status": review.enrollment.status,
            "decision": review.decision, "decision_label": label(WithdrawalDecision, review.decision),
            "note": review.note, "leave_hours": review.leave_hours, "absence_hours": review.absence_hours,
            "away_hours": review.away_hours, "limit_hours": review.limit_hours, "decided_at": review.decided_at}


def _page_of_list(rows: list, paging: PageQuery, serialize) -> dict:
    start = (paging.page - 1) * paging.page_size
    return {"count": len(rows), "page": paging.page, "page_size": paging.page_size,
            "items": [serialize(row) for row in rows[start:start + paging.page_size]]}


def _runner_session(actor, session_id: int):
    session = selectors.attendance_session_get_for(actor, session_id)
    if not selectors.can_run_class(actor, session.training_class, "attendance.manage"):
        raise NotFound()
    return session


# --- check-in ------------------------------------------------------------------------------

@router.post("/attendance/checkin", response=responses({201: CheckinOut}, 400, 409), summary="扫码签到 / 签退")
@permission("self.view")
def attendance_checkin(request, payload: CheckinIn):
    """The logged-in cadre (token or session) checks in or out with the token of a QR code.
    201: recorded now. 409: already recorded before — nothing written; `code` is
    already_checked_in or already_checked_out and `message` says when ("您已于 08:31 签到。").
    400: refused, `code` says why (invalid_token, expired_token, not_started, closed,
    not_enrolled, dropped, class_closed, checkout_not_required, no_checkin, recorded_by_teacher)."""
    result = services.attendance_scan(actor=request.auth, token=payload.token, request=request)
    if result.outcome == services.OUTCOME_ALREADY:
        raise Conflict(result.message, code=f"already_checked_{result.purpose}")
    record, session = result.record, result.session
    body = {"purpose": result.purpose, "message": result.message,
            "session_id": session.pk, "session_title": session.title, "class_id": session.training_class_id,
            "class_title": session.training_class.title, "status": record.status,
            "status_label": label(AttendanceStatus, record.status), "checked_in_at": record.checked_in_at,
            "checked_out_at": record.checked_out_at}
    return Status(201, body)


@router.get("/attendance/sessions/{session_id}/token", response=responses({200: CheckinTokenOut}, 400, 404),
            summary="当前签到二维码令牌")
@permission("attendance.manage")
def attendance_session_token(request, session_id: Id, query: Query[PurposeQuery]):
    """The token (and URL) the check-in screen of the session shows now, for a head teacher's
    own display app. It rotates every `window_seconds`; an expired one is refused."""
    session = _runner_session(request.auth, session_id)
    if query.purpose == "out" and not session.requires_checkout:
        raise DomainError("本节课无需签退。", field="purpose", code="checkout_not_required")
    now = timezone.now()
    token = checkin_token(session, query.purpose, now=now)
    return {"session_id": session.pk, "purpose": query.purpose, "token": token, "url": checkin_url(request, token),
            "rotates_in": round(seconds_left(now), 1), "window_seconds": window_seconds()}


@router.get("/attendance/sessions/{session_id}", response=responses({200: SessionAttendanceOut}, 400, 404),
            summary="一节课的签到名单")
@permission("attendance.view")
def attendance_session_list(request, session_id: Id):
    """Who has and has not checked in (approved cadres in seat order) with the counts."""
    session = selectors.attendance_session_get_for(request.auth, session_id)
    roll = selectors.session_roll(session)
    return {"class_id": session.training_class_id, "session": _session_ref(session), "counts": roll.counts,
            "items": [_roll_item(row) for row in roll.rows]}


@router.post("/attendance/sessions/{session_id}/records", response=responses({200: RecordOut}, 400, 404),
             summary="人工更正考勤")
@permission("attendance.manage")
def attendance_record_correct(request, session_id: Id, payload: CorrectionIn):
    """Set a cadre's record of the session by hand, with a reason (audited with before/after)."""
    session = _runner_session(request.auth, session_id)
    enrollment = session.training_class.enrollments.filter(pk=payload.enrollment_id).first()
    if enrollment is None:
        raise NotFound("该学员不在本班名单中。")
    record = services.attendance_correct(actor=request.auth, session=session, enrollment=enrollment,
                                         status=payload.status.value, reason=payload.reason, request=request)
    return _record_out(record)


@router.get("/attendance/classes/{class_id}", response=responses({200: AttendanceClassOut}, 400, 404),
            summary="班次考勤汇总")
@permission("attendance.view")
def attendance_class_summary(request, class_id: Id):
    """Per cadre: counts, rate, leave and absence hours against the 1/7 line, and the marks per session."""
    training_class = class_get_for(request.auth, class_id)
    sessions, rows = selectors.class_overview(training_class)
    credit = class_credit_hours(training_class, sessions)
    items = []
    for row in rows:
        s, e = row.summary, row.enrollment
        items.append({
            "enrollment_id": e.pk, "seat_no": e.seat_no, "name": e.cadre.person.name, "unit_name": e.unit.name,
            "enrollment_status": e.status, "sessions": s.sessions, "attended": s.attended, "late": s.late,
            "on_leave": s.on_leave, "absent": s.absent, "no_checkout": s.no_checkout,
            "attendance_rate": s.attendance_rate, "leave_hours": s.leave_hours, "absence_hours": s.absence_hours,
            "away_hours": s.away_hours, "flagged": row.flagged, "marks": [mark for mark, _, _ in row.cells],
        })
    return {"class_id": training_class.pk, "title": training_class.title, "credit_hours": credit,
            "limit_hours": selectors.limit_hours(credit), "sessions": [_session_ref(s) for s in sessions],
            "items": items}


# --- leave ---------------------------------------------------------------------------------

@router.get("/attendance/leave", response=responses({200: Page[LeaveOut]}, 400), summary="请假申请列表")
@permission("self.view", "attendance.view")
def attendance_leave_list(request, filters: Query[LeaveFilters], paging: Query[PageQuery]):
    """Cadres: their own requests. Staff: the requests in their scope (head teachers: their classes)."""
    qs = selectors.leave_list_for(request.auth, status=filters.status.value if filters.status else "")
    if filters.class_id is not None:
        qs = qs.filter(enrollment__training_class_id=filters.class_id)
    return page_of(qs, paging, leave_out)


@router.post("/attendance/leave", response=responses({201: LeaveOut}, 400, 404), summary="申请请假")
@permission("self.view")
def attendance_leave_create(request, payload: LeaveIn):
    """The cadre asks for leave from sessions of a class they are on (today's or later ones).
    Sending the same request twice returns the first (201 again, nothing new)."""
    actor = request.auth
    enrollment = selectors.own_enrollments(actor).filter(training_class_id=payload.class_id,
                                                         status=EnrollmentStatus.APPROVED).first()
    if enrollment is None:
        raise NotFound("您不在该班次的学员名单中。")
    wanted = set(payload.session_ids)
    sessions = list(enrollment.training_class.sessions.filter(pk__in=wanted))
    if len(sessions) != len(wanted):
        raise DomainError("所选课程不属于本班或不存在。", field="session_ids")
    leave = services.leave_request(actor=actor, enrollment=enrollment, sessions=sessions, reason=payload.reason,
                                   request=request)
    return Status(201, leave_out(selectors.leave_list_for(actor).get(pk=leave.pk)))


@router.post("/attendance/leave/{leave_id}/cancel", response=responses({200: LeaveOut}, 400, 404),
             summary="撤销请假申请")
@permission("self.view")
def attendance_leave_cancel(request, leave_id: Id):
    leave = selectors.own_leave_get(request.auth, leave_id)
    services.leave_cancel(actor=request.auth, leave=leave, request=request)
    return leave_out(selectors.leave_list_for(request.auth).get(pk=leave.pk))


@router.post("/attendance/leave/{leave_id}/decision", response=responses({200: LeaveDecisionOut}, 400, 404),
             summary="审批请假")
@permission("leave.approve")
def attendance_leave_decide(request, leave_id: Id, payload: LeaveDecisionIn):
    """Approve or reject a pending request (the class's head teacher or institution admin).
    `over_limit` tells when the approval takes the cadre past 1/7 of the class's hours."""
    leave = selectors.leave_get_for(request.auth, leave_id)
    if not selectors.can_run_class(request.auth, leave.enrollment.training_class, "leave.approve"):
        raise NotFound()
    result = services.leave_decide(actor=request.auth, leave=leave, approve=payload.decision == "approve",
                                   note=payload.note, request=request)
    return {"leave": leave_out(selectors.leave_list_for(request.auth).get(pk=leave.pk)),
            "over_limit": result.over_limit, "away_hours": result.away_hours, "limit_hours": result.limit_hours,
            "message": result.message}


# --- withdrawals (org department) ----------------------------------------------------------

@router.get("/attendance/withdrawals", response=responses({200: Page[WithdrawalOut]}, 400),
            summary="退学预警名单")
@permission("roster.review")
def attendance_withdrawal_list(request, paging: Query[PageQuery]):
    """Cadres past 1/7 of their class's hours (approved leave + unexcused absence) in the
    caller's scope, awaiting a decision (classes enrolling or running)."""
    rows = selectors.withdrawal_candidates_for(request.auth)

    def serialize(row) -> dict:
        e, st = row.enrollment, row.standing
        return {"enrollment_id": e.pk, "class_id": e.training_class_id, "class_title": e.training_class.title,
                "name": e.cadre.person.name, "seat_no": e.seat_no, "unit_name": e.unit.name,
                "leave_hours": st.leave_hours, "absence_hours": st.absence_hours, "away_hours": st.away_hours,
                "credit_hours": st.credit_hours, "limit_hours": st.limit_hours, "kept_at": row.kept_at}

    return _page_of_list(rows, paging, serialize)


@router.post("/attendance/withdrawals/{enrollment_id}", response=responses({200: WithdrawalReviewOut}, 400, 404),
             summary="退学处理")
@permission("roster.review")
def attendance_withdrawal_decide(request, enrollment_id: Id, payload: WithdrawalDecisionIn):
    """withdraw: the enrollment becomes dropped (退学), pending leave is cancelled; keep: the
    cadre stays, with the note, until more time away accrues. Audited."""
    enrollment = selectors.withdrawal_enrollment_get_for(request.auth, enrollment_id)
    review = services.withdrawal_decide(actor=request.auth, enrollment=enrollment, decision=payload.decision.value,
                                        note=payload.note, request=request)
    review.enrollment.refresh_from_db(fields=["status"])
    return _review_out(review)

