"""Excel exports of a class's dining and lodging (audited). Names, units and seat numbers
only: no ID numbers or phones leave through these files."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ganxun.audit.services import audit_record
from ganxun.classes.models import TrainingClass
from ganxun.logistics.guards import managed_class
from ganxun.logistics.lodging_selectors import lodging_board
from ganxun.logistics.models import Meal
from ganxun.logistics.selectors import dining_sheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEAL_SHORT = {Meal.BREAKFAST: "早", Meal.LUNCH: "午", Meal.DINNER: "晚"}


@dataclass
class Download:
    content: io.BytesIO
    filename: str


def _sheet(workbook: Workbook, title: str, heading: str, header: list[str], rows: list[list], widths=()):
    sheet = workbook.create_sheet(title[:31])
    sheet.append([heading])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        sheet.append(row)
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    return sheet


def _save(workbook: Workbook, filename: str) -> Download:
    content = io.BytesIO()
    workbook.save(content)
    content.seek(0)
    return Download(content, filename)


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


def _gender(enrollment) -> str:
    return enrollment.cadre.person.get_gender_display()


def dining_export(*, actor, training_class: TrainingClass, request=None) -> Download:
    training_class = managed_class(actor, training_class)
    sheet = dining_sheet(actor, training_class)
    heading = f"{training_class.title} 就餐统计（{training_class.start_date:%Y-%m-%d} 至 {training_class.end_date:%Y-%m-%d}）"
    workbook = Workbook()
    workbook.remove(workbook.active)
    count_rows = []
    for day in sheet.days:
        for count in day.meals:
            if count is None:
                continue
            count_rows.append([
                day.date.isoformat(), count.meal_label, count.registered, count.not_registered,
                len(count.halal), "、".join(count.halal), len(count.vegetarian), "、".join(count.vegetarian),
                "；".join(f"{name}：{note}" for name, note in count.notes),
            ])
    count_rows.append(["合计", "", sheet.total, "", "", "", "", "", ""])
    _sheet(workbook, "就餐统计", heading, ["日期", "餐次", "就餐人数", "不就餐人数", "清真人数", "清真名单",
                                           "素食人数", "素食名单", "忌口/过敏"], count_rows,
           widths=(12, 8, 10, 10, 10, 24, 10, 24, 40))
    columns = [f"{day.month}/{day.day}{MEAL_SHORT[meal]}" for day, meal in sheet.columns]
    roster_rows = [[d.enrollment.seat_no or "", d.enrollment.cadre.person.name, _gender(d.enrollment),
                    d.enrollment.unit.name, d.diet.diet_display if d.diet else ""]
                   + ["✓" if state else "✗" for state in d.states] for d in sheet.diners]
    _sheet(workbook, "就餐名单", f"{training_class.title} 就餐名单（✓ 就餐，✗ 不就餐）",
           ["学号", "姓名", "性别", "单位", "饮食要求"] + columns, roster_rows, widths=(6, 10, 6, 28, 20))
    audit_record(action="export.dining", actor=actor, request=request, target=training_class,
                 detail={"cadres": sheet.headcount, "meals": len(sheet.columns)})
    return _save(workbook, f"就餐统计-{training_class.pk}-{_stamp()}.xlsx")


def lodging_export(*, actor, training_class: TrainingClass, request=None) -> Download:
    training_class = managed_class(actor, training_class)
    board = lodging_board(actor, training_class)
    workbook = Workbook()
    workbook.remove(workbook.active)
    period = f"{training_class.start_date:%Y-%m-%d} 至 {training_class.end_date:%Y-%m-%d}"
    room_rows = []
    for use in board.by_room:
        room_rows.append([use.room.building, use.room.number, use.room.beds, use.held_label, len(use.ours),
                          "、".join(use.ours), use.others or ""])
    _sheet(workbook, "按房间", f"{training_class.title} 住宿安排（按房间，{period}）",
           ["楼栋", "房间号", "床位数", "性别", "本班入住", "本班学员", "其他班次同期入住"], room_rows,
           widths=(12, 10, 8, 16, 10, 40, 14))
    by_room = {use.room.pk: use for use in board.rooms}
    cadre_rows = []
    for row in board.rows:
        enrollment = row.enrollment
        name = enrollment.cadre.person.name
        if not row.needed:
            status, building, number, mates = "无需住宿", "", "", ""
        elif row.room is None:
            status, building, number, mates = "未安排", "", "", ""
        else:
            use = by_room.get(row.room.pk)
            status, building, number = "已安排", row.room.building, row.room.number
            mates = "、".join(n for n in (use.ours if use else []) if n != name)
        cadre_rows.append([enrollment.seat_no or "", name, _gender(enrollment), enrollment.unit.name, status,
                           building, number, mates])
    _sheet(workbook, "按学员", f"{training_class.title} 住宿安排（按学员，{period}）",
           ["学号", "姓名", "性别", "单位", "住宿", "楼栋", "房间号", "同住（本班）"], cadre_rows,
           widths=(6, 10, 6, 28, 10, 12, 10, 30))
    audit_record(action="export.lodging", actor=actor, request=request, target=training_class,
                 detail={"cadres": len(board.rows), "assigned": board.assigned})
    return _save(workbook, f"住宿安排-{training_class.pk}-{_stamp()}.xlsx")
