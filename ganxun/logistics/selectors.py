"""Reads of dining: the class's settings and meal plan, who eats which meal, the canteen's
counts, and one cadre's own view. Rows come through the scope gate; the class itself is
resolved by the caller (guards.managed_class or the learner's own enrollment).

Definition of the canteen count (`dining_sheet`): for a class day D and a meal M served
that day, registered(D, M) = the number of the class's enrollments with status approved
whose registration for (D, M) is "就餐" — the MealChoice row's value where one exists,
otherwise 就餐 (the opt-out default). Cadres nominated but not yet approved, rejected,
withdrawn, substituted or dropped are not counted. Meals not served that day have no
count. The dietary breakdown lists, among the registered cadres of (D, M), those whose
note says 清真, 素食, or names something to avoid (忌口/过敏); one cadre can be in several.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ganxun.access import scope
from ganxun.classes.models import ClassMode, TrainingClass
from ganxun.core.errors import NotFound
from ganxun.logistics import rules
from ganxun.logistics.lodging_selectors import Roommate, roommates_of
from ganxun.logistics.models import ClassLogistics, EnrollmentLogistics, LodgingAssignment, Meal, MealChoice
from ganxun.roster.models import Enrollment, EnrollmentStatus

MEALS = [(value, label) for value, label in Meal.choices]


def settings_for(training_class: TrainingClass) -> ClassLogistics | None:
    return ClassLogistics.objects.filter(training_class=training_class).first()


def settings_or_default(training_class: TrainingClass) -> ClassLogistics:
    """The saved settings, or the defaults a new class starts from (unsaved)."""
    saved = settings_for(training_class)
    if saved is not None:
        return saved
    return ClassLogistics(training_class=training_class, provides_dining=True,
                          provides_lodging=training_class.mode != ClassMode.ONLINE)


def served_of(training_class: TrainingClass, settings: ClassLogistics | None) -> dict[dt.date, list[str]]:
    return rules.served_meals(training_class.start_date, training_class.end_date,
                              settings.meal_plan if settings is not None else {})


def approved_enrollments(actor, training_class: TrainingClass):
    """The class's approved cadres, in seat order, with what the logistics pages show."""
    return (scope.scoped(actor, Enrollment, permission="logistics.manage")
            .filter(training_class=training_class, status=EnrollmentStatus.APPROVED)
            .select_related("cadre__person", "unit", "logistics", "lodging__room")
            .order_by("seat_no", "cadre__person__name", "pk"))


# --- canteen counts and the registration grid ---------------------------------------------

@dataclass
class MealCount:
    date: dt.date
    meal: str
    registered: int = 0
    not_registered: int = 0
    halal: list[str] = field(default_factory=list)
    vegetarian: list[str] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (name, 忌口/过敏)

    @property
    def meal_label(self) -> str:
        return Meal(self.meal).label


@dataclass
class DiningDay:
    date: dt.date
    label: str
    meals: list[MealCount | None]  # in Meal order; None = not served

    @property
    def served_count(self) -> int:
        return sum(1 for count in self.meals if count is not None)


@dataclass
class Cell:
    date: dt.date
    meal: str
    registered: bool


@dataclass
class Diner:
    enrollment: Enrollment
    diet: EnrollmentLogistics | None
    cells: list[Cell]  # one per served (day, meal) column of the sheet

    @property
    def states(self) -> list[bool]:
        return [cell.registered for cell in self.cells]


@dataclass
class DiningSheet:
    training_class: TrainingClass
    settings: ClassLogistics | None
    days: list[DiningDay]
    columns: list[tuple[dt.date, str]]  # served (day, meal) in order
    diners: list[Diner]
    totals: dict[str, int]  # meal → registrations over the class
    total: int

    @property
    def headcount(self) -> int:
        return len(self.diners)

    @property
    def with_diet(self) -> list[Diner]:
        return [d for d in self.diners if d.diet is not None and d.diet.has_diet]


