"""The pure rules: default meal pattern, overrides, cut-offs, bed occupancy, room numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ganxun.logistics import rules

MON, TUE, WED = dt.date(2026, 3, 2), dt.date(2026, 3, 3), dt.date(2026, 3, 4)


def test_the_default_pattern_skips_breakfast_on_arrival_and_dinner_on_departure():
    served = rules.served_meals(MON, WED, {})
    assert served == {MON: ["lunch", "dinner"], TUE: ["breakfast", "lunch", "dinner"], WED: ["breakfast", "lunch"]}


def test_a_one_day_class_serves_lunch_only():
    assert rules.served_meals(MON, MON, None) == {MON: ["lunch"]}


def test_an_override_replaces_the_day_and_days_outside_the_class_are_ignored():
    plan = {"2026-03-03": ["lunch"], "2026-03-09": ["breakfast"]}
    served = rules.served_meals(MON, WED, plan)
    assert served[TUE] == ["lunch"]
    assert dt.date(2026, 3, 9) not in served


def test_only_days_that_differ_from_the_default_are_stored():
    wanted = {MON: ["dinner", "lunch"], TUE: ["lunch"], WED: ["breakfast", "lunch"]}
    assert rules.plan_overrides(MON, WED, wanted) == {"2026-03-03": ["lunch"]}


def test_stored_overrides_follow_a_later_change_of_the_class_dates():
    # A class moved one day later: the new first day gets the arrival pattern by default.
    plan = rules.plan_overrides(MON, WED, {MON: ["lunch", "dinner"], TUE: ["lunch"],
                                           WED: ["breakfast", "lunch"]})
    served = rules.served_meals(TUE, dt.date(2026, 3, 5), plan)
    assert served[TUE] == ["lunch"]  # the override stays with its date
    assert served[WED] == ["breakfast", "lunch", "dinner"]
    assert served[dt.date(2026, 3, 5)] == ["breakfast", "lunch"]


def test_the_cutoff_is_the_configured_time_of_the_day_before():
    moment = rules.cutoff_at(TUE, 1, dt.time(16, 0))
    local = timezone.localtime(moment)
    assert (local.date(), local.hour, local.minute) == (MON, 16, 0)
    just_before = moment - dt.timedelta(seconds=1)
    assert rules.is_open(TUE, 1, dt.time(16, 0), now=just_before)
    assert not rules.is_open(TUE, 1, dt.time(16, 0), now=moment)


def test_a_cutoff_of_zero_days_closes_on_the_day_itself():
    local = timezone.localtime(rules.cutoff_at(TUE, 0, dt.time(9, 30)))
    assert (local.date(), local.hour, local.minute) == (TUE, 9, 30)


def test_peak_occupancy_counts_stays_present_on_the_same_day():
    stays = [(MON, TUE), (WED, WED), (dt.date(2026, 3, 1), MON)]
    # Monday holds two stays; Tuesday one; Wednesday one.
    assert rules.peak_occupancy(MON, WED, stays) == 2
    assert rules.peak_occupancy(TUE, WED, stays) == 1


def test_back_to_back_stays_do_not_overlap_but_a_shared_day_does():
    assert rules.peak_occupancy(MON, WED, [(MON, MON), (TUE, WED)]) == 1
    assert rules.peak_occupancy(MON, WED, [(MON, TUE), (TUE, WED)]) == 2
    assert rules.dates_overlap(MON, TUE, TUE, WED)
    assert not rules.dates_overlap(MON, MON, TUE, WED)


def test_room_numbers_sort_naturally():
    assert sorted(["110", "19", "2", "A-10", "A-9"], key=rules.natural_key) == ["2", "19", "110", "A-9", "A-10"]


def test_room_number_ranges_expand_and_keep_their_width():
    assert rules.expand_numbers("101-103, 201，3A") == ["101", "102", "103", "201", "3A"]
    assert rules.expand_numbers("08-10") == ["08", "09", "10"]


@pytest.mark.parametrize(("spec", "message"), [
    ("", "请填写房间号"),
    ("105-101", "结束号小于起始号"),
    ("101, 101", "房间号重复：101"),
    ("1-900", "过大"),
])
def test_bad_room_number_lists_are_refused_with_the_reason(spec, message):
    with pytest.raises(ValueError) as error:
        rules.expand_numbers(spec)
    assert message in str(error.value)
