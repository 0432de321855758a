"""Reads of themed online classes, always through the scope gate.

Progress is computed, never stored: a member's progress is the aggregate of their
learning.StudyProgress rows for the class's courses (joined through the member's account), in
**one grouped query for all members** of the class (5,000 members → one query, one row each):

* `completed_required` — required courses of the class the member has completed;
* `completed` — courses of the class completed (required and elective);
* `credit_hours` — the learning app's converted hours (StudyProgress.credit_hours) of those
  completed courses, summed;
* `studied_seconds` — server-credited study time on the class's courses, completed or not;
* **complete** ⇔ every required course completed *and* credit_hours ≥ the class's required
  hours. A course completed before the class opened counts: progress is one per learner and
  course, so a course cannot be studied twice.

A unit liaison sees the members of their unit subtree only (ThemedClassMember hangs on the
member's unit at the time they joined); the org department sees its whole audience. Missing and
out of reach are the same NotFound.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from ganxun.access import scope
from ganxun.core.errors import NotFound
from ganxun.learning.models import CourseStatus, StudyProgress
from ganxun.onlineclasses.models import (
    ThemedClass,
    ThemedClassCourse,
    ThemedClassMember,
    ThemedClassReminder,
    ThemedClassStatus,
)
from ganxun.people.models import Cadre

VIEW, MANAGE = "onlineclasses.view", "onlineclasses.manage"


# --- the audience ------------------------------------------------------------------------------

def themed_class_region(themed_class: ThemedClass):
    """The region the owning org department serves (its parent node): members live under it."""
    return themed_class.owner.parent or themed_class.owner


def themed_class_audience(themed_class: ThemedClass) -> QuerySet[Cadre]:
    """The cadres the class is for: the named list when there is one, else serving cadres in units
    under the audience root, filtered by rank and category — always within the owner's region.
    (The rule of planning.services.survey_audience, kept here for a ThemedClass: planning is a
    process app on the same layer, and its function takes a Survey.)"""
    region = themed_class_region(themed_class)
    named = themed_class.named_cadres.all() if themed_class.pk else Cadre.objects.none()
    if themed_class.pk and named.exists():
        qs = named.filter(is_active=True)
    else:
        qs = Cadre.objects.filter(is_active=True, unit__path__startswith=themed_class.audience_root.path)
        if themed_class.audience_rank:
            qs = qs.filter(rank=themed_class.audience_rank)
        if themed_class.audience_category:
            qs = qs.filter(category=themed_class.audience_category)
    return qs.filter(unit__path__startswith=region.path)


def course_reach_path(course) -> str:
    """The subtree whose learners see a published course (learning.selectors.courses_for_learner:
    the owner's parent or the owner is one of the learner's unit's ancestors) — the owner's
    parent's subtree, or the owner's own when it has no parent."""
    owner = course.owner
    return owner.parent.path if owner.parent_id else owner.path


def course_hidden_from(course, cadres: QuerySet[Cadre]) -> Cadre | None:
    """A cadre of `cadres` who could not open the course's page (None when all can): the course
    is not published, or their unit lies outside its reach."""
    if course.status != CourseStatus.PUBLISHED:
        return cadres.select_related("person", "unit").first()
    return cadres.exclude(unit__path__startswith=course_reach_path(course)).select_related("person", "unit").first()


def audience_preview(themed_class: ThemedClass) -> list[dict]:
    """Who the class is for, per unit: [{unit_id, unit__name, unit__path, count}] in tree order —
    the cadres opening would enrol (a draft), or the members (open or closed)."""
    qs = themed_class_audience(themed_class) if themed_class.is_draft else themed_class.members.all()
    return list(qs.values("unit_id", "unit__name", "unit__path").annotate(count=Count("id")).order_by("unit__path"))


# --- the back office -------------------------------------------------------------------------------

def themed_classes_for(actor, *, status: str = "") -> QuerySet[ThemedClass]:
    """Classes in scope, newest first; drafts only for those who manage classes."""
    qs = scope.scoped(actor, ThemedClass.objects.select_related("owner", "audience_root"), permission=VIEW)
    qs = ThemedClass.objects.filter(pk__in=qs.values("pk")).select_related("owner", "audience_root")
    if not scope.can(actor, MANAGE):
        qs = qs.exclude(status=ThemedClassStatus.DRAFT)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-start_date", "-id")


def themed_class_get_for(actor, pk, *, permission: str = VIEW) -> ThemedClass:
    """One class in scope (404 for missing and not-yours alike). Drafts need the manage right."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    qs = scope.scoped(actor, ThemedClass.objects.select_related("owner__parent", "audience_root"),
                      permission=permission)
    themed_class = qs.filter(pk=pk).distinct().first()
    if themed_class is None or (themed_class.is_draft and not scope.can(actor, MANAGE)):
        raise NotFound()
    return themed_class


