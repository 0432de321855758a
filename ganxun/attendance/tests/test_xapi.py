"""Attendance in the LRS: attended sessions become xAPI `attended` statements."""

from __future__ import annotations

import json

import pytest

from ganxun.attendance.models import AttendanceMethod, AttendanceRecord, AttendanceStatus
from ganxun.attendance.services import attendance_correct, attendance_scan
from ganxun.attendance.tests.builders import MONDAY, at, running_class
from ganxun.attendance.tokens import checkin_token
from ganxun.attendance.xapi import attendance_xapi_sync, class_activity_id, session_activity_id
from ganxun.lrs.keys import activity_key, agent_key
from ganxun.lrs.models import XapiStatement

pytestmark = pytest.mark.django_db

ATTENDED = "http://adlnet.gov/expapi/verbs/attended"


def scan(actor, session, now):
    return attendance_scan(actor=actor, token=checkin_token(session, "in", now=now), now=now)


def body(row: XapiStatement) -> dict:
    return json.loads(row.body)


def test_a_qr_check_in_stores_one_attended_statement_of_the_cadre(cast, actor, settings):
    run = running_class(cast)
    scan(actor(cast.carol), run.first, at(MONDAY, 8, 31))
    record = AttendanceRecord.objects.get()
    row = XapiStatement.objects.get()
    statement = body(row)
    assert str(row.statement_id) == str(record.xapi_statement_id)
    assert statement["verb"]["id"] == ATTENDED
    assert statement["actor"]["account"] == {"homePage": settings.GANXUN_SITE_URL, "name": cast.carol.username}
    assert statement["object"]["id"] == session_activity_id(run.first.pk)
    assert statement["context"]["contextActivities"]["parent"][0]["id"] == class_activity_id(run.training_class.pk)
    assert statement["result"]["extensions"][f"{settings.GANXUN_SITE_URL}/xapi/extensions/attendance-status"] \
        == "present"
    assert statement["timestamp"].startswith("2027-03-01T00:31:00")  # 08:31 in Beijing
    # Indexed like any other client's statement: the cadre's history is one query away.
    assert row.actor_key == agent_key(statement["actor"]) and row.object_key == activity_key(statement["object"]["id"])
    assert row.person_id == cast.carol.person.pk


def test_a_repeated_scan_stores_nothing_more(cast, actor):
    run = running_class(cast)
    scan(actor(cast.carol), run.first, at(MONDAY, 8, 31))
    scan(actor(cast.carol), run.first, at(MONDAY, 8, 32))
    assert XapiStatement.objects.count() == 1


def test_a_correction_to_absent_voids_the_statement(cast, actor):
    run = running_class(cast)
    scan(actor(cast.carol), run.first, at(MONDAY, 8, 31))
    first = XapiStatement.objects.get()
    attendance_correct(actor=actor(cast.hannah), session=run.first, enrollment=run.carol,
                       status=AttendanceStatus.ABSENT, reason="扫码后离开，未参加研讨")
    first.refresh_from_db()
    assert first.voided
    voiding = XapiStatement.objects.exclude(pk=first.pk).get()
    assert body(voiding)["verb"]["id"] == "http://adlnet.gov/expapi/verbs/voided"
    assert body(voiding)["object"] == {"objectType": "StatementRef", "id": str(first.statement_id)}
    assert body(voiding)["actor"]["account"]["name"] == cast.hannah.username
    assert AttendanceRecord.objects.get().xapi_statement_id is None


def test_a_correction_from_present_to_late_replaces_the_statement(cast, actor, settings):
    run = running_class(cast)
    scan(actor(cast.carol), run.first, at(MONDAY, 8, 31))
    first = XapiStatement.objects.get()
    attendance_correct(actor=actor(cast.hannah), session=run.first, enrollment=run.carol,
                       status=AttendanceStatus.LATE, reason="实际 9 点到场")
    record = AttendanceRecord.objects.get()
    current = XapiStatement.objects.get(statement_id=record.xapi_statement_id)
    first.refresh_from_db()
    assert first.voided and not current.voided
    assert body(current)["result"]["extensions"][f"{settings.GANXUN_SITE_URL}/xapi/extensions/attendance-status"] \
        == "late"
    assert XapiStatement.objects.count() == 3  # the first, its voiding, the new one


def test_records_of_cadres_without_an_account_get_no_statement(cast, actor):
    run = running_class(cast)
    attendance_correct(actor=actor(cast.hannah), session=run.first, enrollment=run.zhang,
                       status=AttendanceStatus.PRESENT, reason="纸质签到补录")
    assert AttendanceRecord.objects.get().xapi_statement_id is None
    assert not XapiStatement.objects.exists()


def test_sync_stores_the_missing_statements_once(cast):
    run = running_class(cast)
    for session, status in zip(run.sessions[:3], (AttendanceStatus.PRESENT, AttendanceStatus.LATE,
                                                  AttendanceStatus.ABSENT)):
        AttendanceRecord.objects.create(session=session, enrollment=run.carol, status=status,
                                        method=AttendanceMethod.MANUAL, reason="历史数据")
    AttendanceRecord.objects.create(session=run.first, enrollment=run.zhang, status=AttendanceStatus.PRESENT,
                                    method=AttendanceMethod.MANUAL, reason="历史数据")
    assert attendance_xapi_sync() == 2  # carol's present and late; not her absence, not zhang (no account)
    assert attendance_xapi_sync() == 0
    rows = XapiStatement.objects.all()
    assert {body(row)["object"]["id"] for row in rows} == {session_activity_id(s.pk) for s in run.sessions[:2]}
    assert set(AttendanceRecord.objects.exclude(xapi_statement_id=None).values_list("xapi_statement_id", flat=True)) \
        == {row.statement_id for row in rows}
