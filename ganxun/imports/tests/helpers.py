"""Builders for import tests: small workbooks written with openpyxl, and jobs run through the services."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from ganxun.imports import services
from ganxun.imports.columns import CADRE_LAYOUT, UNIT_LAYOUT
from ganxun.imports.models import ImportJob
from ganxun.testing import new_id_number

CADRE_HEADERS = CADRE_LAYOUT.headers
UNIT_HEADERS = UNIT_LAYOUT.headers


def xlsx_bytes(rows: list[list], headers: list[str] | None = None, *, above: list[list] | None = None) -> bytes:
    """A workbook whose first sheet holds `above` (title rows), then the header, then `rows`."""
    workbook = Workbook()
    sheet = workbook.active
    for line in above or []:
        sheet.append(line)
    sheet.append(headers if headers is not None else CADRE_HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload_file(rows: list[list], headers: list[str] | None = None, name: str = "花名册.xlsx", **kw):
    return SimpleUploadedFile(name, xlsx_bytes(rows, headers, **kw),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def cadre_row(unit, *, name: str = "王五", id_number: str | None = None, gender: str = "男",
              birth: dt.date = dt.date(1980, 5, 17), rank: str = "乡科级", position: str = "科员", **over) -> list:
    """A valid row in template column order; `over` replaces cells by header."""
    id_number = id_number or new_id_number(gender="M" if gender == "男" else "F", birth=birth)
    values = {
        "姓名": name, "身份证号": id_number, "性别": gender, "出生日期": birth.isoformat(), "民族": "汉族",
        "政治面貌": "中共党员", "学历": "大学本科", "手机号": "13900001111", "单位代码": unit.code or "",
        "单位名称": unit.name, "职务": position, "职级": rank, "是否领导职务": "否", "干部类别": "党政机关",
        "任现职时间": "2020-01-01", "任现职级时间": "2020-01-01",
    }
    values.update(over)
    return [values[h] for h in CADRE_HEADERS]


def run_job(actor, rows: list[list], *, kind: str = "cadres", headers: list[str] | None = None, **kw) -> ImportJob:
    """Upload and validate (huey is immediate in tests, but the services are called directly here)."""
    job = services.import_upload(actor=actor, kind=kind, upload=upload_file(rows, headers, **kw))
    services.import_run_validation(job_id=job.pk)
    job.refresh_from_db()
    return job


def commit(actor, job: ImportJob) -> ImportJob:
    services.import_commit(actor=actor, job=job)
    services.import_run_commit(job_id=job.pk)
    job.refresh_from_db()
    return job


def problems_of(job: ImportJob) -> list[tuple[int, str, str]]:
    return list(job.problems.order_by("row", "id").values_list("row", "column", "reason"))


def read_workbook(content: bytes):
    return load_workbook(io.BytesIO(content))
