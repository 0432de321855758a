"""Reads of the evaluation — every one starts from the scope gate.

Who sees which ratings:

* `evaluation.view` (org department, institution admin, head teacher, leader): the aggregated
  figures and the comments (without names) of the classes in the role's scope; head teachers
  only the classes they head.
* `evaluation.own` (teacher): the aggregated figures of the sessions they taught, nothing else.
* the cadre (`self.view`): their own ratings, to see and change them.

No selector returns a rating together with the name of the cadre who gave it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from ganxun.access import scope
from ganxun.access.roles import Role
from ganxun.attendance.models import AttendanceRecord
from ganxun.classes.models import Session, TrainingClass
from ganxun.classes.selectors import sessions_of
from ganxun.core.errors import NotFound
from ganxun.evaluation import aggregates, rules
from ganxun.evaluation.models import (
    ACTIVE_RECTIFICATION,
    ClassRating,
    FollowUp,
    LearningScore,
    RectificationItem,
    RectificationStatus,
    SessionRating,
)
from ganxun.org.models import Organisation
from ganxun.roster.models import Enrollment, EnrollmentStatus

# Enrollments whose cadre may rate sessions they attended (a cadre dropped later keeps those).
RATING_ENROLLMENT_STATUSES = (EnrollmentStatus.APPROVED, EnrollmentStatus.DROPPED)


# --- classes in the evaluation's scope ---------------------------------------------------------

def evaluation_classes_for(actor) -> QuerySet[TrainingClass]:
    """Classes whose evaluation the actor may read (`evaluation.view`); head teachers: their own."""
    if not scope.can(actor, "evaluation.view"):
        return TrainingClass.objects.none()
    qs = scope.scoped(actor, TrainingClass, permission="evaluation.view")
    role = scope.active_role(actor)
    if role is not None and role.role == Role.HEAD_TEACHER:
        qs = qs.filter(head_teacher=actor.pk)
    return qs


def evaluation_class_list_for(actor, *, institution: int | None = None, date_from: dt.date | None = None,
                              date_to: dt.date | None = None, q: str = "") -> QuerySet[TrainingClass]:
    """Classes with their evaluation, filtered by institution and by a period that the class
    overlaps (start ≤ to and end ≥ from)."""
    qs = evaluation_classes_for(actor)
    if institution:
        qs = qs.filter(institution_id=institution)
    if date_from:
        qs = qs.filter(end_date__gte=date_from)
    if date_to:
        qs = qs.filter(start_date__lte=date_to)
    if q := (q or "").strip():
        qs = qs.filter(title__icontains=q)
    return qs.select_related("institution", "organiser", "head_teacher").order_by("-start_date", "-id")


def evaluation_class_get_for(actor, pk) -> TrainingClass:
    return scope.get_for(actor, evaluation_classes_for(actor).select_related("institution", "organiser",
                                                                              "head_teacher"),
                         pk, permission="evaluation.view")


def evaluation_institutions_for(actor) -> QuerySet[Organisation]:
    """Institutions of the classes the actor may evaluate (choices of the filters)."""
    ids = evaluation_classes_for(actor).order_by().values("institution_id")
    return Organisation.objects.filter(pk__in=ids).order_by("path")


def evaluation_sessions_for(actor, *, institution: int | None = None, date_from: dt.date | None = None,
                            date_to: dt.date | None = None) -> QuerySet[Session]:
    """Sessions of the classes in the actor's evaluation scope, by session date and institution."""
    qs = Session.objects.filter(training_class__in=evaluation_classes_for(actor).values("pk"))
    if institution:
        qs = qs.filter(training_class__institution_id=institution)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    return qs


def teacher_rankings_for(actor, **filters) -> list[aggregates.TeacherFigures]:
    """Teachers ranked by the mean teacher score (授课教师) of their sessions in scope."""
    return aggregates.ranked(aggregates.teacher_figures(evaluation_sessions_for(actor, **filters)), "teaching")


def course_rankings_for(actor, **filters) -> list[aggregates.CourseFigures]:
    """Courses ranked by the mean content score (课程内容)."""
    return aggregates.ranked(aggregates.course_figures(evaluation_sessions_for(actor, **filters)), "content")


# --- one class ------------------------------------------------------------------------------

