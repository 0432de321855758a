"""/api/v1 online learning: the catalogue (search, filters), a course, my progress, and study —
launch a session, then send its heartbeats. The server decides every credited second
(learning.rules); a heartbeat's answer says what it earned and whether the page must pause.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from ganxun.access import scope
from ganxun.api.auth import permission
from ganxun.api.errors import responses
from ganxun.api.schemas import Id, Input, Page, PageQuery, label, page_of, text
from ganxun.core.errors import DomainError
from ganxun.learning import review, selectors, services
from ganxun.learning.models import Course, CourseKind, CourseStatus, StudyProgress

router = Router()
LEARNING = ["网络学习"]


class CourseSummaryOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    duration_minutes: int
    is_required: bool = Field(description="公共必修课；否则为选修")
    series: str = Field(description="选修专题")
    teacher_name: str
    owner_name: str
    topic_ids: list[int]
    learner_count: int = Field(description="学习人数（去重）")
    rating_avg: float | None
    rating_count: int
    published_at: dt.datetime | None


class CoursePageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[CourseSummaryOut]


class CourseProgressOut(Schema):
    credited_seconds: int = Field(description="服务器认定的学习时长（秒）")
    required_seconds: int = Field(description="完成课程所需的认定时长（秒）")
    position: float
    completed_at: dt.datetime | None
    credit_hours: Decimal | None = Field(description="完成后折算的学时")


class CourseDetailOut(CourseSummaryOut):
    summary: str
    media_url: str | None = Field(description="课程资源地址（支持 Range 请求）")
    media_type: str | None
    media_duration_seconds: int | None
    my_progress: CourseProgressOut | None


class CatalogueQueryIn(PageQuery):
    q: str = Field("", max_length=100, description="全文检索（中文分词）")
    topic_id: int | None = Field(None, ge=1, description="培训内容分类（含下级）")
    kind: Literal["", "video", "document", "live_replay", "micro"] = ""
    required: bool | None = Field(None, description="true 公共必修；false 选修")
    series: str = Field("", max_length=40)
    sort: Literal["newest", "rating", "learners"] = "newest"


class StudyProgressItemOut(CourseProgressOut):
    course_id: int
    course_title: str
    last_studied_at: dt.datetime | None


class StudyProgressPageOut(Schema):
    count: int
    page: int
    page_size: int
    credit_hours_total: Decimal = Field(description="已完成课程折算学时之和")
    items: list[StudyProgressItemOut]


class StudyLaunchOut(Schema):
    token: str = Field(description="本次学习会话的令牌，心跳须携带")
    start_position: float = Field(description="从此位置继续播放（秒）")
    heartbeat_seconds: int
    max_rate: float
    media_url: str


class StudyHeartbeatIn(Input):
    token: text(64)
    seq: int = Field(ge=1, le=10_000_000, description="会话内递增的序号；不大于已收到序号的心跳不计时长")
    position: float = Field(ge=0, le=864000, description="播放位置（秒）；文档课程填 0")
    rate: float = Field(gt=0, le=16, description="播放倍速")
    visible: bool = Field(description="页面在前台可见")


class StudyHeartbeatOut(Schema):
    credited_seconds: int = Field(description="本次心跳认定的时长（秒）")
    verdict: str = Field(description="credited / partial / hidden / rate / idle / seek / backwards / paused / "
                                     "daily_cap / duration_cap / replayed / superseded")
    total_seconds: int
    required_seconds: int
    completed: bool
    pause: bool = Field(description="为 true 时页面须暂停：已在其他设备或页面学习")
    message: str


def _course_out(course: Course) -> dict:
    return {
        "id": course.pk, "title": course.title, "kind": course.kind, "kind_label": label(CourseKind, course.kind),
        "duration_minutes": course.duration_minutes, "is_required": course.is_required, "series": course.series,
        "teacher_name": course.teacher.person.name if course.teacher_id else "", "owner_name": course.owner.name,
        "topic_ids": sorted(t.pk for t in course.topics.all()),
        "learner_count": getattr(course, "learner_count", 0) or 0,
        "rating_avg": round(course.rating_avg, 2) if getattr(course, "rating_avg", None) is not None else None,
        "rating_count": getattr(course, "rating_count", 0) or 0, "published_at": course.published_at,
    }


def _progress_out(progress: StudyProgress, required: int) -> dict:
    return {"credited_seconds": progress.credited_seconds, "required_seconds": required,
            "position": progress.position, "completed_at": progress.completed_at,
            "credit_hours": progress.credit_hours}


@router.get("/courses", response=responses({200: CoursePageOut}, 400), tags=LEARNING, summary="课程超市：检索课程")
@permission("learning.study")
def learning_catalogue(request, query: Query[CatalogueQueryIn]):
    """Published courses the caller may study, by full-text search (jieba) and filters."""
    courses = selectors.catalogue(request.auth, selectors.CatalogueQuery(
        q=query.q, topic_id=query.topic_id, kind=query.kind, required=query.required, series=query.series,
        sort=query.sort)).prefetch_related("topics")
    return page_of(courses, query, _course_out)


@router.get("/courses/{course_id}", response=responses({200: CourseDetailOut}, 400, 404), tags=LEARNING,
            summary="课程详情与我的进度")
@permission("learning.study")
def learning_course(request, course_id: Id):
    course = selectors.course_get_for_learner(request.auth, course_id)
    course = selectors.with_stats(Course.objects.filter(pk=course.pk)).select_related(
        "owner", "teacher__person").prefetch_related("topics").get()
    media = services.current_media(course)
    progress = selectors.progress_of(request.auth, course)
    required = services.required_seconds(course, media)
    return {**_course_out(course), "summary": course.summary,
            "media_url": reverse("learning:learn_media", args=[course.pk, media.pk]) if media else None,
            "media_type": media.content_type if media else None,
            "media_duration_seconds": media.duration_seconds if media else None,
            "my_progress": _progress_out(progress, required) if progress else None}


@router.get("/me/courses", response=responses({200: StudyProgressPageOut}, 400), tags=LEARNING,
            summary="我的学习进度")
@permission("learning.study")
def learning_my_progress(request, paging: Query[PageQuery]):
    rows = selectors.my_progress(request.auth)
    total = sum((p.credit_hours for p in rows if p.credit_hours), Decimal("0"))

    def out(progress: StudyProgress) -> dict:
        required = services.required_seconds(progress.course, services.current_media(progress.course))
        return {**_progress_out(progress, required), "course_id": progress.course_id,
                "course_title": progress.course.title, "last_studied_at": progress.last_studied_at}

    return {**page_of(rows, paging, out), "credit_hours_total": total}


@router.post("/courses/{course_id}/launch", response=responses({201: StudyLaunchOut}, 400, 404), tags=LEARNING,
             summary="开始学习（取得学习会话令牌）")
@permission("learning.study")
def learning_launch(request, course_id: Id):
    """Opens a study session. Its first heartbeat pauses the caller's other sessions (one course at a time)."""
    course = selectors.course_get_for_learner(request.auth, course_id)
    session = services.study_launch(actor=request.auth, course=course,
                                    user_agent=request.headers.get("User-Agent", ""))
    media = services.current_media(course)
    return Status(201, {"token": session.token, "start_position": session.start_position,
                        "heartbeat_seconds": settings.GANXUN_STUDY_HEARTBEAT_SECONDS,
                        "max_rate": settings.GANXUN_STUDY_MAX_RATE,
                        "media_url": reverse("learning:learn_media", args=[course.pk, media.pk])})


