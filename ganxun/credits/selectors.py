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


@dataclass(frozen=True)
class TopicCoverage:
    """How much of each training topic a region's cadres have studied over a period."""

    cadres: int                               # serving cadres of the region now
    hours: dict[str, Decimal]                 # second-level topic code → credited hours in the period
    per_cadre: dict[str, Decimal]             # … divided by `cadres` (0.01 h)


def topic_coverage_for(actor, *, region, start, end) -> TopicCoverage:
    """Coverage of the training content (参训知识储备, by region) for the under-served topics of a plan.

    Definition: every ledger entry earned from `start` to `end` (inclusive) by a cadre now serving
    in a unit under `region` — postings, and the reversals and corrections of them (a reversal
    carries its original's topics and negative hours, so a corrected posting nets out) — has its
    hours split equally among its topics; each share is added to the topic's second-level topic
    (code "NN.NN": a third-level "03.08.02" counts for "03.08"; a first-level tag is left out, as
    it names no particular content). `per_cadre` = those hours ÷ the serving cadres of the region
    (0 when there are none). Entries without topics count for none. Only what the actor may read
    with credits.view is counted (an org department reads its region's whole ledger).
    """
    cadres = scope.scoped(actor, Cadre, permission="cadres.view").filter(
        is_active=True, unit__path__startswith=region.path).count()
    records = scope.scoped(actor, CreditRecord, permission="credits.view").filter(
        cadre__is_active=True, cadre__unit__path__startswith=region.path, earned_on__range=(start, end))
    through = CreditRecord.topics.through
    codes_of: dict[int, list[str]] = {}
    for record_id, code in through.objects.filter(creditrecord__in=records.values("pk")).values_list(
            "creditrecord_id", "topic__code"):
        codes_of.setdefault(record_id, []).append(code)
    hours: dict[str, Decimal] = {}
    for record_id, record_hours in records.values_list("pk", "hours").iterator(chunk_size=5000):
        codes = codes_of.get(record_id)
        if not codes:
            continue
        share = record_hours / len(codes)
        for code in codes:
            parts = code.split(".")
            if len(parts) >= 2:
                key = ".".join(parts[:2])
                hours[key] = hours.get(key, ZERO) + share
    step = Decimal("0.01")
    per_cadre = {code: (total / cadres).quantize(step) if cadres else ZERO for code, total in hours.items()}
    return TopicCoverage(cadres=cadres, hours={c: h.quantize(step) for c, h in hours.items()}, per_cadre=per_cadre)
