"""Reads of assessment: the class's completion rule, the assessment sheet (every cadre's
figures and the completion decision), reflections, discipline notes and closed results.

The decision (结业 / 未结业) is computed here from the inputs and, when the class closes,
frozen into AssessmentResult rows (services.class_close). The definitions of every figure
are in the docstrings below and in docs/assessment.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from ganxun.access import scope
from ganxun.access.roles import Role
from ganxun.assessment.models import (
    GRADE_RANK,
    AssessmentResult,
    ClassClosing,
    CompletionRule,
    DisciplineNote,
    ExamPolicy,
    ExamScore,
    Reflection,
    ReflectionGrade,
    Severity,
)
from ganxun.attendance.models import AttendanceRecord, AttendanceStatus
from ganxun.attendance.selectors import AttendanceSummary, attendance_summary
from ganxun.classes.models import ClassStatus, Session, SessionKind, TrainingClass
from ganxun.classes.selectors import class_credit_hours, class_get_for
from ganxun.core.errors import Forbidden, NotFound
from ganxun.roster.models import Enrollment, EnrollmentStatus

ASSESSED_STATUSES = (EnrollmentStatus.APPROVED, EnrollmentStatus.DROPPED)
# 条例 Art. 15: leave of more than 1/7 of the class's hours → 退学; not configurable.
LEAVE_LIMIT_DIVISOR = 7
GRADE_LABELS = dict(ReflectionGrade.choices)


@dataclass(frozen=True)
class Reason:
    code: str
    message: str


@dataclass
class Row:
    """One cadre's line of the assessment table (live before closing, from the snapshot after)."""

    enrollment: Enrollment
    sessions: int
    attended: int
    absent: int
    attendance_rate: Decimal       # 0–1
    leave_hours: Decimal
    exam_score: Decimal | None
    reflection: Reflection | None
    reflection_grade: str
    discipline_minor: int
    discipline_serious: int
    credited_hours: Decimal
    completed: bool
    reasons: list[Reason] = field(default_factory=list)
    certificate_no: str | None = None

    @property
    def attendance_percent(self) -> Decimal:
        return (self.attendance_rate * 100).quantize(Decimal("0.1"))

    @property
    def reflection_grade_label(self) -> str:
        return GRADE_LABELS.get(self.reflection_grade, "")


@dataclass
class Sheet:
    training_class: TrainingClass
    rule: CompletionRule
    class_hours: Decimal
    exam_required: bool
    rows: list[Row]
    closing: ClassClosing | None = None

    @property
    def leave_limit(self) -> Decimal:
        return (self.class_hours / LEAVE_LIMIT_DIVISOR).quantize(Decimal("0.1"))

    @property
    def final(self) -> bool:
        return self.closing is not None

    @property
    def completed_count(self) -> int:
        return sum(1 for row in self.rows if row.completed)

    @property
    def not_completed(self) -> list[Row]:
        return [row for row in self.rows if not row.completed]

    @property
    def hours_total(self) -> Decimal:
        return sum((row.credited_hours for row in self.rows), Decimal("0"))


# --- the rule ------------------------------------------------------------------------------

def rule_of(training_class: TrainingClass) -> CompletionRule:
    """The class's rule, or an unsaved one with the defaults when none was set."""
    rule = CompletionRule.objects.filter(training_class=training_class).first()
    return rule or CompletionRule(training_class=training_class)


def exam_is_required(rule: CompletionRule, training_class: TrainingClass, sessions=None) -> bool:
    """Required when the rule says so, or (policy "auto") when the timetable holds an exam session."""
    if rule.exam_policy == ExamPolicy.REQUIRED:
        return True
    if rule.exam_policy == ExamPolicy.NONE:
        return False
    if sessions is not None:
        return any(s.kind == SessionKind.EXAM for s in sessions)
    return training_class.sessions.filter(kind=SessionKind.EXAM).exists()


def rule_snapshot(rule: CompletionRule) -> dict:
    return {
        "min_attendance_rate": str(rule.min_attendance_rate), "exam_policy": rule.exam_policy,
        "exam_full_mark": str(rule.exam_full_mark), "exam_pass_mark": str(rule.exam_pass_mark),
        "reflection_required": rule.reflection_required, "reflection_min_length": rule.reflection_min_length,
        "reflection_min_grade": rule.reflection_min_grade, "leave_limit": "1/7",
    }


