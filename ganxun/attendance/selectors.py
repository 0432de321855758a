"""Reads of attendance and leave — the figures are defined here (docs/attendance.md).

Every list starts from the scope gate: a class through classes.selectors.class_get_for
(head teachers see only the classes they head), leave requests and enrollments through
scope.scoped (cadres see their own).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from ganxun.access import scope
from ganxun.access.roles import Role
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
from ganxun.classes.models import ClassStatus, Session, TrainingClass
from ganxun.classes.selectors import SLOT_ORDER, class_credit_hours, class_get_for
from ganxun.core.errors import NotFound
from ganxun.roster.models import Enrollment, EnrollmentStatus

ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
TENTH = Decimal("0.1")
HUNDREDTH = Decimal("0.01")


class Mark:
    """What a cadre's cell of the attendance matrix shows for one session."""

    PRESENT = "present"          # ✓ attended on time
    LATE = "late"                # 迟 attended, late
    LEAVE = "leave"              # 假 on leave
    ABSENT = "absent"            # ✗ absent without leave
    NO_CHECKOUT = "no_checkout"  # ✗ checked in but never checked out (counts as absent)
    OPEN = "open"                # — not settled yet and nothing recorded

    SYMBOLS = {PRESENT: "✓", LATE: "迟", LEAVE: "假", ABSENT: "✗", NO_CHECKOUT: "✗", OPEN: "—"}
    LABELS = {PRESENT: "出勤", LATE: "迟到", LEAVE: "请假", ABSENT: "缺勤", NO_CHECKOUT: "未签退（按缺勤计）",
              OPEN: "未开始/进行中"}


@dataclass(frozen=True)
class AttendanceSummary:
    sessions: int          # sessions of the class that are settled (all of them once the class is closed)
    attended: int          # present or late (and checked out where the session needs it)
    late: int
    on_leave: int          # settled sessions on leave (approved leave, or a manual "leave" record)
    absent: int            # settled, neither attended nor on leave (includes no_checkout)
    leave_hours: Decimal   # hours of approved leave requests
    no_checkout: int = 0   # of `absent`: checked in by QR but never checked out
    absence_hours: Decimal = Decimal("0")  # hours of the absent sessions (see _session_shares)

    @property
    def attendance_rate(self) -> Decimal:
        """attended / sessions settled, 0–1 (1 when no session is settled yet)."""
        if not self.sessions:
            return Decimal("1")
        return (Decimal(self.attended) / Decimal(self.sessions)).quantize(Decimal("0.0001"))

    @property
    def away_hours(self) -> Decimal:
        """Time away counted by the 1/7 rule: approved leave + unexcused absence."""
        return self.leave_hours + self.absence_hours


def _local(now: dt.datetime | None) -> dt.datetime:
    return timezone.localtime(now) if now is not None else timezone.localtime()


def _session_shares(training_class: TrainingClass, sessions) -> dict[int, Decimal]:
    """Hours each session stands for: a half-day's hours (hours_per_half_day) shared equally
    by the sessions of that half-day (date, slot)."""
    per_half_day: dict[tuple, int] = defaultdict(int)
    for s in sessions:
        per_half_day[(s.date, s.slot)] += 1
    return {s.pk: training_class.hours_per_half_day / per_half_day[(s.date, s.slot)] for s in sessions}


def _mark(session, record, on_leave: bool, settled: bool) -> str:
    """One cell. A manual record is the head teacher's decision and wins; a QR check-in counts
    when the session needs no check-out or the cadre checked out; else approved leave; else
    absent once the session is settled (before that: what is known so far, or open)."""
    if record is not None:
        status, method, checked_out_at = record
        if method == AttendanceMethod.MANUAL:
            return status
        if status in ATTENDED:
            if not session.requires_checkout or checked_out_at is not None:
                return status
            if not settled:
                return status  # checked in; check-out still possible
            return Mark.LEAVE if on_leave else Mark.NO_CHECKOUT
        return status
    if on_leave:
        return Mark.LEAVE
    return Mark.ABSENT if settled else Mark.OPEN


