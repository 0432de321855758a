"""The review pipeline of a course (课程评审): a provider submits → experts score → the org
department confirms (publish, pilot to a set of org nodes, or return with reasons) → a pilot is
promoted to everyone when its ratings pass the threshold (services.course_pilot_check).

    draft ──submit──▶ in_review ──confirm──▶ published
      ▲                  │  │                   ▲
      └─────return───────┘  └──confirm──▶ pilot ┘ (ratings ≥ threshold, or the org department)

Every step is a CourseTransition row and an audit entry. Reviews belong to a *round*: each
submission opens a new one, so a returned and resubmitted course is scored afresh.
Reviewers (Role.COURSE_REVIEWER) see the courses in review whose owner lies under their scope
node; the org department (courses.confirm) decides on the courses whose owner lies under theirs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Count, Exists, OuterRef, QuerySet
from django.utils import timezone

from ganxun.access import scope
from ganxun.audit.services import audit_record
from ganxun.core.errors import Conflict, DomainError, NotFound
from ganxun.learning.models import Course, CourseReview, CourseStatus
from ganxun.learning.services import _locked_in_scope, _record, current_media
from ganxun.org.models import Organisation

SUBMITTABLE_FROM = frozenset({CourseStatus.DRAFT, CourseStatus.WITHDRAWN})
PILOT_KINDS = frozenset({Organisation.Kind.REGION, Organisation.Kind.UNIT})


class Decision:
    PUBLISH = "publish"
    PILOT = "pilot"
    RETURN = "return"
    CHOICES = [(PUBLISH, "通过，发布到全部学员"), (PILOT, "通过，先试讲试评（试点）"), (RETURN, "退回修改")]


# --- provider ----------------------------------------------------------------------------------

@transaction.atomic
def course_submit(*, actor, course: Course, note: str = "", now: dt.datetime | None = None,
                  request=None) -> Course:
    """Send a draft (or a withdrawn course) to expert review: a new review round. The course must
    have its content, since the experts review it."""
    course = _locked_in_scope(actor, course, "courses.submit")
    if course.status == CourseStatus.IN_REVIEW:
        raise Conflict("课程已在评审中。", code="already_in_review")
    if course.status not in SUBMITTABLE_FROM:
        raise DomainError("只有草稿或已下架的课程可以提交评审。", code="bad_status")
    if current_media(course) is None:
        raise DomainError("请先上传课程资源再提交评审，专家需要审看课程内容。", code="no_media")
    note = (note or "").strip()
    if len(note) > 300:
        raise DomainError("提交说明不能超过 300 字。", field="note")
    now = now or timezone.now()
    before = course.status
    course.status, course.review_round = CourseStatus.IN_REVIEW, course.review_round + 1
    course.save(update_fields=["status", "review_round", "updated_at"])
    _record(course, actor=actor, from_status=before, note=note or f"提交第 {course.review_round} 轮评审", now=now)
    audit_record(action="learning.course_submit", actor=actor, request=request, target=course,
                 detail={"round": course.review_round})
    return course


# --- reviewer ----------------------------------------------------------------------------------

def courses_for_reviewer(actor) -> QuerySet[Course]:
    """Courses in review whose owner lies under the reviewer's scope node, with `my_review_done`
    (the reviewer scored the current round) and `review_count` (reviews of the current round)."""
    mine = CourseReview.objects.filter(course=OuterRef("pk"), round=OuterRef("review_round"), reviewer=actor.pk)
    return (scope.scoped(actor, Course, permission="courses.review").filter(status=CourseStatus.IN_REVIEW)
            .select_related("owner", "teacher__person", "provider")
            .annotate(my_review_done=Exists(mine))
            .order_by("updated_at", "id"))


def course_get_for_reviewer(actor, pk) -> Course:
    return scope.get_for(actor, courses_for_reviewer(actor), pk, permission="courses.review")


def _check_score(value, field: str, label: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
        raise DomainError(f"“{label}”应评 1–5 分。", field=field)
    return value


def _is_own_course(actor, course: Course) -> bool:
    if course.created_by_id == actor.pk:
        return True
    return bool(course.teacher_id and course.teacher.person.account_id == actor.pk)


@transaction.atomic
def course_review_save(*, actor, course: Course, content_score: int, teaching_score: int, production_score: int,
                       comment: str, now: dt.datetime | None = None, request=None) -> CourseReview:
    """An expert's scores and comment for the current round; saving again revises the same review
    (a retried or corrected submission never counts twice). Nobody reviews their own course."""
    scope.require(actor, "courses.review")
    course = Course.objects.select_for_update(of=("self",)).select_related("owner", "teacher__person").get(pk=course.pk)
    scope.require_within(actor, course.owner, message="该课程不在您的评审范围内。")
    if course.status != CourseStatus.IN_REVIEW:
        raise DomainError("该课程不在评审阶段。", code="not_in_review")
    if _is_own_course(actor, course):
        raise DomainError("不能评审自己提供或主讲的课程。", code="own_course")
    scores = {"content_score": _check_score(content_score, "content_score", "内容"),
              "teaching_score": _check_score(teaching_score, "teaching_score", "讲授"),
              "production_score": _check_score(production_score, "production_score", "制作")}
    comment = (comment or "").strip()
    if not comment:
        raise DomainError("请填写评审意见。", field="comment")
    if len(comment) > 2000:
        raise DomainError("评审意见不能超过 2000 字。", field="comment")
    now = now or timezone.now()
    review, created = CourseReview.objects.update_or_create(
        course=course, round=course.review_round, reviewer=actor,
        defaults={**scores, "comment": comment, "updated_at": now}, create_defaults={
            **scores, "comment": comment, "created_at": now, "updated_at": now})
    audit_record(action="learning.course_review", actor=actor, request=request, target=course,
                 detail={"round": course.review_round, "revised": not created, **scores})
    return review


# --- org department ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ReviewSummary:
    round: int
    count: int
    required: int
    content: float | None
    teaching: float | None
    production: float | None

    @property
    def enough(self) -> bool:
        return self.count >= self.required

    @property
    def overall(self) -> float | None:
        parts = [p for p in (self.content, self.teaching, self.production) if p is not None]
        return sum(parts) / len(parts) if parts else None


def review_summary(course: Course) -> ReviewSummary:
    """The current round's reviews: how many (of GANXUN_COURSE_REVIEWS_REQUIRED) and their means."""
    figures = CourseReview.objects.filter(course=course, round=course.review_round).aggregate(
        count=Count("id"), content=Avg("content_score"), teaching=Avg("teaching_score"),
        production=Avg("production_score"))
    return ReviewSummary(round=course.review_round, count=figures["count"],
                         required=settings.GANXUN_COURSE_REVIEWS_REQUIRED, content=figures["content"],
                         teaching=figures["teaching"], production=figures["production"])