# --- the decision --------------------------------------------------------------------------

def _fmt(value: Decimal) -> str:
    text = f"{value.normalize():f}" if value == value.to_integral() else f"{value:.1f}"
    return text


def decide(*, rule: CompletionRule, exam_required: bool, class_hours: Decimal, status: str,
           summary: AttendanceSummary, exam_score: Decimal | None, reflection: Reflection | None,
           discipline_serious: int) -> list[Reason]:
    """Why a cadre does not complete the class (an empty list: 结业).

    1. dropped — the enrollment was dropped (退学);
    2. attendance — attendance rate × 100 < rule.min_attendance_rate;
    3. leave — approved leave hours > class hours / 7 (条例 Art. 15, strictly more than);
    4. exam — when the exam is required: no score, or score < rule.exam_pass_mark;
    5. reflection — when required: none submitted, not graded, or graded below rule.reflection_min_grade;
    6. discipline — at least one serious (严重) discipline note that was not withdrawn.
    """
    reasons: list[Reason] = []
    if status == EnrollmentStatus.DROPPED:
        reasons.append(Reason("dropped", "已退学"))
    percent = (summary.attendance_rate * 100).quantize(Decimal("0.1"))
    if summary.attendance_rate * 100 < rule.min_attendance_rate:
        reasons.append(Reason("attendance", f"出勤率 {_fmt(percent)}%，低于要求的 {_fmt(rule.min_attendance_rate)}%"))
    if summary.leave_hours * LEAVE_LIMIT_DIVISOR > class_hours:
        limit = (class_hours / LEAVE_LIMIT_DIVISOR).quantize(Decimal("0.1"))
        reasons.append(Reason("leave", f"请假 {_fmt(summary.leave_hours)} 学时，超过班次总学时 {_fmt(class_hours)} 的 1/7"
                                       f"（{_fmt(limit)} 学时）"))
    if exam_required:
        if exam_score is None:
            reasons.append(Reason("exam_missing", "没有考试成绩"))
        elif exam_score < rule.exam_pass_mark:
            reasons.append(Reason("exam_failed", f"考试成绩 {_fmt(exam_score)} 分，低于合格分 {_fmt(rule.exam_pass_mark)} 分"))
    if rule.reflection_required:
        if reflection is None:
            reasons.append(Reason("reflection_missing", "未提交学习心得"))
        elif not reflection.grade:
            reasons.append(Reason("reflection_ungraded", "学习心得尚未评定"))
        elif GRADE_RANK[reflection.grade] < GRADE_RANK[rule.reflection_min_grade]:
            reasons.append(Reason("reflection_grade", f"学习心得评定为“{GRADE_LABELS[reflection.grade]}”，"
                                                      f"低于要求的“{GRADE_LABELS[rule.reflection_min_grade]}”"))
    if discipline_serious:
        reasons.append(Reason("discipline", f"有 {discipline_serious} 条严重违纪记录"))
    return reasons


def assessed_enrollments(training_class: TrainingClass) -> QuerySet[Enrollment]:
    """Enrollments that are assessed: approved or dropped (the ones on the roster when it ran)."""
    return (Enrollment.objects.filter(training_class=training_class, status__in=ASSESSED_STATUSES)
            .select_related("cadre__person", "cadre__unit", "unit")
            .order_by(F("seat_no").asc(nulls_last=True), "id"))


def attended_half_days(enrollment_ids: list[int]) -> dict[int, int]:
    """Per enrollment: the distinct (date, slot) half-days holding a session it attended
    (a record with status present or late). One query."""
    days: dict[int, set] = {pk: set() for pk in enrollment_ids}
    for start in range(0, len(enrollment_ids), 500):
        for enrollment_id, date, slot in AttendanceRecord.objects.filter(
            enrollment_id__in=enrollment_ids[start:start + 500],
            status__in=(AttendanceStatus.PRESENT, AttendanceStatus.LATE),
        ).values_list("enrollment_id", "session__date", "session__slot"):
            days[enrollment_id].add((date, slot))
    return {pk: len(value) for pk, value in days.items()}


