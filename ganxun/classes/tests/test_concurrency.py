"""Two bookings of the same teacher at the same time cannot both pass the conflict check.

PostgreSQL only: SQLite serialises writers by itself and has no row locks to prove.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from ganxun.classes import services
from ganxun.classes.models import Session, SessionKind, Slot
from ganxun.classes.tests.factories import MONDAY, make_class
from ganxun.core.errors import Conflict
from ganxun.people.models import Teacher

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _data(teacher, title):
    return {"date": MONDAY, "slot": Slot.MORNING, "kind": SessionKind.LECTURE, "title": title, "teacher": teacher}


def test_a_second_booking_waits_for_the_first_and_then_sees_the_clash(cast, actor):
    from django.db import connections

    ivan = actor(cast.ivan)
    first, second = make_class(cast.party_school, title="甲班"), make_class(cast.party_school, title="乙班")
    teacher = cast.tom_teacher
    locked, outcome = threading.Event(), {}

    def first_booking():
        # Holds the teacher's row as session_add does, books, and commits a moment later.
        try:
            with transaction.atomic():
                Teacher.objects.select_for_update().get(pk=teacher.pk)
                locked.set()
                time.sleep(0.5)
                Session.objects.create(training_class=first, date=MONDAY, slot=Slot.MORNING,
                                       start_time="08:30", end_time="11:30", title="先到的课", teacher=teacher)
        finally:
            connections.close_all()

    def second_booking():
        locked.wait(5)
        try:
            services.session_add(actor=ivan, training_class=second, data=_data(teacher, "后到的课"))
            outcome["result"] = "booked"
        except Conflict as exc:
            outcome["result"] = exc.message
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first_booking), threading.Thread(target=second_booking)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert "甲班" in outcome["result"] and "先到的课" in outcome["result"]
    assert list(Session.objects.filter(teacher=teacher).values_list("title", flat=True)) == ["先到的课"]
