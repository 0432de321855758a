"""Reads of calls, quotas and rosters — every one starts from the scope gate.

Who sees what:

* calls: along the class (org department of the organiser region, the institution, leaders
  above; head teachers only for the classes they head) — drafts included; liaisons see
  *issued* calls with a quota for, or a named cadre of, a unit in their subtree;
* quotas (liaison view): issued calls' quotas of units in the liaison's subtree;
* enrollments: along the class for the class's side (head teachers: their classes), along
  the nominating unit for liaisons and org departments — so a liaison never sees another
  unit's nominations, and an org department sees its own units' cadres in a class run by
  someone else;
* the cadre: their own enrollments only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from ganxun.access import scope
from ganxun.access.roles import Role
from ganxun.classes.models import ClassStatus, Session, TrainingClass
from ganxun.classes.selectors import class_get_for, sessions_of
from ganxun.core.errors import NotFound
from ganxun.org.models import Organisation
from ganxun.people.models import Cadre
from ganxun.roster.models import (
    LIVE_STATUSES,
    CallStatus,
    Enrollment,
    EnrollmentStatus,
    NamedCadre,
    QuotaChange,
    TrainingCall,
    UnitQuota,
)
from ganxun.roster.services import CALLABLE_CLASS_STATUSES, REVIEW_CLASS_STATUSES
from ganxun.roster.warnings import Subject, warning_codes, warnings_for

LIVE = Q(status__in=LIVE_STATUSES)


def _root(actor) -> str | None:
    return scope.scope_path(actor)


def _is_head_teacher(actor) -> bool:
    role = scope.active_role(actor)
    return role is not None and role.role == Role.HEAD_TEACHER


# --- calls ---------------------------------------------------------------------------------

def _calls(actor) -> QuerySet[TrainingCall]:
    qs = scope.scoped(actor, TrainingCall, permission="roster.view")
    root = _root(actor)
    if root is None:
        return qs.none()
    # Drafts stay on the class's side; units see a call once it is issued.
    class_side = Q(training_class__institution__path__startswith=root) | Q(
        training_class__organiser__path__startswith=root)
    qs = qs.filter(class_side | Q(status=CallStatus.ISSUED))
    if _is_head_teacher(actor):
        qs = qs.filter(training_class__head_teacher=actor.pk)
    return TrainingCall.objects.filter(pk__in=qs.values("pk"))


def call_list_for(actor, *, status: str = "", q: str = "") -> QuerySet[TrainingCall]:
    qs = _calls(actor).select_related("training_class__institution", "training_class__organiser", "issuer")
    if status:
        qs = qs.filter(status=status)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(training_class__title__icontains=q) | Q(document_no__icontains=q))
    return _with_counts(qs).order_by("-training_class__start_date", "-id")


def _with_counts(qs: QuerySet[TrainingCall]) -> QuerySet[TrainingCall]:
    """`quota_total` (seats given) and `live_count` (live enrollments of the class) per call."""
    seats = (UnitQuota.objects.filter(call=OuterRef("pk")).order_by().values("call")
             .annotate(total=Sum("seats")).values("total"))
    live = (Enrollment.objects.filter(training_class=OuterRef("training_class"), status__in=LIVE_STATUSES)
            .order_by().values("training_class").annotate(n=Count("id")).values("n"))
    return qs.annotate(quota_total=Subquery(seats), live_count=Subquery(live))


def call_get_for(actor, pk) -> TrainingCall:
    qs = _with_counts(_calls(actor).select_related("training_class__institution", "training_class__organiser",
                                                   "training_class__head_teacher", "issuer", "issued_by",
                                                   "created_by"))
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    call = qs.filter(pk=pk).first()  # _calls is scoped already (its paths fan out through quotas)
    if call is None:
        raise NotFound()
    return call


def call_of_class(actor, training_class: TrainingClass) -> TrainingCall | None:
    """The class's call if the actor may see it (None when there is none or it is hidden)."""
    pk = TrainingCall.objects.filter(training_class=training_class).values_list("pk", flat=True).first()
    if pk is None:
        return None
    try:
        return call_get_for(actor, pk)
    except NotFound:
        return None