def assessment_sheet(training_class: TrainingClass, *, all_sessions: bool = False,
                     sessions: list[Session] | None = None) -> Sheet:
    """The assessment table of a class. Once the class is closed, the frozen results;
    before, computed live (sessions that are not over yet are not counted unless
    `all_sessions`, as when closing).

    Credited hours (认定学时) of a completed cadre = number of distinct half-days (date + slot)
    in which the cadre attended at least one session × the class's hours per half day;
    so leave and absences are not credited. A cadre who does not complete gets 0.
    """
    closing = ClassClosing.objects.filter(training_class=training_class).first()
    rule = rule_of(training_class)
    if sessions is None:
        sessions = list(training_class.sessions.only("pk", "training_class", "date", "slot", "kind", "end_time"))
    class_hours = class_credit_hours(training_class, sessions)
    if closing is not None:
        return Sheet(training_class, rule, closing.class_hours, closing.exam_required,
                     _rows_from_results(training_class), closing)
    exam_required = exam_is_required(rule, training_class, sessions)
    enrollments = list(assessed_enrollments(training_class))
    ids = [e.pk for e in enrollments]
    summaries = attendance_summary(training_class, all_sessions=all_sessions)
    scores = dict(ExamScore.objects.filter(enrollment_id__in=ids).values_list("enrollment_id", "score"))
    reflections = {r.enrollment_id: r for r in Reflection.objects.filter(enrollment_id__in=ids).defer("text")}
    minor: dict[int, int] = {}
    serious: dict[int, int] = {}
    for enrollment_id, severity in DisciplineNote.objects.filter(
        enrollment_id__in=ids, withdrawn_at__isnull=True,
    ).values_list("enrollment_id", "severity"):
        target = serious if severity == Severity.SERIOUS else minor
        target[enrollment_id] = target.get(enrollment_id, 0) + 1
    half_days = attended_half_days(ids)
    rows = []
    empty = AttendanceSummary(sessions=0, attended=0, late=0, on_leave=0, absent=0, leave_hours=Decimal("0"))
    for enrollment in enrollments:
        summary = summaries.get(enrollment.pk, empty)
        reflection = reflections.get(enrollment.pk)
        reasons = decide(rule=rule, exam_required=exam_required, class_hours=class_hours, status=enrollment.status,
                         summary=summary, exam_score=scores.get(enrollment.pk), reflection=reflection,
                         discipline_serious=serious.get(enrollment.pk, 0))
        completed = not reasons
        rows.append(Row(
            enrollment=enrollment, sessions=summary.sessions, attended=summary.attended, absent=summary.absent,
            attendance_rate=summary.attendance_rate, leave_hours=summary.leave_hours,
            exam_score=scores.get(enrollment.pk), reflection=reflection,
            reflection_grade=reflection.grade if reflection else "",
            discipline_minor=minor.get(enrollment.pk, 0), discipline_serious=serious.get(enrollment.pk, 0),
            credited_hours=(half_days[enrollment.pk] * training_class.hours_per_half_day) if completed
            else Decimal("0"),
            completed=completed, reasons=reasons,
        ))
    return Sheet(training_class, rule, class_hours, exam_required, rows)


def _rows_from_results(training_class: TrainingClass) -> list[Row]:
    results = (AssessmentResult.objects.filter(training_class=training_class)
               .select_related("enrollment__cadre__person", "enrollment__cadre__unit", "enrollment__unit")
               .order_by(F("enrollment__seat_no").asc(nulls_last=True), "enrollment_id"))
    reflections = {r.enrollment_id: r for r in Reflection.objects.filter(
        enrollment__training_class=training_class).defer("text")}
    return [Row(
        enrollment=r.enrollment, sessions=r.sessions, attended=r.attended, absent=r.absent,
        attendance_rate=r.attendance_rate, leave_hours=r.leave_hours, exam_score=r.exam_score,
        reflection=reflections.get(r.enrollment_id), reflection_grade=r.reflection_grade,
        discipline_minor=r.discipline_minor, discipline_serious=r.discipline_serious,
        credited_hours=r.credited_hours, completed=r.completed,
        reasons=[Reason(x["code"], x["message"]) for x in r.reasons], certificate_no=r.certificate_no,
    ) for r in results]


