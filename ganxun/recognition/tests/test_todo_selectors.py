"""The count behind the home page's to-do line of credit recognition: claims waiting for the org
department's approval, along the cadre's current unit."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ganxun.access.roles import Role
from ganxun.recognition.models import ClaimStatus, RecognitionClaim
from ganxun.recognition.selectors import ClaimFilter, claims_awaiting_decision, claims_for
from ganxun.recognition.tests.helpers import make_source
from ganxun.testing import make_account, with_role

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))
_refs = itertools.count(1)


def claim(source, cadre, *, status=ClaimStatus.PENDING, hours_ago=0) -> RecognitionClaim:
    """A claim in the given state, written directly (the services are tested in test_services)."""
    made = RecognitionClaim.objects.create(
        cadre=cadre, source=source, external_ref=f"r{next(_refs)}", amount=Decimal("30"), earned_on=T0.date(),
        title="学习新思想", origin="upload", converted_hours=Decimal("1"), status=status,
        reason="已达到该平台本年度认定上限" if status == ClaimStatus.REJECTED else "")
    RecognitionClaim.objects.filter(pk=made.pk).update(created_at=T0 - dt.timedelta(hours=hours_ago))
    return made


def awaiting(account) -> tuple[int, dt.datetime | None]:
    figures = claims_awaiting_decision(with_role(account))
    return figures.count, figures.oldest_created_at


@pytest.fixture
def source(cast):
    """The province's 学习强国 source, whose rule needs the org department's approval."""
    return make_source(cast.province, needs_approval=True)


def test_it_counts_the_pending_claims_of_cadres_in_the_subtree(cast, source):
    carol, zhang, li, _ = cast.cadres_a
    claim(source, carol, hours_ago=5)
    claim(source, li, hours_ago=2)                                # unit A1-sub, under A1
    claim(source, zhang, status=ClaimStatus.RECOGNISED, hours_ago=9)
    claim(source, zhang, status=ClaimStatus.REJECTED, hours_ago=9)
    claim(source, cast.cadres_b[0], hours_ago=30)
    assert awaiting(cast.alice) == (2, T0 - dt.timedelta(hours=5))
    assert awaiting(cast.charlie) == (1, T0 - dt.timedelta(hours=30))
    city = make_account("olga", Role.ORG_DEPT_ADMIN, cast.city)
    assert awaiting(city) == (3, T0 - dt.timedelta(hours=30))


def test_the_count_is_what_the_claims_list_shows_as_pending(cast, source):
    for cadre in cast.cadres_a:
        claim(source, cadre)
    claim(source, cast.cadres_b[0])
    alice = with_role(cast.alice)
    listed = claims_for(alice, ClaimFilter(status=ClaimStatus.PENDING))
    assert claims_awaiting_decision(alice).count == listed.count() == 4


def test_a_claim_follows_the_cadres_current_unit(cast, source):
    moved = cast.cadres_a[3]
    claim(source, moved)
    assert awaiting(cast.alice)[0] == 1
    moved.unit = cast.unit_b1
    moved.save(update_fields=["unit"])
    assert (awaiting(cast.alice)[0], awaiting(cast.charlie)[0]) == (0, 1)


def test_roles_that_do_not_decide_count_nothing(cast, source):
    claim(source, cast.carol_cadre)
    for other in (cast.bob, cast.leo, cast.ivan, cast.carol, cast.sam):   # liaisons and leaders only read claims
        assert awaiting(other) == (0, None)


def test_it_is_one_query(cast, source):
    for cadre in cast.cadres_a:
        claim(source, cadre)
    alice = with_role(cast.alice)
    with CaptureQueriesContext(connection) as captured:
        assert claims_awaiting_decision(alice).count == 4
    assert len(captured) == 1
