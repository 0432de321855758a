"""/api/v1 assessment (考核) and closing (结班): parse → call assessment selectors/services → serialise.

The class comes through classes.selectors.class_get_for like the pages (out of scope or not
the head teacher's / teacher's own class: 404). Writes go through assessment.services, which
re-check the right on the class. Closing a closed class is 409 `already_closed` and writes
nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Router, Schema
from ninja.responses import Status

from ganxun.api.auth import permission
from ganxun.api.errors import responses
from ganxun.api.schemas import Id, Input, label, text
from ganxun.assessment import selectors, services
from ganxun.assessment.models import ExamPolicy, ReflectionGrade, Severity
from ganxun.classes.selectors import class_get_for
from ganxun.core.errors import NotFound
from ganxun.core.masking import mask_id_number

router = Router()
ASSESSMENT = ["考核与结班"]
LEARNER = ["学员"]


# --- schemas -------------------------------------------------------------------------------------

class AssessmentReasonOut(Schema):
    code: str = Field(description="dropped / attendance / leave / exam_missing / exam_failed / "
                                  "reflection_missing / reflection_ungraded / reflection_grade / discipline")
    message: str


class AssessmentRowOut(Schema):
    enrollment_id: int
    cadre_id: int
    seat_no: int | None
    name: str
    id_number_masked: str
    unit_name: str
    enrollment_status: str
    sessions: int
    attended: int
    absent: int
    attendance_rate: Decimal = Field(description="出勤率 0–1：出勤（含迟到）节数 ÷ 计入的课程节数")
    leave_hours: Decimal
    exam_score: Decimal | None
    reflection_id: int | None
    reflection_grade: str
    reflection_grade_label: str
    discipline_minor: int
    discipline_serious: int
    completed: bool
    reasons: list[AssessmentReasonOut]
    credited_hours: Decimal = Field(description="结业者：出勤的半天数 × 每半天学时；未结业为 0")
    certificate_no: str | None


class AssessmentRuleOut(Schema):
    min_attendance_rate: Decimal = Field(description="最低出勤率（%）")
    exam_policy: str
    exam_policy_label: str
    exam_full_mark: Decimal
    exam_pass_mark: Decimal
    reflection_required: bool
    reflection_min_length: int
    reflection_min_grade: str
    leave_limit: str = Field("1/7", description="请假上限：班次学时的 1/7（条例第十五条，固定）")


class AssessmentSheetOut(Schema):
    class_id: int
    final: bool = Field(description="true：已结班，为结班时固定的结果；false：按已结束的课程计算的暂定结果")
    closed_at: dt.datetime | None
    class_hours: Decimal
    leave_limit_hours: Decimal
    exam_required: bool
    rule: AssessmentRuleOut
    completed: int
    hours_total: Decimal
    rows: list[AssessmentRowOut]


class AssessmentRuleIn(Input):
    min_attendance_rate: Decimal = Field(Decimal("90"), ge=0, le=100)
    exam_policy: ExamPolicy = ExamPolicy.AUTO
    exam_full_mark: Decimal = Field(Decimal("100"), gt=0, le=1000)
    exam_pass_mark: Decimal = Field(Decimal("60"), ge=0, le=1000)
    reflection_required: bool = True
    reflection_min_length: int = Field(800, ge=0, le=10000)
    reflection_min_grade: ReflectionGrade = ReflectionGrade.PASS


class ExamScoreIn(Input):
    enrollment_id: Id
    score: Decimal | None = Field(None, description="null 清除成绩")


class ExamScoresIn(Input):
    scores: list[ExamScoreIn] = Field(max_length=2000)


class ExamScoresOut(Schema):
    changed: int


class DisciplineIn(Input):
    enrollment_id: Id
    date: dt.date
    severity: Severity
    text: text(500)


class DisciplineOut(Schema):
    id: int
    enrollment_id: int
    date: dt.date
    severity: str
    severity_label: str
    text: str
    withdrawn: bool


class GradeIn(Input):
    grade: ReflectionGrade
    comment: text(500) = ""


class ReflectionOut(Schema):
    id: int
    enrollment_id: int
    class_id: int
    title: str
    text: str
    length: int = Field(description="字数（不计空白）")
    submitted_at: dt.datetime
    updated_at: dt.datetime
    grade: str
    grade_label: str
    comment: str
    graded_at: dt.datetime | None


class ReflectionIn(Input):
    title: text(100) = ""
    text: text(20000)


class CloseOut(Schema):
    class_id: int
    closed_at: dt.datetime
    assessed: int
    completed: int
    postings: int = Field(description="本次写入学时账本的记录数")
    hours_posted: Decimal


# --- serialisers ---------------------------------------------------------------------------------

def _rule_out(rule) -> dict:
    return {"min_attendance_rate": rule.min_attendance_rate, "exam_policy": rule.exam_policy,
            "exam_policy_label": label(ExamPolicy, rule.exam_policy), "exam_full_mark": rule.exam_full_mark,
            "exam_pass_mark": rule.exam_pass_mark, "reflection_required": rule.reflection_required,
            "reflection_min_length": rule.reflection_min_length, "reflection_min_grade": rule.reflection_min_grade}


def _row_out(row) -> dict:
    enrollment, person = row.enrollment, row.enrollment.cadre.person
    return {
        "enrollment_id": enrollment.pk, "cadre_id": enrollment.cadre_id, "seat_no": enrollment.seat_no,
        "name": person.name, "id_number_masked": mask_id_number(person.id_number), "unit_name": enrollment.unit.name,
        "enrollment_status": enrollment.status, "sessions": row.sessions, "attended": row.attended,
        "absent": row.absent, "attendance_rate": row.attendance_rate, "leave_hours": row.leave_hours,
        "exam_score": row.exam_score, "reflection_id": row.reflection.pk if row.reflection else None,
        "reflection_grade": row.reflection_grade, "reflection_grade_label": row.reflection_grade_label,
        "discipline_minor": row.discipline_minor, "discipline_serious": row.discipline_serious,
        "completed": row.completed, "reasons": [{"code": r.code, "message": r.message} for r in row.reasons],
        "credited_hours": row.credited_hours, "certificate_no": row.certificate_no,
    }


def _sheet_out(training_class) -> dict:
    sheet = selectors.assessment_sheet(training_class)
    return {
        "class_id": training_class.pk, "final": sheet.final,
        "closed_at": sheet.closing.closed_at if sheet.closing else None, "class_hours": sheet.class_hours,
        "leave_limit_hours": sheet.leave_limit, "exam_required": sheet.exam_required,
        "rule": _rule_out(sheet.rule), "completed": sheet.completed_count, "hours_total": sheet.hours_total,
        "rows": [_row_out(row) for row in sheet.rows],
    }


def _reflection_out(reflection) -> dict:
    return {
        "id": reflection.pk, "enrollment_id": reflection.enrollment_id,
        "class_id": reflection.enrollment.training_class_id, "title": reflection.title, "text": reflection.text,
        "length": selectors.text_length(reflection.text), "submitted_at": reflection.submitted_at,
        "updated_at": reflection.updated_at, "grade": reflection.grade,
        "grade_label": label(ReflectionGrade, reflection.grade), "comment": reflection.comment,
        "graded_at": reflection.graded_at,
    }


# --- operations ----------------------------------------------------------------------------------

@router.get("/classes/{class_id}/assessment", response=responses({200: AssessmentSheetOut}, 400, 404),
            tags=ASSESSMENT, summary="班次考核表")
@permission("assessment.view")
def assessment_sheet_get(request, class_id: Id):
    """Every assessed cadre (approved or dropped enrollment) with attendance, leave, exam,
    reflection, discipline and the decision 结业 / 未结业 with its reasons. ID numbers masked."""
    return _sheet_out(class_get_for(request.auth, class_id))


@router.put("/classes/{class_id}/assessment/rule", response=responses({200: AssessmentRuleOut}, 400, 404),
            tags=ASSESSMENT, summary="设置结业条件")
@permission("assessment.manage")
def assessment_rule_set(request, class_id: Id, payload: AssessmentRuleIn):
    training_class = class_get_for(request.auth, class_id)
    data = payload.model_dump()
    data["exam_policy"], data["reflection_min_grade"] = payload.exam_policy.value, payload.reflection_min_grade.value
    rule = services.rule_update(actor=request.auth, training_class=training_class, data=data, request=request)
    return _rule_out(rule)


@router.put("/classes/{class_id}/assessment/exam-scores", response=responses({200: ExamScoresOut}, 400, 404),
            tags=ASSESSMENT, summary="录入考试成绩")
@permission("assessment.manage")
def assessment_exam_scores_set(request, class_id: Id, payload: ExamScoresIn):
    """Scores by enrollment (0 to the rule's full mark, one decimal; null clears). All or nothing:
    400 lists every bad value in `errors` (field `score_<enrollment_id>`)."""
    training_class = class_get_for(request.auth, class_id)
    scores = {item.enrollment_id: item.score for item in payload.scores}
    changed = services.exam_scores_save(actor=request.auth, training_class=training_class, scores=scores,
                                        request=request, source="api")
    return {"changed": changed}


@router.post("/classes/{class_id}/assessment/discipline", response=responses({201: DisciplineOut}, 400, 404),
             tags=ASSESSMENT, summary="记录违纪情况")
@permission("assessment.manage")
def assessment_discipline_add(request, class_id: Id, payload: DisciplineIn):
    training_class = class_get_for(request.auth, class_id)
    try:
        enrollment = selectors.enrollment_of_class(training_class, payload.enrollment_id)
    except NotFound as exc:
        exc.field = "enrollment_id"
        raise
    note = services.discipline_add(actor=request.auth, training_class=training_class, enrollment=enrollment,
                                   date=payload.date, text=payload.text, severity=payload.severity.value,
                                   request=request)
    return Status(201, {"id": note.pk, "enrollment_id": note.enrollment_id, "date": note.date, "severity": note.severity,
                 "severity_label": label(Severity, note.severity), "text": note.text, "withdrawn": False})


@router.post("/assessment/reflections/{reflection_id}/grade", response=responses({200: ReflectionOut}, 400, 404),
             tags=ASSESSMENT, summary="评定学习心得")
@permission("reflections.grade")
def assessment_reflection_grade(request, reflection_id: Id, payload: GradeIn):
    """By the class's head teacher, a teacher who teaches in it, or the institution's admin;
    a teacher of another class gets 404. 不合格 needs a comment."""
    reflection = selectors.reflection_get_for(request.auth, reflection_id)
    graded = services.reflection_grade(actor=request.auth, reflection=reflection, grade=payload.grade.value,
                                       comment=payload.comment, request=request)
    return _reflection_out(selectors.reflection_get(reflection.enrollment.training_class, graded.pk))


@router.post("/classes/{class_id}/close", response=responses({200: CloseOut}, 400, 404, 409),
             tags=ASSESSMENT, summary="结班")
@permission("classes.close")
def assessment_class_close(request, class_id: Id):
    """Freeze every cadre's assessment, post the completed cadres' hours into the credit ledger
    and move the class to closed, in one transaction. Refused (400) before the last session has
    ended, with reflections still ungraded, or when the class is not running; a second call is
    409 `already_closed` and writes nothing."""
    training_class = class_get_for(request.auth, class_id)
    outcome = services.class_close(actor=request.auth, training_class=training_class, request=request)
    return {"class_id": training_class.pk, "closed_at": outcome.closing.closed_at, "assessed": outcome.assessed,
            "completed": outcome.completed, "postings": outcome.postings, "hours_posted": outcome.hours_posted}


@router.get("/me/classes/{class_id}/reflection", response=responses({200: ReflectionOut}, 400, 404),
            tags=LEARNER, summary="我的学习心得")
@permission("self.view")
def assessment_my_reflection(request, class_id: Id):
    enrollment = selectors.own_enrollment(request.auth, class_id)
    reflection = selectors.learner_state(enrollment)["reflection"]
    if reflection is None:
        raise NotFound("尚未提交学习心得。")
    return _reflection_out(reflection)


@router.put("/me/classes/{class_id}/reflection", response=responses({200: ReflectionOut}, 400, 404),
            tags=LEARNER, summary="提交或修改我的学习心得")
@permission("self.view")
def assessment_my_reflection_submit(request, class_id: Id, payload: ReflectionIn):
    """While the class runs and until the reflection is graded; at least the rule's length
    (characters without whitespace, default 800)."""
    enrollment = selectors.own_enrollment(request.auth, class_id)
    reflection = services.reflection_submit(actor=request.auth, enrollment=enrollment, title=payload.title,
                                            text=payload.text, request=request)
    return _reflection_out(reflection)
