"""Writes of assessment: the completion rule, exam scores, reflections and their grades,
discipline notes, and closing the class (结班) with its credit postings.

Every function re-checks the actor's rights on the class (selectors.class_role_check:
the permission, the institution in scope, the head teacher's own class, the teacher's
own class), refuses changes once the class is closed, and writes the audit trail inside
its transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from ganxun.access import scope
from ganxun.assessment.models import (
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
from ganxun.assessment.selectors import (
    ASSESSED_STATUSES,
    Sheet,
    assessed_enrollments,
    assessment_sheet,
    class_role_check,
    last_session_end,
    rule_of,
    rule_snapshot,
    text_length,
)
from ganxun.assessment.sheets import ScoreRow
from ganxun.audit.services import audit_record
from ganxun.classes.models import ClassMode, ClassStatus, TrainingClass
from ganxun.core.errors import Conflict, DomainError, NotFound
from ganxun.credits.models import CreditMode
from ganxun.credits.services import Posting, credit_post_many
from ganxun.roster.models import Enrollment, EnrollmentStatus

REFLECTION_MAX_LENGTH = 20000
MAX_FULL_MARK = Decimal("1000")


@dataclass(frozen=True)
class InputError:
    """One bad value of a batch (a grid cell, a spreadsheet row): `field` names it."""

    field: str
    message: str
    value: str = ""


class InvalidInput(DomainError):
    """Several values of a batch are wrong; `errors` lists them all and nothing was saved."""

    def __init__(self, errors: list[InputError]):
        shown = "；".join(e.message for e in errors[:10])
        more = f"（另有 {len(errors) - 10} 处）" if len(errors) > 10 else ""
        super().__init__(f"{shown}{more}", code="invalid", field=errors[0].field)
        self.errors = errors


def _lock_class(actor, training_class: TrainingClass, permission: str) -> TrainingClass:
    scope.require(actor, permission)
    training_class = TrainingClass.objects.select_for_update().select_related("institution").get(
        pk=training_class.pk)
    class_role_check(actor, training_class, permission)
    return training_class


def _refuse_if_closed(training_class: TrainingClass) -> None:
    if training_class.is_locked:
        raise DomainError("班次已结业，考核信息不能再修改。", code="class_closed")


# --- the completion rule -------------------------------------------------------------------

def _decimal(value, field: str, label: str) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, TypeError, ValueError):
        raise DomainError(f"{label}应为数字。", field=field) from None


@transaction.atomic
def rule_update(*, actor, training_class: TrainingClass, data: dict, request=None) -> CompletionRule:
    """Set the class's completion rule (assessment.manage, until the class is closed)."""
    training_class = _lock_class(actor, training_class, "assessment.manage")
    _refuse_if_closed(training_class)
    rule = rule_of(training_class)
    before = rule_snapshot(rule) if rule.pk else None
    rate = _decimal(data.get("min_attendance_rate"), "min_attendance_rate", "最低出勤率")
    if not Decimal("0") <= rate <= Decimal("100"):
        raise DomainError("最低出勤率应在 0 到 100 之间。", field="min_attendance_rate")
    policy = data.get("exam_policy") or ExamPolicy.AUTO
    if policy not in ExamPolicy.values:
        raise DomainError("请选择考试要求。", field="exam_policy")
    full = _decimal(data.get("exam_full_mark"), "exam_full_mark", "考试满分")
    if not Decimal("0") < full <= MAX_FULL_MARK:
        raise DomainError(f"考试满分应大于 0 且不超过 {MAX_FULL_MARK:f}。", field="exam_full_mark")
    pass_mark = _decimal(data.get("exam_pass_mark"), "exam_pass_mark", "考试合格分")
    if not Decimal("0") <= pass_mark <= full:
        raise DomainError("考试合格分应在 0 到满分之间。", field="exam_pass_mark")
    highest = (ExamScore.objects.filter(enrollment__training_class=training_class)
               .order_by("-score").values_list("score", flat=True).first())
    if highest is not None and highest > full:
        raise DomainError(f"已录入的成绩中有 {highest} 分，高于新的满分 {full} 分；请先修改成绩。",
                          field="exam_full_mark")
    try:
        min_length = int(data.get("reflection_min_length"))
    except (TypeError, ValueError):
        raise DomainError("学习心得最少字数应为整数。", field="reflection_min_length") from None
    if not 0 <= min_length <= 10000:
        raise DomainError("学习心得最少字数应在 0 到 10000 之间。", field="reflection_min_length")
    grade = data.get("reflection_min_grade") or ReflectionGrade.PASS
    if grade not in ReflectionGrade.values or grade == ReflectionGrade.FAIL:
        raise DomainError("学习心得最低评定应为优秀、良好或合格。", field="reflection_min_grade")
    rule.min_attendance_rate, rule.exam_policy = rate, policy
    rule.exam_full_mark, rule.exam_pass_mark = full, pass_mark
    rule.reflection_required = bool(data.get("reflection_required"))
    rule.reflection_min_length, rule.reflection_min_grade = min_length, grade
    rule.updated_by = actor
    rule.save()
    audit_record(action="assessment.rule", actor=actor, request=request, target=training_class,
                 detail={"before": before, "after": rule_snapshot(rule)})
    return rule


