"""Pages of credit recognition: queue, decisions, sources, uploads, the cadre's own list; scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ganxun.recognition.models import ClaimOrigin, ClaimStatus, RecognitionClaim, RecognitionSource
from ganxun.recognition.services import ClaimInput, claims_create
from ganxun.recognition.tests.helpers import make_source
from ganxun.recognition.tests.test_uploads import xlsx


def pending(source, cadre, ref="r1"):
    return claims_create(actor=None, source=source, origin=ClaimOrigin.UPLOAD, items=[ClaimInput(
        cadre_id=cadre.pk, external_ref=ref, amount=Decimal("60"), earned_on=dt.date(2026, 3, 2),
        title="学习新思想")]).created[0]


def test_the_org_department_approves_and_rejects_from_the_queue(cast, login):
    source = make_source(cast.county_a, needs_approval=True)
    first, second = pending(source, cast.carol_cadre, "r1"), pending(source, cast.cadres_a[1], "r2")
    client = login(cast.alice)
    page = client.get("/manage/recognition/?status=pending")
    assert page.status_code == 200 and "学习新思想" in page.content.decode()
    assert client.post("/manage/recognition/approve/", {"claim": [first.pk]}).status_code == 302
    first.refresh_from_db()
    assert first.status == ClaimStatus.RECOGNISED
    assert client.post(f"/manage/recognition/claims/{second.pk}/reject/", {"reason": ""}).status_code == 400
    client.post(f"/manage/recognition/claims/{second.pk}/reject/", {"reason": "证明材料不全"})
    second.refresh_from_db()
    assert (second.status, second.reason) == (ClaimStatus.REJECTED, "证明材料不全")


def test_the_outsider_gets_404_for_claims_and_sources_of_another_county(cast, login):
    source = make_source(cast.county_a, needs_approval=True)
    claim = pending(source, cast.carol_cadre)
    client = login(cast.charlie)
    assert client.get(f"/manage/recognition/claims/{claim.pk}/reject/").status_code == 404
    assert client.get(f"/manage/recognition/sources/{source.pk}/").status_code == 404
    assert "学习新思想" not in client.get("/manage/recognition/").content.decode()
    assert client.post("/manage/recognition/approve/", {"claim": [claim.pk]}).status_code == 404
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING


def test_the_liaison_sees_the_unit_claims_but_cannot_decide(cast, login):
    source = make_source(cast.county_a, needs_approval=True)
    claim = pending(source, cast.carol_cadre)
    client = login(cast.bob)
    assert "学习新思想" in client.get("/manage/recognition/").content.decode()
    assert client.post("/manage/recognition/approve/", {"claim": [claim.pk]}).status_code == 403


def test_a_source_is_created_with_its_first_rule_and_a_new_rule_added(cast, login):
    client = login(cast.alice)
    response = client.post("/manage/recognition/sources/new/", {
        "name": "学习强国", "unit": "points", "owner": cast.county_a.pk, "effective_from": "2026-01-01",
        "amount_per_hour": "30", "yearly_cap_hours": "20", "needs_approval": "on"})
    source = RecognitionSource.objects.get()
    assert response.status_code == 302 and source.rules.get().yearly_cap_hours == Decimal("20")
    client.post(f"/manage/recognition/sources/{source.pk}/", {
        "form": "rule", "effective_from": "2026-07-01", "amount_per_hour": "50"})
    assert source.rules.count() == 2
    assert client.get(f"/manage/recognition/sources/{source.pk}/").status_code == 200


def test_an_upload_is_validated_then_imported_from_the_pages(cast, login):
    source = make_source(cast.county_a)
    client = login(cast.bob)
    response = client.post("/manage/recognition/uploads/", {"source": source.pk, "file": xlsx([
        (cast.carol_cadre.person.id_number, "卡萝", "A1", 60, "2026-03-02", "学习新思想"),
        ("bad", "", "A2", 60, "2026-03-02", "")])})
    assert response.status_code == 302
    detail = client.get(response["Location"])
    assert "身份证号应为18位" in detail.content.decode()
    upload_pk = int(response["Location"].rstrip("/").split("/")[-1])
    report = client.get(f"/manage/recognition/uploads/{upload_pk}/problems.xlsx")
    assert report.status_code == 200 and report["Content-Type"].startswith("application/")
    client.post(f"/manage/recognition/uploads/{upload_pk}/commit/")
    assert RecognitionClaim.objects.get().recognised_hours == Decimal("2.00")
    assert login(cast.charlie).get(f"/manage/recognition/uploads/{upload_pk}/").status_code == 404


def test_the_cadre_sees_own_claims_with_status_and_reason(cast, login, actor):
    from ganxun.recognition.services import claim_reject

    source = make_source(cast.county_a, needs_approval=True)
    claim = pending(source, cast.carol_cadre)
    pending(source, cast.cadres_a[1], "other")
    claim_reject(actor=actor(cast.alice), claim=claim, reason="与面授培训重复")
    page = login(cast.carol).get("/learn/recognition/").content.decode()
    assert "与面授培训重复" in page and "未认定" in page
    assert page.count("学习新思想") == 1
