"""Exports: scoped rows, masked personal data unless revealed (and audited), re-importable layout."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ganxun.access.roles import ROLE_PERMISSIONS, Role
from ganxun.audit.models import AuditEntry
from ganxun.imports import services
from ganxun.imports.tests.helpers import CADRE_HEADERS, UNIT_HEADERS, commit, read_workbook

pytestmark = pytest.mark.django_db
EXPORT = "/manage/imports/export/cadres/"  # the cadre list links to exactly this path


def _rows(response):
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = read_workbook(content).worksheets[0]
    rows = list(sheet.values)
    return rows[0], rows[1:], content


def test_the_export_path_is_the_one_the_cadre_list_links_to():
    assert reverse("imports:cadre_export") == EXPORT
    assert reverse("imports:unit_export") == "/manage/imports/export/units/"


def test_cadre_export_holds_only_scoped_rows_with_masked_numbers(coded, login):
    header, rows, content = _rows(login(coded.alice).get(EXPORT))
    assert list(header) == CADRE_HEADERS
    assert sorted(r[0] for r in rows) == sorted(c.person.name for c in coded.cadres_a)
    for cadre in coded.cadres_a + coded.cadres_b:
        assert cadre.person.id_number.encode() not in content
    zhang = next(r for r in rows if r[0] == "张伟")
    assert zhang[1] == coded.cadres_a[1].person.id_number_masked and zhang[7] == "138****8000"
    assert (zhang[8], zhang[9], zhang[11], zhang[12]) == ("91339101A1", "东城区发展和改革局", "县处级", "是")
    entry = AuditEntry.objects.get(action="export.cadres")
    assert entry.detail == {"filters": {}, "rows": 4, "full": False}


def test_cadre_export_applies_the_list_filters(coded, login):
    response = login(coded.alice).get(EXPORT, {"unit": coded.unit_a1.pk, "subunits": "0", "rank": "county"})
    _, rows, _ = _rows(response)
    assert [r[0] for r in rows] == ["张伟"]
    assert AuditEntry.objects.get(action="export.cadres").detail["filters"]["rank"] == "county"


def test_a_liaison_exports_his_unit_subtree_only(coded, login):
    _, rows, _ = _rows(login(coded.bob).get(EXPORT))
    assert sorted(r[0] for r in rows) == sorted(["卡萝", "张伟", "李娜"])


def test_the_outsider_exports_nothing_of_another_region(coded, login):
    _, rows, _ = _rows(login(coded.charlie).get(EXPORT, {"unit": coded.unit_a1.pk}))
    assert rows == []
    _, rows, _ = _rows(login(coded.charlie).get(EXPORT))
    assert sorted(r[0] for r in rows) == ["赵敏", "钱进"]


def test_full_export_for_a_role_that_may_reveal_is_full_and_audited_as_such(coded, login):
    _, rows, _ = _rows(login(coded.alice).get(EXPORT, {"full": "1"}))
    zhang = next(r for r in rows if r[0] == "张伟")
    assert zhang[1] == coded.cadres_a[1].person.id_number and zhang[7] == "13800138000"
    assert AuditEntry.objects.get(action="export.cadres").detail["full"] is True


def test_full_export_is_refused_with_403_without_cadres_reveal(coded, login, monkeypatch):
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.UNIT_LIAISON, ROLE_PERMISSIONS[Role.UNIT_LIAISON] - {"cadres.reveal"})
    client = login(coded.bob)
    assert client.get(EXPORT, {"full": "1"}).status_code == 403
    assert not AuditEntry.objects.filter(action="export.cadres").exists()
    _, rows, _ = _rows(client.get(EXPORT))  # the masked export stays available
    assert len(rows) == 3


def test_a_leader_exports_units_but_not_cadres(coded, login):
    client = login(coded.leo)
    assert client.get(EXPORT).status_code == 403
    header, rows, _ = _rows(client.get(reverse("imports:unit_export")))
    assert list(header) == UNIT_HEADERS
    by_name = {r[0]: r for r in rows}
    assert set(by_name) == {"东城区发展和改革局", "东城区价格监测中心", "东城区教育局", "西山县财政局"}
    assert by_name["东城区价格监测中心"][2:5] == ("91339101A1", "东城区发展和改革局", None)
    assert by_name["东城区教育局"][2:5] == (None, "东城区", "339101")
    assert AuditEntry.objects.get(action="export.units").detail["rows"] == 4


def test_a_full_export_imports_back_unchanged_and_a_masked_one_is_refused(coded, login, actor):
    alice = actor(coded.alice)
    for full, expected_valid in (("1", 4), ("", 0)):
        _, _, content = _rows(login(coded.alice).get(EXPORT, {"full": full}))
        job = services.import_upload(actor=alice, kind="cadres", upload=SimpleUploadedFile("导出.xlsx", content))
        services.import_run_validation(job_id=job.pk)
        job.refresh_from_db()
        assert job.valid_rows == expected_valid
        if full:
            job = commit(alice, job)
            assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 4)
        else:
            assert set(job.problems.filter(column="身份证号").values_list("reason", flat=True)) == {
                "身份证号为脱敏显示值（含*），导出文件中的身份证号不能用于导入，请填写完整号码"}


def test_a_unit_export_imports_back_unchanged(coded, login, actor):
    alice = actor(coded.alice)
    _, _, content = _rows(login(coded.alice).get(reverse("imports:unit_export")))
    job = services.import_upload(actor=alice, kind="units", upload=SimpleUploadedFile("单位.xlsx", content))
    services.import_run_validation(job_id=job.pk)
    job = commit(alice, job)
    assert (job.created_count, job.updated_count, job.unchanged_count, job.skipped_count) == (0, 0, 3, 0)
