"""The training archive (培训档案) of a cadre: every class with its hours and assessment, every
other ledger entry, and the totals — read through the scope gate.

Staff read a cadre's archive with `archive.view` (cadres in their scope, 404 otherwise); a
cadre reads their own (self.view, the owner rule of each model).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from ganxun.access import scope
from ganxun.assessment.models import AssessmentResult
from ganxun.classes.models import TrainingClass
from ganxun.credits.models import CreditRecord
from ganxun.credits.selectors import Totals, YearTotal, credit_totals
from ganxun.evaluation.aggregates import Figures, class_figures
from ganxun.people.models import Cadre

PERMISSION = "archive.view"
ZERO = Decimal("0")


@dataclass
class ClassEntry:
    """One class in the archive: its closed assessment (when there is one) and its ledger rows
    (the closing's posting and any corrections of it)."""

    training_class: TrainingClass
    result: AssessmentResult | None
    records: list[CreditRecord] = field(default_factory=list)
    evaluation: Figures | None = None  # the class's own ratings (evaluation), when enough cadres answered

    @property
    def hours(self) -> Decimal:
        """Net hours credited from this class: the sum of its ledger rows (reversals negative)."""
        return sum((r.hours for r in self.records), ZERO)

    @property
    def corrected(self) -> bool:
        return any(r.reverses_id for r in self.records)


@dataclass
class Archive:
    cadre: Cadre
    classes: list[ClassEntry]          # newest first
    other_records: list[CreditRecord]  # ledger rows not from a class: online, recognised hours…
    records: list[CreditRecord]        # every ledger row, newest first
    totals: Totals
    this_year: YearTotal

    @property
    def completed_classes(self) -> int:
        return sum(1 for entry in self.classes if entry.result is not None and entry.result.completed)


def archive_cadre_get_for(actor, pk) -> Cadre:
    """A cadre whose archive the actor may read: staff with archive.view in scope; 404 otherwise."""
    return scope.get_for(actor, Cadre.objects.select_related("person", "unit"), pk, permission=PERMISSION)


def archive_own_cadre(actor) -> Cadre | None:
    """The learner's own cadre record (None when the account has none)."""
    return (scope.scoped(actor, Cadre, permission=PERMISSION).filter(person__account=actor.pk)
            .select_related("person", "unit").first())


def class_evaluations(class_ids: list[int]) -> dict[int, Figures]:
    """The classes' own L1 ratings (content, organisation, logistics; evaluation.aggregates), only
    where enough cadres answered for the means to be shown (evaluation's 3-response minimum)."""
    if not class_ids:
        return {}
    figures = class_figures(TrainingClass.objects.filter(pk__in=class_ids))
    return {pk: f.reaction for pk, f in figures.items() if f.reaction.shown}


def archive_of(actor, cadre: Cadre) -> Archive:
    """The cadre's archive as the actor may see it (three queries and the topics prefetch).

    * classes: every class with a closed assessment result for the cadre, plus any class a
      ledger row came from without a result (hours posted some other way), newest end date first;
    * hours of a class: the sum of its ledger rows (the posting at closing, reversals, corrections);
    * other entries: ledger rows without a source class;
    * evaluation: the class's own ratings by its cadres (mean content / organisation / logistics,
      1–5) when at least three answered — the class as a whole, not this cadre's answer;
    * totals: credits.selectors.credit_totals over every ledger row (per year of earned_on,
      脱产/集中 vs other, per mode); "this year" is the current calendar year.
    """
    records = list(scope.scoped(actor, CreditRecord, permission=PERMISSION).filter(cadre=cadre)
                   .select_related("source_class__institution", "reversed_by").prefetch_related("topics")
                   .order_by("-earned_on", "-id"))
    results = list(scope.scoped(actor, AssessmentResult, permission=PERMISSION).filter(cadre=cadre)
                   .select_related("training_class__institution", "enrollment"))
    entries: dict[int, ClassEntry] = {r.training_class_id: ClassEntry(r.training_class, r) for r in results}
    other = []
    for record in records:
        if record.source_class_id is None:
            other.append(record)
            continue
        entry = entries.get(record.source_class_id)
        if entry is None:
            entry = entries[record.source_class_id] = ClassEntry(record.source_class, None)
        entry.records.append(record)
    classes = sorted(entries.values(), key=lambda e: (e.training_class.end_date, e.training_class.pk), reverse=True)
    ratings = class_evaluations([e.training_class.pk for e in classes])
    for entry in classes:
        entry.evaluation = ratings.get(entry.training_class.pk)
    totals = credit_totals(records)
    return Archive(cadre=cadre, classes=classes, other_records=other, records=records, totals=totals,
                   this_year=totals.year(timezone.localdate().year))


def hours_this_year(actor, cadre: Cadre) -> Decimal:
    """The cadre's net credit hours earned this calendar year (the learner's home card)."""
    year = timezone.localdate().year
    return sum(scope.scoped(actor, CreditRecord, permission=PERMISSION)
               .filter(cadre=cadre, earned_on__year=year).values_list("hours", flat=True), ZERO)