GRID_SESSION_FIELDS = ("pk", "date", "slot", "start_time", "end_time", "requires_checkout", "title", "training_class_id")


def _timetable_order(session) -> tuple:
    return session.date, SLOT_ORDER[session.slot], session.start_time, session.pk


@dataclass
class AttendanceGrid:
    """Marks of every (enrollment, session) of a class, with the sessions in timetable order."""

    sessions: list
    settled: set[int]
    marks: dict[int, dict[int, str]]            # enrollment id → session id → Mark
    leave_hours: dict[int, Decimal]
    shares: dict[int, Decimal] = field(default_factory=dict)


def attendance_grid(training_class: TrainingClass, *, enrollment_ids=None, all_sessions: bool = False,
                    now: dt.datetime | None = None) -> AttendanceGrid:
    """The marks of the class's approved and dropped enrollments (or of `enrollment_ids`)."""
    now = _local(now)
    sessions = list(training_class.sessions.only(*GRID_SESSION_FIELDS))
    sessions.sort(key=_timetable_order)
    settled = {s.pk for s in sessions if all_sessions or rules.session_settled_at(s) <= now}
    if enrollment_ids is None:
        enrollment_ids = list(Enrollment.objects.filter(
            training_class=training_class, status__in=(EnrollmentStatus.APPROVED, EnrollmentStatus.DROPPED),
        ).values_list("pk", flat=True))
    enrollment_ids = list(enrollment_ids)
    records: dict[int, dict[int, tuple]] = {pk: {} for pk in enrollment_ids}
    for enrollment_id, session_id, status, method, checked_out_at in AttendanceRecord.objects.filter(
        enrollment_id__in=enrollment_ids, session__training_class=training_class,
    ).values_list("enrollment_id", "session_id", "status", "method", "checked_out_at"):
        records[enrollment_id][session_id] = (status, method, checked_out_at)
    leave_sessions: dict[int, set[int]] = {pk: set() for pk in enrollment_ids}
    leave_hours: dict[int, Decimal] = {pk: Decimal("0") for pk in enrollment_ids}
    approved = LeaveRequest.objects.filter(enrollment_id__in=enrollment_ids, status=LeaveStatus.APPROVED)
    for leave in approved.prefetch_related("sessions"):
        leave_hours[leave.enrollment_id] += leave.hours
        leave_sessions[leave.enrollment_id].update(s.pk for s in leave.sessions.all())
    return _grid_of(training_class, sessions, settled, enrollment_ids, records, leave_sessions, leave_hours)


def _grid_of(training_class: TrainingClass, sessions: list, settled: set[int], enrollment_ids: list[int],
             records: dict[int, dict[int, tuple]], leave_sessions: dict[int, set[int]],
             leave_hours: dict[int, Decimal]) -> AttendanceGrid:
    """The grid from loaded rows (sessions in timetable order; the dicts hold every enrollment id)."""
    marks = {
        pk: {s.pk: _mark(s, records[pk].get(s.pk), s.pk in leave_sessions[pk], s.pk in settled) for s in sessions}
        for pk in enrollment_ids
    }
    return AttendanceGrid(sessions=sessions, settled=settled, marks=marks, leave_hours=leave_hours,
                          shares=_session_shares(training_class, sessions))


