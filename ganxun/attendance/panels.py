"""The attendance section of the learner's class page (roster.panels), and its full-page twin.

Today's sessions with the cadre's own check-in state and a scan button; the cadre's own
record for the class (rate, late, leave, absent, against the 1/7 line); the cadre's leave
requests with their status, a cancel button for pending ones, and the way to ask for leave.
"""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string
from django.utils import timezone

from ganxun.attendance import rules, selectors
from ganxun.attendance.models import AttendanceStatus, LeaveStatus
from ganxun.roster.models import EnrollmentStatus


def _today_rows(enrollment, leaves, now: dt.datetime) -> list[dict]:
    on_leave = {s.pk for leave in leaves if leave.status == LeaveStatus.APPROVED for s in leave.sessions.all()}
    rows = []
    for session, record in selectors.today_sessions(enrollment, now=now):
        opens, closes = rules.checkin_window(session)
        if record is not None and record.status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE):
            state = record.get_status_display()
            if record.checked_in_at:
                state += f" {rules.hm(record.checked_in_at)}"
            if record.checked_out_at:
                state += f"，已签退 {rules.hm(record.checked_out_at)}"
            elif session.requires_checkout:
                state += "，待签退"
            tone = "orange" if record.status == AttendanceStatus.LATE else "green"
        elif record is not None:
            state, tone = record.get_status_display(), "secondary"
        elif session.pk in on_leave:
            state, tone = "请假", "azure"
        elif now < opens:
            state, tone = f"{rules.hm(opens)} 起可签到", "secondary"
        elif now <= closes:
            state, tone = "未签到", "red"
        else:
            state, tone = "未签到（已结束）", "red"
        scan_open = opens <= now <= closes or (
            session.requires_checkout and rules.checkout_window(session)[0] <= now <= rules.checkout_window(session)[1])
        rows.append({"session": session, "state": state, "tone": tone, "scan_open": scan_open})
    return rows


def panel_context(request, enrollment, *, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    training_class = enrollment.training_class
    leaves = selectors.own_leave_requests(enrollment)
    summary = selectors.attendance_summary(training_class, now=now, enrollment_ids=[enrollment.pk])[enrollment.pk]
    standing = selectors.standings(training_class, {enrollment.pk: summary})[enrollment.pk]
    active = enrollment.status == EnrollmentStatus.APPROVED and not training_class.is_locked
    return {
        "enrollment": enrollment, "training_class": training_class, "today": _today_rows(enrollment, leaves, now),
        "summary": summary, "standing": standing, "leaves": leaves, "can_request_leave": active,
        "dropped": enrollment.status == EnrollmentStatus.DROPPED, "next": request.get_full_path(),
    }


def render_learner_panel(request, enrollment) -> str:
    """roster.panels callback: "" for enrollments that are not (or no longer) on the roster."""
    if enrollment.status not in (EnrollmentStatus.APPROVED, EnrollmentStatus.DROPPED):
        return ""
    return render_to_string("attendance/_learner_panel.html", panel_context(request, enrollment), request=request)