# --- who may do what on a class ----------------------------------------------------------------

def class_role_check(actor, training_class: TrainingClass, permission: str) -> None:
    """Write check on a class's assessment: the permission, the institution in the actor's
    scope, and for a head teacher the class they head, for a teacher a class they teach.
    Raises Forbidden (no permission) or NotFound (not this actor's class)."""
    scope.require(actor, permission)
    if not scope.path_within(actor, training_class.institution.path):
        raise NotFound("该班次不在您的管理范围内。")
    role = scope.active_role(actor)
    if role.role == Role.HEAD_TEACHER and training_class.head_teacher_id != actor.pk:
        raise NotFound("您不是该班次的班主任。")
    if role.role == Role.TEACHER and not Session.objects.filter(
        training_class=training_class, teacher__person__account=actor.pk,
    ).exists():
        raise NotFound("您没有在该班次授课。")


def can_on_class(actor, training_class: TrainingClass, permission: str) -> bool:
    try:
        class_role_check(actor, training_class, permission)
    except (Forbidden, NotFound):
        return False
    return True


# --- reflections, discipline, results ----------------------------------------------------------

def reflections_of(training_class: TrainingClass) -> list[Reflection]:
    """The class's reflections (the caller already holds the class through the scope gate)."""
    return list(Reflection.objects.filter(enrollment__training_class=training_class)
                .select_related("enrollment__cadre__person", "enrollment__unit", "graded_by")
                .order_by(F("enrollment__seat_no").asc(nulls_last=True), "enrollment_id"))


