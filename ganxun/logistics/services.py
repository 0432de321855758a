"""Writes of a class's logistics settings, meal registrations and dietary notes.

Every function re-checks the actor's rights (guards.py), raises DomainError with a
Chinese message naming the field, writes the audit trail inside its transaction and is
idempotent: setting what is already set changes nothing and records nothing.
Lodging (rooms, assignments) is in lodging_services.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ganxun.audit.services import audit_record
from ganxun.classes.models import TrainingClass
from ganxun.core.errors import DomainError, NotFound
from ganxun.logistics import rules
from ganxun.logistics.guards import enrollment_role, managed_class
from ganxun.logistics.models import (
    MAX_CUTOFF_DAYS,
    ClassLogistics,
    EnrollmentLogistics,
    LodgingAssignment,
    Meal,
    MealChoice,
)
from ganxun.roster.models import Enrollment, EnrollmentStatus

LOCKED = "班次已结业或归档，食宿安排不能再修改。"


def _check_open(training_class: TrainingClass) -> None:
    if training_class.is_locked:
        raise DomainError(LOCKED, code="class_locked")


def _lock_enrollment(enrollment: Enrollment | int) -> Enrollment:
    pk = enrollment.pk if isinstance(enrollment, Enrollment) else enrollment
    try:
        return (Enrollment.objects.select_for_update(of=("self",))
                .select_related("training_class__institution", "cadre__person").get(pk=pk))
    except Enrollment.DoesNotExist:
        raise NotFound() from None


def check_approved(enrollment: Enrollment) -> None:
    if enrollment.status != EnrollmentStatus.APPROVED:
        raise DomainError(f"“{enrollment.cadre.person.name}”的参训状态为“{enrollment.get_status_display()}”，"
                          "确认参训后才能登记食宿。", code="not_approved")


def settings_of(training_class: TrainingClass) -> ClassLogistics | None:
    return ClassLogistics.objects.filter(training_class=training_class).first()


# --- settings ------------------------------------------------------------------------------

@dataclass(frozen=True)
class SettingsInput:
    provides_dining: bool
    provides_lodging: bool
    cutoff_days_before: int
    cutoff_time: dt.time
    # {day: [meals]} for the class days; None keeps the current plan.
    meal_plan: dict[dt.date, list[str]] | None = None


@transaction.atomic
def logistics_settings_update(*, actor, training_class: TrainingClass, data: SettingsInput,
                              request=None) -> ClassLogistics:
    """Create or change the class's logistics settings (institution side)."""
    training_class = managed_class(actor, training_class)
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    _check_open(training_class)
    days = data.cutoff_days_before
    if days is None or not 0 <= int(days) <= MAX_CUTOFF_DAYS:
        raise DomainError(f"报餐截止的提前天数应在 0 到 {MAX_CUTOFF_DAYS} 天之间。", field="cutoff_days_before")
    if data.cutoff_time is None:
        raise DomainError("请填写报餐截止时刻。", field="cutoff_time")
    current = ClassLogistics.objects.select_for_update().filter(training_class=training_class).first()
    if not data.provides_lodging and (current is None or current.provides_lodging):
        housed = LodgingAssignment.objects.filter(enrollment__training_class=training_class).count()
        if housed:
            raise DomainError(f"本班次已有 {housed} 名学员安排了住宿，请先取消住宿安排再关闭住宿。",
                              field="provides_lodging", code="lodging_in_use")
    meal_plan = current.meal_plan if current is not None else {}
    if data.meal_plan is not None:
        for day, meals in data.meal_plan.items():
            if not training_class.start_date <= day <= training_class.end_date:
                raise DomainError(f"{day:%Y-%m-%d} 不在班次日期内。", field="meal_plan")
            unknown = [m for m in meals if m not in Meal.values]
            if unknown:
                raise DomainError(f"未知的餐次：{'、'.join(map(str, unknown))}。", field="meal_plan")
        wanted = {day: meals for day, meals in rules.served_meals(
            training_class.start_date, training_class.end_date, meal_plan).items()}
        wanted.update(data.meal_plan)
        meal_plan = rules.plan_overrides(training_class.start_date, training_class.end_date, wanted)
    values = {"provides_dining": bool(data.provides_dining), "provides_lodging": bool(data.provides_lodging),
              "cutoff_days_before": int(days), "cutoff_time": data.cutoff_time, "meal_plan": meal_plan}
    if current is not None and all(getattr(current, k) == v for k, v in values.items()):
        return current
    before = {k: _plain(getattr(current, k)) for k in values} if current is not None else None
    if current is None:
        current = ClassLogistics.objects.create(training_class=training_class, updated_by=actor, **values)
    else:
        for name, value in values.items():
            setattr(current, name, value)
        current.updated_by = actor
        current.save()
    audit_record(action="logistics.settings", actor=actor, request=request, target=training_class,
                 detail={"before": before, "after": {k: _plain(v) for k, v in values.items()}})
    return current


