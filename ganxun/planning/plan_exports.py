"""Excel export of an annual plan (audited): the classes by month with totals, and the
version history. A plan holds no personal data."""

from __future__ import annotations

import io

from django.utils import timezone
from openpyxl import Workbook

from ganxun.access import scope
from ganxun.audit.services import audit_record
from ganxun.planning.exports import SurveyDownload, _sheet
from ganxun.planning.models import AnnualPlan
from ganxun.planning.plan_selectors import plan_history, plan_items, plan_totals


def plan_export(*, actor, plan: AnnualPlan, request=None) -> SurveyDownload:
    scope.require(actor, "plans.view")
    items = plan_items(plan)
    totals = plan_totals(items)
    workbook = Workbook()
    workbook.remove(workbook.active)
    rows = [[i.month, i.title, "、".join(t.name for t in i.topics.all()), i.get_training_type_display(),
             i.ranks_display, i.categories_display, i.institution.name if i.institution_id else "", i.days,
             float(i.credit_hours), i.capacity, float(i.budget), i.note, "有效" if i.is_active else "已撤销/取消"]
            for i in items]
    rows.append(["合计（有效班次）", totals.items, "", "", "", "", "", "", float(totals.hours), totals.capacity,
                 float(totals.budget), "", ""])
    sheet = _sheet(workbook, "班次", ["月份", "班次名称", "培训内容", "培训类型", "对象职级", "对象类别", "承办机构",
                                     "天数", "学时", "计划人数", "预算（元）", "备注", "状态"], rows)
    sheet.insert_rows(1, 2)
    sheet["A1"] = f"{plan.title}（{plan.get_status_display()}{f'，v{plan.version}' if plan.version else ''}）"
    approval = ([["v1", "批准", "", plan.decision_comment, plan.decided_by.full_name,
                  timezone.localtime(plan.decided_at).strftime("%Y-%m-%d %H:%M")]] if plan.version else [])
    _sheet(workbook, "版本记录", ["版本", "调整类型", "班次", "理由/意见", "经办人", "时间"],
           approval + [[f"v{a.version}", a.get_kind_display(), a.item.title, a.reason, a.created_by.full_name,
             timezone.localtime(a.created_at).strftime("%Y-%m-%d %H:%M")] for a in plan_history(plan)])
    content = io.BytesIO()
    workbook.save(content)
    content.seek(0)
    audit_record(action="export.plan", actor=actor, request=request, target=plan, detail={"items": len(items)})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return SurveyDownload(content, f"年度培训计划-{plan.year}-{plan.pk}-{stamp}.xlsx")