@dataclass
class QuotaRow:
    quota: UnitQuota
    used: int
    changes: list[QuotaChange] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return max(self.quota.seats - self.used, 0)


def quota_rows(call: TrainingCall, *, actor=None) -> list[QuotaRow]:
    """The call's quotas with the seats used (live enrollments). With `actor`, only the quotas
    of units in the actor's subtree unless the actor is on the class's side."""
    qs = call.quotas.select_related("unit").annotate(used=Count("enrollments", filter=Q(enrollments__status__in=
                                                                                         LIVE_STATUSES)))
    if actor is not None and not class_side(actor, call.training_class):
        root = _root(actor) or "/nowhere/"
        qs = qs.filter(unit__path__startswith=root)
    changes: dict[int, list[QuotaChange]] = {}
    for change in call.quota_changes.select_related("changed_by").order_by("-changed_at", "-id"):
        changes.setdefault(change.unit_id, []).append(change)
    return [QuotaRow(q, q.used, changes.get(q.unit_id, [])) for q in qs.order_by("unit__path")]


def class_side(actor, training_class: TrainingClass) -> bool:
    """The actor sees the class along its institution or organiser (not only through a unit)."""
    root = _root(actor)
    if root is None:
        return False
    organiser = training_class.organiser
    return training_class.institution.path.startswith(root) or (
        organiser is not None and organiser.path.startswith(root))


def named_list(call: TrainingCall, *, actor=None) -> list[NamedCadre]:
    qs = call.named.select_related("cadre__person", "unit")
    if actor is not None and not class_side(actor, call.training_class):
        qs = qs.filter(unit__path__startswith=_root(actor) or "/nowhere/")
    return list(qs.order_by("unit__path", "id"))


def quota_changes(call: TrainingCall) -> QuerySet[QuotaChange]:
    return call.quota_changes.select_related("unit", "changed_by").order_by("-changed_at", "-id")


def unit_choices_for(actor) -> QuerySet[Organisation]:
    """Units the actor may give a quota to: active units of the actor's subtree."""
    root = _root(actor)
    if root is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(kind=Organisation.Kind.UNIT, is_active=True,
                                       path__startswith=root).order_by("path")


def namable_cadres(actor, *, q: str = "") -> QuerySet[Cadre]:
    """Serving cadres of the actor's subtree, by name (the named call's picker)."""
    qs = scope.scoped(actor, Cadre, permission="cadres.view").filter(is_active=True).select_related("person", "unit")
    q = (q or "").strip().replace(" ", "")
    if q:
        qs = qs.filter(person__name__contains=q)
    return qs.order_by("unit__path", "person__name", "id")


# --- quotas of a liaison -------------------------------------------------------------------

def _liaison_quotas(actor) -> QuerySet[UnitQuota]:
    root = _root(actor)
    if root is None:
        return UnitQuota.objects.none()
    return (scope.scoped(actor, UnitQuota, permission="roster.nominate")
            .filter(unit__path__startswith=root, call__status=CallStatus.ISSUED))


def quota_list_for(actor, *, current_only: bool = False) -> QuerySet[UnitQuota]:
    """The issued quotas of units in the liaison's subtree, with `used` (live enrollments)."""
    qs = _liaison_quotas(actor).select_related("unit", "call__training_class__institution").annotate(
        used=Count("enrollments", filter=Q(enrollments__status__in=LIVE_STATUSES)))
    if current_only:
        qs = qs.filter(call__training_class__status__in=(ClassStatus.NOTICE_ISSUED, ClassStatus.ENROLLING))
    return qs.order_by("-call__training_class__start_date", "unit__path", "id")


def quota_get_for(actor, pk) -> UnitQuota:
    qs = _liaison_quotas(actor).select_related("unit", "call__training_class__institution", "call__issuer").annotate(
        used=Count("enrollments", filter=Q(enrollments__status__in=LIVE_STATUSES)))
    return scope.get_for(actor, qs, pk, permission="roster.nominate")