@dataclass
class SessionRow:
    session: Session
    figures: aggregates.Figures
    comments: list[str]


def class_session_rows(training_class: TrainingClass, *, with_comments: bool = True) -> list[SessionRow]:
    """The class's timetable with each session's figures (comments only from ≥ 3 responses)."""
    sessions = sessions_of(training_class)
    figures = aggregates.session_figures(Session.objects.filter(training_class=training_class))
    comments: dict[int, list[str]] = {}
    if with_comments:
        shown = [pk for pk, f in figures.items() if f.shown]
        for session_id, comment in (SessionRating.objects.filter(session_id__in=shown).exclude(comment="")
                                    .order_by("session_id", "comment").values_list("session_id", "comment")):
            comments.setdefault(session_id, []).append(comment)
    return [SessionRow(s, figures[s.pk], aggregates.merged_comments(comments.get(s.pk, []))) for s in sessions]


def class_comments(training_class: TrainingClass, figures: aggregates.Figures) -> list[str]:
    if not figures.shown:
        return []
    return aggregates.comments_of(ClassRating.objects.filter(training_class=training_class))


def class_followups(training_class: TrainingClass) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(training_class=training_class)


def class_rectifications(actor, training_class: TrainingClass) -> QuerySet[RectificationItem]:
    """The class's rectification items, for any reader of the class's evaluation."""
    return (RectificationItem.objects.filter(training_class=training_class)
            .select_related("owner_org", "owner", "session", "teacher__person").order_by("status", "due_on", "id"))


# --- the teacher's own ratings --------------------------------------------------------------

def own_sessions_for(actor) -> QuerySet[Session]:
    """Sessions the actor taught (their teacher profile's sessions), for `evaluation.own`."""
    if not scope.can(actor, "evaluation.own"):
        return Session.objects.none()
    return Session.objects.filter(teacher__person__account=actor.pk)


@dataclass
class OwnCourse:
    course: aggregates.CourseFigures
    comments: list[str]


def own_ratings_for(actor) -> dict:
    """The teacher's aggregated figures: overall, per course (with comments from ≥ 3 responses),
    and per session. Never another teacher's, never a name."""
    sessions = own_sessions_for(actor)
    courses = aggregates.course_figures(sessions)
    courses.sort(key=lambda c: (c.institution.path, c.title))
    shown = {(c.institution.pk, c.title) for c in courses if c.figures.shown}
    comments: dict[tuple[int, str], list[str]] = {}
    if shown:
        # Comments of sessions that reach the minimum themselves, like the means.
        for institution_id, title, comment in (
            aggregates.scored_session_ratings(sessions).exclude(comment="").order_by("comment")
            .values_list("session__training_class__institution_id", "session__title", "comment")
        ):
            if (institution_id, title) in shown:
                comments.setdefault((institution_id, title), []).append(comment)
    rated = sessions.filter(Exists(SessionRating.objects.filter(session=OuterRef("pk"))))
    session_figures = aggregates.session_figures(rated)
    rows = [(s, session_figures[s.pk]) for s in
            rated.select_related("training_class").order_by("-date", "-start_time", "-id")]
    return {"overall": aggregates.overall_session_figures(rated),
            "courses": [OwnCourse(c, aggregates.merged_comments(comments.get((c.institution.pk, c.title), [])))
                        for c in courses],
            "sessions": rows}


# --- the cadre's side -----------------------------------------------------------------------

def own_enrollments_for(actor) -> QuerySet[Enrollment]:
    """The actor's own enrollments that may carry ratings (approved, or dropped later)."""
    if not scope.can(actor, "self.view"):
        return Enrollment.objects.none()
    # Only the rows the actor owns, whatever the role's scope node (a cadre's scope is their unit).
    owner = scope.rule_for(Enrollment).owner_lookup
    return (Enrollment.objects.filter(**{owner: actor.pk}, status__in=RATING_ENROLLMENT_STATUSES)
            .select_related("training_class", "training_class__evaluation_settings"))


def own_enrollment_in(actor, training_class_id: int) -> Enrollment:
    enrollment = own_enrollments_for(actor).filter(training_class_id=training_class_id).order_by("-id").first()
    if enrollment is None:
        raise NotFound()
    return enrollment