def _summarise(grid: AttendanceGrid, enrollment_id: int) -> AttendanceSummary:
    settled = [grid.marks[enrollment_id][pk] for pk in grid.settled]
    absent_ids = [pk for pk in grid.settled if grid.marks[enrollment_id][pk] in (Mark.ABSENT, Mark.NO_CHECKOUT)]
    absence = sum((grid.shares[pk] for pk in absent_ids), Decimal("0"))
    return AttendanceSummary(
        sessions=len(settled),
        attended=sum(1 for m in settled if m in ATTENDED),
        late=sum(1 for m in settled if m == Mark.LATE),
        on_leave=sum(1 for m in settled if m == Mark.LEAVE),
        absent=len(absent_ids),
        leave_hours=grid.leave_hours[enrollment_id],
        no_checkout=sum(1 for m in settled if m == Mark.NO_CHECKOUT),
        absence_hours=absence.quantize(TENTH, rounding=ROUND_HALF_UP),
    )


def attendance_summary(training_class: TrainingClass, *, all_sessions: bool = False,
                       now: dt.datetime | None = None, enrollment_ids=None) -> dict[int, AttendanceSummary]:
    """Attendance of every enrollment of the class that is or was on the roster (approved or
    dropped), keyed by enrollment id.

    Definition: a session counts once it is settled — at its end, or for a session that needs
    check-out when the check-out window closes (end + GANXUN_CHECKOUT_CLOSES_MINUTES) — or
    always with `all_sessions` (closing the class). Per counted session, in this order:
    a manual record (the head teacher's correction) decides; a QR check-in is attended
    (late when marked late), except that a session needing check-out without one is
    "no check-out" and counts as absent (as leave if covered by approved leave); else
    approved leave covering the session is leave; else absent. attended = present + late.
    Leave hours = sum of the hours of approved leave requests (their sessions may lie ahead).
    Absence hours = Σ over absent sessions of hours_per_half_day ÷ sessions of that half-day.
    Rate = attended ÷ sessions counted (1 when none is counted yet).
    """
    grid = attendance_grid(training_class, all_sessions=all_sessions, now=now, enrollment_ids=enrollment_ids)
    return {pk: _summarise(grid, pk) for pk in grid.marks}


def attended_sessions(training_class: TrainingClass, *, all_sessions: bool = False, now: dt.datetime | None = None,
                      enrollment_ids=None) -> dict[int, set[int]]:
    """{enrollment id: ids of the sessions counted as attended} by the same marks as
    attendance_summary — a QR check-in of a session needing check-out counts only with the
    check-out (or a manual record). For credited hours by half-day (assessment) and "may rate
    this session" (evaluation), instead of filtering AttendanceRecord by status alone."""
    grid = attendance_grid(training_class, all_sessions=all_sessions, now=now, enrollment_ids=enrollment_ids)
    return {pk: {sid for sid, mark in marks.items() if mark in ATTENDED and sid in grid.settled}
            for pk, marks in grid.marks.items()}


# --- the 1/7 rule (条例 Art. 15) --------------------------------------------------------------

@dataclass(frozen=True)
class Standing:
    """A cadre against the 1/7 rule: away = approved leave + unexcused absence hours,
    limit = the class's credit hours ÷ 7; flagged for withdrawal when away > limit."""

    leave_hours: Decimal
    absence_hours: Decimal
    credit_hours: Decimal
    limit_hours: Decimal

    @property
    def away_hours(self) -> Decimal:
        return self.leave_hours + self.absence_hours

    @property
    def over(self) -> bool:
        return self.away_hours > 0 and self.away_hours > self.limit_hours


def limit_hours(credit_hours: Decimal) -> Decimal:
    return (Decimal(credit_hours) / 7).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def standings(training_class: TrainingClass, summaries: dict[int, AttendanceSummary] | None = None, *,
              now: dt.datetime | None = None) -> dict[int, Standing]:
    if summaries is None:
        summaries = attendance_summary(training_class, now=now)
    credit = class_credit_hours(training_class)
    limit = limit_hours(credit)
    return {pk: Standing(leave_hours=s.leave_hours, absence_hours=s.absence_hours, credit_hours=credit,
                         limit_hours=limit) for pk, s in summaries.items()}


