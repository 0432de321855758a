"""Reads of attendance and leave."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from ganxun.attendance.models import AttendanceRecord, AttendanceStatus, LeaveRequest, LeaveStatus
from ganxun.classes.models import TrainingClass
from ganxun.roster.models import Enrollment, EnrollmentStatus


@dataclass(frozen=True)
class AttendanceSummary:
    sessions: int          # sessions of the class that are over (all of them once the class is closed)
    attended: int          # present or late
    late: int
    on_leave: int          # sessions covered by approved leave without a check-in
    absent: int            # over, not attended, not on leave
    leave_hours: Decimal   # hours of approved leave

    @property
    def attendance_rate(self) -> Decimal:
        """attended / sessions over, 0–1 (1 when no session is over yet)."""
        if not self.sessions:
            return Decimal("1")
        return (Decimal(self.attended) / Decimal(self.sessions)).quantize(Decimal("0.0001"))


def attendance_summary(training_class: TrainingClass, *, all_sessions: bool = False) -> dict[int, AttendanceSummary]:
    """Attendance of every enrollment of the class that is or was on the roster (approved or
    dropped), keyed by enrollment id.

    Definition: a session counts once it has ended (or always, with `all_sessions`, as when
    closing the class). Attended = a record with status present or late. On leave = covered
    by an approved leave request and not attended (a manual record with status "leave" counts
    too). Absent = counted, neither attended nor on leave. Leave hours = sum of the hours of
    approved leave requests.
    """
    now = timezone.localtime()
    sessions = list(training_class.sessions.only("pk", "date", "end_time"))
    counted = {s.pk for s in sessions
               if all_sessions or (s.date, s.end_time) <= (now.date(), now.time())}
    enrollments = list(Enrollment.objects.filter(
        training_class=training_class, status__in=(EnrollmentStatus.APPROVED, EnrollmentStatus.DROPPED),
    ).values_list("pk", flat=True))
    records: dict[int, dict[int, str]] = {pk: {} for pk in enrollments}
    for enrollment_id, session_id, status in AttendanceRecord.objects.filter(
        enrollment_id__in=enrollments, session_id__in=counted,
    ).values_list("enrollment_id", "session_id", "status"):
        records[enrollment_id][session_id] = status
    leave_sessions: dict[int, set[int]] = {pk: set() for pk in enrollments}
    leave_hours: dict[int, Decimal] = {pk: Decimal("0") for pk in enrollments}
    approved = LeaveRequest.objects.filter(enrollment_id__in=enrollments, status=LeaveStatus.APPROVED)
    for leave in approved.prefetch_related("sessions"):
        leave_hours[leave.enrollment_id] += leave.hours
        leave_sessions[leave.enrollment_id].update(s.pk for s in leave.sessions.all() if s.pk in counted)
    result = {}
    for pk in enrollments:
        marks = records[pk]
        attended = {s for s, st in marks.items() if st in (AttendanceStatus.PRESENT, AttendanceStatus.LATE)}
        late = sum(1 for st in marks.values() if st == AttendanceStatus.LATE)
        leave = ({s for s, st in marks.items() if st == AttendanceStatus.LEAVE} | leave_sessions[pk]) - attended
        result[pk] = AttendanceSummary(sessions=len(counted), attended=len(attended), late=late,
                                       on_leave=len(leave), absent=len(counted) - len(attended) - len(leave),
                                       leave_hours=leave_hours[pk])
    return result