def reflection_get(training_class: TrainingClass, pk) -> Reflection:
    try:
        return (Reflection.objects.select_related("enrollment__cadre__person", "enrollment__unit", "graded_by")
                .get(pk=int(pk), enrollment__training_class=training_class))
    except (Reflection.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def reflection_get_for(actor, pk) -> Reflection:
    """A reflection through its class's scope gate (API): 404 when the class is not the actor's."""
    try:
        reflection = Reflection.objects.select_related("enrollment__training_class").get(pk=int(pk))
    except (Reflection.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    class_get_for(actor, reflection.enrollment.training_class_id)
    return reflection_get(reflection.enrollment.training_class, reflection.pk)


def discipline_notes_of(training_class: TrainingClass) -> list[DisciplineNote]:
    return list(DisciplineNote.objects.filter(enrollment__training_class=training_class)
                .select_related("enrollment__cadre__person", "recorded_by", "withdrawn_by")
                .order_by("-date", "-id"))


def discipline_note_get(training_class: TrainingClass, pk) -> DisciplineNote:
    try:
        return DisciplineNote.objects.select_related("enrollment__training_class").get(
            pk=int(pk), enrollment__training_class=training_class)
    except (DisciplineNote.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def enrollment_of_class(training_class: TrainingClass, pk) -> Enrollment:
    try:
        return assessed_enrollments(training_class).get(pk=int(pk))
    except (Enrollment.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def results_for(actor, *, permission: str) -> QuerySet[AssessmentResult]:
    """Closed results the actor may see (the cadre's own with self.view)."""
    return scope.scoped(actor, AssessmentResult, permission=permission).distinct()


def completed_results(training_class: TrainingClass) -> list[AssessmentResult]:
    return list(AssessmentResult.objects.filter(training_class=training_class, completed=True)
                .select_related("cadre__person", "enrollment", "training_class__institution")
                .order_by(F("enrollment__seat_no").asc(nulls_last=True), "enrollment_id"))


# --- what waits for the actor (the home page's to-do card) ------------------------------------

def reflections_to_grade_by_class(actor) -> list[tuple[TrainingClass, int]]:
    """Classes with reflections waiting for the actor's grade, the most first.

    Counted: reflections (学习心得) not graded yet, of cadres on the roster (approved), in classes
    not closed or archived (grading is refused there) that the actor may grade — as
    class_role_check with `reflections.grade`: the class's institution in the actor's subtree; a
    head teacher only the classes they head; a teacher only classes where they teach a session.
    These are the reflections closing waits for (when the rule requires one).
    """
    root = scope.scope_path(actor)
    if root is None or not scope.can(actor, "reflections.grade"):
        return []
    qs = (scope.scoped(actor, Reflection, permission="reflections.grade")
          .filter(grade="", enrollment__status=EnrollmentStatus.APPROVED,
                  enrollment__training_class__institution__path__startswith=root)
          .exclude(enrollment__training_class__status__in=(ClassStatus.CLOSED, ClassStatus.ARCHIVED)))
    role = scope.active_role(actor).role
    if role == Role.HEAD_TEACHER:
        qs = qs.filter(enrollment__training_class__head_teacher=actor.pk)
    elif role == Role.TEACHER:
        taught = Session.objects.filter(teacher__person__account=actor.pk).values("training_class_id")
        qs = qs.filter(enrollment__training_class__in=taught)
    counts = dict(qs.order_by().values_list("enrollment__training_class_id").annotate(n=Count("id")))
    classes = TrainingClass.objects.in_bulk(list(counts))
    rows = [(classes[pk], n) for pk, n in counts.items()]
    rows.sort(key=lambda row: (-row[1], row[0].end_date, row[0].pk))
    return rows


def classes_awaiting_close(actor, *, now: dt.datetime | None = None) -> list[TrainingClass]:
    """Classes the actor should close (结班), the longest ended first.

    Running classes (进行中) with a timetable whose last session has ended (every session's
    date + end time is not after now — the moment services.class_close allows it), that the
    actor may close: `classes.close` with the class's institution in the actor's subtree; a
    head teacher only the classes they head. Each carries `last_day` (its last session's date).
    """
    root = scope.scope_path(actor)
    if root is None or not scope.can(actor, "classes.close"):
        return []
    local = timezone.localtime(now) if now is not None else timezone.localtime()
    sessions = Session.objects.filter(training_class=OuterRef("pk"))
    not_ended = sessions.filter(Q(date__gt=local.date()) | Q(date=local.date(), end_time__gt=local.time()))
    qs = (scope.scoped(actor, TrainingClass, permission="classes.close")
          .filter(status=ClassStatus.RUNNING, institution__path__startswith=root)
          .filter(Exists(sessions)).exclude(Exists(not_ended)))
    if scope.active_role(actor).role == Role.HEAD_TEACHER:
        qs = qs.filter(head_teacher=actor.pk)
    last_day = sessions.order_by("-date").values("date")[:1]
    return list(qs.annotate(last_day=Subquery(last_day)).order_by("last_day", "pk"))


# --- the learner's own -----------------------------------------------------------------------

def own_enrollment(actor, class_pk) -> Enrollment:
    """The actor's own assessed enrollment in the class (learner pages): 404 otherwise."""
    try:
        class_pk = int(class_pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    enrollment = (scope.scoped(actor, Enrollment, permission="roster.view")
                  .filter(cadre__person__account=actor.pk, training_class_id=class_pk, status__in=ASSESSED_STATUSES)
                  .select_related("training_class__institution", "cadre__person").first())
    if enrollment is None:
        raise NotFound()
    return enrollment


def learner_state(enrollment: Enrollment) -> dict:
    """What the learner's panel shows: the rule's length, the reflection, the score, the result."""
    training_class = enrollment.training_class
    rule = rule_of(training_class)
    return {
        "enrollment": enrollment, "training_class": training_class, "rule": rule,
        "reflection": Reflection.objects.filter(enrollment=enrollment).first(),
        "exam_score": ExamScore.objects.filter(enrollment=enrollment).values_list("score", flat=True).first(),
        "result": AssessmentResult.objects.filter(enrollment=enrollment).first(),
        "can_write": training_class.status == "running" and enrollment.status == EnrollmentStatus.APPROVED,
    }


def text_length(text: str) -> int:
    """Length of a reflection: characters without whitespace (what 800 字 means)."""
    return sum(1 for ch in text or "" if not ch.isspace())


def last_session_end(sessions) -> dt.datetime | None:
    ends = [dt.datetime.combine(s.date, s.end_time) for s in sessions]
    return max(ends) if ends else None
