"""Settings, meal registrations, dietary notes and the canteen counts (services and selectors)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ganxun.access.roles import Role
from ganxun.audit.models import AuditEntry
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.logistics import rules, services
from ganxun.logistics.models import ClassLogistics, EnrollmentLogistics, MealChoice
from ganxun.logistics.selectors import dining_sheet, own_logistics
from ganxun.logistics.services import MealChange, SettingsInput
from ganxun.logistics.tests.factories import logistics_class
from ganxun.testing import make_account, make_cadre, make_class, make_enrollment

pytestmark = pytest.mark.django_db


def _settings(**changes) -> SettingsInput:
    data = {"provides_dining": True, "provides_lodging": True, "cutoff_days_before": 1,
            "cutoff_time": dt.time(16, 0), "meal_plan": None}
    data.update(changes)
    return SettingsInput(**data)


def _count(sheet, day, meal):
    return next(c for d in sheet.days if d.date == day for c in d.meals if c is not None and c.meal == meal)


# --- settings --------------------------------------------------------------------------------

def test_ivan_saves_settings_with_a_changed_meal_plan(cast, actor):
    training_class = make_class(cast.party_school, days=3, head_teacher=cast.hannah)
    first, second = training_class.start_date, training_class.start_date + dt.timedelta(days=1)
    saved = services.logistics_settings_update(
        actor=actor(cast.ivan), training_class=training_class,
        data=_settings(cutoff_days_before=2, cutoff_time=dt.time(12, 0), meal_plan={second: ["lunch"]}))
    assert (saved.cutoff_days_before, saved.cutoff_time) == (2, dt.time(12, 0))
    assert saved.meal_plan == {second.isoformat(): ["lunch"]}
    served = rules.served_meals(training_class.start_date, training_class.end_date, saved.meal_plan)
    assert served[first] == ["lunch", "dinner"] and served[second] == ["lunch"]
    assert AuditEntry.objects.filter(action="logistics.settings", target_id=str(training_class.pk)).count() == 1


def test_saving_the_same_settings_twice_records_nothing_new(cast, actor):
    training_class = make_class(cast.party_school, head_teacher=cast.hannah)
    for _ in range(2):
        services.logistics_settings_update(actor=actor(cast.ivan), training_class=training_class, data=_settings())
    assert ClassLogistics.objects.count() == 1
    assert AuditEntry.objects.filter(action="logistics.settings").count() == 1


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"cutoff_days_before": 8}, "cutoff_days_before", "0 到 7 天之间"),
    ({"cutoff_time": None}, "cutoff_time", "请填写报餐截止时刻"),
    ({"meal_plan": {dt.date(2020, 1, 1): ["lunch"]}}, "meal_plan", "不在班次日期内"),
])
def test_bad_settings_are_refused_with_the_field(cast, actor, changes, field, message):
    training_class = make_class(cast.party_school)
    with pytest.raises(DomainError) as error:
        services.logistics_settings_update(actor=actor(cast.ivan), training_class=training_class,
                                           data=_settings(**changes))
    assert error.value.field == field and message in error.value.message
    assert not ClassLogistics.objects.exists()


def test_hannah_manages_only_the_classes_she_heads(cast, actor):
    helen = make_account("helen", Role.HEAD_TEACHER, cast.party_school)
    mine = make_class(cast.party_school, head_teacher=cast.hannah)
    theirs = make_class(cast.party_school, head_teacher=helen)
    services.logistics_settings_update(actor=actor(cast.hannah), training_class=mine, data=_settings())
    with pytest.raises(NotFound):
        services.logistics_settings_update(actor=actor(cast.hannah), training_class=theirs, data=_settings())


def test_roles_without_the_logistics_right_cannot_change_settings(cast, actor):
    training_class = make_class(cast.party_school, organiser=cast.county_a)
    for account in (cast.alice, cast.leo, cast.carol, cast.charlie):
        with pytest.raises(Forbidden):
            services.logistics_settings_update(actor=actor(account), training_class=training_class, data=_settings())


def test_a_closed_class_keeps_its_settings(cast, actor):
    training_class = logistics_class(cast, status="closed")
    with pytest.raises(DomainError) as error:
        services.logistics_settings_update(actor=actor(cast.ivan), training_class=training_class,
                                           data=_settings(provides_dining=False))
    assert "已结业或归档" in error.value.message


# --- registrations ---------------------------------------------------------------------------

def test_approved_cadres_are_registered_for_every_served_meal_by_default(cast, actor):
    training_class = logistics_class(cast, days=3)
    for cadre in cast.cadres_a:
        make_enrollment(training_class, cadre)
    make_enrollment(training_class, cast.cadres_b[0], status="nominated")
    sheet = dining_sheet(actor(cast.ivan), training_class)
    assert sheet.headcount == 4
    assert [(d.date, [c.registered if c else None for c in d.meals]) for d in sheet.days] == [
        (training_class.start_date, [None, 4, 4]),
        (training_class.start_date + dt.timedelta(days=1), [4, 4, 4]),
        (training_class.end_date, [4, 4, None]),
    ]
    assert sheet.total == 28 and sheet.totals == {"breakfast": 8, "lunch": 12, "dinner": 8}
    assert not MealChoice.objects.exists()  # the default needs no rows


def test_a_cadre_opts_out_before_the_cutoff_and_the_count_drops(cast, actor):
    training_class = logistics_class(cast)
    enrollment = make_enrollment(training_class, cast.carol_cadre)
    make_enrollment(training_class, cast.cadres_a[1])
    day = training_class.start_date
    state = services.dining_set(actor=actor(cast.carol), enrollment=enrollment, date=day, meal="lunch",
                                registered=False)
    assert state is False
    sheet = dining_sheet(actor(cast.ivan), training_class)
    assert _count(sheet, day, "lunch").registered == 1 and _count(sheet, day, "lunch").not_registered == 1
    assert _count(sheet, day, "dinner").registered == 2


def test_toggling_twice_leaves_one_row_and_repeating_a_state_changes_nothing(cast, actor):
    training_class = logistics_class(cast)
    enrollment = make_enrollment(training_class, cast.carol_cadre)
    carol, day = actor(cast.carol), training_class.start_date
    for registered in (False, False, True, True):
        services.dining_set(actor=carol, enrollment=enrollment, date=day, meal="dinner", registered=registered)
    choice = MealChoice.objects.get()
    assert choice.registered is True and not choice.by_staff
    assert AuditEntry.objects.filter(action="dining.set").count() == 2


def test_the_cadre_cannot_change_after_the_cutoff_but_staff_can(cast, actor):
    training_class = logistics_class(cast)
    enrollment = make_enrollment(training_class, cast.carol_cadre)
    day = training_class.start_date
    after = rules.cutoff_at(day, 1, dt.time(16, 0)) + dt.timedelta(minutes=1)
    with pytest.raises(DomainError) as error:
        services.dining_set(actor=actor(cast.carol), enrollment=enrollment, date=day, meal="lunch", registered=False,
                            now=after)
    assert error.value.code == "cutoff_passed"
    assert "16:00 截止" in error.value.message and "联系班主任" in error.value.message
    # A minute before the cut-off the same change is accepted.
    before = rules.cutoff_at(day, 1, dt.time(16, 0)) - dt.timedelta(minutes=1)
    services.dining_set(actor=actor(cast.carol), enrollment=enrollment, date=day, meal="dinner", registered=False,
                        now=before)
    services.dining_set(actor=actor(cast.hannah), enrollment=enrollment, date=day, meal="lunch", registered=False,
                        now=after)
    assert set(MealChoice.objects.values_list("meal", "by_staff")) == {("dinner", False), ("lunch", True)}
    entry = AuditEntry.objects.filter(action="dining.set", actor_username="hannah").get()
    assert entry.detail["by"] == "staff" and entry.detail["registered"] is False


def test_a_configured_cutoff_moves_the_deadline(cast, actor):
    training_class = logistics_class(cast, cutoff_days_before=2, cutoff_time=dt.time(10, 0))
    enrollment = make_enrollment(training_class, cast.carol_cadre)
    day = training_class.start_date
    late = rules.cutoff_at(day, 2, dt.time(10, 0))
    with pytest.raises(DomainError):
        services.dining_set(actor=actor(cast.carol), enrollment=enrollment, date=day, meal="lunch",
                            registered=False, now=late)
    # Under the default rule (day before, 16:00) this moment would still be open.
    assert rules.is_open(day, 1, dt.time(16, 0), now=late)


@pytest.mark.parametrize(("date_offset", "meal", "field", "message"), [
    (0, "breakfast", "meal", "不供应早餐"),
    (2, "dinner", "meal", "不供应晚餐"),
    (9, "lunch", "date", "日期应在班次日期"),
    (0, "supper", "meal", "请选择早餐、午餐或晚餐"),
])
def test_meals_that_are_not_served_cannot_be_registered(cast, actor, date_offset, meal, field, message):
    training_class = logistics_class(cast, days=3)
    enrollment = make_enrollment(training_class, cast.carol_cadre)
    with pytest.raises(DomainError) as error:
        services.dining_set(actor=actor(cast.carol), enrollment=enrollment,
                            date=training_class.start_date + dt.timedelta(days=date_offset), meal=meal,
                            registered=False)
    assert error.value.field == field and message in error.value.message


def test_only_approved_cadres_of_a_class_with_dining_register(cast, actor):
    training_class = logistics_class(cast)
    nominated = make_enrollment(training_class, cast.carol_cadre, status="nominated")
    with pytest.raises(DomainError) as error:
        services.dining_set(actor=actor(cast.carol), enrollment=nominated, date=training_class.start_date,
                            meal="lunch", registered=False)
    assert error.value.code == "not_approved" and "待审核" in error.value.message
    no_dining = logistics_class(cast, dining=False, title="不供餐的班")
    enrollment = make_enrollment(no_dining, cast.carol_cadre)
    with pytest.raises(DomainError) as error:
        services.dining_set(actor=actor(cast.carol), enrollment=enrollment, date=no_dining.start_date, meal="lunch",
                            registered=False)
    assert "未统一安排就餐" in error.value.message


def test_carol_changes_only_her_own_registrations(cast, actor):
    training_class = logistics_class(cast)
    other = make_enrollment(training_class, cast.cadres_a[1])
    for account in (cast.carol, cast.bob, cast.tom):
        with pytest.raises((NotFound, Forbidden)):
            services.dining_set(actor=actor(account), enrollment=other, date=training_class.start_date, meal="lunch",
                                registered=False)
    assert not MealChoice.objects.exists()


def test_a_head_teacher_of_another_class_cannot_change_registrations(cast, actor):
    helen = make_account("helen", Role.HEAD_TEACHER, cast.party_school)
    training_class = logistics_class(cast)
    enrollment = make_enrollment(training_class, cast.carol_cadre)
    with pytest.raises(NotFound):
        services.dining_set(actor=actor(helen), enrollment=enrollment, date=training_class.start_date, meal="lunch",
                            registered=False)


def test_dropped_cadres_leave_the_counts_without_touching_their_rows(cast, actor):
    training_class = logistics_class(cast)
    enrollment = make_enrollment(training_class, cast.carol_cadre)
    make_enrollment(training_class, cast.cadres_a[1])
    enrollment.status = "dropped"
    enrollment.save(update_fields=["status"])
    sheet = dining_sheet(actor(cast.ivan), training_class)
    assert sheet.headcount == 1 and _count(sheet, training_class.start_date, "lunch").registered == 1


# --- dietary notes and the breakdown ---------------------------------------------------------

def test_the_counts_list_who_needs_halal_vegetarian_or_avoids_something(cast, actor):
    training_class = logistics_class(cast, days=2)
    carol = make_enrollment(training_class, cast.carol_cadre)
    zhang = make_enrollment(training_class, cast.cadres_a[1])
    li = make_enrollment(training_class, cast.cadres_a[2])
    services.dietary_update(actor=actor(cast.carol), enrollment=carol, halal=True, vegetarian=False,
                            diet_note="  花生  过敏 ")
    services.dietary_update(actor=actor(cast.hannah), enrollment=zhang, halal=False, vegetarian=True)
    services.dietary_update(actor=actor(cast.ivan), enrollment=li, halal=True, vegetarian=True)
    services.dining_set(actor=actor(cast.hannah), enrollment=li, date=training_class.start_date, meal="dinner",
                        registered=False)
    sheet = dining_sheet(actor(cast.ivan), training_class)
    lunch = _count(sheet, training_class.start_date, "lunch")
    dinner = _count(sheet, training_class.start_date, "dinner")
    assert (lunch.registered, sorted(lunch.halal), sorted(lunch.vegetarian)) == (3, ["卡萝", "李娜"], ["张伟", "李娜"])
    assert lunch.notes == [("卡萝", "花生 过敏")]
    # Li does not eat that dinner, so she is in neither list for it.
    assert (dinner.registered, dinner.halal, dinner.vegetarian) == (2, ["卡萝"], ["张伟"])
    assert EnrollmentLogistics.objects.get(enrollment=carol).diet_display == "清真；花生 过敏"


def test_saving_the_same_dietary_note_twice_records_it_once(cast, actor):
    training_class = logistics_class(cast)
    enrollment = make_enrollment(training_class, cast.carol_cadre)
    for _ in range(2):
        services.dietary_update(actor=actor(cast.carol), enrollment=enrollment, halal=False, vegetarian=True)
    assert EnrollmentLogistics.objects.count() == 1
    assert AuditEntry.objects.filter(action="dining.diet").count() == 1


def test_a_dietary_note_longer_than_200_characters_is_refused(cast, actor):
    training_class = logistics_class(cast)
    enrollment = make_enrollment(training_class, cast.carol_cadre)
    with pytest.raises(DomainError) as error:
        services.dietary_update(actor=actor(cast.carol), enrollment=enrollment, halal=False, vegetarian=False,
                                diet_note="忌" * 201)
    assert error.value.field == "diet_note"


# --- the cadre's own view and the bulk path --------------------------------------------------

def test_the_own_view_shows_served_meals_states_and_open_days(cast, actor):
    training_class = logistics_class(cast, days=2)
    enrollment = make_enrollment(training_class, cast.carol_cadre)
    services.dining_set(actor=actor(cast.carol), enrollment=enrollment, date=training_class.end_date, meal="lunch",
                        registered=False)
    own = own_logistics(enrollment)
    first, last = own.days
    assert [(s.meal, s.served, s.registered) for s in first.slots] == [
        ("breakfast", False, True), ("lunch", True, True), ("dinner", True, True)]
    assert [(s.meal, s.served, s.registered) for s in last.slots][1] == ("lunch", True, False)
    assert own.registered_count == 3 and first.open
    closed = own_logistics(enrollment, now=rules.cutoff_at(training_class.end_date, 1, dt.time(16, 0)))
    assert closed.days[0].open is False and closed.days[1].open is False


def test_the_bulk_path_sets_a_sixty_cadre_class_in_a_few_queries(cast, actor):
    training_class = logistics_class(cast, days=5)
    enrollments = [make_enrollment(training_class, make_cadre(f"学员{i}", cast.unit_a2)) for i in range(60)]
    ivan = actor(cast.ivan)
    changes = [MealChange(e.pk, training_class.start_date + dt.timedelta(days=1), meal, False)
               for e in enrollments[:20] for meal in ("breakfast", "dinner")]
    changes.append(MealChange(enrollments[30].pk, training_class.start_date, "lunch", True))  # the default: no row
    with CaptureQueriesContext(connection) as queries:
        changed = services.dining_bulk_set(actor=ivan, training_class=training_class, changes=changes)
    assert changed == 40 and MealChoice.objects.count() == 40
    assert len(queries) <= 20
    sheet = dining_sheet(ivan, training_class)
    assert _count(sheet, training_class.start_date + dt.timedelta(days=1), "breakfast").registered == 40
    # Run again: nothing changes.
    assert services.dining_bulk_set(actor=ivan, training_class=training_class, changes=changes) == 0
    assert AuditEntry.objects.filter(action="dining.bulk_set").count() == 1


def test_the_bulk_path_refuses_everything_when_one_change_is_wrong(cast, actor):
    training_class = logistics_class(cast)
    enrollment = make_enrollment(training_class, cast.carol_cadre)
    changes = [MealChange(enrollment.pk, training_class.start_date, "lunch", False),
               MealChange(enrollment.pk, training_class.start_date, "breakfast", False)]
    with pytest.raises(DomainError) as error:
        services.dining_bulk_set(actor=actor(cast.ivan), training_class=training_class, changes=changes)
    assert "第 2 项（卡萝）" in error.value.message and "不供应早餐" in error.value.message
    assert not MealChoice.objects.exists()


def test_the_counts_are_read_in_a_constant_number_of_queries(cast, actor):
    training_class = logistics_class(cast, days=5)
    ivan = actor(cast.ivan)
    for i in range(10):
        make_enrollment(training_class, make_cadre(f"学员{i}", cast.unit_a2))
    with CaptureQueriesContext(connection) as few:
        dining_sheet(ivan, training_class)
    for i in range(10, 40):
        make_enrollment(training_class, make_cadre(f"学员{i}", cast.unit_a2))
    with CaptureQueriesContext(connection) as many:
        sheet = dining_sheet(ivan, training_class)
    assert sheet.headcount == 40 and len(many) == len(few)
