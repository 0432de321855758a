"""/api/v1/attendance: check-in, lists, corrections, leave, withdrawals — scoped like the pages."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client

from ganxun.access.roles import Role
from ganxun.access.services import token_create
from ganxun.attendance.models import AttendanceRecord, LeaveRequest
from ganxun.attendance.services import leave_decide, leave_request
from ganxun.attendance.tests.builders import MONDAY, at, frozen, running_class
from ganxun.attendance.tokens import checkin_token
from ganxun.audit.models import AuditEntry
from ganxun.testing import make_account, with_role

pytestmark = pytest.mark.django_db

API = "/api/v1"
NOW = at(MONDAY, 8, 31)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def api(account) -> Client:
    _, raw = token_create(actor=None, account=account, name="test")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def post(client, path, body=None):
    return client.post(API + path, json.dumps(body or {}), content_type="application/json")


# --- check-in ------------------------------------------------------------------------------

def test_check_in_answers_201_then_409_and_records_once(cast):
    run = running_class(cast)
    with frozen(NOW):
        client = api(cast.carol)
        token = checkin_token(run.first)
        first = post(client, "/attendance/checkin", {"token": token})
        second = post(client, "/attendance/checkin", {"token": token})
    assert first.status_code == 201
    body = first.json()
    assert body["purpose"] == "in" and body["status"] == "present" and body["session_id"] == run.first.pk
    assert body["message"] == "签到成功：08:31，专题讲座1。" and body["class_title"] == "中青年干部培训班"
    assert second.status_code == 409
    assert second.json()["code"] == "already_checked_in" and second.json()["message"] == "您已于 08:31 签到。"
    assert AttendanceRecord.objects.count() == 1


@pytest.mark.parametrize(("token_minutes_ago", "code"), [(1, "expired_token"), (0, None)])
def test_check_in_refusals_are_400_with_a_code(cast, token_minutes_ago, code):
    run = running_class(cast)
    with frozen(NOW):
        token = checkin_token(run.first, now=at(MONDAY, 8, 31 - token_minutes_ago))
        outsider_cadre = make_account("wang", Role.CADRE, cast.unit_a2)  # a learner not on the roster
        response = post(api(outsider_cadre), "/attendance/checkin", {"token": token})
    assert response.status_code == 400
    assert response.json()["code"] == (code or "not_enrolled")


def test_a_tampered_token_is_400_invalid(cast):
    running_class(cast)
    with frozen(NOW):
        response = post(api(cast.carol), "/attendance/checkin", {"token": "1.i.abc.AAAAAAAAAAAA"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_token"
    assert response.json()["field"] == "token"


def test_check_out_by_api(cast):
    run = running_class(cast, checkout=True)
    with frozen(NOW):
        client = api(cast.carol)
        post(client, "/attendance/checkin", {"token": checkin_token(run.first)})
    with frozen(at(MONDAY, 11, 35)):
        response = post(client, "/attendance/checkin", {"token": checkin_token(run.first, "out")})
    assert response.status_code == 201 and response.json()["purpose"] == "out"
    assert dt.datetime.fromisoformat(response.json()["checked_out_at"]) == at(MONDAY, 11, 35)


# --- staff ---------------------------------------------------------------------------------

def test_the_head_teacher_gets_the_current_token(cast):
    run = running_class(cast)
    with frozen(NOW):
        response = api(cast.hannah).get(f"{API}/attendance/sessions/{run.first.pk}/token")
        refused = api(cast.hannah).get(f"{API}/attendance/sessions/{run.first.pk}/token?purpose=out")
    assert response.status_code == 200
    body = response.json()
    assert body["token"] == checkin_token(run.first, now=NOW)
    assert body["url"] == f"http://testserver/learn/checkin/?t={body['token']}"
    assert body["window_seconds"] == 20 and 0 < body["rotates_in"] <= 20
    assert refused.status_code == 400 and refused.json()["code"] == "checkout_not_required"


def test_the_session_list_counts_and_orders_by_seat(cast):
    run = running_class(cast)
    with frozen(NOW):
        post(api(cast.carol), "/attendance/checkin", {"token": checkin_token(run.first)})
        response = api(cast.ivan).get(f"{API}/attendance/sessions/{run.first.pk}")
    body = response.json()
    assert body["counts"]["checked_in"] == 1 and body["counts"]["not_yet"] == 2 and body["counts"]["total"] == 3
    assert [(i["seat_no"], i["state"]) for i in body["items"]] == [(1, "present"), (2, "not_yet"), (3, "not_yet")]
    assert body["items"][0]["method"] == "qr"


def test_a_correction_by_api_is_audited(cast):
    run = running_class(cast)
    with frozen(NOW):
        response = post(api(cast.hannah), f"/attendance/sessions/{run.first.pk}/records",
                        {"enrollment_id": run.li.pk, "status": "leave", "reason": "临时公务"})
    assert response.status_code == 200
    assert response.json()["status"] == "leave" and response.json()["method"] == "manual"
    assert AuditEntry.objects.get(action="attendance.correct").detail["after"]["status"] == "leave"


def test_corrections_are_refused_outside_the_class(cast):
    run = running_class(cast)
    helen = make_account("helen", Role.HEAD_TEACHER, cast.party_school)
    body = {"enrollment_id": run.li.pk, "status": "present", "reason": "x"}
    with frozen(NOW):
        assert post(api(helen), f"/attendance/sessions/{run.first.pk}/records", body).status_code == 404
        assert post(api(cast.charlie), f"/attendance/sessions/{run.first.pk}/records", body).status_code == 403
        assert post(api(cast.hannah), f"/attendance/sessions/{run.first.pk}/records",
                    {**body, "status": "sick"}).status_code == 400
    assert not AttendanceRecord.objects.exists()


def test_the_class_summary_has_marks_and_flags(cast):
    run = running_class(cast)
    leave = leave_request(actor=with_role(cast.carol), enrollment=run.carol, sessions=run.sessions[8:10],
                          reason="住院", now=at(MONDAY, 7, 0))
    leave_decide(actor=with_role(cast.hannah), leave=leave, approve=True, now=at(MONDAY, 7, 0))
    with frozen(at(MONDAY, 12, 0)):
        response = api(cast.alice).get(f"{API}/attendance/classes/{run.training_class.pk}")
        outsider = api(cast.charlie).get(f"{API}/attendance/classes/{run.training_class.pk}")
    body = response.json()
    assert Decimal(body["credit_hours"]) == 30
    assert Decimal(body["limit_hours"]) == Decimal("4.29")
    carol = next(i for i in body["items"] if i["seat_no"] == 1)
    assert carol["flagged"] is True and Decimal(carol["away_hours"]) == Decimal("9")  # 6 leave + 3 absent
    assert carol["marks"][:2] == ["absent", "open"]
    assert carol["marks"][8:] == ["leave", "leave"]  # approved leave ahead shows as leave already
    assert outsider.status_code == 404


# --- leave ---------------------------------------------------------------------------------

def test_the_cadre_asks_lists_and_cancels_by_api(cast):
    run = running_class(cast)
    with frozen(at(MONDAY, 7, 0)):
        client = api(cast.carol)
        body = {"class_id": run.training_class.pk, "session_ids": [run.sessions[0].pk, run.sessions[1].pk],
                "reason": "看病"}
        created = post(client, "/attendance/leave", body)
        again = post(client, "/attendance/leave", body)
        clash = post(client, "/attendance/leave", {**body, "reason": "另一件事"})
        listing = client.get(f"{API}/attendance/leave").json()
        cancelled = post(client, f"/attendance/leave/{created.json()['id']}/cancel")
        foreign = post(client, "/attendance/leave", {**body, "session_ids": [999999]})
    assert created.status_code == 201 and Decimal(created.json()["hours"]) == 6
    assert again.status_code == 201 and again.json()["id"] == created.json()["id"]
    assert clash.status_code == 400 and clash.json()["code"] == "duplicate"
    assert listing["count"] == 1 and listing["items"][0]["status"] == "pending"
    assert cancelled.json()["status"] == "cancelled"
    assert foreign.status_code == 400 and foreign.json()["field"] == "session_ids"


def test_a_cadre_cannot_ask_for_leave_in_a_class_she_is_not_on(cast):
    run = running_class(cast)
    with frozen(at(MONDAY, 7, 0)):
        response = post(api(cast.carol), "/attendance/leave",
                        {"class_id": run.training_class.pk + 1000, "session_ids": [run.first.pk], "reason": "x"})
    assert response.status_code == 404
    assert not LeaveRequest.objects.exists()


def test_approval_by_api_tells_the_line_was_crossed(cast):
    run = running_class(cast)
    carol = with_role(cast.carol)
    first = leave_request(actor=carol, enrollment=run.carol, sessions=[run.sessions[8]], reason="a",
                          now=at(MONDAY, 7, 0))
    second = leave_request(actor=carol, enrollment=run.carol, sessions=[run.sessions[9]], reason="b",
                           now=at(MONDAY, 7, 0))
    with frozen(at(MONDAY, 7, 0)):
        client = api(cast.hannah)
        one = post(client, f"/attendance/leave/{first.pk}/decision", {"decision": "approve"})
        two = post(client, f"/attendance/leave/{second.pk}/decision", {"decision": "approve", "note": "同意"})
        staff_list = client.get(f"{API}/attendance/leave?class_id={run.training_class.pk}&status=approved").json()
        reject = post(client, f"/attendance/leave/{first.pk}/decision", {"decision": "reject", "note": "x"})
    assert one.json()["over_limit"] is False
    assert two.json()["over_limit"] is True and "七分之一" in two.json()["message"]
    assert two.json()["leave"]["decided_by"] == "韩娜"
    assert staff_list["count"] == 2
    assert reject.status_code == 400 and reject.json()["code"] == "not_pending"


def test_the_outsider_sees_no_leave_and_decides_none(cast):
    run = running_class(cast)
    leave = leave_request(actor=with_role(cast.carol), enrollment=run.carol, sessions=[run.first], reason="x",
                          now=at(MONDAY, 7, 0))
    helen = make_account("helen", Role.HEAD_TEACHER, cast.party_school)
    with frozen(at(MONDAY, 7, 0)):
        assert api(cast.charlie).get(f"{API}/attendance/leave").json()["count"] == 0
        assert post(api(helen), f"/attendance/leave/{leave.pk}/decision", {"decision": "approve"}).status_code == 404
        assert post(api(cast.hannah), f"/attendance/leave/{leave.pk}/cancel").status_code == 404


# --- withdrawals ---------------------------------------------------------------------------

def test_withdrawal_list_and_decision_by_api(cast):
    run = running_class(cast)
    leave = leave_request(actor=with_role(cast.carol), enrollment=run.carol, sessions=run.sessions[8:10],
                          reason="住院", now=at(MONDAY, 7, 0))
    leave_decide(actor=with_role(cast.hannah), leave=leave, approve=True, now=at(MONDAY, 7, 0))
    with frozen(at(MONDAY, 7, 0)):
        alice = api(cast.alice)
        listing = alice.get(f"{API}/attendance/withdrawals").json()
        outsider = post(api(cast.charlie), f"/attendance/withdrawals/{run.carol.pk}",
                        {"decision": "withdraw", "note": "x"})
        decided = post(alice, f"/attendance/withdrawals/{run.carol.pk}", {"decision": "withdraw", "note": "超过七分之一"})
        after = alice.get(f"{API}/attendance/withdrawals").json()
    assert listing["count"] == 1 and listing["items"][0]["name"] == "卡萝"
    assert Decimal(listing["items"][0]["limit_hours"]) == Decimal("4.29")
    assert outsider.status_code == 404
    assert decided.status_code == 200 and decided.json()["enrollment_status"] == "dropped"
    assert after["count"] == 0
