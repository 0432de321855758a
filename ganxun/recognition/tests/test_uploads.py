"""Uploading a platform's export: row-by-row report, valid rows or nothing, idempotent by record number."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from ganxun.core.errors import Conflict, DomainError
from ganxun.recognition import uploads
from ganxun.recognition.models import ClaimStatus, RecognitionClaim
from ganxun.recognition.tests.helpers import make_source


def xlsx(rows, header=("身份证号", "姓名", "记录编号", "学习积分", "完成日期", "课程名称")) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    handle = io.BytesIO()
    workbook.save(handle)
    return SimpleUploadedFile("xuexi.xlsx", handle.getvalue())


def csv_file(text: str, encoding="utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile("xuexi.csv", text.encode(encoding))


def idn(cadre) -> str:
    return cadre.person.id_number


def test_it_reports_every_bad_row_with_column_and_reason(cast, actor):
    source = make_source(cast.county_a, since=dt.date(2025, 1, 1))
    carol, zhang = cast.carol_cadre, cast.cadres_a[1]
    rows = [
        (idn(carol), "卡萝", "A1", 60, "2026-03-02", "学习新思想"),           # row 2: fine
        ("110101198003070018", "某某", "A2", 30, "2026-03-02", ""),           # bad check digit
        (idn(cast.cadres_b[0]), "赵敏", "A3", 30, "2026-03-02", ""),            # outside the county
        (idn(zhang), "张伟", "A4", -5, "2026-03-02", ""),                       # bad amount
        (idn(zhang), "张伟", "A5", 30, "2026-02-30", ""),                       # bad date
        (idn(zhang), "张伟", "A1", 30, "2026-03-03", ""),                       # duplicate reference in file
        (idn(zhang), "李四", "A7", 30, "2026-03-03", ""),                       # name does not match
        (idn(zhang), "张伟", "A8", 30, "2024-06-01", ""),                       # before every rule
    ]
    record = uploads.upload_create(actor=actor(cast.alice), source=source, upload=xlsx(rows))
    problems = {(p["row"], p["column"]): p["reason"] for p in record.problems}
    assert record.data_rows == 8 and record.valid_rows == 1
    assert "校验位" in problems[(3, "身份证号")]
    assert problems[(4, "身份证号")] == "该干部不在您的管理范围内"
    assert "数量应为大于 0 的数字" in problems[(5, "数量")]
    assert "不存在" in problems[(6, "取得日期")]
    assert problems[(7, "记录编号")] == "记录编号与第 2 行重复"
    assert problems[(8, "姓名")] == "姓名与身份证号不符"
    assert "有效期" in problems[(9, "取得日期")]
    assert all("*" in p["value"] for p in record.problems if p["column"] == "身份证号")
    assert not RecognitionClaim.objects.exists()  # nothing imported before the uploader confirms
    report = load_workbook(uploads.problem_workbook(record))
    assert report.active.max_row == len(record.problems) + 1


def test_it_imports_the_valid_rows_once(cast, actor):
    source = make_source(cast.county_a, per_hour="30")
    rows = [(idn(cast.carol_cadre), "卡萝", "A1", 60, "2026-03-02", "学习新思想"),
            (idn(cast.cadres_a[1]), "张伟", "A2", 15, dt.date(2026, 3, 5), "")]
    alice = actor(cast.alice)
    record = uploads.upload_create(actor=alice, source=source, upload=xlsx(rows))
    uploads.upload_commit(actor=alice, upload=record)
    claims = {c.external_ref: c for c in RecognitionClaim.objects.filter(source=source)}
    assert claims["A1"].recognised_hours == Decimal("2.00") and claims["A2"].recognised_hours == Decimal("0.50")
    assert claims["A1"].upload_id == record.pk and claims["A1"].title == "学习新思想"
    with pytest.raises(Conflict):
        uploads.upload_commit(actor=alice, upload=record)
    again = uploads.upload_create(actor=alice, source=source, upload=xlsx(rows))
    assert again.valid_rows == 0
    assert {p["reason"] for p in again.problems} == {"该记录已提交过（已认定），不会重复认定"}
    assert RecognitionClaim.objects.count() == 2


def test_it_imports_nothing_when_the_uploader_discards(cast, actor):
    source = make_source(cast.county_a)
    record = uploads.upload_create(actor=actor(cast.alice), source=source,
                                   upload=xlsx([(idn(cast.carol_cadre), "", "A1", 60, "2026-03-02", "")]))
    uploads.upload_discard(actor=actor(cast.alice), upload=record)
    with pytest.raises(Conflict):
        uploads.upload_commit(actor=actor(cast.alice), upload=record)
    assert not RecognitionClaim.objects.exists()


def test_a_liaison_cannot_claim_for_another_unit(cast, actor):
    source = make_source(cast.county_a, needs_approval=True)
    rows = [(idn(cast.carol_cadre), "", "A1", 60, "2026-03-02", ""),        # bob's unit
            (idn(cast.cadres_a[3]), "", "A2", 60, "2026-03-02", "")]        # unit A2, not bob's
    record = uploads.upload_create(actor=actor(cast.bob), source=source, upload=xlsx(rows))
    assert record.valid_rows == 1
    assert record.problems == [{"row": 3, "column": "身份证号", "value": record.problems[0]["value"],
                                "reason": "该干部不在您的管理范围内"}]
    uploads.upload_commit(actor=actor(cast.bob), upload=record)
    only = RecognitionClaim.objects.get()
    assert (only.cadre, only.status) == (cast.carol_cadre, ClaimStatus.PENDING)


def test_it_reads_a_gbk_csv_export(cast, actor):
    source = make_source(cast.county_a, unit="minutes", per_hour="45")
    text = f"学员姓名,身份证号码,流水号,学习时长,学习日期\n卡萝,{idn(cast.carol_cadre)},N-1,90,2026/3/2\n"
    record = uploads.upload_create(actor=actor(cast.alice), source=source, upload=csv_file(text, "gb18030"))
    assert (record.valid_rows, record.problems) == (1, [])
    uploads.upload_commit(actor=actor(cast.alice), upload=record)
    assert RecognitionClaim.objects.get().recognised_hours == Decimal("2.00")


def test_it_refuses_a_file_without_the_required_columns(cast, actor):
    source = make_source(cast.county_a)
    with pytest.raises(DomainError) as exc:
        uploads.upload_create(actor=actor(cast.alice), source=source, upload=csv_file("姓名,身份证号\n卡萝,1\n"))
    assert "缺少必填列" in exc.value.message and exc.value.field == "file"
    with pytest.raises(DomainError):
        uploads.upload_create(actor=actor(cast.alice), source=source,
                              upload=SimpleUploadedFile("x.xls", b"whatever"))
