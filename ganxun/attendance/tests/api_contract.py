"""Recipes of the API contract test for the attendance and leave operations
(see ganxun/api/tests/contract.py)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from ganxun.api.tests.contract import Recipe
from ganxun.attendance.models import LeaveRequest
from ganxun.attendance.tokens import checkin_token
from ganxun.testing import make_class, make_enrollment, make_session


def recipes(cast) -> dict[tuple[str, str], Recipe]:
    hannah, carol, alice = cast.hannah, cast.carol, cast.alice
    numbers = itertools.count(1)

    def live() -> dict:
        """A running class of hannah's with one session going on now, carol and 张伟 on its roster."""
        now = timezone.localtime()
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        start = max(now - dt.timedelta(hours=1), midnight).time()
        end = min(now + dt.timedelta(hours=1), midnight + dt.timedelta(hours=23, minutes=59, seconds=59)).time()
        training_class = make_class(cast.party_school, title=f"接口测试班{next(numbers)}", organiser=cast.county_a,
                                    start=now.date(), days=1, status="running", head_teacher=hannah)
        session = make_session(training_class, start=start, end=end)
        enrollment = make_enrollment(training_class, cast.carol_cadre, seat_no=1)
        other = make_enrollment(training_class, cast.cadres_a[1], seat_no=2)
        return {"class_id": training_class.pk, "session_id": session.pk, "enrollment_id": enrollment.pk,
                "other_id": other.pk}

    def foreign_enrollment() -> int:
        elsewhere = live()
        return elsewhere["other_id"]

    def pending_leave() -> dict:
        ids = live()
        leave = LeaveRequest.objects.create(enrollment_id=ids["enrollment_id"], reason="事假", hours=Decimal("3"))
        leave.sessions.set([ids["session_id"]])
        return {**ids, "leave_id": leave.pk}

    def flagged() -> dict:
        """carol with 3 h of approved leave in a 3 h class: past the 1/7 line."""
        ids = pending_leave()
        LeaveRequest.objects.filter(pk=ids["leave_id"]).update(status="approved")
        return ids

    def stranger_class(_ids) -> dict:
        training_class = make_class(cast.party_school, title="非本人班次", start=timezone.localdate(), days=1,
                                    status="running")
        session = make_session(training_class)
        return {"class_id": training_class.pk, "session_ids": [session.pk], "reason": "事假"}

    return {
        ("post", "/attendance/checkin"): Recipe(
            carol, body=lambda ids: {"token": checkin_token(ids["session_id"])}, ids=live, outsider=403,
            conflict=lambda ids: (ids, {"token": checkin_token(ids["session_id"])})),  # a second scan: 409
        ("get", "/attendance/sessions/{session_id}/token"): Recipe(hannah, ids=live, outsider=403),
        ("get", "/attendance/sessions/{session_id}"): Recipe(hannah, ids=live),
        ("post", "/attendance/sessions/{session_id}/records"): Recipe(
            hannah, ids=live, outsider=403,
            body=lambda ids: {"enrollment_id": ids["enrollment_id"], "status": "present", "reason": "现场核实"},
            foreign_body=lambda ids: {"enrollment_id": foreign_enrollment(), "status": "present", "reason": "x"}),
        ("get", "/attendance/classes/{class_id}"): Recipe(hannah, ids=live),
        ("get", "/attendance/leave"): Recipe(carol, outsider=200),
        ("post", "/attendance/leave"): Recipe(
            carol, ids=live, outsider=403, foreign_body=stranger_class,
            body=lambda ids: {"class_id": ids["class_id"], "session_ids": [ids["session_id"]], "reason": "事假"}),
        ("post", "/attendance/leave/{leave_id}/cancel"): Recipe(carol, ids=pending_leave, outsider=403),
        ("post", "/attendance/leave/{leave_id}/decision"): Recipe(
            hannah, ids=pending_leave, outsider=403, body={"decision": "approve", "note": "同意"}),
        ("get", "/attendance/withdrawals"): Recipe(alice, outsider=200),
        ("post", "/attendance/withdrawals/{enrollment_id}"): Recipe(
            alice, ids=flagged, body={"decision": "keep", "note": "因公请假，保留学籍"}),
    }
