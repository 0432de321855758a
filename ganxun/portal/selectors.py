"""Figures for the home dashboards, each computed through the scope gate."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from ganxun.access import scope
from ganxun.org.models import Category, Organisation
from ganxun.people.choices import Rank
from ganxun.people.models import Cadre, Teacher

AGE_BANDS = [(0, 35, "35岁以下"), (35, 45, "35–44岁"), (45, 55, "45–54岁"), (55, 200, "55岁及以上")]


def dashboard_for(actor) -> dict:
    """Counts of the actor's scope: organisations by kind, cadres by rank/category/age, teachers.

    Definitions: cadres are those marked serving (在职); age is whole years at
    today's date; organisations count active nodes only.
    """
    figures: dict = {}
    if scope.can(actor, "org.view"):
        by_kind = dict(
            scope.scoped(actor, Organisation, permission="org.view").filter(is_active=True)
            .values_list("kind").annotate(n=Count("id"))
        )
        figures["orgs"] = [(label, by_kind.get(kind, 0)) for kind, label in Organisation.Kind.choices]
    if scope.can(actor, "cadres.view"):
        cadres = scope.scoped(actor, Cadre, permission="cadres.view").filter(is_active=True)
        by_rank = dict(cadres.values_list("rank").annotate(n=Count("id")))
        by_category = dict(cadres.values_list("category").annotate(n=Count("id")))
        figures["cadre_total"] = sum(by_rank.values())
        figures["cadre_leaders"] = cadres.filter(is_leader=True).count()
        figures["by_rank"] = [{"name": label, "value": by_rank.get(rank, 0)} for rank, label in Rank.choices]
        figures["by_category"] = [{"name": label, "value": by_category.get(c, 0)} for c, label in Category.choices]
        today = timezone.localdate()
        bands = []
        for low, high, label in AGE_BANDS:
            born_after = _years_before(today, high)
            born_on_or_before = _years_before(today, low)
            bands.append({"name": label, "value": cadres.filter(
                person__birth_date__gt=born_after, person__birth_date__lte=born_on_or_before).count()})
        figures["by_age"] = bands
    if scope.can(actor, "teachers.view"):
        teachers = scope.scoped(actor, Teacher, permission="teachers.view").filter(is_active=True)
        figures["teacher_total"] = teachers.count()
        figures["teacher_external"] = teachers.filter(is_internal=False).count()
    return figures


def _years_before(day: dt.date, years: int) -> dt.date:
    years = min(years, day.year - 1)
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class YearlyHours:
    """A cadre's credit hours this year against the yearly requirement, pro-rated to today.

    Definition: `earned` — net ledger hours with earned_on in the current calendar year
    (archive.selectors.hours_this_year); `required` — GANXUN_YEARLY_HOURS_REQUIRED for the whole
    year; `due` — required × (day of year ÷ days in the year), to one decimal: what an even pace
    would have reached by today. On track when earned ≥ due."""

    earned: Decimal
    required: int
    due: Decimal

    @property
    def on_track(self) -> bool:
        return self.earned >= self.due

    @property
    def percent(self) -> int:
        return min(100, int(self.earned * 100 / self.required)) if self.required else 100

    @property
    def due_percent(self) -> int:
        return min(100, int(self.due * 100 / self.required)) if self.required else 100

    @property
    def shortfall(self) -> Decimal:
        return max(self.due - self.earned, Decimal("0"))


def yearly_hours(earned: Decimal, *, today: dt.date | None = None) -> YearlyHours:
    today = today or timezone.localdate()
    days = 366 if calendar.isleap(today.year) else 365
    required = settings.GANXUN_YEARLY_HOURS_REQUIRED
    due = (Decimal(required) * today.timetuple().tm_yday / days).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return YearlyHours(earned=Decimal(earned), required=required, due=due)