def rateable_session_get_for(actor, pk) -> tuple[Session, Enrollment]:
    """A session of one of the actor's own classes, with the actor's enrollment in it (404 otherwise)."""
    try:
        session = Session.objects.select_related("training_class", "teacher__person").get(pk=int(pk))
    except (Session.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    return session, own_enrollment_in(actor, session.training_class_id)


def rateable_class_get_for(actor, pk) -> tuple[TrainingClass, Enrollment]:
    enrollment = own_enrollment_in(actor, _int(pk))
    return enrollment.training_class, enrollment


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


@dataclass
class SessionItem:
    """One session on the learner's panel: may it be rated now, and the cadre's own rating."""

    session: Session
    open: bool
    rating: SessionRating | None
    expanded: bool = False   # the panel opens the form of the first item waiting for a rating

    @property
    def values(self) -> dict:
        """What the form shows: the cadre's own rating, or nothing yet."""
        r = self.rating
        return {"content": r.content if r else None, "teaching": r.teaching if r else None,
                "comment": r.comment if r else ""}


@dataclass
class LearnerState:
    enrollment: Enrollment
    sessions: list[SessionItem]
    class_open: bool
    class_rating: ClassRating | None
    class_attended: bool
    opens_on: dt.date
    last_day: dt.date

    @property
    def pending(self) -> int:
        """Open items not yet rated."""
        count = sum(1 for item in self.sessions if item.open and item.rating is None)
        if self.class_open and self.class_attended and self.class_rating is None:
            count += 1
        return count

    @property
    def class_expanded(self) -> bool:
        return self.class_open and self.class_attended and self.class_rating is None

    @property
    def class_values(self) -> dict:
        r = self.class_rating
        return {"content": r.content if r else None, "organisation": r.organisation if r else None,
                "logistics": r.logistics if r else None, "comment": r.comment if r else ""}

    @property
    def has_content(self) -> bool:
        return bool(self.sessions) or (self.class_attended and (self.class_open or self.class_rating is not None))


def learner_state(enrollment: Enrollment, *, now: dt.datetime | None = None) -> LearnerState:
    """What the cadre of `enrollment` may rate: the sessions they attended (present/late) that
    have started, and the class when its rating is open."""
    now = now or timezone.now()
    training_class = enrollment.training_class
    settings = rules.settings_of(training_class)
    attended_ids = set(AttendanceRecord.objects.filter(enrollment=enrollment, status__in=aggregates.ATTENDED)
                       .values_list("session_id", flat=True))
    ratings = {r.session_id: r for r in SessionRating.objects.filter(enrollment=enrollment)}
    items = []
    for session in sessions_of(training_class):
        if session.pk not in attended_ids or rules.session_opens_at(session) > now:
            continue
        items.append(SessionItem(session, rules.session_open(session, training_class, settings, now),
                                 ratings.get(session.pk)))
    items.reverse()  # the latest session first: the one the cadre just left
    state = LearnerState(
        enrollment=enrollment, sessions=items,
        class_open=rules.class_rating_open(training_class, settings, now),
        class_rating=ClassRating.objects.filter(training_class=training_class, enrollment=enrollment).first(),
        class_attended=enrollment.status == EnrollmentStatus.APPROVED and bool(attended_ids),
        opens_on=training_class.end_date, last_day=rules.last_rating_day(training_class, settings),
    )
    if not state.class_expanded:
        first = next((item for item in items if item.open and item.rating is None), None)
        if first is not None:
            first.expanded = True
    return state


def own_rating_items_for(actor, *, now: dt.datetime | None = None) -> list[LearnerState]:
    """The learner's classes that have something to rate or rated (newest class first)."""
    states = [learner_state(e, now=now) for e in own_enrollments_for(actor).order_by("-training_class__start_date")]
    return [s for s in states if s.has_content]


# --- L2 -------------------------------------------------------------------------------------

def roster_of(training_class: TrainingClass) -> list[Enrollment]:
    """Approved enrollments of the class (the cadres who take the tests), by seat number."""
    return list(Enrollment.objects.filter(training_class=training_class, status=EnrollmentStatus.APPROVED)
                .select_related("cadre__person", "unit", "learning_score").order_by("seat_no", "id"))


def learning_scores_of(training_class: TrainingClass) -> QuerySet[LearningScore]:
    return LearningScore.objects.filter(training_class=training_class)


# --- L3 -------------------------------------------------------------------------------------

def followups_for(actor, *, permission: str = "evaluation.followup") -> QuerySet[FollowUp]:
    """Follow-ups in the actor's scope: the liaison's unit (and its sub-units)."""
    return scope.scoped(actor, FollowUp, permission=permission)


FOLLOWUP_STATES = {"pending": "待填报", "overdue": "已逾期", "answered": "已填报"}


def followup_state_filter(state: str, today: dt.date | None = None) -> Q:
    today = today or timezone.localdate()
    if state == "pending":
        return Q(answered_at__isnull=True, due_on__gte=today)
    if state == "overdue":
        return Q(answered_at__isnull=True, due_on__lt=today)
    if state == "answered":
        return Q(answered_at__isnull=False)
    return Q()


def liaison_followups_for(actor, *, state: str = "", class_id: int | None = None) -> QuerySet[FollowUp]:
    qs = followups_for(actor).filter(followup_state_filter(state))
    if class_id:
        qs = qs.filter(training_class_id=class_id)
    return qs.select_related("training_class", "unit", "enrollment__cadre__person")


def liaison_class_get_for(actor, pk) -> TrainingClass:
    """A class with at least one follow-up of the liaison's units (404 otherwise)."""
    ids = followups_for(actor).values("training_class_id")
    try:
        return TrainingClass.objects.select_related("institution").filter(pk__in=ids).get(pk=_int(pk))
    except TrainingClass.DoesNotExist:
        raise NotFound() from None


def followup_get_for(actor, pk) -> FollowUp:
    return scope.get_for(actor, followups_for(actor).select_related("training_class", "enrollment__cadre__person"),
                         pk, permission="evaluation.followup")


def followup_overview_for(actor, *, state: str = "", class_id: int | None = None) -> list[dict]:
    """Completion of follow-ups per class and unit in the org department's scope."""
    classes = evaluation_classes_for(actor)
    qs = FollowUp.objects.filter(training_class__in=classes.values("pk"))
    if class_id:
        qs = qs.filter(training_class_id=class_id)
    grouped = aggregates.followup_figures(qs, ("training_class_id", "unit_id"))
    class_map = TrainingClass.objects.select_related("institution").in_bulk({k[0] for k in grouped})
    unit_map = Organisation.objects.in_bulk({k[1] for k in grouped})
    rows = [{"training_class": class_map[c], "unit": unit_map[u], "figures": f} for (c, u), f in grouped.items()]
    if state == "overdue":
        rows = [r for r in rows if r["figures"].overdue]
    elif state == "pending":
        rows = [r for r in rows if r["figures"].pending]
    elif state == "answered":
        rows = [r for r in rows if r["figures"].answered == r["figures"].total]
    rows.sort(key=lambda r: (-r["training_class"].end_date.toordinal(), r["training_class"].pk, r["unit"].path))
    return rows


# --- rectification ----------------------------------------------------------------------------

# The list's status filter also takes "active": the items still to be dealt with.
ACTIVE_FILTER = "active"


def _owned_by(actor, qs: QuerySet[RectificationItem]) -> QuerySet[RectificationItem]:
    """Items whose owner organisation (责任单位) lies in the role's subtree and is of the role's own
    kind: an org department (scope: a region) owns the items of regions, an institution admin
    those of institutions (see rectification_owned_counts_for)."""
    role = scope.active_role(actor)
    if role is None:
        return qs.none()
    return qs.filter(owner_org__path__startswith=role.scope.path, owner_org__kind=role.scope.kind)


def rectification_list_for(actor, *, status: str = "", overdue: bool = False, institution: int | None = None,
                           class_id: int | None = None, owned: bool = False,
                           today: dt.date | None = None) -> QuerySet[RectificationItem]:
    qs = scope.scoped(actor, RectificationItem, permission="rectification.manage")
    if owned:
        qs = _owned_by(actor, qs)
    if status == ACTIVE_FILTER:
        qs = qs.filter(status__in=ACTIVE_RECTIFICATION)
    elif status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status__in=ACTIVE_RECTIFICATION, due_on__lt=today or timezone.localdate())
    if institution:
        qs = qs.filter(institution_id=institution)
    if class_id:
        qs = qs.filter(training_class_id=class_id)
    return qs.select_related("training_class", "institution", "owner_org", "owner", "session",
                             "teacher__person").order_by("-created_at", "-id")


