"""Excel export of a survey's results (audited): response rates per unit, the topic demand
ranking and one summary sheet per question. No respondent's identity is in it."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from ganxun.access import scope
from ganxun.audit.services import audit_record
from ganxun.planning.models import Question, Survey
from ganxun.planning.selectors import survey_results


@dataclass
class SurveyDownload:
    content: io.BytesIO
    filename: str


def _sheet(workbook: Workbook, title: str, header: list[str], rows: list[list]):
    sheet = workbook.create_sheet(title[:31])
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.column_dimensions["A"].width = 40
    return sheet


def survey_results_export(*, actor, survey: Survey, request=None) -> SurveyDownload:
    scope.require(actor, "surveys.view")
    results = survey_results(actor, survey)
    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(workbook, "回收率", ["单位", "应答人数", "已答人数", "未答人数", "回收率"],
           [[u["unit__name"], u["invited"], u["answered"], u["missing"], round(u["rate"], 4)] for u in results.units]
           + [["合计", results.invited, results.answered, results.invited - results.answered,
               round(results.rate, 4) if results.rate is not None else ""]])
    _sheet(workbook, "培训内容需求排行", ["名次", "培训内容", "选择人数", "占答卷比例"],
           [[i, r["topic"], r["count"], round(r["share"], 4)] for i, r in enumerate(results.topic_ranking, 1)])
    for number, result in enumerate(results.questions, 1):
        question = result.question
        title = f"第{number}题"
        if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            sheet = _sheet(workbook, title, ["选项", "人数"], [list(o) for o in result.options])
        elif question.kind == Question.Kind.RATING:
            sheet = _sheet(workbook, title, ["评分", "人数"], [list(r) for r in result.ratings]
                           + [["平均分", result.average if result.average is not None else ""]])
        elif question.kind == Question.Kind.TOPICS:
            sheet = _sheet(workbook, title, ["培训内容", "人数"], [list(t) for t in result.topics])
        else:
            sheet = _sheet(workbook, title, ["回答（匿名）"], [[text] for text in result.texts])
        sheet.insert_rows(1, 2)
        sheet["A1"] = f"{number}. {question.text}（{question.get_kind_display()}，作答 {result.answered} 人）"
        sheet["A1"].font = Font(bold=True)
    content = io.BytesIO()
    workbook.save(content)
    content.seek(0)
    audit_record(action="export.survey_results", actor=actor, request=request, target=survey,
                 detail={"invited": results.invited, "answered": results.answered})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return SurveyDownload(content, f"调研结果-{survey.pk}-{stamp}.xlsx")