def class_courses(themed_class: ThemedClass) -> list[ThemedClassCourse]:
    return list(themed_class.class_courses.select_related("course__owner", "course__teacher__person"))


def member_counts(actor, rows: list[ThemedClass]) -> list[ThemedClass]:
    """Set `member_count` on each class: its members the actor may see. One query."""
    ids = [c.pk for c in rows]
    counts = dict(scope.scoped(actor, ThemedClassMember, permission=VIEW).filter(themed_class__in=ids)
                  .values("themed_class_id").annotate(n=Count("id")).values_list("themed_class_id", "n"))
    for themed_class in rows:
        themed_class.member_count = counts.get(themed_class.pk, 0)
    return rows


# --- progress ------------------------------------------------------------------------------------

@dataclass
class MemberProgress:
    member_id: int
    cadre_id: int
    name: str
    unit_id: int
    unit_name: str
    unit_path: str
    rank: str
    completed_required: int
    required_count: int
    completed: int
    course_count: int
    credit_hours: Decimal
    required_hours: Decimal
    studied_seconds: int

    @property
    def is_complete(self) -> bool:
        return self.completed_required >= self.required_count and self.credit_hours >= self.required_hours

    @property
    def started(self) -> bool:
        return self.studied_seconds > 0 or self.completed > 0

    @property
    def percent(self) -> int:
        """For the progress bar: the smaller of the required-course share and the hours share
        (each 100 when nothing of that kind is asked), 100 only when complete."""
        shares = []
        if self.required_count:
            shares.append(self.completed_required / self.required_count)
        if self.required_hours > 0:
            shares.append(float(self.credit_hours / self.required_hours))
        share = min(shares) if shares else 1.0
        return 100 if self.is_complete else min(int(share * 100), 99)


def member_progress(themed_class: ThemedClass, members: QuerySet[ThemedClassMember]) -> list[MemberProgress]:
    """The progress of `members` (of this class) — one grouped query, ordered by unit and name."""
    links = list(themed_class.class_courses.values_list("course_id", "is_required"))
    course_ids = [course_id for course_id, _ in links]
    required_ids = [course_id for course_id, required in links if required]
    progress = "cadre__person__account__study_progress"
    rows = (members.filter(themed_class=themed_class)
            .annotate(p=FilteredRelation(progress, condition=Q(**{f"{progress}__course_id__in": course_ids})))
            .values("pk", "cadre_id", "cadre__person__name", "cadre__rank", "unit_id", "unit__name", "unit__path")
            .annotate(completed=Count("p", filter=Q(p__completed_at__isnull=False)),
                      completed_required=Count("p", filter=Q(p__completed_at__isnull=False,
                                                             p__course_id__in=required_ids)),
                      hours=Sum("p__credit_hours", filter=Q(p__completed_at__isnull=False)),
                      seconds=Sum("p__credited_seconds"))
            .order_by("unit__path", "cadre__person__name", "pk"))
    return [MemberProgress(
        member_id=r["pk"], cadre_id=r["cadre_id"], name=r["cadre__person__name"], unit_id=r["unit_id"],
        unit_name=r["unit__name"], unit_path=r["unit__path"], rank=r["cadre__rank"],
        completed_required=r["completed_required"], required_count=len(required_ids), completed=r["completed"],
        course_count=len(course_ids), credit_hours=Decimal(r["hours"] or 0), required_hours=themed_class.required_hours,
        studied_seconds=int(r["seconds"] or 0)) for r in rows]


