"""Warnings the org department sees when reviewing nominations (提示, not blocks).

Each warning is a dict {"code", "message"}; they are stored on Enrollment.warnings when the
cadre is nominated and recomputed whenever the review page or the API shows them (the
cadre's history may have changed since). Definitions — "this class" is the class of the
nomination, `start` its start date, `today` the local date of the computation; the
thresholds come from the class's call (TrainingCall, defaults 3 / 3 / 3):

* **repeated** (重复培训): the cadre attended another class sharing at least one topic with
  this class within `repeat_years` before `start`. "Attended" means an *approved*
  enrollment in another class whose start date lies in [start − repeat_years, start) and
  is not after today (it has started), or a credit record (credits.CreditRecord, hours > 0,
  neither a reversal nor reversed) earned in that window whose topics share one with this
  class. A class with no topics never repeats anything. The message names the classes
  (at most three, then "等 N 个").
* **professional** (培训专业户): the cadre has more than `professional_classes` distinct
  other classes in the 12 months before `start`: approved enrollments in classes starting
  in [start − 1 year, start) — started or not, they come before this one — together with
  the source classes of credit records earned in that window.
* **outside_target** (对象不符): the call names target ranks and the cadre's rank is not
  among them, or target categories and the cadre's category is not among them. An empty
  target list restricts nothing.
* **untrained** (长期未训, a reason to prefer the cadre): within [start − untrained_years,
  start) the cadre has no approved enrollment in another class that has started, and no
  credit record (hours > 0, not reversed) of class training. Message: "近N年未参加培训，建议优先".

"Credit records" above are records of *class* training: those of a class (source_class set,
offline or online class) and offline records without a class (history keyed in from paper).
Self-study online hours (courses of the catalogue) and hours recognised from other platforms
are not classes: a cadre who watched a course on a topic was not "trained again" on it, nor
is one 15-minute micro-course a reason to stop preferring someone never called to a class.

"N years before" is the same calendar date N years earlier (29 February → 28 February).
All subjects are computed together in a fixed number of queries (no N+1 on list pages).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from ganxun.classes.models import TrainingClass
from ganxun.credits.models import CreditMode, CreditRecord
from ganxun.org.models import Category
from ganxun.people.choices import Rank
from ganxun.roster.models import Enrollment, EnrollmentStatus, TrainingCall

REPEATED = "repeated"
PROFESSIONAL = "professional"
OUTSIDE_TARGET = "outside_target"
UNTRAINED = "untrained"

WARNING_LABELS = {
    REPEATED: "重复培训",
    PROFESSIONAL: "培训专业户",
    OUTSIDE_TARGET: "对象不符",
    UNTRAINED: "长期未训",
}

# Defaults of TrainingCall when a class has no call (enrollments made before the call existed).
_DEFAULTS = TrainingCall(repeat_years=3, professional_classes=3, untrained_years=3)
_LISTED = 3


@dataclass(frozen=True)
class Subject:
    """One cadre considered for one class; `key` identifies the result (an enrollment id…)."""

    key: Hashable
    cadre: object  # people.Cadre
    training_class: TrainingClass
    call: TrainingCall | None


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class _Attended:
    class_id: int | None
    title: str
    on: dt.date
    topics: frozenset[int]
    approved_enrollment: bool  # False: a credit record


def _topics_of_classes(class_ids: Iterable[int]) -> dict[int, set[int]]:
    through = TrainingClass.topics.through
    result: dict[int, set[int]] = defaultdict(set)
    for class_id, topic_id in through.objects.filter(trainingclass_id__in=set(class_ids)).values_list(
            "trainingclass_id", "topic_id"):
        result[class_id].add(topic_id)
    return result


def _history(cadre_ids: set[int], since: dt.date, until: dt.date) -> dict[int, list[_Attended]]:
    """Approved enrollments (by class start) and credit records (by date) in [since, until)."""
    history: dict[int, list[_Attended]] = defaultdict(list)
    enrollments = list(Enrollment.objects.filter(
        cadre_id__in=cadre_ids, status=EnrollmentStatus.APPROVED,
        training_class__start_date__gte=since, training_class__start_date__lt=until,
    ).values_list("cadre_id", "training_class_id", "training_class__title", "training_class__start_date"))
    credits = list(CreditRecord.objects.filter(
        Q(source_class__isnull=False) | Q(mode=CreditMode.OFFLINE),
        cadre_id__in=cadre_ids, earned_on__gte=since, earned_on__lt=until, hours__gt=0,
        reverses__isnull=True, reversed_by__isnull=True,
    ).values_list("pk", "cadre_id", "source_class_id", "source_name", "earned_on"))
    class_topics = _topics_of_classes(row[1] for row in enrollments)
    credit_topics: dict[int, set[int]] = defaultdict(set)
    through = CreditRecord.topics.through
    for record_id, topic_id in through.objects.filter(creditrecord_id__in=[c[0] for c in credits]).values_list(
            "creditrecord_id", "topic_id"):
        credit_topics[record_id].add(topic_id)
    for cadre_id, class_id, title, start in enrollments:
        history[cadre_id].append(_Attended(class_id, title, start, frozenset(class_topics[class_id]), True))
    for record_id, cadre_id, class_id, name, earned_on in credits:
        history[cadre_id].append(_Attended(class_id, name, earned_on, frozenset(credit_topics[record_id]), False))
    return history


def _listing(items: list[_Attended]) -> str:
    seen: dict[object, _Attended] = {}
    for item in sorted(items, key=lambda a: a.on, reverse=True):
        seen.setdefault(item.class_id or item.title, item)
    shown = [f"《{a.title}》（{a.on:%Y-%m}）" for a in list(seen.values())[:_LISTED]]
    more = f"等 {len(seen)} 个" if len(seen) > _LISTED else ""
    return "、".join(shown) + more


def _target_message(call: TrainingCall, cadre) -> str:
    parts = []
    if call.target_ranks and cadre.rank not in call.target_ranks:
        parts.append(f"职级“{dict(Rank.choices).get(cadre.rank, cadre.rank)}”不在调训对象（{call.ranks_display}）之内")
    if call.target_categories and cadre.category not in call.target_categories:
        parts.append(f"类别“{dict(Category.choices).get(cadre.category, cadre.category)}”"
                     f"不在调训对象（{call.categories_display}）之内")
    return "；".join(parts)


def warnings_for(subjects: list[Subject], *, today: dt.date | None = None) -> dict[Hashable, list[dict]]:
    """The warnings of every subject, keyed by `subject.key` (see the module docstring)."""
    if not subjects:
        return {}
    today = today or timezone.localdate()
    earliest = min(years_before(s.training_class.start_date,
                                max((s.call or _DEFAULTS).repeat_years, (s.call or _DEFAULTS).untrained_years, 1))
                   for s in subjects)
    latest = max(s.training_class.start_date for s in subjects)
    history = _history({s.cadre.pk for s in subjects}, earliest, latest)
    own_topics = _topics_of_classes(s.training_class.pk for s in subjects)
    result: dict[Hashable, list[dict]] = {}
    for subject in subjects:
        call = subject.call or _DEFAULTS
        this = subject.training_class
        start, topics = this.start_date, own_topics[this.pk]
        past = [a for a in history[subject.cadre.pk] if a.class_id != this.pk and a.on < start]
        warnings = []

        repeat_since = years_before(start, call.repeat_years)
        repeated = [a for a in past if a.on >= repeat_since and a.topics & topics
                    and (not a.approved_enrollment or a.on <= today)]
        if repeated:
            warnings.append({"code": REPEATED,
                             "message": f"近{call.repeat_years}年已参加同主题培训：{_listing(repeated)}"})

        year_since = years_before(start, 1)
        recent = {a.class_id for a in past if a.on >= year_since and a.class_id is not None}
        if len(recent) > call.professional_classes:
            warnings.append({"code": PROFESSIONAL, "message": f"近12个月已参加 {len(recent)} 个班次，"
                                                              f"超过 {call.professional_classes} 个（培训专业户）"})

        if message := _target_message(call, subject.cadre):
            warnings.append({"code": OUTSIDE_TARGET, "message": message})

        untrained_since = years_before(start, call.untrained_years)
        trained = any(a.on >= untrained_since and (not a.approved_enrollment or a.on <= today) for a in past)
        if not trained:
            warnings.append({"code": UNTRAINED, "message": f"近{call.untrained_years}年未参加培训，建议优先"})
        result[subject.key] = warnings
    return result


def warning_codes(warnings: list[dict]) -> set[str]:
    return {w.get("code") for w in warnings}
