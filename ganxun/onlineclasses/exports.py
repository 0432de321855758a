"""Excel export of a themed class's completion (audited): one sheet per unit, one per member,
over the members the actor may see (a liaison: their unit subtree). Names only — no ID number
or phone is in it."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from ganxun.access import scope
from ganxun.audit.services import audit_record
from ganxun.onlineclasses.models import ThemedClass
from ganxun.onlineclasses.selectors import VIEW, completion_by_unit
from ganxun.people.choices import Rank


@dataclass
class CompletionDownload:
    content: io.BytesIO
    filename: str


def _sheet(workbook: Workbook, title: str, header: list[str], rows: list[list]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.column_dimensions["A"].width = 36


def completion_export(*, actor, themed_class: ThemedClass, request=None) -> CompletionDownload:
    scope.require(actor, VIEW)
    completion = completion_by_unit(actor, themed_class)
    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(workbook, "按单位", ["单位", "学员数", "已完成", "学习中", "未开始", "完成率", "折算学时合计"],
           [[u.unit_name, u.members, u.complete, u.in_progress, u.not_started, round(u.rate, 4),
             float(u.credit_hours)] for u in completion.units]
           + [["合计", completion.members, completion.complete, sum(u.in_progress for u in completion.units),
               sum(u.not_started for u in completion.units),
               round(completion.rate, 4) if completion.rate is not None else "",
               float(sum((u.credit_hours for u in completion.units), 0))]])
    ranks = dict(Rank.choices)
    _sheet(workbook, "按学员", ["单位", "姓名", "职级", "必修完成", "课程完成", "折算学时", "学习时长（分钟）", "状态"],
           [[p.unit_name, p.name, str(ranks.get(p.rank, p.rank)), f"{p.completed_required}/{p.required_count}",
             f"{p.completed}/{p.course_count}", float(p.credit_hours), round(p.studied_seconds / 60),
             "已完成" if p.is_complete else ("学习中" if p.started else "未开始")] for p in completion.people])
    content = io.BytesIO()
    workbook.save(content)
    content.seek(0)
    audit_record(action="export.themed_class_completion", actor=actor, request=request, target=themed_class,
                 detail={"members": completion.members, "complete": completion.complete})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return CompletionDownload(content, f"专题网络班完成情况-{themed_class.pk}-{stamp}.xlsx")