@dataclass
class UnitCompletion:
    unit_id: int
    unit_name: str
    unit_path: str
    members: int = 0
    complete: int = 0
    started: int = 0
    credit_hours: Decimal = Decimal("0")

    @property
    def not_started(self) -> int:
        return self.members - self.started

    @property
    def in_progress(self) -> int:
        return self.started - self.complete

    @property
    def rate(self) -> float | None:
        return self.complete / self.members if self.members else None


@dataclass
class Completion:
    themed_class: ThemedClass
    units: list[UnitCompletion] = field(default_factory=list)
    people: list[MemberProgress] = field(default_factory=list)

    @property
    def members(self) -> int:
        return sum(u.members for u in self.units)

    @property
    def complete(self) -> int:
        return sum(u.complete for u in self.units)

    @property
    def rate(self) -> float | None:
        return self.complete / self.members if self.members else None


def completion_by_unit(actor, themed_class: ThemedClass) -> Completion:
    """Completion per unit over the members the actor may see (a liaison: their unit subtree).

    Per unit (the member's unit when they joined): members, complete (see module docstring),
    started (any credited study or a completed course), in progress = started − complete, not
    started = members − started, rate = complete ÷ members, credit_hours = the sum of members'
    hours. One query for the whole class."""
    members = scope.scoped(actor, ThemedClassMember, permission=VIEW)
    people = member_progress(themed_class, members)
    units: dict[int, UnitCompletion] = {}
    for person in people:
        unit = units.get(person.unit_id)
        if unit is None:
            unit = units[person.unit_id] = UnitCompletion(person.unit_id, person.unit_name, person.unit_path)
        unit.members += 1
        unit.complete += person.is_complete
        unit.started += person.started
        unit.credit_hours += person.credit_hours
    return Completion(themed_class, sorted(units.values(), key=lambda u: u.unit_path), people)


# --- the learner -----------------------------------------------------------------------------------

@dataclass
class LearnerClass:
    themed_class: ThemedClass
    member: ThemedClassMember
    progress: MemberProgress
    today: dt.date

    @property
    def days_left(self) -> int:
        return (self.themed_class.deadline - self.today).days

    @property
    def days_overdue(self) -> int:
        return max(-self.days_left, 0)

    @property
    def overdue(self) -> bool:
        return self.days_left < 0 and not self.progress.is_complete


def _own_memberships(actor) -> QuerySet[ThemedClassMember]:
    # A learner's own rows, whatever unit the membership was recorded under (a cadre moved since
    # keeps their class), so not the path rule of the scope gate.
    if not scope.can(actor, "self.view"):
        return ThemedClassMember.objects.none()
    return (ThemedClassMember.objects.filter(cadre__person__account=actor).exclude(themed_class__status=ThemedClassStatus.DRAFT)
            .select_related("themed_class__owner"))


def themed_classes_of_learner(actor, *, current_only: bool = False, today: dt.date | None = None) -> list[LearnerClass]:
    """The learner's themed classes with their progress: open ones by deadline first, then closed.
    `current_only`: open classes only (the home card). One progress query per class."""
    today = today or timezone.localdate()
    memberships = _own_memberships(actor)
    if current_only:
        memberships = memberships.filter(themed_class__status=ThemedClassStatus.OPEN)
    result = []
    for member in memberships.order_by("themed_class__status", "themed_class__deadline", "id"):
        progress = member_progress(member.themed_class, ThemedClassMember.objects.filter(pk=member.pk))
        result.append(LearnerClass(member.themed_class, member, progress[0], today))
    # "closed" sorts before "open": open classes first.
    result.sort(key=lambda c: (c.themed_class.status != ThemedClassStatus.OPEN, c.themed_class.deadline))
    return result


