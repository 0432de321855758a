"""Downloads: templates, cadre and unit exports (audited), and an import job's problem report (audited).

Exports select rows through the scope gate (the cadre list's own filter form)
and mask ID numbers and phones unless a role that may reveal them asks for the
full values, which the audit entry then says.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone

from ganxun.access import scope
from ganxun.audit.services import audit_record
from ganxun.core.errors import Forbidden
from ganxun.core.masking import mask_id_number, mask_phone
from ganxun.imports.columns import CADRE_LAYOUT, LAYOUTS, UNIT_LAYOUT
from ganxun.imports.models import ImportJob
from ganxun.imports.selectors import import_job_get_for, import_problems_for
from ganxun.imports.storage import UnreadableFile, open_sheet, read_plain
from ganxun.imports.workbooks import iso, write_layout_workbook, write_problem_workbook
from ganxun.org.models import Category, Organisation
from ganxun.people.choices import Education, Gender, PoliticalStatus, Rank
from ganxun.people.models import Cadre

_GENDER = dict(Gender.choices)
_POLITICAL = dict(PoliticalStatus.choices)
_EDUCATION = dict(Education.choices)
_RANK = dict(Rank.choices)
_CATEGORY = dict(Category.choices)


@dataclass
class Download:
    file: tempfile.SpooledTemporaryFile
    filename: str
    rows: int = 0


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


def import_template(*, actor, kind: str) -> Download:
    """An empty workbook with the import's headers, dropdowns and instructions."""
    layout = LAYOUTS.get(kind)
    if layout is None:
        raise Forbidden("未知的模板类型。")
    scope.require(actor, f"{kind}.import")
    handle, _ = write_layout_workbook(layout, [])
    return Download(handle, f"{layout.sheet_title}导入模板.xlsx")


def _cadre_row(cadre: Cadre, full: bool) -> list:
    person, unit = cadre.person, cadre.unit
    id_number, phone = person.id_number, person.phone
    if not full:
        id_number, phone = mask_id_number(id_number), mask_phone(phone)
    return [
        person.name, id_number, _GENDER.get(person.gender, ""), iso(person.birth_date), person.ethnicity,
        _POLITICAL.get(person.political_status, ""), _EDUCATION.get(person.education, ""), phone, unit.code or "",
        unit.name, cadre.position_title, _RANK.get(cadre.rank, ""), "是" if cadre.is_leader else "否",
        _CATEGORY.get(cadre.category, ""), iso(cadre.position_since), iso(cadre.rank_since),
    ]


def cadre_export(*, actor, form, full: bool = False, request=None) -> Download:
    """Cadres selected by the cadre list's filter form (`form.cadres(actor)` applies the scope gate)."""
    scope.require(actor, "cadres.export")
    if full and not scope.can(actor, "cadres.reveal"):
        raise Forbidden("当前角色不能导出完整的身份证号和手机号。")
    queryset = form.cadres(actor)

    def rows() -> Iterator[list]:
        for cadre in queryset.iterator(chunk_size=2000):
            yield _cadre_row(cadre, full)

    handle, count = write_layout_workbook(CADRE_LAYOUT, rows())
    filters = {k: v for k, v in (form.cleaned_data if form.is_valid() else {}).items() if v not in (None, "", False)}
    audit_record(action="export.cadres", request=request, actor=actor, target_type="people.cadre",
                 target_repr=f"干部信息导出 {count} 行", detail={"filters": filters, "rows": count, "full": full})
    return Download(handle, f"干部信息{'（完整）' if full else ''}-{_stamp()}.xlsx", count)


def _unit_row(unit: Organisation) -> list:
    parent = unit.parent
    if parent is not None and parent.kind == Organisation.Kind.REGION:
        parent_code, parent_name, region_code = "", parent.name, parent.code or ""
    elif parent is not None:
        parent_code, parent_name, region_code = parent.code or "", parent.name, ""
    else:
        parent_code = parent_name = region_code = ""
    return [unit.name, unit.code or "", parent_code, parent_name, region_code, _CATEGORY.get(unit.category, ""),
            unit.address, unit.sort_order]


def unit_export(*, actor, include_inactive: bool = False, request=None) -> Download:
    """Units of the actor's scope, parents before children (the file imports back in order)."""
    scope.require(actor, "units.export")
    queryset = scope.scoped(actor, Organisation, permission="units.export").filter(
        kind=Organisation.Kind.UNIT).select_related("parent").order_by("path")
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    handle, count = write_layout_workbook(UNIT_LAYOUT, (_unit_row(u) for u in queryset.iterator(chunk_size=2000)))
    audit_record(action="export.units", request=request, actor=actor, target_type="org.organisation",
                 target_repr=f"参训单位导出 {count} 行", detail={"include_inactive": include_inactive, "rows": count})
    return Download(handle, f"参训单位-{_stamp()}.xlsx", count)


def import_problems_download(*, actor, job: ImportJob, request=None) -> Download:
    """The job's problems, with the uploaded rows that have them (full values: the uploader's own file)."""
    job = import_job_get_for(actor, job.pk)
    problems = import_problems_for(actor, job)
    reasons: dict[int, list[str]] = {}
    for row, column, reason in problems.values_list("row", "column", "reason").iterator():
        reasons.setdefault(row, []).append(f"{column}：{reason}" if column else reason)
    joined = {row: "；".join(items) for row, items in reasons.items()}
    sheet = None
    if job.file:
        try:
            sheet = open_sheet(read_plain(job), LAYOUTS[job.kind])
        except (UnreadableFile, ValueError):
            sheet = None
    try:
        handle = write_problem_workbook(
            problems.iterator(), sheet.raw_rows() if sheet else None, sheet.header.headers if sheet else [], joined)
    finally:
        if sheet is not None:
            sheet.close()
    audit_record(action="export.import_problems", request=request, actor=actor, target=job,
                 target_repr=job.original_name, detail={"rows_with_problems": len(joined)})
    stem = job.original_name.rsplit(".", 1)[0] or "导入"
    return Download(handle, f"{stem}-问题清单.xlsx", len(joined))
