"""Builders for assessment, closing and archive tests: a class that has run, its roster and attendance.

The default class ran over four past days with a morning and an afternoon session each (8
half-days × 3 h = 24 class hours, so the leave limit is 24 / 7 ≈ 3.4 h), headed by hannah,
organised by county A, with tom teaching the first session.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ganxun.attendance.models import AttendanceRecord, LeaveRequest
from ganxun.testing import make_class, make_enrollment, make_session
from ganxun.topics.models import Topic


def ran_class(cast, *, days: int = 4, exam: bool = False, status: str = "running", head_teacher="hannah",
              mode: str = "offline", title: str = "县处级干部进修班", start: dt.date | None = None):
    start = start or dt.date.today() - dt.timedelta(days=days + 3)
    topics = list(Topic.objects.order_by("id")[:2])
    training_class = make_class(cast.party_school, title=title, organiser=cast.county_a, start=start, days=days,
                                status=status, head_teacher=getattr(cast, head_teacher) if head_teacher else None,
                                topics=topics)
    if mode != "offline":
        training_class.mode = mode
        training_class.save(update_fields=["mode"])
    sessions = []
    for day in range(days):
        date = start + dt.timedelta(days=day)
        for slot in ("morning", "afternoon"):
            last = day == days - 1 and slot == "afternoon"
            sessions.append(make_session(
                training_class, date=date, slot=slot, title="结业考试" if exam and last else f"第{len(sessions) + 1}讲",
                kind="exam" if exam and last else "lecture",
                teacher=cast.tom_teacher if not sessions else None))
    return training_class, sessions


def enroll(training_class, cadres, *, status: str = "approved", first_seat: int = 1):
    return [make_enrollment(training_class, cadre, status=status, seat_no=first_seat + index)
            for index, cadre in enumerate(cadres)]


def attend(enrollment, sessions, *, status: str = "present") -> None:
    AttendanceRecord.objects.bulk_create([
        AttendanceRecord(session=session, enrollment=enrollment, status=status, method="qr") for session in sessions
    ])


def leave(enrollment, sessions, *, hours: str) -> LeaveRequest:
    request = LeaveRequest.objects.create(enrollment=enrollment, hours=Decimal(hours), reason="公务",
                                          status="approved")
    request.sessions.set(sessions)
    return request


def reflection_text(length: int = 820) -> str:
    """A reflection of `length` characters without whitespace (with blank lines that do not count)."""
    sentence = "通过这次学习，我深刻认识到理论武装的重要性。"
    body = (sentence * (length // len(sentence) + 1))[:length]
    return body[:length // 2] + "\n\n  " + body[length // 2:]
