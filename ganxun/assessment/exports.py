"""Spreadsheets of assessment: the assessment table (masked, audited) and the exam-score
sheet to fill in (read back by sheets.read_score_rows + services.exam_scores_import)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from ganxun.access import scope
from ganxun.assessment.selectors import assessed_enrollments, assessment_sheet, class_role_check, rule_of
from ganxun.audit.services import audit_record
from ganxun.classes.models import TrainingClass
from ganxun.core.masking import mask_id_number


@dataclass
class Sheetfile:
    content: io.BytesIO
    filename: str


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


def _save(workbook: Workbook) -> io.BytesIO:
    content = io.BytesIO()
    workbook.save(content)
    content.seek(0)
    return content


def _header(sheet, names: list[str], widths: list[int]) -> None:
    sheet.append(names)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width


def assessment_export(*, actor, training_class: TrainingClass, request=None) -> Sheetfile:
    """The assessment table of the class as a workbook; ID numbers masked. Audited. The caller
    holds the class through the scope gate (classes.selectors.class_get_for), so reading it
    needs only the permission — the organiser region's org department exports too."""
    scope.require(actor, "assessment.view")
    sheet_data = assessment_sheet(training_class)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "考核结果" if sheet_data.final else "考核情况（暂定）"
    sheet.append([f"{training_class.title}（{training_class.start_date:%Y-%m-%d} 至 {training_class.end_date:%Y-%m-%d}）"
                  f"{'  已结班' if sheet_data.final else '  结班前的暂定结果'}"])
    sheet["A1"].font = Font(bold=True)
    _header(sheet, ["学号", "姓名", "身份证号", "选派单位", "出勤率(%)", "出勤/课程节数", "请假学时", "考试成绩",
                    "心得评定", "一般违纪", "严重违纪", "结论", "未结业原因", "认定学时", "结业证书编号"],
            [6, 10, 22, 24, 10, 14, 10, 10, 10, 10, 10, 8, 48, 10, 18])
    for row in sheet_data.rows:
        enrollment = row.enrollment
        sheet.append([
            enrollment.seat_no or "", enrollment.cadre.person.name,
            mask_id_number(enrollment.cadre.person.id_number), enrollment.unit.name, float(row.attendance_percent),
            f"{row.attended}/{row.sessions}", float(row.leave_hours),
            float(row.exam_score) if row.exam_score is not None else "", row.reflection_grade_label,
            row.discipline_minor, row.discipline_serious, "结业" if row.completed else "未结业",
            "；".join(reason.message for reason in row.reasons), float(row.credited_hours),
            row.certificate_no or "",
        ])
    audit_record(action="export.assessment", actor=actor, request=request, target=training_class,
                 detail={"rows": len(sheet_data.rows), "final": sheet_data.final})
    return Sheetfile(_save(workbook), f"考核情况-{training_class.pk}-{_stamp()}.xlsx")


def exam_score_template(*, actor, training_class: TrainingClass) -> Sheetfile:
    """The class's roster (seat number, name, unit) with the current scores, to fill in."""
    class_role_check(actor, training_class, "assessment.manage")
    rule = rule_of(training_class)
    enrollments = list(assessed_enrollments(training_class).select_related("exam_score"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "考试成绩"
    _header(sheet, ["学号", "姓名", "选派单位", "成绩"], [8, 12, 30, 10])
    for enrollment in enrollments:
        score = getattr(enrollment, "exam_score", None)
        sheet.append([enrollment.seat_no or "", enrollment.cadre.person.name, enrollment.unit.name,
                      float(score.score) if score is not None else None])
    notes = workbook.create_sheet("填写说明")
    for line in (f"成绩为 0 到 {rule.exam_full_mark.normalize():f} 分，最多一位小数；留空的行不修改原有成绩。",
                 "按“学号”匹配学员；“姓名”用于核对，与学号不符的行会报错。",
                 "有任何一行出错时整份文件都不导入，请按提示修改后重新上传。"):
        notes.append([line])
    notes.column_dimensions["A"].width = 80
    return Sheetfile(_save(workbook), f"考试成绩-{training_class.pk}.xlsx")
