"""/api/v1/roster/… and /api/v1/me/classes: the same rules and scope as the pages."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import cache

from ganxun.access.services import token_create
from ganxun.classes.models import ClassStatus
from ganxun.roster.models import CallStatus, Enrollment, TrainingCall
from ganxun.roster.tests.factories import county_class, issued_quota, make_call, make_quota, today
from ganxun.testing import make_enrollment

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(cast):
    """api(account) → a client calling with a fresh token of that account."""
    from django.test import Client

    def make(account) -> Client:
        _, raw = token_create(actor=None, account=account, name="t")
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make


def _post(client, path, body=None):
    return client.post(f"/api/v1{path}", json.dumps(body or {}), content_type="application/json")


def _put(client, path, body):
    return client.put(f"/api/v1{path}", json.dumps(body), content_type="application/json")


def _get(client, path, **query):
    return client.get(f"/api/v1{path}", query)


def test_alice_creates_fills_and_issues_a_call(cast, api):
    alice = api(cast.alice)
    training_class = county_class(cast, status=ClassStatus.DRAFT, capacity=6)
    response = _post(alice, "/roster/calls", {
        "class_id": training_class.pk, "document_no": "东组通〔2026〕3号", "contact": "王老师 88001234",
        "nomination_deadline": (today() + 2 * DAY).isoformat(), "target_categories": ["党政机关"]})
    assert response.status_code == 201, response.content
    call = response.json()
    assert call["status"] == "draft" and call["target_categories"] == ["party_gov"]
    response = _put(alice, f"/roster/calls/{call['id']}/quotas/{cast.unit_a1.pk}", {"seats": 7})
    assert response.status_code == 400 and response.json()["message"] == "名额合计 7 个，超过班次计划人数 6 人。"
    assert _put(alice, f"/roster/calls/{call['id']}/quotas/{cast.unit_b1.pk}", {"seats": 1}).status_code == 404
    response = _put(alice, f"/roster/calls/{call['id']}/quotas/{cast.unit_a1.pk}", {"seats": 4, "note": "科级"})
    assert [(q["unit_name"], q["seats"], q["remaining"]) for q in response.json()["quotas"]] == [
        ("东城区发展和改革局", 4, 4)]
    issued = _post(alice, f"/roster/calls/{call['id']}/issue").json()
    assert issued["status"] == "issued" and issued["class_status"] == "notice_issued"
    assert issued["issuer_name"] == "中共东城区委组织部"
    assert (issued["quota_total"], issued["enrolled"]) == (4, 0)
    listed = _get(alice, "/roster/calls").json()["items"]
    assert [(c["id"], c["quota_total"]) for c in listed] == [(call["id"], 4)] and "quotas" not in listed[0]
    patch = alice.patch(f"/api/v1/roster/calls/{call['id']}", json.dumps({"contact": "x"}),
                        content_type="application/json")
    assert patch.status_code == 400 and patch.json()["code"] == "issued"
    notice = _get(alice, f"/roster/calls/{call['id']}/notice")
    assert notice.status_code == 200 and notice["Content-Type"] == "application/pdf"
    assert notice.content.startswith(b"%PDF")


def test_bob_lists_his_quotas_and_nominates_idempotently(cast, api):
    quota = issued_quota(cast, seats=2)
    make_quota(quota.call, cast.unit_a2, 3)
    bob = api(cast.bob)
    quotas = _get(bob, "/roster/quotas").json()
    assert [(q["unit_name"], q["seats"], q["used"]) for q in quotas["items"]] == [("东城区发展和改革局", 2, 0)]
    call = _get(bob, f"/roster/calls/{quota.call_id}").json()
    assert [q["unit_name"] for q in call["quotas"]] == ["东城区发展和改革局"]
    candidates = _get(bob, f"/roster/quotas/{quota.pk}/candidates", q="张").json()
    assert [c["name"] for c in candidates["items"]] == ["张伟"]
    first = _post(bob, "/roster/nominations", {"quota_id": quota.pk, "cadre_id": cast.cadres_a[1].pk})
    again = _post(bob, "/roster/nominations", {"quota_id": quota.pk, "cadre_id": cast.cadres_a[1].pk})
    assert first.status_code == again.status_code == 200
    assert first.json()["created"] is True and again.json()["created"] is False
    assert first.json()["id"] == again.json()["id"] and Enrollment.objects.count() == 1
    assert [w["code"] for w in first.json()["warnings"]] == ["untrained"]
    assert _get(bob, f"/roster/quotas/{quota.pk}/candidates", q="张").json()["items"][0]["on_class"] is True


@pytest.mark.parametrize("who", ["other_unit", "other_county", "missing"])
def test_editing_the_cadre_id_in_the_api_answers_404_like_a_missing_one(cast, api, who):
    quota = issued_quota(cast)
    cadre_id = {"other_unit": cast.cadres_a[3].pk, "other_county": cast.cadres_b[0].pk, "missing": 999999}[who]
    response = _post(api(cast.bob), "/roster/nominations", {"quota_id": quota.pk, "cadre_id": cadre_id})
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "未找到该干部。", "field": None}
    assert not Enrollment.objects.exists()


def test_a_hard_block_answers_400_with_its_code(cast, api):
    quota = issued_quota(cast, seats=1)
    bob = api(cast.bob)
    _post(bob, "/roster/nominations", {"quota_id": quota.pk, "cadre_id": cast.cadres_a[1].pk})
    response = _post(bob, "/roster/nominations", {"quota_id": quota.pk, "cadre_id": cast.cadres_a[2].pk})
    assert response.status_code == 400 and response.json()["code"] == "over_quota"


def test_nominations_are_scoped_per_role(cast, api):
    quota = issued_quota(cast, seats=3)
    other = make_quota(quota.call, cast.unit_a2, 2)
    training_class = quota.call.training_class
    make_enrollment(training_class, cast.cadres_a[1], status="nominated", quota=quota, unit=cast.unit_a1)
    make_enrollment(training_class, cast.cadres_a[3], status="nominated", quota=other, unit=cast.unit_a2)

    def names(account, **query):
        response = _get(api(account), "/roster/nominations", **query)
        assert response.status_code == 200, response.content
        return {item["name"] for item in response.json()["items"]}

    assert names(cast.bob) == {"张伟"}
    assert names(cast.alice) == {"张伟", "王强"}
    assert names(cast.ivan) == {"张伟", "王强"}
    assert names(cast.charlie) == set()
    assert names(cast.alice, unit_id=cast.unit_a2.pk) == {"王强"}
    assert names(cast.alice, unit_id=cast.unit_b1.pk) == set()


def test_the_warning_filter_needs_a_class_and_filters_recomputed_warnings(cast, api):
    quota = issued_quota(cast, seats=3)
    TrainingCall.objects.filter(pk=quota.call_id).update(target_ranks=["county"])
    training_class = quota.call.training_class
    make_enrollment(training_class, cast.cadres_a[1], status="nominated", quota=quota, unit=cast.unit_a1)
    make_enrollment(training_class, cast.cadres_a[2], status="nominated", quota=quota, unit=cast.unit_a1)
    alice = api(cast.alice)
    response = _get(alice, "/roster/nominations", warning="outside_target")
    assert response.status_code == 400 and response.json()["field"] == "warning"
    items = _get(alice, "/roster/nominations", warning="outside_target", class_id=training_class.pk).json()["items"]
    assert [i["name"] for i in items] == ["李娜"]
    assert items[0]["warnings"][0] == {"code": "outside_target", "label": "对象不符",
                                       "message": "职级“乡科级”不在调训对象（县处级）之内"}


def test_alice_reviews_through_the_api(cast, api):
    quota = issued_quota(cast, seats=4)
    training_class = quota.call.training_class
    zhang, li, carol = (make_enrollment(training_class, c, status="nominated", quota=quota, unit=cast.unit_a1)
                        for c in (cast.cadres_a[1], cast.cadres_a[2], cast.carol_cadre))
    alice = api(cast.alice)
    approved = _post(alice, f"/roster/nominations/{zhang.pk}/approve").json()
    assert (approved["status"], approved["seat_no"]) == ("approved", 1)
    response = _post(alice, f"/roster/nominations/{li.pk}/reject", {"note": ""})
    assert response.status_code == 400 and response.json()["field"] == "note"
    assert _post(alice, f"/roster/nominations/{li.pk}/reject", {"note": "不符合条件"}).json()["status"] == "rejected"
    bulk = _post(alice, f"/roster/classes/{training_class.pk}/approve", {"ids": [carol.pk, li.pk]}).json()
    assert bulk == {"approved": [carol.pk], "skipped": [li.pk]}
    new = _post(alice, f"/roster/nominations/{zhang.pk}/substitute",
                {"cadre_id": cast.cadres_a[2].pk, "reason": "工作调动"})
    assert new.status_code == 200, new.content
    assert (new.json()["name"], new.json()["seat_no"], new.json()["status"]) == ("李娜", 3, "approved")
    old = Enrollment.objects.get(pk=zhang.pk)
    assert old.status == "substituted" and old.replaced_by_id == new.json()["id"]
    for account in (cast.bob, cast.leo):
        assert _post(api(account), f"/roster/nominations/{carol.pk}/reject", {"note": "x"}).status_code == 403
    assert _post(api(cast.charlie), f"/roster/nominations/{carol.pk}/reject", {"note": "x"}).status_code == 404


def test_bob_withdraws_through_the_api(cast, api):
    quota = issued_quota(cast)
    enrollment = make_enrollment(quota.call.training_class, cast.cadres_a[1], status="nominated", quota=quota,
                                 unit=cast.unit_a1)
    response = _post(api(cast.bob), f"/roster/nominations/{enrollment.pk}/withdraw")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"


def test_the_roster_is_masked_and_scoped(cast, api):
    quota = issued_quota(cast)
    training_class = quota.call.training_class
    make_enrollment(training_class, cast.cadres_a[1], quota=quota, unit=cast.unit_a1, seat_no=1)
    make_enrollment(training_class, cast.cadres_a[3], unit=cast.unit_a2, seat_no=2)
    alice_rows = _get(api(cast.alice), f"/roster/classes/{training_class.pk}/roster").json()["items"]
    assert [(r["seat_no"], r["name"], r["phone_masked"]) for r in alice_rows] == [(1, "张伟", "138****8000"),
                                                                                (2, "王强", "138****8000")]
    assert "13800138000" not in json.dumps(alice_rows)
    assert [r["name"] for r in _get(api(cast.bob), f"/roster/classes/{training_class.pk}/roster").json()["items"]] \
        == ["张伟"]
    assert _get(api(cast.charlie), f"/roster/classes/{training_class.pk}/roster").status_code == 404


def test_carol_reads_her_own_classes(cast, api):
    current = county_class(cast, title="正在上的班", start=today() - DAY, status=ClassStatus.RUNNING)
    make_enrollment(current, cast.carol_cadre, seat_no=5)
    make_enrollment(county_class(cast, title="别人的班", start=today() + 60 * DAY), cast.cadres_a[1])
    items = _get(api(cast.carol), "/me/classes").json()["items"]
    assert [(i["title"], i["phase"], i["seat_no"]) for i in items] == [("正在上的班", "current", 5)]
    assert _get(api(cast.alice), "/me/classes").status_code == 403


def test_the_outsider_gets_404_for_calls(cast, api):
    quota = issued_quota(cast)
    charlie = api(cast.charlie)
    assert _get(charlie, f"/roster/calls/{quota.call_id}").status_code == 404
    assert _get(charlie, f"/roster/calls/{quota.call_id}/notice").status_code == 404
    assert _get(charlie, "/roster/calls").json()["count"] == 0
    draft = make_call(county_class(cast, title="草稿班"), status=CallStatus.DRAFT)
    assert _get(api(cast.bob), f"/roster/calls/{draft.pk}").status_code == 404