def _plain(value):
    return value.strftime("%H:%M") if isinstance(value, dt.time) else value


# --- meals ---------------------------------------------------------------------------------

def _dining_settings(training_class: TrainingClass) -> ClassLogistics:
    settings = settings_of(training_class)
    if settings is None or not settings.provides_dining:
        raise DomainError("本班次未统一安排就餐。", code="no_dining")
    return settings


def check_meal(training_class: TrainingClass, settings: ClassLogistics, day: dt.date, meal: str) -> None:
    if meal not in Meal.values:
        raise DomainError("请选择早餐、午餐或晚餐。", field="meal")
    if day is None or not training_class.start_date <= day <= training_class.end_date:
        raise DomainError(f"日期应在班次日期 {training_class.start_date:%Y-%m-%d} 至 "
                          f"{training_class.end_date:%Y-%m-%d} 之内。", field="date")
    served = rules.served_meals(training_class.start_date, training_class.end_date, settings.meal_plan)
    if meal not in served[day]:
        raise DomainError(f"{rules.day_label(day)}不供应{Meal(meal).label}。", field="meal", code="not_served")


@transaction.atomic
def dining_set(*, actor, enrollment: Enrollment, date: dt.date, meal: str, registered: bool, request=None,
               now: dt.datetime | None = None) -> bool:
    """Register (or not) one cadre for one meal. The cadre may change their own until the
    class's cut-off for that day; staff may change anyone's at any time while the class runs.
    Returns the resulting state. Setting the current state again changes nothing."""
    enrollment = _lock_enrollment(enrollment)
    role = enrollment_role(actor, enrollment)
    training_class = enrollment.training_class
    _check_open(training_class)
    check_approved(enrollment)
    settings = _dining_settings(training_class)
    check_meal(training_class, settings, date, meal)
    if role == "self" and not rules.is_open(date, settings.cutoff_days_before, settings.cutoff_time, now):
        deadline = rules.cutoff_at(date, settings.cutoff_days_before, settings.cutoff_time)
        raise DomainError(f"{rules.day_label(date)}的报餐已于 {rules.cutoff_text(deadline)} 截止，"
                          "如需调整请联系班主任。", code="cutoff_passed", field="date")
    registered = bool(registered)
    choice = MealChoice.objects.filter(enrollment=enrollment, date=date, meal=meal).first()
    current = choice.registered if choice is not None else True  # opt-out: registered by default
    if current == registered:
        return registered
    if choice is None:
        MealChoice.objects.create(enrollment=enrollment, date=date, meal=meal, registered=registered,
                                  by_staff=role == "staff", updated_by=actor)
    else:
        choice.registered, choice.by_staff, choice.updated_by = registered, role == "staff", actor
        choice.save(update_fields=["registered", "by_staff", "updated_by", "updated_at"])
    audit_record(action="dining.set", actor=actor, request=request, target=enrollment,
                 detail={"class": training_class.pk, "date": date.isoformat(), "meal": meal,
                         "registered": registered, "by": role})
    return registered


