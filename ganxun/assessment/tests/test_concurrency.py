"""Two closings of the same class at the same time post the credits once.

PostgreSQL only: SQLite serialises writers by itself and has no row locks to prove.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from ganxun.assessment import services
from ganxun.assessment.models import AssessmentResult, ClassClosing, Reflection
from ganxun.assessment.tests.builders import attend, enroll, ran_class, reflection_text
from ganxun.core.errors import Conflict
from ganxun.credits.models import CreditRecord

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_two_simultaneous_closings_post_once(cast, actor):
    training_class, sessions = ran_class(cast)
    for enrollment in enroll(training_class, cast.cadres_a):
        attend(enrollment, sessions)
        Reflection.objects.create(enrollment=enrollment, text=reflection_text(), grade="pass")
    start, outcomes = threading.Barrier(2), []

    def close(account):
        try:
            start.wait(5)
            services.class_close(actor=actor(account), training_class=training_class)
            outcomes.append("closed")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=close, args=(account,)) for account in (cast.hannah, cast.ivan)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(outcomes) == ["already_closed", "closed"]
    assert CreditRecord.objects.count() == 4 and AssessmentResult.objects.count() == 4
    assert ClassClosing.objects.count() == 1
