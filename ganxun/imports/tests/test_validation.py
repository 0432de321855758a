"""Validation of uploaded cadre workbooks: messy-but-valid input passes, each bad row is reported precisely."""

import datetime as dt

import pytest

from ganxun.core.idcard import make_id_number
from ganxun.imports import services
from ganxun.imports.models import ImportJob
from ganxun.imports.tests.helpers import CADRE_HEADERS, cadre_row, problems_of, run_job, upload_file
from ganxun.people.models import Cadre, Person
from ganxun.testing import new_id_number

pytestmark = pytest.mark.django_db


def test_it_accepts_a_messy_but_valid_workbook(coded, actor):
    alice = actor(coded.alice)
    unit = coded.unit_a1
    valid = make_id_number("330102", dt.date(1980, 5, 17), 7, "M")
    full_width = valid.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    old_id = 330102800517013  # a 15-digit number typed as a number: upgraded to 18 digits
    rows = [
        # full-width digits and letters, stray spaces, 1980.05, 2020年3月, aliases of enum labels
        cadre_row(unit, name=" 张 三 ", id_number=f" {full_width} ", **{
            "出生日期": "1980.05", "手机号": " 139 0000 1111 ", "单位代码": "９１３３９１０１Ａ１ ", "职级": " 正科级",
            "政治面貌": "党员 ", "学历": "本科", "任现职时间": "2020年3月"}),
        # a real Excel date cell, the phone as a float, the rank date as an Excel serial number
        cadre_row(unit, name="李四", birth=dt.date(1979, 1, 2), **{
            "出生日期": dt.datetime(1979, 1, 2), "手机号": 13800138000.0, "任现职级时间": 43831,
            "单位代码": "", "性别": "男性"}),
        # an old ID number stored as an integer, birth date 1980年5月17日, no gender given
        cadre_row(unit, name="王五", id_number=old_id, **{"出生日期": "1980年5月17日", "性别": "", "是否领导职务": "是"}),
    ]
    headers = [f"　{h} " if i % 2 else h for i, h in enumerate(CADRE_HEADERS)]  # ideographic and plain blanks
    job = run_job(alice, rows, headers=headers)
    assert problems_of(job) == []
    assert (job.status, job.data_rows, job.valid_rows, job.problem_rows) == ("validated", 3, 3, 0)


def test_it_matches_headers_in_any_order_below_a_title_and_ignores_extra_columns(coded, actor):
    alice = actor(coded.alice)
    row = cadre_row(coded.unit_a1)
    order = list(reversed(range(len(CADRE_HEADERS))))
    headers = ["序号"] + [CADRE_HEADERS[i] for i in order] + ["备注"]
    job = run_job(alice, [[1] + [row[i] for i in order] + ["无"]], headers=headers,
                  above=[["东城区发改局干部花名册"], []])
    assert job.status == "validated" and job.header_row == 3
    assert job.valid_rows == 1


def test_it_fails_the_job_when_a_required_column_is_missing(coded, actor):
    alice = actor(coded.alice)
    headers = [h for h in CADRE_HEADERS if h != "身份证号"]
    job = run_job(alice, [["张三"] * len(headers)], headers=headers)
    assert job.status == "failed"
    assert "缺少必填列：身份证号" in job.error


def test_it_fails_the_job_when_the_sheet_has_no_rows(coded, actor):
    job = run_job(actor(coded.alice), [])
    assert job.status == "failed" and "没有数据行" in job.error


