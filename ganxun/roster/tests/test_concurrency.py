"""Two nominations at the same moment cannot both take the last seat, and a form submitted twice
at once creates one enrollment.

PostgreSQL only: SQLite serialises writers by itself and has no row locks to prove.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from ganxun.core.errors import DomainError
from ganxun.roster import services
from ganxun.roster.models import Enrollment
from ganxun.roster.tests.factories import issued_quota
from ganxun.testing import with_role

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _race(quota, account, cadre_ids) -> list[str]:
    """Nominate each cadre in its own thread, all released together; the outcome of each."""
    start, outcomes = threading.Barrier(len(cadre_ids)), [None] * len(cadre_ids)

    def nominate(index, cadre_id):
        try:
            start.wait(5)
            enrollment, created = services.enrollment_nominate(actor=with_role(account), quota=quota,
                                                               cadre_id=cadre_id)
            outcomes[index] = "created" if created else "existing"
        except DomainError as exc:
            outcomes[index] = exc.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=nominate, args=(i, c)) for i, c in enumerate(cadre_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return outcomes


def test_two_liaison_requests_for_the_last_seat_give_it_to_one(cast):
    quota = issued_quota(cast, seats=1)
    outcomes = _race(quota, cast.bob, [cast.cadres_a[1].pk, cast.cadres_a[2].pk])
    assert sorted(outcomes) == ["created", "over_quota"]
    assert Enrollment.objects.filter(quota=quota).count() == 1


def test_the_last_seat_of_the_class_goes_to_one_unit(cast):
    quota = issued_quota(cast, seats=2, capacity=1)
    outcomes = _race(quota, cast.bob, [cast.cadres_a[1].pk, cast.carol_cadre.pk])
    assert sorted(outcomes) == ["class_full", "created"]
    assert Enrollment.objects.filter(training_class=quota.call.training_class).count() == 1


def test_a_nomination_submitted_twice_at_once_creates_one_enrollment(cast):
    quota = issued_quota(cast, seats=3)
    outcomes = _race(quota, cast.bob, [cast.cadres_a[1].pk, cast.cadres_a[1].pk])
    assert sorted(outcomes) == ["created", "existing"]
    assert Enrollment.objects.count() == 1
