"""The figures of the evaluation, computed by GROUP BY in the database.

Definitions (also in docs/evaluation.md):

* **responses** — number of ratings in the group (one per cadre and session, or per cadre and class).
* **mean** of a dimension — sum of its scores / responses, rounded half-up to 2 decimals;
  shown only when responses ≥ MIN_RESPONSES (3), otherwise None ("—"), so a single rater
  cannot be identified. Means are exact: sums and counts come from the database and the
  division is done in Decimal.
* **attendees** — for a session: attendance records with status present or late; for a group
  of sessions (course, teacher, class): the sum over its sessions; for a class rating: approved
  enrollments of the class with at least one present/late record.
* **response rate** — responses / attendees (0–1), None when there are no attendees.
* **course** — the sessions of one institution with the same title and the same teacher, across
  its classes ("党史专题" by 汤姆 at the city party school is one course however many classes it
  is taught in).
* **L2 gain** — over cadres with both a pre- and a post-test score: mean post − mean pre; the
  share improved is the number with post > pre over that number.
* **L3** — follow-ups: total, answered, overdue (unanswered after due_on), and the means of the
  answered ones (applies, performance), with the same 3-response minimum.

Callers pass querysets that already went through the scope gate; nothing here widens them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.utils import timezone

from ganxun.attendance.models import AttendanceRecord, AttendanceStatus
from ganxun.classes.models import Session, TrainingClass
from ganxun.evaluation.models import MIN_RESPONSES, ClassRating, FollowUp, LearningScore, SessionRating
from ganxun.org.models import Organisation
from ganxun.people.models import Teacher
from ganxun.roster.models import Enrollment, EnrollmentStatus

ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
SESSION_DIMENSIONS = ("content", "teaching")
CLASS_DIMENSIONS = ("content", "organisation", "logistics")
FOLLOWUP_DIMENSIONS = ("applies", "performance")
CENT = Decimal("0.01")


def mean_of(total, count: int, *, minimum: int = MIN_RESPONSES) -> Decimal | None:
    """total / count rounded half-up to 2 decimals; None below `minimum` responses."""
    if not count or count < minimum:
        return None
    return (Decimal(total or 0) / Decimal(count)).quantize(CENT, rounding=ROUND_HALF_UP)


def rate_of(part: int, whole: int | None) -> Decimal | None:
    """part / whole as a fraction 0–1 (4 decimals); None without a denominator."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