# --- exam scores ---------------------------------------------------------------------------

def parse_score(raw, full_mark: Decimal) -> Decimal | None:
    """A score from a form, the API or a spreadsheet: blank → None; else 0–full mark, one decimal."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError("应为数字") from None
    if not value.is_finite():
        raise ValueError("应为数字")
    if value < 0 or value > full_mark:
        raise ValueError(f"应在 0 到 {full_mark.normalize():f} 分之间")
    if value != value.quantize(Decimal("0.1")):
        raise ValueError("最多保留一位小数")
    return value.quantize(Decimal("0.1"))


@transaction.atomic
def exam_scores_save(*, actor, training_class: TrainingClass, scores: dict[int, object], request=None,
                     source: str = "grid") -> int:
    """Save scores by enrollment id (a value of None or "" clears the score). All or nothing:
    every bad value is reported (InvalidInput) and none is saved. Returns the number changed."""
    training_class = _lock_class(actor, training_class, "assessment.manage")
    _refuse_if_closed(training_class)
    rule = rule_of(training_class)
    enrollments = {e.pk: e for e in assessed_enrollments(training_class)}
    errors: list[InputError] = []
    parsed: dict[int, Decimal | None] = {}
    for enrollment_id, raw in scores.items():
        enrollment = enrollments.get(enrollment_id)
        if enrollment is None:
            errors.append(InputError(f"score_{enrollment_id}", f"学员 {enrollment_id} 不在本班名单中", str(raw)))
            continue
        try:
            parsed[enrollment_id] = parse_score(raw, rule.exam_full_mark)
        except ValueError as exc:
            errors.append(InputError(f"score_{enrollment_id}", f"{enrollment.cadre.person.name}的成绩{exc}",
                                     str(raw)[:50]))
    if errors:
        raise InvalidInput(errors)
    return _apply_scores(actor, training_class, parsed, request=request, source=source)


def _apply_scores(actor, training_class, parsed: dict[int, Decimal | None], *, request, source: str) -> int:
    current = {s.enrollment_id: s for s in ExamScore.objects.filter(enrollment_id__in=list(parsed))}
    create, update, clear, changes = [], [], [], []
    for enrollment_id, value in parsed.items():
        existing = current.get(enrollment_id)
        if value is None:
            if existing is not None:
                clear.append(existing.pk)
                changes.append([enrollment_id, str(existing.score), None])
        elif existing is None:
            create.append(ExamScore(enrollment_id=enrollment_id, score=value, entered_by=actor))
            changes.append([enrollment_id, None, str(value)])
        elif existing.score != value:
            changes.append([enrollment_id, str(existing.score), str(value)])
            existing.score, existing.entered_by = value, actor
            update.append(existing)
    ExamScore.objects.bulk_create(create, batch_size=500)
    if update:
        now = timezone.now()
        for score in update:
            score.updated_at = now
        ExamScore.objects.bulk_update(update, ["score", "entered_by", "updated_at"], batch_size=500)
    if clear:
        ExamScore.objects.filter(pk__in=clear).delete()
    if changes:
        audit_record(action="assessment.exam_scores", actor=actor, request=request, target=training_class,
                     detail={"source": source, "changes": changes[:500], "count": len(changes)})
    return len(changes)


def _seat(value) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        return -1


@transaction.atomic
def exam_scores_import(*, actor, training_class: TrainingClass, rows: list[ScoreRow], request=None) -> int:
    """Scores from a filled sheet (sheets.read_score_rows): rows matched by seat number (学号),
    the name checked when present, blank scores left alone. Every bad row is reported
    (InvalidInput, field "row <n>") and then nothing is saved. Returns the number changed."""
    training_class = _lock_class(actor, training_class, "assessment.manage")
    _refuse_if_closed(training_class)
    rule = rule_of(training_class)
    by_seat: dict[int, list[Enrollment]] = {}
    for enrollment in assessed_enrollments(training_class):
        if enrollment.seat_no is not None:
            by_seat.setdefault(enrollment.seat_no, []).append(enrollment)
    errors: list[InputError] = []
    parsed: dict[int, Decimal] = {}
    seen: dict[int, int] = {}
    for row in rows:
        field, at = f"row {row.number}", f"第 {row.number} 行"
        seat = _seat(row.seat)
        if seat is None:
            errors.append(InputError(field, f"{at}：缺少学号"))
            continue
        matches = by_seat.get(seat, [])
        if not matches:
            errors.append(InputError(field, f"{at}：本班没有学号为“{row.seat}”的学员", str(row.seat)[:50]))
            continue
        if len(matches) > 1:
            errors.append(InputError(field, f"{at}：学号 {seat} 对应多名学员，请在成绩录入页逐人填写", str(seat)))
            continue
        enrollment = matches[0]
        if row.name and row.name != enrollment.cadre.person.name:
            errors.append(InputError(field, f"{at}：学号 {seat} 是“{enrollment.cadre.person.name}”，"
                                            f"与表中姓名“{row.name}”不符", row.name))
            continue
        if seat in seen:
            errors.append(InputError(field, f"{at}：学号 {seat} 与第 {seen[seat]} 行重复", str(seat)))
            continue
        seen[seat] = row.number
        try:
            value = parse_score(row.score, rule.exam_full_mark)
        except ValueError as exc:
            errors.append(InputError(field, f"{at}：成绩{exc}", str(row.score)[:50]))
            continue
        if value is not None:
            parsed[enrollment.pk] = value
    if errors:
        raise InvalidInput(errors)
    if not parsed:
        raise DomainError("文件中没有填写任何成绩。", field="file")
    return _apply_scores(actor, training_class, parsed, request=request, source="upload")


# --- reflections -----------------------------------------------------------------------------

@transaction.atomic
def reflection_submit(*, actor, enrollment: Enrollment, title: str = "", text: str, request=None) -> Reflection:
    """The cadre submits or edits their reflection (until it is graded, while the class runs)."""
    enrollment = (Enrollment.objects.select_for_update().select_related("training_class", "cadre__person")
                  .get(pk=enrollment.pk))
    if enrollment.cadre.person.account_id != actor.pk:
        raise NotFound()
    if enrollment.status != EnrollmentStatus.APPROVED:
        raise DomainError("您不在本班的学员名单中，不能提交学习心得。")
    training_class = enrollment.training_class
    if training_class.is_locked:
        raise DomainError("班次已结业，学习心得不能再提交或修改。", code="class_closed")
    if training_class.status != ClassStatus.RUNNING:
        raise DomainError("班次开班后才能提交学习心得。", code="not_running")
    reflection = Reflection.objects.filter(enrollment=enrollment).first()
    if reflection is not None and reflection.is_graded:
        raise DomainError("学习心得已评定，不能再修改。", code="graded")
    title = (title or "").strip()
    if len(title) > 100:
        raise DomainError("标题不能超过 100 个字。", field="title")
    text = (text or "").replace("\r\n", "\n").strip()
    rule = rule_of(training_class)
    length = text_length(text)
    if not length:
        raise DomainError("请填写学习心得正文。", field="text")
    if length < rule.reflection_min_length:
        raise DomainError(f"学习心得至少 {rule.reflection_min_length} 字（不计空白），当前 {length} 字。", field="text")
    if len(text) > REFLECTION_MAX_LENGTH:
        raise DomainError(f"学习心得不能超过 {REFLECTION_MAX_LENGTH} 字。", field="text")
    if reflection is None:
        reflection = Reflection.objects.create(enrollment=enrollment, title=title, text=text)
        action = "reflection.submit"
    else:
        reflection.title, reflection.text = title, text
        reflection.save(update_fields=["title", "text", "updated_at"])
        action = "reflection.update"
    audit_record(action=action, actor=actor, request=request, target=reflection,
                 detail={"class": training_class.pk, "length": length})
    return reflection


@transaction.atomic
def reflection_grade(*, actor, reflection: Reflection, grade: str, comment: str = "", request=None) -> Reflection:
    """Grade a reflection (reflections.grade): the head teacher of the class, a teacher who teaches
    in it, or the institution's admin. A grade may be changed until the class closes."""
    reflection = Reflection.objects.select_for_update().select_related("enrollment").get(pk=reflection.pk)
    training_class = _lock_class(actor, TrainingClass(pk=reflection.enrollment.training_class_id),
                                 "reflections.grade")
    _refuse_if_closed(training_class)
    if grade not in ReflectionGrade.values:
        raise DomainError("请选择评定等级（优秀、良好、合格、不合格）。", field="grade")
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise DomainError("评语不能超过 500 字。", field="comment")
    if grade == ReflectionGrade.FAIL and not comment:
        raise DomainError("评定为不合格时请填写评语，说明理由。", field="comment")
    before = reflection.grade
    reflection.grade, reflection.comment = grade, comment
    reflection.graded_by, reflection.graded_at = actor, timezone.now()
    reflection.save(update_fields=["grade", "comment", "graded_by", "graded_at"])
    audit_record(action="reflection.grade", actor=actor, request=request, target=reflection,
                 detail={"class": training_class.pk, "before": before, "grade": grade})
    return reflection