def standing_of(enrollment: Enrollment, *, now: dt.datetime | None = None) -> Standing:
    training_class = enrollment.training_class
    summary = attendance_summary(training_class, now=now, enrollment_ids=[enrollment.pk])[enrollment.pk]
    return standings(training_class, {enrollment.pk: summary})[enrollment.pk]


def kept_hours(enrollment_ids) -> dict[int, Decimal]:
    """The away hours at which each enrollment was last kept by the org department."""
    kept: dict[int, Decimal] = {}
    for enrollment_id, hours in WithdrawalReview.objects.filter(
        enrollment_id__in=list(enrollment_ids), decision=WithdrawalDecision.KEEP,
    ).values_list("enrollment_id", "away_hours"):
        kept[enrollment_id] = max(hours, kept.get(enrollment_id, Decimal("0")))
    return kept


def needs_review(standing: Standing, kept: Decimal | None) -> bool:
    """Flagged, and not already kept at these hours (a kept cadre returns when more accrues)."""
    return standing.over and (kept is None or standing.away_hours > kept)


# --- rights ----------------------------------------------------------------------------------

def heads_only_own(actor) -> bool:
    role = scope.active_role(actor)
    return role is not None and role.role == Role.HEAD_TEACHER


def can_run_class(actor, training_class: TrainingClass, permission: str) -> bool:
    """The institution side of a class with `permission`: its head teacher, or an admin of
    (an organisation above) its institution."""
    if not scope.can(actor, permission) or not scope.path_within(actor, training_class.institution.path):
        return False
    return not heads_only_own(actor) or training_class.head_teacher_id == actor.pk


# --- the class overview and the live list -----------------------------------------------------

def roster_of(training_class: TrainingClass, *, include_dropped: bool = True) -> list[Enrollment]:
    """Approved (and dropped) enrollments in seat order, with cadre, person and unit."""
    statuses = [EnrollmentStatus.APPROVED] + ([EnrollmentStatus.DROPPED] if include_dropped else [])
    rows = list(Enrollment.objects.filter(training_class=training_class, status__in=statuses)
                .select_related("cadre__person", "unit"))
    rows.sort(key=lambda e: (e.status != EnrollmentStatus.APPROVED, e.seat_no is None, e.seat_no or 0,
                             e.cadre.person.name, e.pk))
    return rows


@dataclass
class OverviewRow:
    enrollment: Enrollment
    cells: list[tuple[str, str, str]]   # (mark, symbol, label) per session
    summary: AttendanceSummary
    standing: Standing
    flagged: bool                        # over the 1/7 line and not kept at these hours


def class_overview(training_class: TrainingClass, *, now: dt.datetime | None = None) -> tuple[list, list[OverviewRow]]:
    roster = roster_of(training_class)
    grid = attendance_grid(training_class, enrollment_ids=[e.pk for e in roster], now=now)
    summaries = {e.pk: _summarise(grid, e.pk) for e in roster}
    standing = standings(training_class, summaries)
    kept = kept_hours(summaries)
    rows = []
    for enrollment in roster:
        cells = [(m, Mark.SYMBOLS.get(m, "?"), Mark.LABELS.get(m, m))
                 for m in (grid.marks[enrollment.pk][s.pk] for s in grid.sessions)]
        rows.append(OverviewRow(
            enrollment=enrollment, cells=cells, summary=summaries[enrollment.pk], standing=standing[enrollment.pk],
            flagged=enrollment.status == EnrollmentStatus.APPROVED
            and needs_review(standing[enrollment.pk], kept.get(enrollment.pk)),
        ))
    return grid.sessions, rows


@dataclass
class RollRow:
    enrollment: Enrollment
    record: AttendanceRecord | None
    on_leave: bool
    state: str          # present / late / leave / absent / not_yet

    STATE_LABELS = {"present": "已签到", "late": "迟到", "leave": "请假", "absent": "缺勤", "not_yet": "未签到"}

    @property
    def state_label(self) -> str:
        return self.STATE_LABELS[self.state]