@router.post("/study/heartbeat", response=responses({200: StudyHeartbeatOut}, 400, 404), tags=LEARNING,
             summary="学习心跳")
@permission("learning.study")
def learning_heartbeat(request, payload: StudyHeartbeatIn):
    """Every N seconds while the study page is open. Replays and late heartbeats (seq not above the
    last one) credit nothing; an unknown or foreign token is 404."""
    result = services.study_heartbeat(actor=request.auth, token=payload.token, seq=payload.seq,
                                      position=payload.position, rate=payload.rate, visible=payload.visible)
    return result.__dict__


# --- review pipeline (back office) --------------------------------------------------------------

REVIEW = ["课程评审"]


class ReviewQueueItemOut(Schema):
    id: int
    title: str
    kind: str
    duration_minutes: int
    owner_name: str
    review_round: int
    my_review_done: bool = Field(description="本人已提交本轮评审意见")


class CourseReviewIn(Input):
    content_score: int = Field(ge=1, le=5, description="内容 1–5 分")
    teaching_score: int = Field(ge=1, le=5, description="讲授 1–5 分")
    production_score: int = Field(ge=1, le=5, description="制作 1–5 分")
    comment: text(2000)


class CourseReviewOut(Schema):
    id: int
    course_id: int
    round: int
    content_score: int
    teaching_score: int
    production_score: int
    comment: str
    reviewer_name: str | None = Field(description="仅组织部门可见")
    created_at: dt.datetime
    updated_at: dt.datetime


class CourseSubmitIn(Input):
    note: text(300) = ""


class CourseConfirmIn(Input):
    decision: Literal["publish", "pilot", "return"] = Field(description="publish 发布；pilot 试点；return 退回")
    pilot_org_ids: list[int] = Field(default_factory=list, max_length=200, description="试点范围：地区或单位 id")
    reason: text(300) = ""