# --- discipline ----------------------------------------------------------------------------

@transaction.atomic
def discipline_add(*, actor, training_class: TrainingClass, enrollment: Enrollment, date: dt.date | None, text: str,
                   severity: str, request=None) -> DisciplineNote:
    training_class = _lock_class(actor, training_class, "assessment.manage")
    _refuse_if_closed(training_class)
    if enrollment.training_class_id != training_class.pk or enrollment.status not in ASSESSED_STATUSES:
        raise NotFound("该学员不在本班名单中。")
    if date is None:
        raise DomainError("请填写日期。", field="date")
    if not training_class.start_date <= date <= training_class.end_date:
        raise DomainError(f"日期应在班次日期 {training_class.start_date:%Y-%m-%d} 至 "
                          f"{training_class.end_date:%Y-%m-%d} 之内。", field="date")
    if date > timezone.localdate():
        raise DomainError("日期不能晚于今天。", field="date")
    text = (text or "").strip()
    if not text:
        raise DomainError("请填写违纪情况。", field="text")
    if len(text) > 500:
        raise DomainError("违纪情况不能超过 500 字。", field="text")
    if severity not in Severity.values:
        raise DomainError("请选择性质（一般 / 严重）。", field="severity")
    note = DisciplineNote.objects.create(enrollment=enrollment, date=date, text=text, severity=severity,
                                         recorded_by=actor)
    audit_record(action="discipline.add", actor=actor, request=request, target=note,
                 detail={"class": training_class.pk, "enrollment": enrollment.pk, "severity": severity,
                         "date": date.isoformat(), "text": text})
    return note