@dataclass
class SessionRoll:
    session: Session
    rows: list[RollRow]
    counts: dict[str, int]


def session_roll(session: Session) -> SessionRoll:
    """Who has and has not checked in to `session` (approved enrollments, seat order).

    State per cadre: the record's status (present, late, leave, absent) when there is one;
    no record but approved leave covering the session → leave; else not_yet.
    Counts: each state, checked_in = present + late, checked_out, total.
    """
    roster = roster_of(session.training_class, include_dropped=False)
    records = {r.enrollment_id: r for r in AttendanceRecord.objects.filter(session=session)
               .select_related("recorded_by")}
    on_leave = set(LeaveRequest.objects.filter(sessions=session, status=LeaveStatus.APPROVED)
                   .values_list("enrollment_id", flat=True))
    rows = []
    counts = dict.fromkeys(("present", "late", "leave", "absent", "not_yet", "checked_out"), 0)
    for enrollment in roster:
        record = records.get(enrollment.pk)
        leave = enrollment.pk in on_leave
        if record is not None:
            state = record.status
            counts["checked_out"] += record.checked_out_at is not None
        else:
            state = "leave" if leave else "not_yet"
        counts[state] += 1
        rows.append(RollRow(enrollment=enrollment, record=record, on_leave=leave, state=state))
    counts["checked_in"] = counts["present"] + counts["late"]
    counts["total"] = len(roster)
    return SessionRoll(session=session, rows=rows, counts=counts)