def learner_themed_class_get(actor, pk, *, today: dt.date | None = None) -> LearnerClass:
    """A class the actor is a member of (open or closed), with progress; NotFound otherwise."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    member = _own_memberships(actor).filter(themed_class_id=pk).first()
    if member is None:
        raise NotFound()
    progress = member_progress(member.themed_class, ThemedClassMember.objects.filter(pk=member.pk))
    return LearnerClass(member.themed_class, member, progress[0], today or timezone.localdate())


def learner_course_rows(actor, themed_class: ThemedClass) -> list[dict]:
    """The class's courses for a member: the course, required or not, and the member's own
    progress row (or None). Two queries."""
    from ganxun.learning.models import StudyProgress

    links = class_courses(themed_class)
    progress = {p.course_id: p for p in StudyProgress.objects.filter(
        account=actor, course_id__in=[link.course_id for link in links])}
    return [{"link": link, "course": link.course, "progress": progress.get(link.course_id),
             "available": link.course.status == CourseStatus.PUBLISHED} for link in links]


def unread_reminders(actor) -> list[ThemedClassReminder]:
    """The learner's unread reminders of open classes, newest first."""
    if not scope.can(actor, "self.view"):
        return []
    return list(ThemedClassReminder.objects
                .filter(member__cadre__person__account=actor, read_at__isnull=True,
                        member__themed_class__status=ThemedClassStatus.OPEN)
                .select_related("member__themed_class"))


# --- the home page's to-do card (portal.todo) ----------------------------------------------------

DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class ClassDueSoon:
    themed_class: ThemedClass
    members: int
    complete: int

    @property
    def percent(self) -> int:
        """complete ÷ members in whole per cent, rounded as the completion page rounds its total
        (widthratio), but never 100 while someone is not complete."""
        if not self.members:
            return 0
        value = round(self.complete / self.members * 100)
        return min(value, 99) if self.complete < self.members else 100


def themed_classes_due_soon(actor, *, today: dt.date | None = None) -> list[ClassDueSoon]:
    """The actor's open classes whose deadline is near and whose completion is below 100 %, the
    soonest deadline first (then the lowest completion).

    Classes: open (进行中), owned by an org-department node in the actor's subtree
    (`onlineclasses.manage`: the department that runs them), deadline from today to today +
    DUE_SOON_DAYS (7) inclusive — a class past its deadline is not counted. Completion: members the
    actor may see (as on the completion page; the owner sees every member) that are complete in
    the sense of `member_progress` — every required course of the class completed and the credit
    hours of the completed courses of the class ≥ the class's required hours — over those members.
    Classes without members, or whose members are all complete, are left out. Two queries.
    """
    today = today or timezone.localdate()
    root = scope.scope_path(actor)
    if root is None or not scope.can(actor, MANAGE):
        return []
    classes = list(scope.scoped(actor, ThemedClass, permission=MANAGE)
                   .filter(status=ThemedClassStatus.OPEN, owner__path__startswith=root,
                           deadline__gte=today, deadline__lte=today + dt.timedelta(days=DUE_SOON_DAYS))
                   .distinct().order_by("deadline", "id"))
    if not classes:
        return []
    # Per member (of the outer query): a required course of their class they have not completed,
    # and the credit hours of the class's courses they have completed.
    completed = StudyProgress.objects.filter(account=OuterRef(OuterRef("cadre__person__account")),
                                             course=OuterRef("course"), completed_at__isnull=False)
    missing = ThemedClassCourse.objects.filter(themed_class=OuterRef("themed_class"), is_required=True).filter(
        ~Exists(completed))
    hours = (StudyProgress.objects.filter(account=OuterRef("cadre__person__account"), completed_at__isnull=False,
                                          course__themed_class_links__themed_class=OuterRef("themed_class"))
             .order_by().values("account").annotate(total=Sum("credit_hours")).values("total"))
    decimal = DecimalField(max_digits=12, decimal_places=2)
    hours_done = Coalesce(Subquery(hours, output_field=decimal), Value(Decimal("0")), output_field=decimal)
    complete = Q(required_missing=False) & Q(hours_done__gte=F("themed_class__required_hours"))
    members = (scope.scoped(actor, ThemedClassMember, permission=VIEW).filter(themed_class__in=classes)
               .annotate(required_missing=Exists(missing), hours_done=hours_done))
    counts = {row["themed_class_id"]: row for row in members.order_by().values("themed_class_id").annotate(
        members=Count("pk"), complete=Count("pk", filter=complete))}
    due = [ClassDueSoon(c, counts[c.pk]["members"], counts[c.pk]["complete"]) for c in classes
           if c.pk in counts and counts[c.pk]["complete"] < counts[c.pk]["members"]]
    due.sort(key=lambda d: (d.themed_class.deadline, d.complete / d.members, d.themed_class.pk))
    return due