def reviews_of(course: Course) -> QuerySet[CourseReview]:
    """Every review of the course, newest round first."""
    return course.reviews.select_related("reviewer").order_by("-round", "created_at", "id")


def pilot_org_choices(actor) -> QuerySet[Organisation]:
    """Org nodes an org department may pick as a pilot audience: regions and units in its scope."""
    root = scope.scope_path(actor) or "/nothing/"
    return Organisation.objects.filter(path__startswith=root, is_active=True, kind__in=PILOT_KINDS).order_by("path")


@transaction.atomic
def course_confirm(*, actor, course: Course, decision: str, pilot_orgs=(), reason: str = "",
                   now: dt.datetime | None = None, request=None) -> Course:
    """The org department's decision on a course in review: publish to everyone, publish to a pilot
    audience (regions or units in its scope) first, or return it to the provider with reasons.
    Publishing or piloting needs GANXUN_COURSE_REVIEWS_REQUIRED reviews of the current round;
    returning is possible at any time."""
    course = _locked_in_scope(actor, course, "courses.confirm")
    if course.status != CourseStatus.IN_REVIEW:
        raise DomainError("该课程不在评审阶段。", code="not_in_review")
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise DomainError("说明不能超过 300 字。", field="reason")
    now = now or timezone.now()
    if decision == Decision.RETURN:
        if not reason:
            raise DomainError("退回时请写明原因。", field="reason")
        course.status = CourseStatus.DRAFT
        course.save(update_fields=["status", "updated_at"])
        _record(course, actor=actor, from_status=CourseStatus.IN_REVIEW, note=f"退回：{reason}", now=now)
        audit_record(action="learning.course_return", actor=actor, request=request, target=course,
                     detail={"round": course.review_round, "reason": reason})
        return course
    if decision not in (Decision.PUBLISH, Decision.PILOT):
        raise DomainError("请选择评审结论。", field="decision")
    summary = review_summary(course)
    if not summary.enough:
        raise DomainError(f"本轮已有 {summary.count} 份评审意见，需要 {summary.required} 份后才能确认发布。",
                          code="reviews_missing")
    if current_media(course) is None:
        raise DomainError("课程资源缺失，不能发布。", code="no_media")
    scored = f"{summary.count} 份评审，平均 {summary.overall:.2f} 分"
    if decision == Decision.PILOT:
        orgs = list(pilot_orgs)
        if not orgs:
            raise DomainError("请选择试点范围（地区或单位）。", field="pilot_orgs")
        for org in orgs:
            if org.kind not in PILOT_KINDS:
                raise DomainError(f"“{org.name}”不是地区或单位，不能作为试点范围。", field="pilot_orgs")
            scope.require_within(actor, org, message=f"“{org.name}”不在您的管理范围内。")
        course.status, course.pilot_since = CourseStatus.PILOT, now
        course.save(update_fields=["status", "pilot_since", "updated_at"])
        course.pilot_orgs.set(orgs)
        names = "、".join(o.name for o in orgs)
        note = f"试点（{names}）；{scored}" + (f"；{reason}" if reason else "")
    else:
        course.status, course.published_at = CourseStatus.PUBLISHED, now
        course.save(update_fields=["status", "published_at", "updated_at"])
        note = f"发布；{scored}" + (f"；{reason}" if reason else "")
    _record(course, actor=actor, from_status=CourseStatus.IN_REVIEW, note=note, now=now)
    audit_record(action="learning.course_confirm", actor=actor, request=request, target=course,
                 detail={"decision": decision, "round": summary.round, "reviews": summary.count,
                         "pilot_orgs": sorted(o.pk for o in course.pilot_orgs.all())})
    return course


def confirm_queue(actor) -> QuerySet[Course]:
    """Courses in review that the org department decides on, with their current round's review count."""
    if not scope.can(actor, "courses.confirm"):
        return Course.objects.none()
    return (scope.scoped(actor, Course, permission="courses.confirm").filter(status=CourseStatus.IN_REVIEW)
            .select_related("owner").order_by("updated_at", "id"))


def course_get_for_confirm(actor, pk) -> Course:
    course = confirm_queue(actor).filter(pk=pk if str(pk).isdigit() else 0).first()
    if course is None:
        raise NotFound()
    return course