def rectification_get_for(actor, pk) -> RectificationItem:
    qs = scope.scoped(actor, RectificationItem, permission="rectification.manage").select_related(
        "training_class", "institution", "owner_org", "owner", "session", "teacher__person", "created_by")
    return scope.get_for(actor, qs, pk, permission="rectification.manage")


def rectification_institutions_for(actor) -> QuerySet[Organisation]:
    ids = scope.scoped(actor, RectificationItem, permission="rectification.manage").order_by().values(
        "institution_id")
    return Organisation.objects.filter(pk__in=ids).order_by("path")


def rectification_counts_for(actor) -> dict[str, int]:
    qs = scope.scoped(actor, RectificationItem, permission="rectification.manage")
    today = timezone.localdate()
    return {
        "active": qs.filter(status__in=ACTIVE_RECTIFICATION).count(),
        "overdue": qs.filter(status__in=ACTIVE_RECTIFICATION, due_on__lt=today).count(),
        "done": qs.filter(status=RectificationStatus.DONE).count(),
    }


# --- what waits for the actor (the home page's to-do card) ------------------------------------

def rectification_owned_counts_for(actor, *, today: dt.date | None = None) -> dict[str, int]:
    """Active rectification items (待整改 / 整改中) the actor's organisation is responsible for.

    `active`: items in the actor's `rectification.manage` scope whose owner organisation
    (责任单位) lies in the role's subtree and is of the role's own kind — an org department
    (scope: a region) owns the items of regions (L3 follow-up issues of the classes it runs, and
    items opened by hand for it); an institution admin those of institutions (L1 issues of its
    classes). Items it only reads (another owner's, in a class it runs) are not counted.
    `overdue`: of these, the ones due before today.
    """
    if not scope.can(actor, "rectification.manage"):
        return {"active": 0, "overdue": 0}
    today = today or timezone.localdate()
    qs = _owned_by(actor, scope.scoped(actor, RectificationItem, permission="rectification.manage")).filter(
        status__in=ACTIVE_RECTIFICATION)
    return qs.aggregate(active=Count("id"), overdue=Count("id", filter=Q(due_on__lt=today)))


