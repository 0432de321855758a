"""Reads of the credit-hour ledger — every one starts from the scope gate.

Totals are sums of `hours` over ledger rows; a reversal carries negative hours and the
`earned_on` of the posting it cancels, so a corrected posting leaves its year's totals as
if it had been right from the start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from ganxun.access import scope
from ganxun.classes.models import TrainingClass
from ganxun.core.errors import NotFound
from ganxun.credits.models import CreditMode, CreditRecord
from ganxun.people.models import Cadre

ZERO = Decimal("0")
MODE_LABELS = dict(CreditMode.choices)


def ledger_cadre_get_for(actor, pk, *, permission: str = "credits.view") -> Cadre:
    """A cadre whose ledger the actor may read (staff: in scope with `permission`; a cadre:
    only themselves). Missing and out of scope are the same NotFound."""
    return scope.get_for(actor, Cadre.objects.select_related("person", "unit"), pk, permission=permission)


def ledger_of(actor, cadre: Cadre, *, permission: str = "credits.view") -> QuerySet[CreditRecord]:
    """The cadre's ledger rows the actor may see, newest first."""
    return (scope.scoped(actor, CreditRecord, permission=permission).filter(cadre=cadre)
            .select_related("source_class__institution", "reverses", "reversed_by", "created_by")
            .prefetch_related("topics").order_by("-earned_on", "-id"))


def record_get_for(actor, pk, *, permission: str = "credits.view") -> CreditRecord:
    return scope.get_for(actor, CreditRecord.objects.select_related("cadre__person", "cadre__unit", "source_class",
                                                                     "reverses"), pk, permission=permission)


def class_postings(actor, training_class: TrainingClass) -> QuerySet[CreditRecord]:
    """The ledger rows that came from a class (its closing, and corrections of them) that the
    actor may see with credits.view."""
    return (scope.scoped(actor, CreditRecord, permission="credits.view").filter(source_class=training_class)
            .select_related("cadre__person", "cadre__unit", "reversed_by").order_by("cadre__person__name", "id"))


@dataclass
class YearTotal:
    year: int
    total: Decimal = ZERO
    off_job: Decimal = ZERO          # 脱产/集中 training
    other: Decimal = ZERO            # everything else
    by_mode: dict[str, Decimal] = field(default_factory=dict)

    @property
    def by_mode_labelled(self) -> list[tuple[str, Decimal]]:
        return [(MODE_LABELS[mode], self.by_mode.get(mode, ZERO)) for mode in CreditMode.values]


@dataclass
class Totals:
    total: Decimal
    off_job: Decimal
    other: Decimal
    years: list[YearTotal]           # newest first

    def year(self, year: int) -> YearTotal:
        return next((y for y in self.years if y.year == year), YearTotal(year))


def credit_totals(records) -> Totals:
    """Totals of ledger rows: overall, per year of `earned_on`, per mode, 脱产 (off_job) vs other.

    Definition: hours summed over the rows as they are (postings positive, reversals negative;
    a reversal has the earned_on of what it cancels). Works on any iterable of CreditRecord
    (already read for the page, so no further query).
    """
    years: dict[int, YearTotal] = {}
    for record in records:
        year = years.setdefault(record.earned_on.year, YearTotal(record.earned_on.year))
        year.total += record.hours
        if record.off_job:
            year.off_job += record.hours
        else:
            year.other += record.hours
        year.by_mode[record.mode] = year.by_mode.get(record.mode, ZERO) + record.hours
    ordered = sorted(years.values(), key=lambda y: y.year, reverse=True)
    return Totals(total=sum((y.total for y in ordered), ZERO), off_job=sum((y.off_job for y in ordered), ZERO),
                  other=sum((y.other for y in ordered), ZERO), years=ordered)


def hours_in_year(records, year: int) -> Decimal:
    return sum((r.hours for r in records if r.earned_on.year == year), ZERO)


def own_cadre(actor) -> Cadre:
    """The actor's own cadre record, or NotFound."""
    cadre = Cadre.objects.select_related("person", "unit").filter(person__account=actor.pk).first()
    if cadre is None:
        raise NotFound("您的账号没有关联干部档案。")
    return cadre