@dataclass(frozen=True)
class MealChange:
    enrollment_id: int
    date: dt.date
    meal: str
    registered: bool


@transaction.atomic
def dining_bulk_set(*, actor, training_class: TrainingClass, changes: Iterable[MealChange],
                    request=None) -> int:
    """Staff path for many registrations at once (the demo city, a head teacher's list):
    validates every change first, then writes in a handful of queries and records one audit
    entry. Returns the number of registrations whose state changed."""
    training_class = managed_class(actor, training_class)
    _check_open(training_class)
    settings = _dining_settings(training_class)
    changes = list(changes)
    approved = dict(Enrollment.objects.filter(training_class=training_class, status=EnrollmentStatus.APPROVED)
                    .select_for_update().values_list("pk", "cadre__person__name"))
    wanted: dict[tuple[int, dt.date, str], bool] = {}
    for index, change in enumerate(changes, 1):
        if change.enrollment_id not in approved:
            raise DomainError(f"第 {index} 项：学员不在本班次已确认名单中。", field="enrollment_id")
        try:
            check_meal(training_class, settings, change.date, change.meal)
        except DomainError as exc:
            raise DomainError(f"第 {index} 项（{approved[change.enrollment_id]}）：{exc.message}",
                              field=exc.field, code=exc.code) from None
        wanted[(change.enrollment_id, change.date, change.meal)] = bool(change.registered)
    if not wanted:
        return 0
    existing = {(c.enrollment_id, c.date, c.meal): c for c in MealChoice.objects.filter(
        enrollment_id__in={key[0] for key in wanted}, date__in={key[1] for key in wanted})}
    new, changed = [], []
    for key, registered in wanted.items():
        choice = existing.get(key)
        if choice is None:
            if not registered:  # registered is the default: no row needed
                new.append(MealChoice(enrollment_id=key[0], date=key[1], meal=key[2], registered=False,
                                      by_staff=True, updated_by=actor))
        elif choice.registered != registered:
            choice.registered, choice.by_staff, choice.updated_by = registered, True, actor
            choice.updated_at = timezone.now()
            changed.append(choice)
    MealChoice.objects.bulk_create(new)
    MealChoice.objects.bulk_update(changed, ["registered", "by_staff", "updated_by", "updated_at"])
    total = len(new) + len(changed)
    if total:
        audit_record(action="dining.bulk_set", actor=actor, request=request, target=training_class,
                     detail={"changed": total, "opted_out": sum(1 for v in wanted.values() if not v)})
    return total


# --- dietary notes -------------------------------------------------------------------------

@transaction.atomic
def dietary_update(*, actor, enrollment: Enrollment, halal: bool, vegetarian: bool, diet_note: str = "",
                   request=None) -> EnrollmentLogistics:
    """The cadre's dietary needs for this class (清真, 素食, 忌口/过敏), by the cadre or staff."""
    enrollment = _lock_enrollment(enrollment)
    role = enrollment_role(actor, enrollment)
    _check_open(enrollment.training_class)
    check_approved(enrollment)
    note = " ".join((diet_note or "").split())
    if len(note) > 200:
        raise DomainError("忌口/过敏说明最多 200 个字。", field="diet_note")
    record, _ = EnrollmentLogistics.objects.get_or_create(enrollment=enrollment)
    values = {"halal": bool(halal), "vegetarian": bool(vegetarian), "diet_note": note}
    if all(getattr(record, k) == v for k, v in values.items()):
        return record
    for name, value in values.items():
        setattr(record, name, value)
    record.updated_by = actor
    record.save()
    audit_record(action="dining.diet", actor=actor, request=request, target=enrollment,
                 detail={"class": enrollment.training_class_id, "by": role, **values})
    return record