def followups_overdue_count_for(actor, *, today: dt.date | None = None) -> int:
    """Follow-ups (L3) not answered by their due date in the classes whose evaluation the actor
    reads (evaluation_classes_for) — what the follow-up overview lists as 已逾期."""
    return (FollowUp.objects.filter(training_class__in=evaluation_classes_for(actor).values("pk"))
            .filter(followup_state_filter("overdue", today)).count())


@dataclass
class FollowUpsDue:
    """One class's follow-ups waiting for the liaison's answer."""

    training_class: TrainingClass
    pending: int        # not answered, due today or later
    overdue: int        # not answered, past the due date
    due_on: dt.date     # the earliest due date among them

    @property
    def total(self) -> int:
        return self.pending + self.overdue


def followups_due_by_class(actor, *, today: dt.date | None = None) -> list[FollowUpsDue]:
    """Per class, the follow-ups of the liaison's units (followups_for) not answered yet: the
    classes with overdue ones first, then by the earliest due date. Follow-ups exist once their
    date has come (the daily job creates them; the follow-up page creates missing ones too)."""
    if not scope.can(actor, "evaluation.followup"):
        return []
    today = today or timezone.localdate()
    grouped = (followups_for(actor).filter(answered_at__isnull=True).order_by().values("training_class_id")
               .annotate(pending=Count("id", filter=Q(due_on__gte=today)),
                         overdue=Count("id", filter=Q(due_on__lt=today)), due_on=Min("due_on")))
    rows = list(grouped)
    classes = TrainingClass.objects.in_bulk([row["training_class_id"] for row in rows])
    result = [FollowUpsDue(classes[row["training_class_id"]], row["pending"], row["overdue"], row["due_on"])
              for row in rows]
    result.sort(key=lambda r: (not r.overdue, r.due_on, r.training_class.pk))
    return result

