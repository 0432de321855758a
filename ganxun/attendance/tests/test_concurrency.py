"""Two scans of one cadre at the same moment end in one row.

PostgreSQL only: SQLite serialises writers by itself, so there is no race to prove.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from ganxun.attendance.models import AttendanceRecord
from ganxun.attendance.services import attendance_scan
from ganxun.attendance.tests.builders import MONDAY, at, running_class
from ganxun.attendance.tokens import checkin_token
from ganxun.testing import with_role

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"),
]


def test_a_second_scan_waits_for_the_first_and_answers_already(cast):
    run = running_class(cast)
    now = at(MONDAY, 8, 31)
    token = checkin_token(run.first, now=now)
    inserted, outcomes = threading.Event(), {}

    def first_scan():
        # Scans and keeps its transaction open a moment, as a slow request would.
        try:
            with transaction.atomic():
                outcomes["first"] = attendance_scan(actor=with_role(cast.carol), token=token, now=now).outcome
                inserted.set()
                time.sleep(0.5)
        finally:
            connections.close_all()

    def second_scan():
        inserted.wait(5)
        try:
            result = attendance_scan(actor=with_role(cast.carol), token=token, now=now)
            outcomes["second"] = (result.outcome, result.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first_scan), threading.Thread(target=second_scan)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert outcomes == {"first": "new", "second": ("already", "您已于 08:31 签到。")}
    assert AttendanceRecord.objects.filter(enrollment=run.carol).count() == 1


def test_a_burst_of_scans_records_each_cadre_once(cast):
    run = running_class(cast)
    now = at(MONDAY, 8, 31)
    token = checkin_token(run.first, now=now)
    accounts = [cast.carol] * 3
    barrier, outcomes, lock = threading.Barrier(len(accounts)), [], threading.Lock()

    def scan(account):
        try:
            barrier.wait(5)
            outcome = attendance_scan(actor=with_role(account), token=token, now=now).outcome
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scan, args=(account,)) for account in accounts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes) == ["already", "already", "new"]
    assert AttendanceRecord.objects.count() == 1