def quota_enrollments(actor, quota: UnitQuota) -> QuerySet[Enrollment]:
    return (scope.scoped(actor, Enrollment, permission="roster.view").filter(quota=quota)
            .select_related("cadre__person", "cadre__unit", "unit", "replaced_by__cadre__person")
            .order_by("-nominated_at", "-id"))


def nomination_candidates(actor, quota: UnitQuota, *, q: str = "") -> QuerySet[Cadre]:
    """Serving cadres of the quota unit's subtree that the liaison sees, by name, with
    `live_here` (already on this class) — the nomination picker; pages of 20 make hundreds
    of cadres workable."""
    qs = (scope.scoped(actor, Cadre, permission="cadres.view")
          .filter(unit__path__startswith=quota.unit.path, is_active=True).select_related("person", "unit"))
    q = (q or "").strip().replace(" ", "")
    if q:
        qs = qs.filter(person__name__contains=q)
    live_here = Enrollment.objects.filter(cadre=OuterRef("pk"), training_class=quota.call.training_class_id,
                                          status__in=LIVE_STATUSES)
    return qs.annotate(live_here=Exists(live_here)).order_by("person__name", "id")


def substitute_candidates(actor, enrollment: Enrollment, *, q: str = "") -> QuerySet[Cadre]:
    """Serving cadres of the enrollment's unit subtree, not live on the class (the substitute picker)."""
    qs = (scope.scoped(actor, Cadre, permission="cadres.view")
          .filter(unit__path__startswith=enrollment.unit.path, is_active=True).select_related("person", "unit")
          .exclude(enrollments__training_class=enrollment.training_class_id, enrollments__status__in=LIVE_STATUSES))
    q = (q or "").strip().replace(" ", "")
    if q:
        qs = qs.filter(person__name__contains=q)
    return qs.order_by("person__name", "id")


# --- enrollments ---------------------------------------------------------------------------

def enrollments_for(actor) -> QuerySet[Enrollment]:
    qs = scope.scoped(actor, Enrollment, permission="roster.view")
    if _is_head_teacher(actor):
        qs = qs.filter(training_class__head_teacher=actor.pk)
    return qs


def enrollment_get_for(actor, pk) -> Enrollment:
    qs = enrollments_for(actor).select_related("training_class__institution", "training_class__organiser",
                                            "cadre__person", "unit", "quota", "replaced_by__cadre__person")
    return scope.get_for(actor, qs, pk, permission="roster.view")


def roster_class_get_for(actor, pk) -> TrainingClass:
    """A class whose roster the actor may open: one they see as a class (classes.view), or
    one with an enrollment or an issued quota of a unit in their subtree (liaisons; an org
    department's units in another region's class). NotFound otherwise."""
    if not scope.can(actor, "roster.view"):
        raise NotFound()
    if scope.can(actor, "classes.view"):
        try:
            return class_get_for(actor, pk)
        except NotFound:
            pass
    root = _root(actor)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    if root is None or _is_head_teacher(actor):
        raise NotFound()
    through_unit = Q(enrollments__unit__path__startswith=root) | Q(
        call__status=CallStatus.ISSUED, call__quotas__unit__path__startswith=root) | Q(
        call__status=CallStatus.ISSUED, call__named__unit__path__startswith=root)
    found = TrainingClass.objects.filter(through_unit, pk=pk).values_list("pk", flat=True).first()
    if found is None:
        raise NotFound()
    return TrainingClass.objects.select_related("institution", "organiser", "head_teacher").get(pk=found)


def class_enrollments(actor, training_class: TrainingClass) -> QuerySet[Enrollment]:
    """Every enrollment of the class the actor may see (liaisons: their units' only)."""
    return (enrollments_for(actor).filter(training_class=training_class)
            .select_related("cadre__person", "unit", "quota", "nominated_by", "decided_by",
                            "replaced_by__cadre__person"))


def roster_for(actor, training_class: TrainingClass) -> list[Enrollment]:
    """The approved roster (名单) in seat-number order."""
    return list(class_enrollments(actor, training_class).filter(status=EnrollmentStatus.APPROVED)
                .order_by("seat_no", "id"))


@dataclass
class ReviewRow:
    enrollment: Enrollment
    warnings: list[dict]