class TransitionOut(Schema):
    from_status: str
    to_status: str
    note: str
    at: dt.datetime


class CourseReviewStateOut(Schema):
    id: int
    status: str
    status_label: str
    review_round: int
    reviews_required: int
    reviews_in_round: int
    pilot_org_ids: list[int]
    pilot_rating_count: int | None
    pilot_rating_avg: float | None
    reviews: list[CourseReviewOut]
    transitions: list[TransitionOut]


def _review_out(item, *, show_reviewer: bool) -> dict:
    return {"id": item.pk, "course_id": item.course_id, "round": item.round, "content_score": item.content_score,
            "teaching_score": item.teaching_score, "production_score": item.production_score,
            "comment": item.comment, "reviewer_name": item.reviewer.full_name if show_reviewer else None,
            "created_at": item.created_at, "updated_at": item.updated_at}


def _review_state(request, course: Course) -> dict:
    course.refresh_from_db()
    summary = review.review_summary(course)
    pilot = services.pilot_standing(course) if course.status == CourseStatus.PILOT else None
    show = scope.can(request.auth, "courses.confirm")
    return {"id": course.pk, "status": course.status, "status_label": label(CourseStatus, course.status),
            "review_round": course.review_round, "reviews_required": summary.required,
            "reviews_in_round": summary.count,
            "pilot_org_ids": sorted(course.pilot_orgs.values_list("pk", flat=True)),
            "pilot_rating_count": pilot.rating_count if pilot else None,
            "pilot_rating_avg": round(pilot.rating_avg, 2) if pilot and pilot.rating_avg is not None else None,
            "reviews": [_review_out(r, show_reviewer=show) for r in review.reviews_of(course)],
            "transitions": [{"from_status": t.from_status, "to_status": t.to_status, "note": t.note, "at": t.at}
                            for t in course.transitions.all()]}


@router.get("/course-reviews", response=responses({200: Page[ReviewQueueItemOut]}, 400), tags=REVIEW,
            summary="待评审课程（评审专家）")
@permission("courses.review")
def review_queue(request, paging: Query[PageQuery]):
    return page_of(review.courses_for_reviewer(request.auth), paging, lambda c: {
        "id": c.pk, "title": c.title, "kind": c.kind, "duration_minutes": c.duration_minutes,
        "owner_name": c.owner.name, "review_round": c.review_round, "my_review_done": c.my_review_done})


@router.put("/course-reviews/{course_id}", response=responses({200: CourseReviewOut}, 400, 404), tags=REVIEW,
            summary="提交或修改本轮评审意见")
@permission("courses.review")
def review_save(request, course_id: Id, payload: CourseReviewIn):
    """One review per expert and round: a repeated PUT revises the same review."""
    course = review.course_get_for_reviewer(request.auth, course_id)
    item = review.course_review_save(actor=request.auth, course=course, content_score=payload.content_score,
                                     teaching_score=payload.teaching_score,
                                     production_score=payload.production_score, comment=payload.comment,
                                     request=request)
    return _review_out(item, show_reviewer=False)


@router.get("/managed-courses/{course_id}/review", response=responses({200: CourseReviewStateOut}, 400, 404),
            tags=REVIEW, summary="课程的评审状态、评审意见与状态记录")
@permission("courses.view")
def review_state(request, course_id: Id):
    return _review_state(request, selectors.course_get_for(request.auth, course_id))


@router.post("/managed-courses/{course_id}/submit", response=responses({200: CourseReviewStateOut}, 400, 404, 409),
             tags=REVIEW, summary="提交专家评审（课程提供方）")
@permission("courses.submit")
def review_submit(request, course_id: Id, payload: CourseSubmitIn):
    course = selectors.course_get_for(request.auth, course_id)
    review.course_submit(actor=request.auth, course=course, note=payload.note, request=request)
    return _review_state(request, course)


@router.post("/managed-courses/{course_id}/confirm", response=responses({200: CourseReviewStateOut}, 400, 404),
             tags=REVIEW, summary="评审确认：发布、试点或退回（组织部门）")
@permission("courses.confirm")
def review_confirm(request, course_id: Id, payload: CourseConfirmIn):
    """Publishing or piloting needs the required number of reviews of the current round."""
    course = review.course_get_for_confirm(request.auth, course_id)
    choices = review.pilot_org_choices(request.auth)
    orgs = list(choices.filter(pk__in=payload.pilot_org_ids))
    if len(orgs) != len(set(payload.pilot_org_ids)):
        raise DomainError("试点范围中有不存在或不在您管理范围内的地区或单位。", field="pilot_org_ids")
    review.course_confirm(actor=request.auth, course=course, decision=payload.decision, pilot_orgs=orgs,
                          reason=payload.reason, request=request)
    return _review_state(request, course)