def dining_sheet(actor, training_class: TrainingClass) -> DiningSheet:
    """Counts per day × meal, dietary breakdown and every cadre's registrations (two queries
    for the rows, whatever the class size)."""
    settings = settings_for(training_class)
    served = served_of(training_class, settings)
    enrollments = list(approved_enrollments(actor, training_class))
    choices = {(c.enrollment_id, c.date, c.meal): c.registered for c in scope.scoped(
        actor, MealChoice, permission="logistics.manage").filter(enrollment__training_class=training_class)}
    columns = [(day, meal) for day, meals in served.items() for meal in meals]
    counts = {(day, meal): MealCount(day, meal) for day, meal in columns}
    diners = []
    for enrollment in enrollments:
        diet = _diet_of(enrollment)
        cells: list[Cell] = []
        for day, meal in columns:
            registered = choices.get((enrollment.pk, day, meal), True)
            cells.append(Cell(day, meal, registered))
            count = counts[(day, meal)]
            if not registered:
                count.not_registered += 1
                continue
            count.registered += 1
            name = enrollment.cadre.person.name
            if diet is not None:
                if diet.halal:
                    count.halal.append(name)
                if diet.vegetarian:
                    count.vegetarian.append(name)
                if diet.diet_note:
                    count.notes.append((name, diet.diet_note))
        diners.append(Diner(enrollment, diet, cells))
    days = [DiningDay(day, rules.day_label(day), [counts.get((day, meal)) for meal in Meal.values])
            for day in served]
    totals = {meal: sum(c.registered for (d, m), c in counts.items() if m == meal) for meal in Meal.values}
    return DiningSheet(training_class, settings, days, columns, diners, totals, sum(totals.values()))


def _diet_of(enrollment: Enrollment) -> EnrollmentLogistics | None:
    try:
        return enrollment.logistics
    except EnrollmentLogistics.DoesNotExist:
        return None


# --- one cadre's own view (the learner panel and the API) ----------------------------------

def own_enrollment_get(actor, pk) -> Enrollment:
    """The actor's own enrollment (a cadre's record), NotFound otherwise — for the learner
    pages, which never act on someone else's record even for staff roles."""
    if not scope.can(actor, "self.view"):
        raise NotFound()
    owner = scope.rule_for(Enrollment).owner_lookup
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    try:
        return (Enrollment.objects.filter(**{owner: actor.pk})
                .select_related("training_class__institution", "cadre__person", "unit").get(pk=pk))
    except Enrollment.DoesNotExist:
        raise NotFound() from None


@dataclass
class MealSlot:
    date: dt.date
    meal: str
    label: str
    served: bool
    registered: bool
    open: bool


@dataclass
class OwnDay:
    date: dt.date
    label: str
    slots: list[MealSlot]
    open: bool
    cutoff: dt.datetime


@dataclass
class OwnLogistics:
    enrollment: Enrollment
    settings: ClassLogistics | None
    days: list[OwnDay]
    diet: EnrollmentLogistics | None
    lodging_needed: bool
    lodging_open: bool
    lodging_cutoff: dt.datetime | None
    assignment: LodgingAssignment | None
    roommates: list[Roommate]
    editable: bool  # the class runs and the enrollment is approved

    @property
    def provides_dining(self) -> bool:
        return self.settings is not None and self.settings.provides_dining

    @property
    def provides_lodging(self) -> bool:
        return self.settings is not None and self.settings.provides_lodging

    @property
    def registered_count(self) -> int:
        return sum(1 for day in self.days for slot in day.slots if slot.served and slot.registered)


def own_logistics(enrollment: Enrollment, now: dt.datetime | None = None) -> OwnLogistics:
    """What the cadre sees of their meals, dietary note and room for this class. The caller
    has resolved `enrollment` as the actor's own (or as one the actor manages)."""
    training_class = enrollment.training_class
    settings = settings_for(training_class)
    days: list[OwnDay] = []
    if settings is not None and settings.provides_dining:
        served = served_of(training_class, settings)
        choices = {(c.date, c.meal): c.registered for c in MealChoice.objects.filter(enrollment=enrollment)}
        for day, meals in served.items():
            is_open = rules.is_open(day, settings.cutoff_days_before, settings.cutoff_time, now)
            slots = [MealSlot(day, value, label, value in meals, choices.get((day, value), True), is_open)
                     for value, label in MEALS]
            days.append(OwnDay(day, rules.day_label(day), slots, is_open,
                               rules.cutoff_at(day, settings.cutoff_days_before, settings.cutoff_time)))
    diet = EnrollmentLogistics.objects.filter(enrollment=enrollment).first()
    assignment, roommates, lodging_open, lodging_cutoff = None, [], False, None
    if settings is not None and settings.provides_lodging:
        assignment = LodgingAssignment.objects.select_related("room").filter(enrollment=enrollment).first()
        if assignment is not None:
            roommates = roommates_of(assignment)
        lodging_open = rules.is_open(training_class.start_date, settings.cutoff_days_before, settings.cutoff_time, now)
        lodging_cutoff = rules.cutoff_at(training_class.start_date, settings.cutoff_days_before, settings.cutoff_time)
    editable = not training_class.is_locked and enrollment.status == EnrollmentStatus.APPROVED
    return OwnLogistics(
        enrollment=enrollment, settings=settings, days=days, diet=diet,
        lodging_needed=diet is None or diet.lodging_needed, lodging_open=lodging_open and editable,
        lodging_cutoff=lodging_cutoff, assignment=assignment, roommates=roommates, editable=editable,
    )