@dataclass
class Figures:
    """Responses, attendees and score sums of one group, with its means and response rate.

    `scored` is the number of responses the sums cover, when it differs from `responses`: a
    group of several sessions (a course, a teacher, a class's sessions) or classes (an
    institution) scores only its members that reach MIN_RESPONSES themselves — otherwise the
    one rating of a small session could be worked out by subtracting the shown sessions from
    the group's total.
    """

    responses: int = 0
    attendees: int | None = None
    sums: dict[str, int] = field(default_factory=dict)
    scored: int | None = None

    @property
    def means(self) -> dict[str, Decimal | None]:
        count = self.responses if self.scored is None else self.scored
        return {name: mean_of(total, count) for name, total in self.sums.items()}

    @property
    def rate(self) -> Decimal | None:
        return rate_of(self.responses, self.attendees)

    @property
    def rate_percent(self) -> Decimal | None:
        rate = self.rate
        return None if rate is None else (rate * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def shown(self) -> bool:
        """Enough responses for means (and comments) to be shown."""
        return (self.responses if self.scored is None else self.scored) >= MIN_RESPONSES


def _key(row: dict, keys: tuple[str, ...]):
    return tuple(row[k] for k in keys) if len(keys) > 1 else row[keys[0]]


def _grouped(queryset: QuerySet, keys: tuple[str, ...], dimensions: Iterable[str]) -> dict:
    """{key tuple (or single key): {"n": count, dim: sum}} in one GROUP BY query."""
    sums = {d: Sum(d) for d in dimensions}
    rows = queryset.order_by().values(*keys).annotate(n=Count("id"), **sums)
    return {_key(r, keys): r for r in rows}


def _counted(queryset: QuerySet, keys: tuple[str, ...], *, distinct: bool = False) -> dict:
    rows = queryset.order_by().values(*keys).annotate(n=Count("id", distinct=distinct))
    return {_key(r, keys): r["n"] for r in rows}


def _group_figures(ratings: QuerySet, scored: QuerySet | None, attended: dict, keys: tuple[str, ...],
                   dimensions: tuple[str, ...]) -> dict:
    """Figures per group: responses from `ratings`, sums from `scored` (the ratings of the
    members that reach the minimum; None = all of them), attendees from `attended`."""
    if scored is None:
        all_rows = scored_rows = _grouped(ratings, keys, dimensions)
    else:
        all_rows, scored_rows = _grouped(ratings, keys, ()), _grouped(scored, keys, dimensions)
    out = {}
    for key, row in all_rows.items():
        part = scored_rows.get(key, {})
        out[key] = Figures(responses=row["n"], attendees=attended.get(key, 0),
                           sums={d: part.get(d) or 0 for d in dimensions},
                           scored=None if scored is None else part.get("n", 0))
    return out


def _figures(row: dict, dimensions: Iterable[str], attendees: int | None) -> Figures:
    return Figures(responses=row.get("n", 0), attendees=attendees, sums={d: row.get(d) or 0 for d in dimensions})


def _empty(dimensions: Iterable[str], attendees: int | None = None, *, grouped: bool = False) -> Figures:
    return Figures(responses=0, attendees=attendees, sums={d: 0 for d in dimensions},
                   scored=0 if grouped else None)


def _attendance(sessions: QuerySet) -> QuerySet:
    return AttendanceRecord.objects.filter(session__in=sessions, status__in=ATTENDED)


def _session_ratings(sessions: QuerySet) -> QuerySet:
    return SessionRating.objects.filter(session__in=sessions)


def scored_session_ratings(sessions: QuerySet) -> QuerySet:
    """Ratings of the sessions among `sessions` that have at least MIN_RESPONSES ratings."""
    enough = (SessionRating.objects.filter(session__in=sessions).order_by().values("session_id")
              .annotate(n=Count("id")).filter(n__gte=MIN_RESPONSES).values("session_id"))
    return SessionRating.objects.filter(session_id__in=enough)


def _scored_class_ratings(classes: QuerySet) -> QuerySet:
    enough = (ClassRating.objects.filter(training_class__in=classes).order_by().values("training_class_id")
              .annotate(n=Count("id")).filter(n__gte=MIN_RESPONSES).values("training_class_id"))
    return ClassRating.objects.filter(training_class_id__in=enough)


# --- sessions -------------------------------------------------------------------------------

def session_figures(sessions: QuerySet[Session]) -> dict[int, Figures]:
    """Figures of each session (content, teaching), keyed by session id; every session appears."""
    keys = ("session_id",)
    attended = _counted(_attendance(sessions), keys)
    rated = _group_figures(_session_ratings(sessions), None, attended, keys, SESSION_DIMENSIONS)
    ids = sessions.order_by().values_list("pk", flat=True)
    return {pk: rated.get(pk) or _empty(SESSION_DIMENSIONS, attended.get(pk, 0)) for pk in ids}


def overall_session_figures(sessions: QuerySet[Session]) -> Figures:
    """All the session ratings of `sessions` together (e.g. a teacher's overall figures); means
    over the sessions with at least MIN_RESPONSES ratings."""
    responses = _session_ratings(sessions).count()
    row = scored_session_ratings(sessions).aggregate(n=Count("id"), content=Sum("content"),
                                                       teaching=Sum("teaching"))
    return Figures(responses=responses, attendees=_attendance(sessions).count(),
                   sums={d: row.get(d) or 0 for d in SESSION_DIMENSIONS}, scored=row["n"] or 0)


# --- courses and teachers -------------------------------------------------------------------

COURSE_KEY = ("session__training_class__institution_id", "session__title", "session__teacher_id")


@dataclass
class CourseFigures:
    institution: Organisation
    title: str
    teacher: Teacher | None
    sessions: int
    classes: int
    figures: Figures

    @property
    def key(self) -> str:
        """A stable identifier of the course for links and the API: "<institution>:<teacher or 0>:<title>"."""
        return f"{self.institution.pk}:{self.teacher.pk if self.teacher else 0}:{self.title}"


def course_figures(sessions: QuerySet[Session]) -> list[CourseFigures]:
    """One entry per course that has at least one rating among `sessions`."""
    attended = _counted(_attendance(sessions), COURSE_KEY)
    rated = _group_figures(_session_ratings(sessions), scored_session_ratings(sessions), attended, COURSE_KEY,
                           SESSION_DIMENSIONS)
    if not rated:
        return []
    shape = {
        (r["training_class__institution_id"], r["title"], r["teacher_id"]): r
        for r in sessions.order_by().values("training_class__institution_id", "title", "teacher_id")
        .annotate(sessions=Count("id"), classes=Count("training_class_id", distinct=True))
    }
    institutions = Organisation.objects.in_bulk({k[0] for k in rated})
    teachers = Teacher.objects.select_related("person").in_bulk({k[2] for k in rated if k[2]})
    out = []
    for key, figures in rated.items():
        institution_id, title, teacher_id = key
        out.append(CourseFigures(
            institution=institutions[institution_id], title=title, teacher=teachers.get(teacher_id),
            sessions=shape.get(key, {}).get("sessions", 0), classes=shape.get(key, {}).get("classes", 0),
            figures=figures,
        ))
    return out


@dataclass
class TeacherFigures:
    teacher: Teacher
    sessions: int
    courses: int
    figures: Figures


def teacher_figures(sessions: QuerySet[Session]) -> list[TeacherFigures]:
    """One entry per teacher with at least one rating among `sessions` (sessions without a teacher
    count for courses but not here)."""
    sessions = sessions.filter(teacher__isnull=False)
    keys = ("session__teacher_id",)
    attended = _counted(_attendance(sessions), keys)
    rated = _group_figures(_session_ratings(sessions), scored_session_ratings(sessions), attended, keys,
                           SESSION_DIMENSIONS)
    if not rated:
        return []
    shape = {
        r["teacher_id"]: r for r in sessions.order_by().values("teacher_id").annotate(
            sessions=Count("id"), courses=Count("title", distinct=True))
    }
    teachers = Teacher.objects.select_related("person", "institution").in_bulk(list(rated))
    return [TeacherFigures(teacher=teachers[pk], sessions=shape.get(pk, {}).get("sessions", 0),
                           courses=shape.get(pk, {}).get("courses", 0), figures=figures)
            for pk, figures in rated.items()]


def ranked(entries: list, dimension: str) -> list:
    """Entries with a shown mean of `dimension` first, best mean first (then more responses,
    then name); entries below the response minimum follow, unranked, by responses."""
    def name(entry) -> str:
        teacher = getattr(entry, "teacher", None)
        return (getattr(entry, "title", "") or "") + (teacher.person.name if teacher else "")

    shown = [e for e in entries if e.figures.means.get(dimension) is not None]
    hidden = [e for e in entries if e.figures.means.get(dimension) is None]
    shown.sort(key=lambda e: (-e.figures.means[dimension], -e.figures.responses, name(e)))
    hidden.sort(key=lambda e: (-e.figures.responses, name(e)))
    return shown + hidden


# --- classes and institutions ---------------------------------------------------------------

@dataclass
class ClassFigures:
    """A class's own ratings (content, organisation, logistics) and its sessions' ratings together."""

    reaction: Figures
    sessions: Figures


def _class_attendees(classes: QuerySet[TrainingClass], key: str) -> dict:
    enrollments = Enrollment.objects.filter(training_class__in=classes, status=EnrollmentStatus.APPROVED,
                                            attendance__status__in=ATTENDED)
    # The join with attendance repeats an enrollment once per attended session.
    return _counted(enrollments, (key,), distinct=True)


def class_figures(classes: QuerySet[TrainingClass]) -> dict[int, ClassFigures]:
    """Figures of every class in `classes`, keyed by class id (classes without ratings included)."""
    key = ("training_class_id",)
    attendees = _class_attendees(classes, key[0])
    reaction = _group_figures(ClassRating.objects.filter(training_class__in=classes), None, attendees, key,
                              CLASS_DIMENSIONS)
    sessions = Session.objects.filter(training_class__in=classes)
    session_key = ("session__training_class_id",)
    session_attended = _counted(_attendance(sessions), session_key)
    session_rated = _group_figures(_session_ratings(sessions), scored_session_ratings(sessions), session_attended,
                                   session_key, SESSION_DIMENSIONS)
    return {pk: ClassFigures(
        reaction=reaction.get(pk) or _empty(CLASS_DIMENSIONS, attendees.get(pk, 0)),
        sessions=session_rated.get(pk) or _empty(SESSION_DIMENSIONS, session_attended.get(pk, 0), grouped=True),
    ) for pk in classes.order_by().values_list("pk", flat=True)}


@dataclass
class InstitutionFigures:
    institution: Organisation
    classes: int
    reaction: Figures
    sessions: Figures


def institution_figures(classes: QuerySet[TrainingClass]) -> list[InstitutionFigures]:
    """Per institution of `classes`: the class ratings and the session ratings of those classes
    (means over the classes / sessions that reach the minimum themselves)."""
    key = ("training_class__institution_id",)
    attendees = _class_attendees(classes, key[0])
    reaction = _group_figures(ClassRating.objects.filter(training_class__in=classes),
                              _scored_class_ratings(classes), attendees, key, CLASS_DIMENSIONS)
    sessions = Session.objects.filter(training_class__in=classes)
    session_key = ("session__training_class__institution_id",)
    session_attended = _counted(_attendance(sessions), session_key)
    session_rated = _group_figures(_session_ratings(sessions), scored_session_ratings(sessions), session_attended,
                                   session_key, SESSION_DIMENSIONS)
    counts = {r["institution_id"]: r["n"] for r in
              classes.order_by().values("institution_id").annotate(n=Count("id", distinct=True))}
    institutions = Organisation.objects.in_bulk(list(counts))
    out = [InstitutionFigures(
        institution=institutions[pk], classes=count,
        reaction=reaction.get(pk) or _empty(CLASS_DIMENSIONS, attendees.get(pk, 0), grouped=True),
        sessions=session_rated.get(pk) or _empty(SESSION_DIMENSIONS, session_attended.get(pk, 0), grouped=True),
    ) for pk, count in counts.items()]
    out.sort(key=lambda f: f.institution.path)
    return out


# --- comments -------------------------------------------------------------------------------

def comments_of(queryset: QuerySet, *, limit: int = 200) -> list[str]:
    """The non-empty comments of a group of ratings, without names or scores, sorted by their
    text (not by time, so their order tells nothing about who wrote them). The caller shows
    them only when the group has at least MIN_RESPONSES responses."""
    return merged_comments(queryset.exclude(comment="").order_by("comment").values_list("comment", flat=True)[:limit])


def merged_comments(texts) -> list[str]:
    """Identical comments (already sorted) once, with how many gave them: "内容偏理论（3 人）"."""
    out: list[str] = []
    previous, count = None, 0
    for text in list(texts) + [None]:
        if text == previous:
            count += 1
            continue
        if previous is not None:
            out.append(previous if count == 1 else f"{previous}（{count} 人）")
        previous, count = text, 1
    return out


# --- L2 -------------------------------------------------------------------------------------

@dataclass
class LearningFigures:
    entered: int            # cadres with any score
    pairs: int              # cadres with both scores
    mean_pre: Decimal | None
    mean_post: Decimal | None
    mean_gain: Decimal | None
    improved: int
    improved_share: Decimal | None   # 0–1


def learning_figures(training_class: TrainingClass) -> LearningFigures:
    scores = LearningScore.objects.filter(training_class=training_class)
    both = Q(pre_score__isnull=False, post_score__isnull=False)
    row = scores.aggregate(
        entered=Count("id", filter=Q(pre_score__isnull=False) | Q(post_score__isnull=False)),
        pairs=Count("id", filter=both), pre=Sum("pre_score", filter=both), post=Sum("post_score", filter=both),
        improved=Count("id", filter=both & Q(post_score__gt=F("pre_score"))),
    )
    pairs = row["pairs"] or 0
    pre = mean_of(row["pre"], pairs, minimum=1)
    post = mean_of(row["post"], pairs, minimum=1)
    gain = mean_of((row["post"] or 0) - (row["pre"] or 0), pairs, minimum=1)
    return LearningFigures(entered=row["entered"] or 0, pairs=pairs, mean_pre=pre, mean_post=post, mean_gain=gain,
                           improved=row["improved"] or 0, improved_share=rate_of(row["improved"] or 0, pairs))


# --- L3 -------------------------------------------------------------------------------------

@dataclass
class FollowUpFigures:
    total: int
    answered: int
    overdue: int
    figures: Figures         # answered follow-ups: applies, performance
    due_on: dt.date | None = None   # the latest due date in the group

    @property
    def pending(self) -> int:
        return self.total - self.answered - self.overdue

    @property
    def completion(self) -> Decimal | None:
        return rate_of(self.answered, self.total)


def followup_figures(followups: QuerySet[FollowUp], keys: tuple[str, ...], *,
                     today: dt.date | None = None) -> dict:
    """Follow-up figures grouped by `keys` (e.g. ("training_class_id",) or ("training_class_id", "unit_id"))."""
    today = today or timezone.localdate()
    answered = Q(answered_at__isnull=False)
    rows = followups.order_by().values(*keys).annotate(
        total=Count("id"), answered=Count("id", filter=answered),
        overdue=Count("id", filter=Q(answered_at__isnull=True, due_on__lt=today)),
        n=Count("id", filter=answered),
        applies=Sum("applies", filter=answered), performance=Sum("performance", filter=answered),
        due=Max("due_on"),
    )
    out = {}
    for r in rows:
        key = tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]
        out[key] = FollowUpFigures(total=r["total"], answered=r["answered"], overdue=r["overdue"],
                                   figures=_figures(r, FOLLOWUP_DIMENSIONS, r["total"]), due_on=r["due"])
    return out
