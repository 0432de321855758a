"""/api/v1/recognition/uploads: a platform's export uploaded by multipart, validated row by row,
then the valid rows imported — or nothing — in a second call, exactly as on the upload page."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ganxun.audit.models import AuditEntry
from ganxun.recognition.models import ClaimStatus, RecognitionClaim, RecognitionUpload
from ganxun.recognition.tests.helpers import make_source
from ganxun.recognition.tests.test_uploads import csv_file, xlsx
from ganxun.testing import api_client

API = "/api/v1"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _client(account) -> Client:
    return api_client(account)


def _upload(client, source, upload):
    data = {"file": upload} if source is None else {"source_id": source.pk, "file": upload}
    return client.post(f"{API}/recognition/uploads", data)


def _step(client, record_id, step):
    return client.post(f"{API}/recognition/uploads/{record_id}/{step}", "{}", content_type="application/json")


def idn(cadre) -> str:
    return cadre.person.id_number


def test_a_liaison_uploads_an_export_reads_the_report_and_imports_the_valid_rows(cast):
    source = make_source(cast.county_a, needs_approval=True)
    rows = [(idn(cast.carol_cadre), "卡萝", "A1", 60, "2026-03-02", "学习新思想"),   # row 2: bob's unit
            (idn(cast.cadres_a[3]), "王强", "A2", 30, "2026-03-02", ""),            # row 3: unit A2, not bob's
            (idn(cast.carol_cadre), "卡萝", "A3", "三十", "2026-03-03", "")]         # row 4: bad amount
    bob = _client(cast.bob)
    response = _upload(bob, source, xlsx(rows))
    assert response.status_code == 201, response.content
    report = response.json()
    assert (report["status"], report["data_rows"], report["valid_rows"], report["problem_rows"]) == (
        "validated", 3, 1, 2)
    assert report["rows"] == [{"row": 2, "cadre_id": cast.carol_cadre.pk, "cadre_name": "卡萝", "external_ref": "A1",
                               "amount": "60.00", "earned_on": "2026-03-02", "title": "学习新思想"}]
    assert [(p["row"], p["column"], p["reason"]) for p in report["problems"]] == [
        (3, "身份证号", "该干部不在您的管理范围内"), (4, "数量", "数量应为大于 0 的数字（最多两位小数，单位：积分）")]
    masked = report["problems"][0]["value"]
    assert "*" in masked and idn(cast.cadres_a[3]) not in response.content.decode()
    assert report["claims"] == [] and not RecognitionClaim.objects.exists()  # nothing before the commit

    detail = bob.get(f"{API}/recognition/uploads/{report['id']}").json()
    assert detail == report
    committed = _step(bob, report["id"], "commit")
    assert committed.status_code == 200
    done = committed.json()
    assert (done["status"], done["claims_created"]) == ("committed", 1)
    assert [(c["external_ref"], c["status"], c["converted_hours"]) for c in done["claims"]] == [
        ("A1", ClaimStatus.PENDING, "2.00")]
    claim = RecognitionClaim.objects.get()
    assert (claim.cadre, claim.upload_id, claim.amount) == (cast.carol_cadre, report["id"], Decimal("60.00"))
    assert AuditEntry.objects.filter(action="recognition.upload_commit", target_id=str(report["id"])).count() == 1

    again = _step(bob, report["id"], "commit")
    assert again.status_code == 409 and again.json()["code"] == "already_done"
    assert RecognitionClaim.objects.count() == 1


def test_it_refuses_a_bad_request_naming_the_field_and_stores_nothing(cast):
    source = make_source(cast.county_a)
    other = make_source(cast.county_b, name="西山县平台")
    alice = _client(cast.alice)
    good = f"身份证号,记录编号,学习积分,完成日期\n{idn(cast.carol_cadre)},A1,60,2026-03-02\n"
    for response, field, text in (
        (_upload(alice, source, SimpleUploadedFile("xuexi.xls", b"old excel")), "file", ".xlsx 或 CSV"),
        (_upload(alice, source, csv_file("姓名,身份证号\n卡萝,1\n")), "file", "缺少必填列"),
        (_upload(alice, source, csv_file("身份证号,记录编号,学习积分,完成日期\n")), "file", "没有数据行"),
        (_upload(alice, source, SimpleUploadedFile("xuexi.csv", b"")), "file", "文件是空的"),
        (alice.post(f"{API}/recognition/uploads", {"source_id": source.pk}), "file", "必填"),
        (_upload(alice, None, csv_file(good)), "source_id", "必填"),
        (alice.post(f"{API}/recognition/uploads", {"source_id": "学习强国", "file": csv_file(good)}), "source_id",
         "应为整数"),
    ):
        assert response.status_code == 400, response.content
        assert response.json()["field"] == field and text in response.json()["message"], response.json()

    foreign = _upload(alice, other, csv_file(good))  # a platform of county B
    assert foreign.status_code == 404 and foreign.json()["field"] == "source_id"
    assert not RecognitionUpload.objects.exists() and not RecognitionClaim.objects.exists()


def test_a_retried_upload_or_commit_never_claims_a_record_twice(cast):
    source = make_source(cast.county_a, per_hour="30")
    rows = [(idn(cast.carol_cadre), "卡萝", "A1", 60, "2026-03-02", ""),
            (idn(cast.cadres_a[1]), "张伟", "A2", 15, dt.date(2026, 3, 5), "")]
    alice = _client(cast.alice)
    first = _upload(alice, source, xlsx(rows)).json()
    retry = _upload(alice, source, xlsx(rows)).json()  # a client retrying after a time-out
    assert first["valid_rows"] == retry["valid_rows"] == 2 and first["id"] != retry["id"]

    assert _step(alice, first["id"], "commit").json()["claims_created"] == 2
    second = _step(alice, retry["id"], "commit")
    assert second.status_code == 200 and second.json()["claims_created"] == 0
    assert second.json()["claims"] == []
    hours = dict(RecognitionClaim.objects.values_list("external_ref", "recognised_hours"))
    assert hours == {"A1": Decimal("2.00"), "A2": Decimal("0.50")}  # no approval: recognised at once

    third = _upload(alice, source, xlsx(rows)).json()
    assert third["valid_rows"] == 0
    assert {p["reason"] for p in third["problems"]} == {"该记录已提交过（已认定），不会重复认定"}
    nothing = _step(alice, third["id"], "commit")
    assert nothing.status_code == 409 and nothing.json()["code"] == "nothing_to_import"
    assert RecognitionClaim.objects.count() == 2


def test_discarding_imports_nothing_and_is_final(cast):
    source = make_source(cast.county_a)
    alice = _client(cast.alice)
    record = _upload(alice, source, xlsx([(idn(cast.carol_cadre), "", "A1", 60, "2026-03-02", "")])).json()
    discarded = _step(alice, record["id"], "discard")
    assert discarded.status_code == 200
    assert (discarded.json()["status"], discarded.json()["rows"]) == ("discarded", [])
    for step in ("commit", "discard"):
        refused = _step(alice, record["id"], step)
        assert refused.status_code == 409 and refused.json()["code"] == "already_done"
    assert not RecognitionClaim.objects.exists()


def test_uploads_are_scoped_like_the_page(cast):
    source = make_source(cast.county_a)
    province_source = make_source(cast.province, name="中国干部网络学院", unit="hours", per_hour="1")
    make_source(cast.county_b, name="西山县平台")
    bob_upload = _upload(_client(cast.bob), source,
                         xlsx([(idn(cast.carol_cadre), "", "A1", 60, "2026-03-02", "")])).json()
    alice_upload = _upload(_client(cast.alice), source,
                           xlsx([(idn(cast.cadres_a[3]), "", "A2", 60, "2026-03-02", "")])).json()

    alice, bob, charlie = _client(cast.alice), _client(cast.bob), _client(cast.charlie)
    sources = alice.get(f"{API}/recognition/upload-sources").json()
    assert {s["id"] for s in sources["items"]} == {source.pk, province_source.pk}
    assert next(s for s in sources["items"] if s["id"] == source.pk)["amount_per_hour"] == "30.00"
    assert {s["name"] for s in charlie.get(f"{API}/recognition/upload-sources").json()["items"]} == {
        "西山县平台", "中国干部网络学院"}

    # The org department sees the liaison's upload; the liaison not the org department's.
    assert [u["id"] for u in alice.get(f"{API}/recognition/uploads").json()["items"]] == [
        alice_upload["id"], bob_upload["id"]]
    assert [u["id"] for u in bob.get(f"{API}/recognition/uploads").json()["items"]] == [bob_upload["id"]]
    assert alice.get(f"{API}/recognition/uploads/{bob_upload['id']}").status_code == 200
    assert bob.get(f"{API}/recognition/uploads/{alice_upload['id']}").status_code == 404
    assert _step(bob, alice_upload["id"], "commit").status_code == 404

    assert charlie.get(f"{API}/recognition/uploads").json()["count"] == 0
    for step in ("commit", "discard"):
        assert _step(charlie, bob_upload["id"], step).status_code == 404
    assert charlie.get(f"{API}/recognition/uploads/{bob_upload['id']}").status_code == 404
    assert _client(cast.carol).get(f"{API}/recognition/uploads").status_code == 403  # a cadre uploads nothing
    assert _client(cast.leo).post(f"{API}/recognition/uploads", {"source_id": source.pk}).status_code == 403
    assert Client().get(f"{API}/recognition/uploads").status_code == 401
    assert RecognitionUpload.objects.filter(status="validated").count() == 2 and not RecognitionClaim.objects.exists()


def test_the_report_of_a_browser_session_needs_the_csrf_token_to_commit(cast):
    source = make_source(cast.county_a)
    record = _upload(_client(cast.alice), source,
                     xlsx([(idn(cast.carol_cadre), "", "A1", 60, "2026-03-02", "")])).json()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.alice)
    assert browser.get(f"{API}/recognition/uploads/{record['id']}").status_code == 200
    refused = browser.post(f"{API}/recognition/uploads/{record['id']}/commit", json.dumps({}),
                           content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    assert not RecognitionClaim.objects.exists()
