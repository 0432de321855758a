"""Credit-hour conversion by rules with effective dates, and managing the rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ganxun.audit.models import AuditEntry
from ganxun.core.errors import DomainError, Forbidden
from ganxun.learning.conversion import (
    RuleState,
    conversion_rule_create,
    conversion_rule_delete,
    conversion_rule_update,
    conversion_rules_overview,
    credit_hours_for,
)
from ganxun.learning.models import ConversionRule
from ganxun.testing import with_role

DAY = dt.date(2026, 5, 11)  # "today" of these tests
JUL, SEP = dt.date(2026, 7, 1), dt.date(2026, 9, 1)
RULE = {"long_minutes": 30, "long_hours": Decimal(1), "medium_minutes": 15, "medium_hours": Decimal("0.5"),
        "short_hours": Decimal("0.25"), "test_bonus_hours": Decimal("0.5"), "note": ""}


def default_rule() -> ConversionRule:
    return ConversionRule.objects.get(platform="ganxun", effective_from=dt.date(2000, 1, 1))


def create(cast, **kwargs) -> ConversionRule:
    return conversion_rule_create(actor=with_role(cast.alice), today=DAY, **kwargs)


def update(cast, rule, **changes) -> ConversionRule:
    values = {"effective_from": rule.effective_from, "effective_to": rule.effective_to,
              **{name: getattr(rule, name) for name in RULE}, **changes}
    return conversion_rule_update(actor=with_role(cast.alice), rule=rule, today=DAY, **values)


@pytest.mark.parametrize("minutes,hours", [(45, "1"), (30, "1"), (29, "0.5"), (15, "0.5"), (14, "0.25"), (1, "0.25")])
def test_the_default_rule_converts_by_duration(db, minutes, hours):
    assert credit_hours_for(duration_minutes=minutes, on=DAY) == Decimal(hours)


def test_passing_the_course_test_adds_the_bonus(db):
    assert credit_hours_for(duration_minutes=30, on=DAY, test_passed=True) == Decimal("1.5")


def test_a_new_rule_applies_from_its_effective_date_and_closes_the_old_one(cast):
    create(cast, effective_from=JUL, long_hours=Decimal(2))
    assert credit_hours_for(duration_minutes=40, on=dt.date(2026, 6, 30)) == Decimal("1")
    assert credit_hours_for(duration_minutes=40, on=JUL) == Decimal("2")
    assert default_rule().effective_to == dt.date(2026, 6, 30)


def test_it_refuses_overlapping_rules(cast):
    create(cast, effective_from=JUL, effective_to=dt.date(2026, 12, 31))
    with pytest.raises(DomainError) as caught:
        create(cast, effective_from=SEP, effective_to=dt.date(2026, 10, 1))
    assert caught.value.code == "rule_overlap" and "2026-07-01 至 2026-12-31" in caught.value.message
    assert ConversionRule.objects.count() == 2


def test_without_a_rule_in_force_it_says_so(db):
    with pytest.raises(DomainError) as caught:
        credit_hours_for(duration_minutes=30, on=dt.date(1999, 12, 31))
    assert caught.value.code == "no_conversion_rule"
    with pytest.raises(DomainError):
        credit_hours_for(duration_minutes=30, on=DAY, platform="other-province")


@pytest.mark.parametrize("start", [DAY, DAY - dt.timedelta(days=30)])
def test_a_new_rule_cannot_start_today_or_in_the_past(cast, start):
    with pytest.raises(DomainError) as caught:
        create(cast, effective_from=start, long_hours=Decimal(2))
    assert caught.value.code == "rule_not_future" and caught.value.field == "effective_from"
    assert ConversionRule.objects.count() == 1 and default_rule().effective_to is None


@pytest.mark.parametrize("changes,field", [
    ({"long_hours": Decimal("0.3")}, "long_hours"),
    ({"test_bonus_hours": Decimal("-0.25")}, "test_bonus_hours"),
    ({"medium_minutes": 30}, "medium_minutes"),
    ({"medium_hours": Decimal("1.25")}, "medium_hours"),
    ({"short_hours": Decimal("0.75")}, "short_hours"),
    ({"effective_to": dt.date(2026, 6, 30)}, "effective_to"),
    ({"platform": "Other Province"}, "platform"),
    ({"long_minutes": 0}, "long_minutes"),
])
def test_bad_values_are_refused_naming_the_field_and_nothing_is_written(cast, changes, field):
    with pytest.raises(DomainError) as caught:
        create(cast, **{"effective_from": JUL, **RULE, **changes})
    assert caught.value.field == field
    assert ConversionRule.objects.count() == 1 and default_rule().effective_to is None
    assert not AuditEntry.objects.filter(action__startswith="learning.conversion_rule").exists()


def test_creating_is_audited_with_the_rule_it_closed(cast):
    rule = create(cast, effective_from=JUL, long_hours=Decimal(2), note="市委组织部 2026 年 3 号文")
    entry = AuditEntry.objects.get(action="learning.conversion_rule_create")
    assert entry.target_id == str(rule.pk) and entry.actor_username == "alice"
    assert entry.detail["long_hours"] == "2.00" and entry.detail["effective_from"] == "2026-07-01"
    assert entry.detail["closed"] == {"rule": default_rule().pk, "effective_to_was": None,
                                      "effective_to": "2026-06-30"}


def test_a_retried_create_returns_the_stored_rule_and_writes_nothing_more(cast):
    first = create(cast, effective_from=JUL, **{**RULE, "long_hours": Decimal(2)})
    again = create(cast, effective_from=JUL, **{**RULE, "long_hours": Decimal(2)})
    assert again.pk == first.pk and ConversionRule.objects.count() == 2
    assert AuditEntry.objects.filter(action="learning.conversion_rule_create").count() == 1


def test_a_role_without_the_permission_cannot_change_rules(cast):
    with pytest.raises(Forbidden):
        conversion_rule_create(actor=with_role(cast.ivan), effective_from=JUL, today=DAY)
    future = create(cast, effective_from=JUL)
    with pytest.raises(Forbidden):
        conversion_rule_delete(actor=with_role(cast.ivan), rule=future, today=DAY)
    assert ConversionRule.objects.filter(pk=future.pk).exists()


@pytest.mark.parametrize("action", ["update", "delete"])
def test_a_rule_in_force_or_past_is_read_only(cast, action):
    create(cast, effective_from=JUL)
    later = DAY.replace(month=8)  # the July rule is in force now, the default one is past
    for rule in (default_rule(), ConversionRule.objects.get(effective_from=JUL)):
        with pytest.raises(DomainError) as caught:
            if action == "update":
                conversion_rule_update(actor=with_role(cast.alice), rule=rule, today=later,
                                       effective_from=dt.date(2026, 9, 1), effective_to=None, **RULE)
            else:
                conversion_rule_delete(actor=with_role(cast.alice), rule=rule, today=later)
        assert caught.value.code == "rule_in_force"
    assert list(ConversionRule.objects.order_by("effective_from").values_list("effective_from", "effective_to")) == [
        (dt.date(2000, 1, 1), dt.date(2026, 6, 30)), (JUL, None)]


def test_updating_a_future_rule_changes_its_values_and_is_audited(cast):
    rule = create(cast, effective_from=JUL)
    update(cast, rule, long_hours=Decimal("1.5"), note="调整")
    rule.refresh_from_db()
    assert rule.long_hours == Decimal("1.5") and credit_hours_for(duration_minutes=40, on=JUL) == Decimal("1.5")
    entry = AuditEntry.objects.get(action="learning.conversion_rule_update")
    assert entry.detail["changes"] == {"long_hours": ["1.00", "1.50"], "note": ["", "调整"]}
    assert entry.detail["predecessor"] is None


def test_moving_the_start_of_a_future_rule_moves_the_end_of_the_one_before(cast):
    rule = create(cast, effective_from=JUL, long_hours=Decimal(2))
    update(cast, rule, effective_from=dt.date(2026, 8, 1))
    assert default_rule().effective_to == dt.date(2026, 7, 31)
    assert credit_hours_for(duration_minutes=40, on=dt.date(2026, 7, 15)) == Decimal("1")
    assert credit_hours_for(duration_minutes=40, on=dt.date(2026, 8, 1)) == Decimal("2")
    entry = AuditEntry.objects.get(action="learning.conversion_rule_update")
    assert entry.detail["predecessor"]["effective_to"] == "2026-07-31"


def test_an_update_that_changes_nothing_writes_nothing(cast):
    rule = create(cast, effective_from=JUL)
    update(cast, rule)
    assert not AuditEntry.objects.filter(action="learning.conversion_rule_update").exists()


def test_an_update_may_not_overlap_or_move_into_the_past(cast):
    july = create(cast, effective_from=JUL)
    september = create(cast, effective_from=SEP, long_hours=Decimal(2))
    with pytest.raises(DomainError) as caught:
        update(cast, september, effective_from=dt.date(2026, 6, 20))  # before the July rule starts
    assert caught.value.code == "rule_overlap"
    july.refresh_from_db()  # the September rule closed it
    with pytest.raises(DomainError) as caught:
        update(cast, july, effective_to=dt.date(2026, 8, 15))  # its end follows September's start
    assert caught.value.code == "rule_followed"
    with pytest.raises(DomainError) as caught:
        update(cast, september, effective_from=DAY)
    assert caught.value.code == "rule_not_future"
    assert list(ConversionRule.objects.order_by("effective_from").values_list("effective_from", "effective_to")) == [
        (dt.date(2000, 1, 1), dt.date(2026, 6, 30)), (JUL, dt.date(2026, 8, 31)), (SEP, None)]


def test_deleting_a_future_rule_gives_its_period_back_to_the_one_before(cast):
    july = create(cast, effective_from=JUL)
    september = create(cast, effective_from=SEP, long_hours=Decimal(2))
    conversion_rule_delete(actor=with_role(cast.alice), rule=september, today=DAY)
    july.refresh_from_db()
    assert july.effective_to is None and credit_hours_for(duration_minutes=40, on=SEP) == Decimal("1")
    conversion_rule_delete(actor=with_role(cast.alice), rule=july, today=DAY)
    assert ConversionRule.objects.count() == 1 and default_rule().effective_to is None
    entries = AuditEntry.objects.filter(action="learning.conversion_rule_delete").order_by("id")
    assert [e.target_id for e in entries] == [str(september.pk), str(july.pk)]
    assert entries[0].detail["long_hours"] == "2.00"
    assert entries[0].detail["predecessor"] == {"rule": july.pk, "effective_to_was": "2026-08-31",
                                                "effective_to": None}


def test_the_overview_marks_each_rule_and_the_holes_in_the_timeline(cast):
    create(cast, effective_from=JUL, effective_to=dt.date(2026, 8, 31), long_hours=Decimal(2))
    create(cast, platform="xuexi", effective_from=JUL)
    groups = conversion_rules_overview(with_role(cast.alice), today=dt.date(2026, 7, 10))
    assert [g.platform for g in groups] == ["ganxun", "xuexi"]
    own = groups[0]
    assert [(row.rule.effective_from, row.state) for row in own.rows] == [
        (JUL, RuleState.CURRENT), (dt.date(2000, 1, 1), RuleState.PAST)]
    assert own.rows[0].preview == [(10, Decimal("0.25")), (20, Decimal("0.50")), (45, Decimal("2.00"))]
    assert own.gaps == [(SEP, None)] and groups[1].gaps == []
    assert conversion_rules_overview(with_role(cast.carol)) == []