@transaction.atomic
def discipline_withdraw(*, actor, note: DisciplineNote, reason: str, request=None) -> DisciplineNote:
    """Withdraw a note entered in error (kept, marked withdrawn with the reason; audited)."""
    note = DisciplineNote.objects.select_for_update().select_related("enrollment").get(pk=note.pk)
    training_class = _lock_class(actor, TrainingClass(pk=note.enrollment.training_class_id), "assessment.manage")
    _refuse_if_closed(training_class)
    if note.withdrawn_at is not None:
        return note  # a double-submitted withdrawal changes nothing
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写撤销原因。", field="reason")
    note.withdrawn_at, note.withdrawn_by, note.withdraw_reason = timezone.now(), actor, reason[:200]
    note.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    audit_record(action="discipline.withdraw", actor=actor, request=request, target=note,
                 detail={"class": training_class.pk, "reason": note.withdraw_reason})
    return note


# --- closing -------------------------------------------------------------------------------

@dataclass(frozen=True)
class CloseOutcome:
    closing: ClassClosing
    assessed: int
    completed: int
    postings: int
    hours_posted: Decimal


def certificate_numbers(training_class: TrainingClass, enrollments: list[Enrollment]) -> dict[int, str]:
    """Certificate numbers of the completed enrollments: `<end year>-<class id>-<seat no, 3 digits>`,
    or `<end year>-<class id>-E<enrollment id>` for an enrollment without a seat number (or one
    whose seat number another completed enrollment shares). Stable: computed once, at closing."""
    year = training_class.end_date.year
    seats: dict[int, int] = {}
    for enrollment in enrollments:
        if enrollment.seat_no is not None:
            seats[enrollment.seat_no] = seats.get(enrollment.seat_no, 0) + 1
    numbers = {}
    for enrollment in enrollments:
        if enrollment.seat_no is not None and seats[enrollment.seat_no] == 1:
            numbers[enrollment.pk] = f"{year}-{training_class.pk}-{enrollment.seat_no:03d}"
        else:
            numbers[enrollment.pk] = f"{year}-{training_class.pk}-E{enrollment.pk}"
    return numbers


