"""Documents of the roster: the call notice (调训通知, PDF) and the roster workbook (Excel, audited)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ganxun.access import scope
from ganxun.audit.services import audit_record
from ganxun.classes.models import TrainingClass
from ganxun.classes.selectors import class_credit_hours
from ganxun.core.masking import mask_phone
from ganxun.core.pdf import render_pdf
from ganxun.people.choices import Gender, Rank
from ganxun.roster.models import CallMode, TrainingCall
from ganxun.roster.selectors import named_list, quota_rows, roster_for

_GENDER = dict(Gender.choices)
_RANK = dict(Rank.choices)


def notice_context(call: TrainingCall) -> dict:
    training_class = call.training_class
    rows = quota_rows(call) if call.mode == CallMode.QUOTA else []
    issuer = call.issuer.name if call.issuer_id else (
        training_class.organiser.name if training_class.organiser_id else "")
    return {
        "call": call, "training_class": training_class, "issuer": issuer,
        "topics": list(training_class.topics.order_by("code")),
        "credit_hours": class_credit_hours(training_class),
        "days": (training_class.end_date - training_class.start_date).days + 1,
        "quotas": [r for r in rows if r.quota.seats > 0],
        "quota_total": sum(r.quota.seats for r in rows),
        "named": named_list(call) if call.mode == CallMode.NAMED else [],
        "issued_on": timezone.localtime(call.issued_at).date() if call.issued_at else None,
    }


def notice_pdf(call: TrainingCall) -> bytes:
    """The notice of the call as a PDF: document number, the class (dates, place, institution,
    type, topics, mode, credit hours), who is called, the quota table or the named list (name,
    unit, post — never ID numbers), requirements, deadline, contact and the issuing org
    department. A draft renders with 草稿 in the title (a preview for the org department)."""
    return render_pdf("roster/notice_pdf.html", notice_context(call))


def notice_filename(call: TrainingCall) -> str:
    return f"调训通知-{call.training_class.title}.pdf"


@dataclass
class RosterDownload:
    content: io.BytesIO
    filename: str
    rows: int


HEADER = ["学号", "姓名", "性别", "单位", "职务", "职级", "手机号（脱敏）"]


def roster_export(*, actor, training_class: TrainingClass, request=None) -> RosterDownload:
    """The approved roster the actor sees (liaisons: their units' cadres), phones masked."""
    scope.require(actor, "roster.view")
    rows = roster_for(actor, training_class)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "学员名单"
    sheet.append([f"{training_class.title} 学员名单"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"{training_class.start_date:%Y-%m-%d} 至 {training_class.end_date:%Y-%m-%d}  "
                  f"{training_class.institution.name}  共 {len(rows)} 人"])
    sheet.append(HEADER)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for e in rows:
        person, cadre = e.cadre.person, e.cadre
        sheet.append([e.seat_no, person.name, _GENDER.get(person.gender, ""), e.unit.name, cadre.position_title,
                      _RANK.get(cadre.rank, ""), mask_phone(person.phone)])
    for column, width in zip("ABCDEFG", (8, 12, 6, 32, 20, 12, 16)):
        sheet.column_dimensions[column].width = width
    content = io.BytesIO()
    workbook.save(content)
    content.seek(0)
    audit_record(action="export.roster", actor=actor, request=request, target=training_class,
                 target_repr=f"学员名单导出 {training_class.title} {len(rows)} 行", detail={"rows": len(rows)})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return RosterDownload(content, f"学员名单-{training_class.title}-{stamp}.xlsx", len(rows))
