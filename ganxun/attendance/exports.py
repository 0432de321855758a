"""Excel export of a class's attendance (audited; ID numbers masked)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ganxun.access import scope
from ganxun.attendance.selectors import class_overview, limit_hours
from ganxun.audit.services import audit_record
from ganxun.classes.models import TrainingClass
from ganxun.classes.selectors import class_credit_hours


@dataclass
class AttendanceDownload:
    content: io.BytesIO
    filename: str


def _bold_header(sheet) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def attendance_export(*, actor, training_class: TrainingClass, request=None) -> AttendanceDownload:
    """Two sheets: the summary per cadre, and the matrix cadre × session. The caller holds
    the class through class_get_for (scope); this re-checks the permission and audits."""
    scope.require(actor, "attendance.view")
    sessions, rows = class_overview(training_class)
    credit = class_credit_hours(training_class, sessions)
    workbook = Workbook()
    summary = workbook.active
    summary.title = "考勤汇总"
    summary.append(["学号", "姓名", "身份证号（脱敏）", "选派单位", "名单状态", "已计课次", "出勤", "迟到", "请假（节）",
                    "缺勤", "其中未签退", "出勤率", "请假学时", "缺课学时", f"限额（总学时{credit}÷7）", "退学预警"])
    _bold_header(summary)
    for row in rows:
        e, s = row.enrollment, row.summary
        summary.append([e.seat_no or "", e.cadre.person.name, e.cadre.person.id_number_masked, e.unit.name,
                        e.get_status_display(), s.sessions, s.attended, s.late, s.on_leave, s.absent, s.no_checkout,
                        float(s.attendance_rate), float(s.leave_hours), float(s.absence_hours),
                        float(limit_hours(credit)), "是" if row.flagged else ""])
        summary.cell(row=summary.max_row, column=12).number_format = "0.0%"
    for column, width in zip("ABCDEFGHIJKLMNOP", (6, 10, 22, 28, 10, 9, 7, 7, 9, 7, 10, 9, 9, 9, 14, 9), strict=True):
        summary.column_dimensions[column].width = width
    matrix = workbook.create_sheet("考勤明细")
    matrix.append(["学号", "姓名"] + [f"{s.date:%m-%d} {s.get_slot_display()}\n{s.title}" for s in sessions])
    _bold_header(matrix)
    for row in rows:
        matrix.append([row.enrollment.seat_no or "", row.enrollment.cadre.person.name]
                      + [symbol for _, symbol, _ in row.cells])
    for index in range(3, len(sessions) + 3):
        matrix.column_dimensions[get_column_letter(index)].width = 14
    matrix.append([])
    matrix.append(["图例", "✓ 出勤　迟 迟到　假 请假　✗ 缺勤或未签退　— 尚未结束"])
    content = io.BytesIO()
    workbook.save(content)
    content.seek(0)
    audit_record(action="export.attendance", actor=actor, request=request, target=training_class,
                 detail={"cadres": len(rows), "sessions": len(sessions)})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return AttendanceDownload(content, f"考勤-{training_class.pk}-{stamp}.xlsx")