def attendance_session_get_for(actor, pk) -> Session:
    """A session of a class the actor sees (class_get_for: head teachers their own classes)."""
    try:
        class_id = Session.objects.values_list("training_class_id", flat=True).get(pk=int(pk))
    except (Session.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    training_class = class_get_for(actor, class_id)
    session = training_class.sessions.get(pk=int(pk))
    session.training_class = training_class
    return session


def session_of_class(training_class: TrainingClass, pk) -> Session:
    """A session of a class the caller already holds (through class_get_for)."""
    try:
        session = training_class.sessions.get(pk=int(pk))
    except (Session.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    session.training_class = training_class
    return session


# --- leave ----------------------------------------------------------------------------------

def leave_list_for(actor, *, training_class: TrainingClass | None = None, status: str = "") -> QuerySet[LeaveRequest]:
    """Leave requests the actor sees: staff along the class's and unit's paths (head teachers
    only in the classes they head), cadres their own."""
    qs = scope.scoped(actor, LeaveRequest, permission="attendance.view")
    if heads_only_own(actor):
        qs = qs.filter(enrollment__training_class__head_teacher=actor.pk)
    if training_class is not None:
        qs = qs.filter(enrollment__training_class=training_class)
    if status:
        qs = qs.filter(status=status)
    return (qs.select_related("enrollment__cadre__person", "enrollment__unit", "enrollment__training_class",
                              "decided_by")
            .prefetch_related("sessions").order_by("-created_at", "-id"))


def leave_get_for(actor, pk) -> LeaveRequest:
    return scope.get_for(actor, leave_list_for(actor), pk, permission="attendance.view")


def leave_choices(enrollment: Enrollment, *, now: dt.datetime | None = None) -> list[Session]:
    """Sessions a cadre may still ask leave for: today's and later ones, not already in a
    pending or approved request."""
    today = _local(now).date()
    taken = LeaveRequest.objects.filter(enrollment=enrollment, status__in=(LeaveStatus.PENDING, LeaveStatus.APPROVED))
    sessions = list(enrollment.training_class.sessions.filter(date__gte=today)
                    .exclude(pk__in=Session.objects.filter(leave_requests__in=taken).values("pk")))
    sessions.sort(key=lambda s: (s.date, SLOT_ORDER[s.slot], s.start_time, s.pk))
    return sessions


def pending_leave_by_class(actor) -> list[tuple[TrainingClass, int]]:
    """Classes with leave requests waiting for the actor's decision, the most first.

    Counted: requests 待审批 (pending) of classes the actor may decide on — `leave.approve` with
    the class's institution in the actor's subtree; a head teacher only the classes they head
    (can_run_class) — leaving out closed and archived classes, where leave_decide refuses.
    """
    if not scope.can(actor, "leave.approve"):
        return []
    qs = scope.scoped(actor, LeaveRequest, permission="leave.approve").filter(
        status=LeaveStatus.PENDING, enrollment__training_class__institution__path__startswith=scope.scope_path(actor),
    ).exclude(enrollment__training_class__status__in=(ClassStatus.CLOSED, ClassStatus.ARCHIVED))
    if heads_only_own(actor):
        qs = qs.filter(enrollment__training_class__head_teacher=actor.pk)
    counts = dict(qs.order_by().values_list("enrollment__training_class_id").annotate(n=Count("id")))
    classes = TrainingClass.objects.in_bulk(list(counts))
    rows = [(classes[pk], n) for pk, n in counts.items()]
    rows.sort(key=lambda row: (-row[1], row[0].start_date, row[0].pk))
    return rows


# Classes whose sessions are run (checked in) while they are under way.
RUNNING_CLASS_STATUSES = (ClassStatus.NOTICE_ISSUED, ClassStatus.ENROLLING, ClassStatus.RUNNING)


def sessions_to_run_today(actor, *, now: dt.datetime | None = None) -> list[Session]:
    """Today's sessions whose check-in screen the actor runs, in time order.

    Sessions dated today of classes the actor may run (`attendance.manage` with the class's
    institution in the actor's subtree; a head teacher only the classes they head) that are
    under way (已发调训通知 / 报名中 / 进行中: not drafts, not closed or archived). Each carries
    `training_class`, `checked_in` (records present or late: 已签到 on the live list) and
    `expected` (the class's approved enrollments: 应到).
    """
    if not scope.can(actor, "attendance.manage"):
        return []
    today = _local(now).date()
    expected = (Enrollment.objects.filter(training_class=OuterRef("training_class"), status=EnrollmentStatus.APPROVED)
                .order_by().values("training_class").annotate(n=Count("id")).values("n"))
    qs = scope.scoped(actor, Session, permission="attendance.manage").filter(
        date=today, training_class__institution__path__startswith=scope.scope_path(actor),
        training_class__status__in=RUNNING_CLASS_STATUSES,
    )
    if heads_only_own(actor):
        qs = qs.filter(training_class__head_teacher=actor.pk)
    qs = qs.select_related("training_class").annotate(
        checked_in=Count("attendance", filter=Q(attendance__status__in=ATTENDED)),
        expected=Coalesce(Subquery(expected), 0),
    )
    return list(qs.order_by("start_time", "end_time", "training_class_id", "pk"))


# --- the withdrawal list (org department) ---------------------------------------------------

REVIEWABLE_CLASS_STATUSES = (ClassStatus.ENROLLING, ClassStatus.RUNNING)


@dataclass
class WithdrawalRow:
    enrollment: Enrollment
    standing: Standing
    kept_at: Decimal | None


def withdrawal_candidates_for(actor, *, now: dt.datetime | None = None) -> list[WithdrawalRow]:
    """Cadres over the 1/7 line whom the actor (roster.review: the org department that runs
    the class, or the one over the nominating unit) must decide on. Classes that are
    enrolling or running; a cadre kept at these hours is not listed again."""
    enrollments = list(
        scope.scoped(actor, Enrollment, permission="roster.review")
        .filter(status=EnrollmentStatus.APPROVED, training_class__status__in=REVIEWABLE_CLASS_STATUSES)
        .select_related("training_class__institution", "cadre__person", "unit")
        .order_by("training_class__start_date", "training_class_id", "seat_no", "pk")
    )
    by_class: dict[int, list[Enrollment]] = defaultdict(list)
    for enrollment in enrollments:
        by_class[enrollment.training_class_id].append(enrollment)
    # Only classes where someone has approved leave or a settled session can have anybody over.
    busy = set(LeaveRequest.objects.filter(enrollment__in=[e.pk for e in enrollments], status=LeaveStatus.APPROVED)
               .values_list("enrollment__training_class_id", flat=True))
    local_now = _local(now)
    busy |= set(Session.objects.filter(training_class_id__in=list(by_class))
                .filter(Q(date__lt=local_now.date()) | Q(date=local_now.date(), end_time__lte=local_now.time()))
                .values_list("training_class_id", flat=True))
    kept = kept_hours(e.pk for e in enrollments)
    rows = []
    for class_id, members in by_class.items():
        if class_id not in busy:
            continue
        training_class = members[0].training_class
        summaries = attendance_summary(training_class, now=now, enrollment_ids=[e.pk for e in members])
        standing = standings(training_class, summaries)
        for enrollment in members:
            if needs_review(standing[enrollment.pk], kept.get(enrollment.pk)):
                rows.append(WithdrawalRow(enrollment, standing[enrollment.pk], kept.get(enrollment.pk)))
    return rows


def withdrawal_candidate_count(actor, *, now: dt.datetime | None = None) -> int:
    """How many cadres `withdrawal_candidates_for(actor, now=now)` lists — the same definition
    (approved enrollments in the actor's roster.review scope, classes enrolling or running,
    away hours over 1/7 of the class's hours and not kept at these hours) — computed for every
    class at once in at most nine queries, whatever the number of classes and cadres (the home
    page's to-do card)."""
    if not scope.can(actor, "roster.review"):
        return 0
    base = scope.scoped(actor, Enrollment, permission="roster.review").filter(
        status=EnrollmentStatus.APPROVED, training_class__status__in=REVIEWABLE_CLASS_STATUSES)
    by_class: dict[int, list[int]] = defaultdict(list)
    for pk, class_id in base.values_list("pk", "training_class_id"):
        by_class[class_id].append(pk)
    if not by_class:
        return 0
    # As in withdrawal_candidates_for: only classes with approved leave or a settled session.
    local_now = _local(now)
    busy = set(LeaveRequest.objects.filter(enrollment__in=base.values("pk"), status=LeaveStatus.APPROVED)
               .values_list("enrollment__training_class_id", flat=True))
    busy |= set(Session.objects.filter(training_class_id__in=list(by_class))
                .filter(Q(date__lt=local_now.date()) | Q(date=local_now.date(), end_time__lte=local_now.time()))
                .values_list("training_class_id", flat=True))
    if not busy:
        return 0
    busy_ids = base.filter(training_class_id__in=busy).values("pk")
    classes = TrainingClass.objects.only("pk", "hours_per_half_day").in_bulk(busy)
    sessions: dict[int, list[Session]] = defaultdict(list)
    for session in Session.objects.filter(training_class_id__in=busy).only(*GRID_SESSION_FIELDS):
        sessions[session.training_class_id].append(session)
    records: dict[int, dict[int, tuple]] = defaultdict(dict)
    for enrollment_id, session_id, status, method, checked_out_at in AttendanceRecord.objects.filter(
        enrollment__in=busy_ids,
    ).values_list("enrollment_id", "session_id", "status", "method", "checked_out_at"):
        records[enrollment_id][session_id] = (status, method, checked_out_at)
    leave_hours: dict[int, Decimal] = defaultdict(lambda: Decimal("0"))
    for enrollment_id, hours in LeaveRequest.objects.filter(
        enrollment__in=busy_ids, status=LeaveStatus.APPROVED,
    ).values_list("enrollment_id", "hours"):
        leave_hours[enrollment_id] += hours
    leave_sessions: dict[int, set[int]] = defaultdict(set)
    for enrollment_id, session_id in LeaveRequest.sessions.through.objects.filter(
        leaverequest__enrollment__in=busy_ids, leaverequest__status=LeaveStatus.APPROVED,
    ).values_list("leaverequest__enrollment_id", "session_id"):
        leave_sessions[enrollment_id].add(session_id)
    kept: dict[int, Decimal] = {}
    for enrollment_id, hours in WithdrawalReview.objects.filter(
        enrollment__in=busy_ids, decision=WithdrawalDecision.KEEP,
    ).values_list("enrollment_id", "away_hours"):
        kept[enrollment_id] = max(hours, kept.get(enrollment_id, Decimal("0")))
    count = 0
    for class_id in busy:
        training_class, timetable, members = classes[class_id], sessions[class_id], by_class[class_id]
        timetable.sort(key=_timetable_order)
        settled = {s.pk for s in timetable if rules.session_settled_at(s) <= local_now}
        grid = _grid_of(training_class, timetable, settled, members, {pk: records[pk] for pk in members},
                        {pk: leave_sessions[pk] for pk in members}, {pk: leave_hours[pk] for pk in members})
        credit = class_credit_hours(training_class, timetable)
        limit = limit_hours(credit)
        for pk in members:
            summary = _summarise(grid, pk)
            standing = Standing(leave_hours=summary.leave_hours, absence_hours=summary.absence_hours,
                                credit_hours=credit, limit_hours=limit)
            count += needs_review(standing, kept.get(pk))
    return count


def withdrawal_reviews_for(actor, *, limit: int = 50) -> QuerySet[WithdrawalReview]:
    """Recent decisions in the actor's scope (history under the list)."""
    qs = scope.scoped(actor, WithdrawalReview, permission="roster.review")
    return qs.select_related("enrollment__cadre__person", "enrollment__training_class", "enrollment__unit",
                             "decided_by").order_by("-decided_at", "-id")[:limit]


def withdrawal_enrollment_get_for(actor, pk) -> Enrollment:
    qs = scope.scoped(actor, Enrollment, permission="roster.review").select_related(
        "training_class__institution", "cadre__person", "unit")
    return scope.get_for(actor, qs, pk, permission="roster.review")


# --- the learner's own ------------------------------------------------------------------------

def own_enrollment_get(actor, pk) -> Enrollment:
    """One of the actor's own enrollments (approved or dropped), else NotFound. Cadres act on
    their own records only: the owner lookup is their whole scope (as in scope.scoped)."""
    try:
        return own_enrollments(actor).select_related("training_class__institution", "cadre__person").get(pk=int(pk))
    except (Enrollment.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def own_enrollments(actor) -> QuerySet[Enrollment]:
    return (Enrollment.objects.filter(cadre__person__account=actor.pk,
                                      status__in=(EnrollmentStatus.APPROVED, EnrollmentStatus.DROPPED))
            .select_related("training_class"))


def own_leave_get(actor, pk) -> LeaveRequest:
    try:
        return LeaveRequest.objects.select_related("enrollment__cadre__person").get(
            pk=int(pk), enrollment__cadre__person__account=actor.pk)
    except (LeaveRequest.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def own_leave_requests(enrollment: Enrollment) -> list[LeaveRequest]:
    return list(enrollment.leave_requests.prefetch_related("sessions").order_by("-created_at", "-id"))


def today_sessions(enrollment: Enrollment, *, now: dt.datetime | None = None) -> list[tuple[Session, AttendanceRecord | None]]:
    today = _local(now).date()
    sessions = list(enrollment.training_class.sessions.filter(date=today))
    sessions.sort(key=lambda s: (SLOT_ORDER[s.slot], s.start_time, s.pk))
    records = {r.session_id: r for r in AttendanceRecord.objects.filter(enrollment=enrollment, session__in=sessions)}
    return [(s, records.get(s.pk)) for s in sessions]