def review_rows(actor, training_class: TrainingClass, *, unit: int | None = None, status: str = "",
                warning: str = "") -> list[ReviewRow]:
    """Every nomination of the class for the reviewing org department, warnings recomputed
    (see roster.warnings), filtered by unit (its subtree), status and warning code."""
    qs = class_enrollments(actor, training_class)
    if unit:
        unit_path = Organisation.objects.filter(pk=unit).values_list("path", flat=True).first()
        qs = qs.filter(unit__path__startswith=unit_path) if unit_path else qs.none()
    if status:
        qs = qs.filter(status=status)
    rows = list(qs.order_by("unit__path", "nominated_at", "id"))
    computed = enrollment_warnings(rows)
    result = [ReviewRow(e, computed.get(e.pk, [])) for e in rows]
    if warning:
        result = [r for r in result if warning in warning_codes(r.warnings)]
    return result


def enrollment_warnings(enrollments: list[Enrollment]) -> dict[int, list[dict]]:
    """Recomputed warnings of live enrollments (stored ones for the others: history)."""
    if not enrollments:
        return {}
    class_ids = {e.training_class_id for e in enrollments}
    classes = TrainingClass.objects.in_bulk(class_ids)
    calls = {c.training_class_id: c for c in TrainingCall.objects.filter(training_class_id__in=class_ids)}
    subjects = [Subject(e.pk, e.cadre, classes[e.training_class_id], calls.get(e.training_class_id))
                for e in enrollments if e.is_live]
    computed = warnings_for(subjects)
    return {e.pk: computed.get(e.pk, e.warnings) for e in enrollments}


def review_units(actor, training_class: TrainingClass) -> QuerySet[Organisation]:
    ids = class_enrollments(actor, training_class).order_by().values("unit_id")
    return Organisation.objects.filter(pk__in=ids).order_by("path")


def roster_counts(training_class: TrainingClass) -> dict[str, int]:
    """Counts per status of the whole class (capacity figures: not personal data)."""
    counts = dict(Enrollment.objects.filter(training_class=training_class).order_by().values_list("status")
                  .annotate(n=Count("id")))
    counts["live"] = counts.get(EnrollmentStatus.NOMINATED, 0) + counts.get(EnrollmentStatus.APPROVED, 0)
    return counts


# --- what waits for the actor (the home page's to-do card) ------------------------------------

# How far ahead a class starting soon with its call still in draft is worth a reminder.
DRAFT_CALL_HORIZON_DAYS = 30


def _class_side_q(root: str, prefix: str = "training_class__") -> Q:
    return Q(**{f"{prefix}institution__path__startswith": root}) | Q(**{f"{prefix}organiser__path__startswith": root})


def nominations_pending_review(actor) -> list[tuple[TrainingClass, int]]:
    """Classes with nominations waiting for the actor's review, the most first (then the
    earliest start).

    Counted: enrollments 待审核 (nominated) of classes that the actor reviews — `roster.review`
    with the class's institution or organiser region in the actor's subtree (as
    services.may_call_for) — and that are still reviewed (已发调训通知 / 报名中 / 进行中).
    Nominations the actor sees only through its units, in a class another region runs, are not
    counted: that region reviews them.
    """
    root = _root(actor)
    if root is None or not scope.can(actor, "roster.review"):
        return []
    qs = (scope.scoped(actor, Enrollment, permission="roster.review")
          .filter(status=EnrollmentStatus.NOMINATED, training_class__status__in=REVIEW_CLASS_STATUSES)
          .filter(_class_side_q(root)))
    counts = dict(qs.order_by().values_list("training_class_id").annotate(n=Count("id")))
    classes = TrainingClass.objects.in_bulk(list(counts))
    rows = [(classes[pk], n) for pk, n in counts.items()]
    rows.sort(key=lambda row: (-row[1], row[0].start_date, row[0].pk))
    return rows