def _check_closable(training_class: TrainingClass, sessions) -> None:
    if training_class.is_locked:
        closing = ClassClosing.objects.filter(training_class=training_class).select_related("closed_by").first()
        when = (f"已于 {timezone.localtime(closing.closed_at):%Y-%m-%d %H:%M} 由{closing.closed_by.full_name}结班"
                if closing is not None and closing.closed_by else "已结业")
        raise Conflict(f"班次{when}，学时已登记，本次没有重复写入。", code="already_closed")
    if training_class.status != ClassStatus.RUNNING:
        raise DomainError(f"班次当前为“{training_class.get_status_display()}”，只有“进行中”的班次才能结班。",
                          code="not_running")
    end = last_session_end(sessions)
    if end is None:
        raise DomainError("班次没有课程安排，无法认定学时，不能结班。", code="no_sessions")
    if timezone.localtime().replace(tzinfo=None) < end:
        raise DomainError(f"最后一节课（{end:%Y-%m-%d %H:%M}）结束后才能结班。", code="not_ended")


def close_preview(training_class: TrainingClass) -> Sheet:
    """What closing would write now (every session counted)."""
    sessions = list(training_class.sessions.only("pk", "training_class", "date", "slot", "kind", "end_time"))
    return assessment_sheet(training_class, all_sessions=True, sessions=sessions)


def close_blockers(training_class: TrainingClass, sheet: Sheet) -> list[str]:
    """Reasons closing would be refused now (shown on the confirmation page)."""
    messages = []
    try:
        _check_closable(training_class, list(training_class.sessions.only("training_class", "date", "end_time")))
    except DomainError as exc:
        messages.append(exc.message)
    ungraded = _ungraded(sheet)
    if ungraded:
        messages.append(_ungraded_message(ungraded))
    return messages


def _ungraded(sheet: Sheet) -> list:
    if not sheet.rule.reflection_required:
        return []
    return [row for row in sheet.rows if row.enrollment.status == EnrollmentStatus.APPROVED
            and row.reflection is not None and not row.reflection.grade]


