"""Reads of online learning, each from the scope gate (back office) or the learner's own reach.

A learner sees a course when it is published and its owner hangs under a region that is one
of the learner's unit's ancestors (a county's org department publishes to the county, the city
party school to the city) — `courses_for_learner`. Missing, unpublished and out of reach are
the same NotFound.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Avg, Count, F, Min, OuterRef, Q, QuerySet, Subquery

from ganxun.access import scope
from ganxun.access.roles import Role
from ganxun.core.errors import NotFound
from ganxun.learning import review, search
from ganxun.learning.models import Course, CourseMedia, CourseStatus, CourseTransition, StudyProgress
from ganxun.people.models import Cadre

SORTS = {
    "newest": ("-published_at", "-id"),
    "rating": ("-rating_avg", "-rating_count", "-id"),
    "learners": ("-learner_count", "-id"),
}
SORT_LABELS = {"newest": "最新发布", "rating": "评分最高", "learners": "学习人数最多"}


def courses_in_scope(actor, *, permission: str = "courses.view") -> QuerySet[Course]:
    """Courses whose owner lies in the actor's scope; a teacher's are only those they created or teach."""
    courses = scope.scoped(actor, Course, permission=permission)
    role = scope.active_role(actor)
    if role is not None and role.role == Role.TEACHER:
        courses = courses.filter(Q(created_by=actor.pk) | Q(teacher__person__account=actor.pk))
    return courses.select_related("owner", "teacher__person", "provider")


def course_get_for(actor, pk, *, permission: str = "courses.view") -> Course:
    """A course of the back office (owner in the actor's scope), or NotFound."""
    return scope.get_for(actor, courses_in_scope(actor, permission=permission), pk, permission=permission)


def _learner_unit_ancestors(actor) -> list[int]:
    cadre = Cadre.objects.select_related("unit").filter(person__account=actor.pk).first()
    if cadre is not None:
        return cadre.unit.ancestor_ids()
    role = scope.active_role(actor)
    return role.scope.ancestor_ids() if role is not None else []


def courses_for_learner(actor) -> QuerySet[Course]:
    """Courses the learner may study (empty without learning.study): published ones whose owner
    hangs under one of the unit's ancestors, and pilots whose audience (pilot_orgs) is the unit or
    one of its ancestors."""
    if not scope.can(actor, "learning.study"):
        return Course.objects.none()
    ancestors = _learner_unit_ancestors(actor)
    pilots = Course.objects.filter(status=CourseStatus.PILOT, pilot_orgs__in=ancestors).values("pk")
    return (Course.objects.filter(
        (Q(status=CourseStatus.PUBLISHED) & (Q(owner__parent_id__in=ancestors) | Q(owner_id__in=ancestors)))
        | Q(pk__in=pilots))
            .select_related("owner", "teacher__person", "provider"))


def course_get_for_learner(actor, pk) -> Course:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    course = courses_for_learner(actor).filter(pk=pk).first()
    if course is None:
        raise NotFound()
    return course


def with_stats(queryset: QuerySet[Course]) -> QuerySet[Course]:
    """Annotate learner_count (distinct learners who started it), rating_avg, rating_count."""
    return queryset.annotate(
        learner_count=Count("progress", distinct=True),
        rating_avg=Avg("ratings__stars"),
        rating_count=Count("ratings", distinct=True),
    )


@dataclass(frozen=True)
class CatalogueQuery:
    q: str = ""
    topic_id: int | None = None
    kind: str = ""
    required: bool | None = None
    series: str = ""
    sort: str = "newest"


def catalogue(actor, query: CatalogueQuery) -> QuerySet[Course]:
    """The learner's catalogue narrowed by full-text search and filters, sorted. A topic filter
    takes the topic's subtree (its code prefix)."""
    courses = courses_for_learner(actor)
    if query.q:
        courses = search.search_filter(courses, query.q)
    if query.topic_id:
        from ganxun.topics.models import Topic

        topic = Topic.objects.filter(pk=query.topic_id).first()
        if topic is None:
            return courses.none()
        tagged = Course.objects.filter(Q(topics__code=topic.code) | Q(topics__code__startswith=f"{topic.code}."))
        courses = courses.filter(pk__in=tagged.values("pk"))
    if query.kind:
        courses = courses.filter(kind=query.kind)
    if query.required is not None:
        courses = courses.filter(is_required=query.required)
    if query.series:
        courses = courses.filter(series=query.series)
    order = SORTS.get(query.sort, SORTS["newest"])
    return with_stats(courses).order_by(*order)


def series_choices(actor) -> list[str]:
    return sorted(set(courses_for_learner(actor).exclude(series="").values_list("series", flat=True)))


def progress_of(actor, course: Course) -> StudyProgress | None:
    return StudyProgress.objects.filter(account=actor, course=course).first()


def my_progress(actor) -> QuerySet[StudyProgress]:
    """The learner's own progress rows, most recently studied first."""
    return (StudyProgress.objects.filter(account=actor).select_related("course")
            .order_by("-last_studied_at", "-id"))


def media_get_for_learner(actor, course_pk, media_pk) -> CourseMedia:
    course = course_get_for_learner(actor, course_pk)
    media = CourseMedia.objects.filter(course=course, pk=media_pk).select_related("course").first()
    if media is None:
        raise NotFound()
    return media


def media_get_for(actor, course_pk, media_pk) -> CourseMedia:
    course = course_get_for(actor, course_pk)
    media = CourseMedia.objects.filter(course=course, pk=media_pk).select_related("course").first()
    if media is None:
        raise NotFound()
    return media


def continue_learning(actor, *, limit: int = 5) -> list[StudyProgress]:
    """Courses the learner started and has not completed, most recently studied first — only those
    still open to them (published, or a pilot they belong to)."""
    return list(StudyProgress.objects.filter(account=actor, completed_at__isnull=True,
                                             course__in=courses_for_learner(actor).values("pk"))
                .select_related("course").order_by("-last_studied_at", "-started_at", "-id")[:limit])


def required_not_done(actor) -> QuerySet[Course]:
    """Published required courses (公共必修) within the learner's reach that they have not
    completed, oldest publication first (the longest outstanding)."""
    done = StudyProgress.objects.filter(account=actor, completed_at__isnull=False).values("course_id")
    return (courses_for_learner(actor).filter(status=CourseStatus.PUBLISHED, is_required=True)
            .exclude(pk__in=done).order_by("published_at", "id"))


# --- the home page's to-do card (portal.todo) ----------------------------------------------------

@dataclass(frozen=True)
class ReviewBacklog:
    count: int
    oldest_submitted_at: dt.datetime | None


def courses_awaiting_my_review(actor) -> ReviewBacklog:
    """How many courses wait for the reviewer's scores, and when the longest waiting was submitted.

    Counted: the courses of the review queue (`review.courses_for_reviewer`: in review, owner under
    the reviewer's scope node — `courses.review`) that the reviewer has not scored in the current
    round (a course returned and resubmitted counts again), leaving out the reviewer's own courses
    (created by them or taught by them), which review.course_review_save refuses. Submitted: the
    time of the course's latest move into review (its CourseTransition). One query.
    """
    if not scope.can(actor, "courses.review"):
        return ReviewBacklog(0, None)
    submitted = (CourseTransition.objects.filter(course=OuterRef("pk"), to_status=CourseStatus.IN_REVIEW)
                 .order_by("-at", "-id").values("at")[:1])
    figures = (review.courses_for_reviewer(actor).filter(my_review_done=False)
               .exclude(Q(created_by=actor.pk) | Q(teacher__person__account=actor.pk))
               .annotate(submitted_at=Subquery(submitted))
               .aggregate(count=Count("pk"), oldest=Min("submitted_at")))
    return ReviewBacklog(figures["count"], figures["oldest"])


def courses_awaiting_confirmation(actor) -> QuerySet[Course]:
    """Courses whose expert review is complete and that wait for the org department's decision,
    the longest waiting first.

    The confirmation queue (`review.confirm_queue`: in review, owner in the actor's subtree —
    `courses.confirm`) cut to the courses whose current round has at least
    GANXUN_COURSE_REVIEWS_REQUIRED reviews, the number review.course_confirm needs to publish or
    pilot. Each carries `review_count` (reviews of the current round). One query.
    """
    return (review.confirm_queue(actor).select_related(None)
            .annotate(review_count=Count("reviews", filter=Q(reviews__round=F("review_round"))))
            .filter(review_count__gte=settings.GANXUN_COURSE_REVIEWS_REQUIRED)
            .order_by("updated_at", "id"))