def test_it_refuses_files_that_are_not_xlsx_or_too_large(coded, actor, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ganxun.core.errors import DomainError

    alice = actor(coded.alice)
    with pytest.raises(DomainError, match=".xlsx"):
        services.import_upload(actor=alice, kind="cadres", upload=SimpleUploadedFile("名单.csv", b"a,b\n"))
    with pytest.raises(DomainError, match="不是 Excel"):
        services.import_upload(actor=alice, kind="cadres", upload=SimpleUploadedFile("名单.xlsx", b"not a zip"))
    settings.GANXUN_IMPORT_MAX_BYTES = 100
    with pytest.raises(DomainError, match="上限"):
        services.import_upload(actor=alice, kind="cadres", upload=upload_file([cadre_row(coded.unit_a1)]))
    assert ImportJob.objects.count() == 0


def test_it_reports_each_bad_row_with_row_column_and_reason(coded, actor):
    alice = actor(coded.alice)
    a1 = coded.unit_a1
    good = new_id_number(gender="M")
    bad_checksum = good[:17] + ("0" if good[17] != "0" else "1")
    woman = new_id_number(gender="F", birth=dt.date(1985, 2, 3))
    twin = new_id_number(gender="M")
    elsewhere = coded.cadres_b[0].person.id_number  # 赵敏, a cadre of charlie's county
    rows = [
        cadre_row(a1, id_number=bad_checksum),                                   # row 2
        cadre_row(a1, id_number=woman, gender="男", birth=dt.date(1985, 2, 3)),  # row 3: gender mismatch
        cadre_row(a1, **{"出生日期": "1981-01-01"}),                              # row 4: birth date mismatch
        cadre_row(a1, **{"职级": "特级"}),                                        # row 5: unknown enum
        cadre_row(coded.unit_b1, **{"单位代码": ""}),                              # row 6: charlie's unit
        cadre_row(a1, **{"单位代码": "91000000NOPE", "单位名称": ""}),             # row 7: unit missing
        cadre_row(a1, id_number=twin),                                            # row 8: duplicate …
        cadre_row(a1, id_number=twin, name="另一个"),                             # row 9: … of row 8
        cadre_row(a1, id_number=elsewhere, gender="女", birth=coded.cadres_b[0].person.birth_date),  # row 10
        cadre_row(a1),                                                            # row 11: fine
        cadre_row(coded.unit_a2, **{"单位代码": "", "政治面貌": ""}),            # row 12: required cell empty
    ]
    job = run_job(alice, rows)
    assert job.status == "validated"
    found = problems_of(job)
    assert (2, "身份证号", "身份证号校验位错误") in found
    assert (3, "性别", "与身份证号不一致") in found
    assert (4, "出生日期", "与身份证号中的出生日期不一致") in found
    assert any(r == 5 and c == "职级" and reason.startswith("不是有效的职级") for r, c, reason in found)
    assert (6, "单位名称", "该单位不在您的管理范围内") in found
    assert (7, "单位代码", "单位代码不存在") in found
    assert (8, "身份证号", "与第 9 行的身份证号重复") in found
    assert (9, "身份证号", "与第 8 行的身份证号重复") in found
    assert any(r == 10 and reason.startswith("该身份证号已登记在其他单位") for r, c, reason in found)
    assert (12, "政治面貌", "必填") in found
    assert 11 not in {r for r, _, _ in found}
    assert (job.data_rows, job.valid_rows, job.problem_rows) == (11, 1, 10)


def test_it_stores_id_numbers_masked_in_the_report(coded, actor):
    alice = actor(coded.alice)
    twin = new_id_number()
    job = run_job(alice, [cadre_row(coded.unit_a1, id_number=twin), cadre_row(coded.unit_a1, id_number=twin)])
    values = list(job.problems.values_list("value", flat=True))
    assert values and all(twin not in v and "*" in v for v in values)


def test_it_explains_masked_id_numbers_from_an_export(coded, actor):
    alice = actor(coded.alice)
    job = run_job(alice, [cadre_row(coded.unit_a1, id_number="330***********123X")])
    assert any("脱敏" in reason for _, _, reason in problems_of(job))


def test_it_keeps_a_liaison_inside_his_unit_subtree(coded, actor):
    bob = actor(coded.bob)
    rows = [cadre_row(coded.unit_a2, **{"单位代码": ""}), cadre_row(coded.unit_a2), cadre_row(coded.unit_a1_sub)]
    job = run_job(bob, rows)
    found = problems_of(job)
    assert (2, "单位名称", "该单位不在您的管理范围内") in found
    assert (3, "单位代码", "该单位不在您的管理范围内") in found
    assert job.valid_rows == 1


def test_an_existing_cadre_in_scope_is_an_update_not_a_problem(coded, actor):
    alice = actor(coded.alice)
    person = coded.cadres_a[1].person  # 张伟 in A1
    job = run_job(alice, [cadre_row(coded.unit_a1, name=person.name, id_number=person.id_number,
                                    birth=person.birth_date)])
    assert problems_of(job) == [] and job.valid_rows == 1
    assert Person.objects.count() == 7 and Cadre.objects.count() == 6  # nothing written by validation


def test_it_refuses_a_workbook_over_the_row_limit(coded, actor, monkeypatch):
    monkeypatch.setattr(services, "MAX_ROWS", 2)
    job = run_job(actor(coded.alice), [cadre_row(coded.unit_a1) for _ in range(3)])
    assert job.status == "failed" and "超过单次导入 2 行的上限" in job.error
    assert not job.problems.exists()


def test_the_labels_of_the_template_dropdowns_are_accepted(coded, actor):
    from ganxun.imports.columns import CADRE_LAYOUT

    alice = actor(coded.alice)
    rows = []
    for index, label in enumerate(CADRE_LAYOUT.column("education").options):
        rows.append(cadre_row(coded.unit_a1, **{"学历": label, "政治面貌": CADRE_LAYOUT.column("political_status")
                                                .options[index % 6]}))
    job = run_job(alice, rows)
    assert problems_of(job) == [] and job.valid_rows == len(rows)