def draft_calls_starting_soon(actor, *, today: dt.date | None = None,
                              days: int = DRAFT_CALL_HORIZON_DAYS) -> list[TrainingCall]:
    """Calls still in draft (草稿) for classes starting within `days` days (today included), the
    soonest first, that the actor may issue: `roster.call` with the class's institution or
    organiser region in the actor's subtree, the class still open to a call (草稿 / 已发调训通知 /
    报名中). Classes that have already started are left out."""
    root = _root(actor)
    if root is None or not scope.can(actor, "roster.call"):
        return []
    today = today or timezone.localdate()
    qs = (scope.scoped(actor, TrainingCall, permission="roster.call")
          .filter(status=CallStatus.DRAFT, training_class__status__in=CALLABLE_CLASS_STATUSES,
                  training_class__start_date__gte=today,
                  training_class__start_date__lte=today + dt.timedelta(days=days))
          .filter(_class_side_q(root)))
    # The scope's paths fan out through quotas and named cadres: one row per call.
    return list(TrainingCall.objects.filter(pk__in=qs.values("pk")).select_related("training_class")
                .order_by("training_class__start_date", "training_class_id"))


def quotas_to_fill(actor, *, today: dt.date | None = None) -> list[UnitQuota]:
    """The liaison's issued quotas with seats left while nominations are open, the earliest
    deadline first.

    A quota of a unit in the liaison's subtree (quota_list_for), of a class taking nominations
    (已发调训通知 / 报名中), whose deadline is today or later (the deadline day is open) or not
    set, and whose live enrollments (nominated + approved) are fewer than its seats. Each
    carries `used`; `remaining` = seats − used.
    """
    if not scope.can(actor, "roster.nominate"):
        return []
    today = today or timezone.localdate()
    qs = (quota_list_for(actor, current_only=True)
          .filter(Q(call__nomination_deadline__gte=today) | Q(call__nomination_deadline__isnull=True))
          .filter(used__lt=F("seats")))
    return list(qs.order_by(F("call__nomination_deadline").asc(nulls_last=True), "call__training_class__start_date",
                            "unit__path", "id"))


# --- the cadre's own classes ---------------------------------------------------------------

# Enrollments a cadre sees as "my classes": the live ones and those where they took part.
OWN_STATUSES = (EnrollmentStatus.NOMINATED, EnrollmentStatus.APPROVED, EnrollmentStatus.DROPPED)


def own_enrollments(actor) -> QuerySet[Enrollment]:
    return (scope.scoped(actor, Enrollment, permission="self.view").filter(cadre__person__account=actor)
            .filter(status__in=OWN_STATUSES))


@dataclass
class OwnClasses:
    current: list[Enrollment]
    upcoming: list[Enrollment]
    past: list[Enrollment]


def own_classes(actor, *, today: dt.date | None = None) -> OwnClasses:
    """The cadre's classes: current (today within the dates), upcoming, past (newest first)."""
    today = today or timezone.localdate()
    rows = list(own_enrollments(actor).select_related("training_class__institution").order_by(
        "training_class__start_date", "id"))
    return OwnClasses(
        current=[e for e in rows if e.training_class.start_date <= today <= e.training_class.end_date],
        upcoming=[e for e in rows if e.training_class.start_date > today],
        past=[e for e in reversed(rows) if e.training_class.end_date < today],
    )


def own_enrollment_for(actor, class_pk) -> Enrollment:
    """The cadre's enrollment in the class (a live one first); NotFound for any other class."""
    try:
        class_pk = int(class_pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    rows = list(own_enrollments(actor).filter(training_class_id=class_pk).select_related(
        "training_class__institution", "training_class__head_teacher", "cadre__person", "unit"))
    if not rows:
        raise NotFound()
    rows.sort(key=lambda e: (not e.is_live, -e.pk))
    return rows[0]


@dataclass
class TimetableDay:
    date: dt.date
    is_today: bool
    sessions: list[Session]


def own_timetable(enrollment: Enrollment, *, today: dt.date | None = None) -> list[TimetableDay]:
    """The class's sessions grouped by day (the cadre holds the enrollment already)."""
    today = today or timezone.localdate()
    days: dict[dt.date, list[Session]] = {}
    for session in sessions_of(enrollment.training_class):
        days.setdefault(session.date, []).append(session)
    return [TimetableDay(day, day == today, items) for day, items in days.items()]


