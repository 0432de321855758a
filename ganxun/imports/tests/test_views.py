"""The import pages end to end through the web layer (huey runs tasks immediately in tests)."""

import pytest
from django.urls import reverse

from ganxun.audit.models import AuditEntry
from ganxun.imports.models import ImportJob
from ganxun.imports.tests.helpers import CADRE_HEADERS, UNIT_HEADERS, cadre_row, read_workbook, upload_file
from ganxun.people.models import Person

pytestmark = pytest.mark.django_db


def _upload(client, rows, kind="cadres", **kw):
    return client.post(reverse("imports:upload"), {"kind": kind, "file": upload_file(rows, **kw)})


@pytest.fixture
def alice_job(coded, login):
    client = login(coded.alice)
    response = _upload(client, [cadre_row(coded.unit_a1), cadre_row(coded.unit_a1, **{"职级": "特级"})])
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:detail", args=[job.pk])
    return client, job


def test_the_index_lists_own_jobs_and_offers_the_permitted_uploads(alice_job, coded, login):
    client, job = alice_job
    page = client.get(reverse("imports:index")).content.decode()
    assert job.original_name in page and reverse("imports:template", args=["units"]) in page
    assert 'name="full" value="1"' in page  # alice may reveal: the full export can be ticked
    bob_page = login(coded.bob).get(reverse("imports:index")).content.decode()
    assert job.original_name not in bob_page
    assert reverse("imports:template", args=["units"]) not in bob_page  # a liaison imports cadres only


def test_a_leader_sees_only_the_unit_export_and_others_get_403(coded, login):
    page = login(coded.leo).get(reverse("imports:index"))
    assert page.status_code == 200
    content = page.content.decode()
    assert reverse("imports:unit_export") in content and reverse("imports:upload") not in content
    assert login(coded.leo).get(reverse("imports:template", args=["cadres"])).status_code == 403
    assert login(coded.leo).post(reverse("imports:upload"), {"kind": "units"}).status_code == 400
    assert login(coded.tom).get(reverse("imports:index")).status_code == 403


def test_upload_validates_and_the_report_shows_counts_and_problems(alice_job):
    client, job = alice_job
    job.refresh_from_db()
    assert (job.status, job.valid_rows, job.problem_rows) == ("validated", 1, 1)
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "导入有效的 1 行" in page and "放弃，不导入任何数据" in page
    assert "不是有效的职级" in page and "特级" in page
    assert AuditEntry.objects.filter(action="import.upload", target_id=str(job.pk)).count() == 1


def test_the_progress_fragment_polls_while_running_and_refreshes_when_done(alice_job):
    client, job = alice_job
    url = reverse("imports:progress", args=[job.pk])
    done = client.get(url, HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true" and b"hx-trigger" not in done.content
    ImportJob.objects.filter(pk=job.pk).update(status="validating", progress_total=200, progress_done=50)
    running = client.get(url, HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in running and b'hx-trigger="every 1s"' in running.content and b"25%" in running.content


def test_commit_through_the_page_imports_once_even_when_posted_twice(alice_job):
    client, job = alice_job
    url = reverse("imports:commit", args=[job.pk])
    first = client.post(url)
    second = client.post(url, follow=True)
    assert first.status_code == 302
    assert "不能再次导入" in second.content.decode()
    job.refresh_from_db()
    assert (job.status, job.created_count, job.skipped_count) == ("done", 1, 1)
    assert Person.objects.count() == 8


def test_discard_through_the_page(alice_job):
    client, job = alice_job
    client.post(reverse("imports:discard", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "discarded" and Person.objects.count() == 7


def test_the_problem_workbook_holds_the_rows_to_fix_and_the_list(alice_job):
    client, job = alice_job
    response = client.get(reverse("imports:problems_xlsx", args=[job.pk]))
    assert response.status_code == 200
    workbook = read_workbook(b"".join(response.streaming_content))
    assert workbook.sheetnames == ["待修改数据", "问题清单"]
    rows = list(workbook["待修改数据"].values)
    assert list(rows[0]) == CADRE_HEADERS + ["问题", "原行号"]
    assert len(rows) == 2 and rows[1][CADRE_HEADERS.index("职级")] == "特级" and rows[1][-1] == 3
    assert "职级：不是有效的职级" in rows[1][-2]
    listing = list(workbook["问题清单"].values)
    assert listing[1][:2] == (3, "职级")
    assert AuditEntry.objects.filter(action="export.import_problems", target_id=str(job.pk)).exists()


def test_the_outsider_gets_404_for_every_page_of_alices_job(alice_job, coded, login):
    _, job = alice_job
    for client in (login(coded.charlie), login(coded.bob)):
        for name in ("detail", "progress", "problems_xlsx"):
            assert client.get(reverse(f"imports:{name}", args=[job.pk])).status_code == 404
        for name in ("commit", "discard", "revalidate"):
            assert client.post(reverse(f"imports:{name}", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == "validated"


def test_a_wrong_file_is_refused_with_a_clear_message(coded, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(coded.alice)
    response = client.post(reverse("imports:upload"), {"kind": "cadres", "file": SimpleUploadedFile("a.xls", b"x")})
    assert response.status_code == 400 and ".xlsx" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_job_level_error_is_shown_on_the_report(coded, login):
    client = login(coded.alice)
    _upload(client, [["x"] * 3], headers=["姓名", "性别", "民族"])
    job = ImportJob.objects.get()
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert job.status == "failed" and "缺少必填列" in page and "重新校验" in page


def test_templates_have_headers_text_columns_dropdowns_and_instructions(coded, login):
    client = login(coded.alice)
    for kind, headers in (("cadres", CADRE_HEADERS), ("units", UNIT_HEADERS)):
        response = client.get(reverse("imports:template", args=[kind]))
        assert response.status_code == 200
        workbook = read_workbook(b"".join(response.streaming_content))
        data = workbook.worksheets[0]
        assert [c.value for c in data[1]] == headers
        assert workbook.sheetnames[1:] == ["填写说明", "选项"] and workbook["选项"].sheet_state == "hidden"
        if kind == "cadres":
            assert data.column_dimensions["B"].number_format == "@"  # 身份证号
            assert data.column_dimensions["H"].number_format == "@"  # 手机号
            lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in data.data_validations.dataValidation}
            letters = {h: chr(ord("A") + i) for i, h in enumerate(headers)}
            for header in ("性别", "民族", "政治面貌", "学历", "职级", "是否领导职务", "干部类别"):
                assert f"{letters[header]}2" in lists, header
            options = {col[0].value: [c.value for c in col[1:] if c.value] for col in workbook["选项"].columns}
            assert options["性别"] == ["男", "女"] and "一般干部" in options["职级"] and len(options["民族"]) == 57
            notes = " ".join(str(c) for row in workbook["填写说明"].values for c in row if c)
            assert "1975.03" in notes and "脱敏" in notes
