"""Credit-hour conversion by rules with effective dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ganxun.core.errors import DomainError
from ganxun.learning.conversion import conversion_rule_create, credit_hours_for
from ganxun.learning.models import ConversionRule
from ganxun.testing import with_role

DAY = dt.date(2026, 5, 11)


@pytest.mark.parametrize("minutes,hours", [(45, "1"), (30, "1"), (29, "0.5"), (15, "0.5"), (14, "0.25"), (1, "0.25")])
def test_the_default_rule_converts_by_duration(db, minutes, hours):
    assert credit_hours_for(duration_minutes=minutes, on=DAY) == Decimal(hours)


def test_passing_the_course_test_adds_the_bonus(db):
    assert credit_hours_for(duration_minutes=30, on=DAY, test_passed=True) == Decimal("1.5")


def test_a_new_rule_applies_from_its_effective_date_and_closes_the_old_one(cast):
    conversion_rule_create(actor=with_role(cast.alice), effective_from=dt.date(2026, 7, 1), long_hours=Decimal(2))
    assert credit_hours_for(duration_minutes=40, on=dt.date(2026, 6, 30)) == Decimal("1")
    assert credit_hours_for(duration_minutes=40, on=dt.date(2026, 7, 1)) == Decimal("2")
    old = ConversionRule.objects.get(effective_from=dt.date(2000, 1, 1))
    assert old.effective_to == dt.date(2026, 6, 30)


def test_it_refuses_overlapping_rules(cast):
    conversion_rule_create(actor=with_role(cast.alice), effective_from=dt.date(2026, 7, 1),
                           effective_to=dt.date(2026, 12, 31))
    with pytest.raises(DomainError) as caught:
        conversion_rule_create(actor=with_role(cast.alice), effective_from=dt.date(2026, 9, 1),
                               effective_to=dt.date(2026, 10, 1))
    assert caught.value.code == "rule_overlap"


def test_without_a_rule_in_force_it_says_so(db):
    with pytest.raises(DomainError) as caught:
        credit_hours_for(duration_minutes=30, on=dt.date(1999, 12, 31))
    assert caught.value.code == "no_conversion_rule"
    with pytest.raises(DomainError):
        credit_hours_for(duration_minutes=30, on=DAY, platform="other-province")