def _ungraded_message(rows) -> str:
    names = "、".join(row.enrollment.cadre.person.name for row in rows[:5])
    more = " 等" if len(rows) > 5 else ""
    return f"还有 {len(rows)} 篇学习心得未评定（{names}{more}），请先评定后再结班。"


@transaction.atomic
def class_close(*, actor, training_class: TrainingClass, request=None) -> CloseOutcome:
    """Close the class (结班): freeze every cadre's assessment, post the completed cadres'
    hours into the credit ledger, move the class to closed — all in one transaction.

    Allowed to the class's head teacher and the institution's admin (classes.close), from
    "running", once the last session has ended and every submitted reflection is graded.
    The class row is locked first, so two concurrent calls are decided one after the other;
    the second finds the class closed and is refused with Conflict("already_closed"),
    writing nothing. Postings are keyed `class:<id>:enrollment:<id>` (credit_post_many skips
    refs already in the ledger), so nothing is ever credited twice.
    """
    training_class = _lock_class(actor, training_class, "classes.close")
    sessions = list(training_class.sessions.only("pk", "training_class", "date", "slot", "kind", "end_time"))
    _check_closable(training_class, sessions)
    sheet = assessment_sheet(training_class, all_sessions=True, sessions=sessions)
    if ungraded := _ungraded(sheet):
        raise DomainError(_ungraded_message(ungraded), code="reflections_ungraded")
    numbers = certificate_numbers(training_class, [row.enrollment for row in sheet.rows if row.completed])
    results = [AssessmentResult(
        training_class=training_class, enrollment=row.enrollment, cadre_id=row.enrollment.cadre_id,
        sessions=row.sessions, attended=row.attended, absent=row.absent, attendance_rate=row.attendance_rate,
        leave_hours=row.leave_hours, exam_required=sheet.exam_required, exam_score=row.exam_score,
        reflection_grade=row.reflection_grade, discipline_minor=row.discipline_minor,
        discipline_serious=row.discipline_serious, completed=row.completed,
        reasons=[{"code": r.code, "message": r.message} for r in row.reasons],
        credited_hours=row.credited_hours, certificate_no=numbers.get(row.enrollment.pk),
    ) for row in sheet.rows]
    AssessmentResult.objects.bulk_create(results, batch_size=500)
    topic_ids = tuple(training_class.topics.values_list("pk", flat=True))
    online = training_class.mode == ClassMode.ONLINE
    postings = [Posting(
        cadre_id=row.enrollment.cadre_id, hours=row.credited_hours, earned_on=training_class.end_date,
        mode=CreditMode.ONLINE if online else CreditMode.OFFLINE,
        source_ref=f"class:{training_class.pk}:enrollment:{row.enrollment.pk}",
        training_type=training_class.training_type, off_job=not online, topic_ids=topic_ids,
        source_class_id=training_class.pk, source_name=training_class.title,
        note=f"结业证书 {numbers[row.enrollment.pk]}",
    ) for row in sheet.rows if row.completed and row.credited_hours > 0]
    records = credit_post_many(actor=actor, postings=postings, audit_target=training_class, request=request)
    hours_posted = sum((record.hours for record in records), Decimal("0"))
    completed = sum(1 for row in sheet.rows if row.completed)
    closing = ClassClosing.objects.create(
        training_class=training_class, closed_by=actor, class_hours=sheet.class_hours,
        exam_required=sheet.exam_required, assessed=len(results), completed=completed, hours_posted=hours_posted,
        rule=rule_snapshot(sheet.rule))
    training_class.status = ClassStatus.CLOSED
    training_class.save(update_fields=["status", "updated_at"])
    audit_record(action="class.close", actor=actor, request=request, target=training_class,
                 detail={"assessed": len(results), "completed": completed, "postings": len(records),
                         "skipped": len(postings) - len(records), "hours": str(hours_posted)})
    return CloseOutcome(closing, len(results), completed, len(records), hours_posted)
