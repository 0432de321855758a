"""Two requests racing for the last bed, or double-submitting a meal, are checked one after the other.

PostgreSQL only: SQLite serialises writers by itself and has no row locks to prove.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from ganxun.core.errors import DomainError
from ganxun.logistics import lodging_services, services
from ganxun.logistics.models import LodgingAssignment, LodgingRoom, MealChoice
from ganxun.logistics.tests.factories import logistics_class, make_room
from ganxun.testing import make_enrollment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _run(*targets):
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)


def test_the_second_assignment_to_the_last_bed_waits_and_is_refused(cast, actor):
    ivan = actor(cast.ivan)
    training_class = logistics_class(cast)
    room = make_room(cast.party_school, beds=1)
    zhang = make_enrollment(training_class, cast.cadres_a[1])
    wang = make_enrollment(training_class, cast.cadres_a[3])
    locked, outcome = threading.Event(), {}

    def first():
        # Holds the room's row as lodging_assign does, and takes the bed a moment later.
        try:
            with transaction.atomic():
                LodgingRoom.objects.select_for_update().get(pk=room.pk)
                locked.set()
                time.sleep(0.5)
                LodgingAssignment.objects.create(enrollment=zhang, room=room)
        finally:
            connections.close_all()

    def second():
        locked.wait(5)
        try:
            lodging_services.lodging_assign(actor=ivan, enrollment=wang, room=room)
            outcome["result"] = "assigned"
        except DomainError as exc:
            outcome["result"] = exc.message
        finally:
            connections.close_all()

    _run(first, second)
    assert "已住满" in outcome["result"]
    assert list(LodgingAssignment.objects.values_list("enrollment_id", flat=True)) == [zhang.pk]


def test_a_double_submitted_meal_change_leaves_one_row(cast, actor):
    training_class = logistics_class(cast)
    carol = make_enrollment(training_class, cast.carol_cadre)
    start = threading.Barrier(2)
    errors = []

    def submit():
        start.wait(5)
        try:
            services.dining_set(actor=actor(cast.carol), enrollment=carol, date=training_class.start_date,
                                meal="lunch", registered=False)
        except Exception as exc:  # any failure is the finding
            errors.append(exc)
        finally:
            connections.close_all()

    _run(submit, submit)
    assert errors == []
    assert list(MealChoice.objects.values_list("registered", flat=True)) == [False]
