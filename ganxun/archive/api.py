"""/api/v1 training archive (培训档案): a cadre's archive (staff with archive.view, cadres in
scope; 404 otherwise) and the caller's own (/me/archive)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Query, Router, Schema

from ganxun.api.auth import permission
from ganxun.api.errors import responses
from ganxun.api.schemas import Id, PageQuery, label
from ganxun.archive.selectors import Archive, archive_cadre_get_for, archive_of, archive_own_cadre
from ganxun.assessment.models import ReflectionGrade
from ganxun.classes.models import ClassMode
from ganxun.core.errors import Forbidden
from ganxun.credits.api import CreditEntryOut, CreditTotalsOut, credit_entry_out, credit_totals_out
from ganxun.topics.choices import TrainingType

router = Router()
ARCHIVE = ["培训档案"]


class ArchiveAssessmentOut(Schema):
    completed: bool
    attendance_rate: Decimal
    leave_hours: Decimal
    exam_score: Decimal | None
    reflection_grade: str
    reflection_grade_label: str
    reasons: list[str]
    certificate_no: str | None


class ArchiveEvaluationOut(Schema):
    responses: int
    content: Decimal | None
    organisation: Decimal | None
    logistics: Decimal | None


class ArchiveClassOut(Schema):
    class_id: int
    title: str
    start_date: dt.date
    end_date: dt.date
    institution_name: str
    training_type: str
    training_type_label: str
    mode: str
    mode_label: str
    hours: Decimal = Field(description="本班认定学时（含更正，账本中来自本班的记录之和）")
    assessment: ArchiveAssessmentOut | None
    evaluation: ArchiveEvaluationOut | None = Field(
        None, description="班次整体评估（本班学员对班次的评价均值，1–5）；不足 3 人评价时为 null")


class ArchiveOut(Schema):
    cadre_id: int
    name: str
    id_number_masked: str
    unit_name: str
    totals: CreditTotalsOut
    classes: list[ArchiveClassOut]
    count: int = Field(description="其他学时记录（非班次）的总条数")
    page: int
    page_size: int
    other_entries: list[CreditEntryOut]


def _archive_out(archive: Archive, paging: PageQuery) -> dict:
    cadre = archive.cadre
    classes = []
    for entry in archive.classes:
        tc, result = entry.training_class, entry.result
        classes.append({
            "class_id": tc.pk, "title": tc.title, "start_date": tc.start_date, "end_date": tc.end_date,
            "institution_name": tc.institution.name, "training_type": tc.training_type,
            "training_type_label": label(TrainingType, tc.training_type), "mode": tc.mode,
            "mode_label": label(ClassMode, tc.mode), "hours": entry.hours,
            "assessment": None if result is None else {
                "completed": result.completed, "attendance_rate": result.attendance_rate,
                "leave_hours": result.leave_hours, "exam_score": result.exam_score,
                "reflection_grade": result.reflection_grade,
                "reflection_grade_label": label(ReflectionGrade, result.reflection_grade),
                "reasons": [r["message"] for r in result.reasons], "certificate_no": result.certificate_no,
            },
            "evaluation": None if entry.evaluation is None else {
                "responses": entry.evaluation.responses, **{k: entry.evaluation.means.get(k) for k in (
                    "content", "organisation", "logistics")}},
        })
    start = (paging.page - 1) * paging.page_size
    return {
        "cadre_id": cadre.pk, "name": cadre.person.name, "id_number_masked": cadre.person.id_number_masked,
        "unit_name": cadre.unit.name, "totals": credit_totals_out(archive.totals, archive.this_year.year),
        "classes": classes, "count": len(archive.other_records), "page": paging.page,
        "page_size": paging.page_size,
        "other_entries": [credit_entry_out(r) for r in archive.other_records[start:start + paging.page_size]],
    }


@router.get("/cadres/{cadre_id}/archive", response=responses({200: ArchiveOut}, 400, 404), tags=ARCHIVE,
            summary="干部的培训档案")
@permission("archive.view")
def archive_cadre(request, cadre_id: Id, paging: Query[PageQuery]):
    """Every class (dates, institution, type, hours, assessment), the other ledger entries
    (paged), totals per year and 脱产/集中 vs other. ID number masked."""
    cadre = archive_cadre_get_for(request.auth, cadre_id)
    return _archive_out(archive_of(request.auth, cadre), paging)


@router.get("/me/archive", response=responses({200: ArchiveOut}, 400), tags=ARCHIVE, summary="我的培训档案")
@permission("self.view")
def archive_mine(request, paging: Query[PageQuery]):
    """The caller's own archive; a caller without a cadre record (a teacher's account) is 403 `no_cadre`."""
    cadre = archive_own_cadre(request.auth)
    if cadre is None:
        raise Forbidden("您的账号没有关联干部档案。", code="no_cadre")
    return _archive_out(archive_of(request.auth, cadre), paging)
