"""/api/v1/evaluation/… and /api/v1/rectifications — parse → call an evaluation selector/service →
serialise. Scoped like the pages (docs/evaluation.md):

* cadres (`self.view`): what they may rate, and their own ratings (submitting again replaces);
* `evaluation.view`: a class's evaluation summary, teacher and course rankings — aggregates only,
  comments without names, means only from 3 responses;
* teachers (`evaluation.own`): their own aggregated ratings;
* unit liaisons (`evaluation.followup`): their unit's follow-ups, and answering them;
* `rectification.manage`: rectification items (list, detail, open by hand, update).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import F
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from ganxun.access import scope
from ganxun.api.auth import permission
from ganxun.api.errors import responses
from ganxun.api.schemas import Id, Input, Page, PageQuery, page_of, text
from ganxun.classes.models import Session, TrainingClass
from ganxun.core.errors import NotFound
from ganxun.evaluation import aggregates, rectifications, rules, selectors, services
from ganxun.evaluation.models import (
    COMMENT_MAX,
    ClassRating,
    FollowUp,
    RectificationItem,
    RectificationStatus,
    SessionRating,
)

router = Router()
LEARN = ["培训评估（学员）"]
STAFF = ["培训评估"]
LIAISON = ["训后回访（联络员）"]
RECTIFY = ["整改"]



# --- schemas ------------------------------------------------------------------------------

class FiguresOut(Schema):
    responses: int = Field(description="评价（或回访）份数")
    attendees: int | None = Field(description="应评人数：签到（出勤或迟到）的学员；课程组为各节之和")
    response_rate: float | None = Field(description="回收率 responses / attendees（0–1）")
    means: dict[str, float | None] = Field(
        description="各维度平均分（1–5，两位小数）；不足 3 份时为 null，以免识别评价人")


def figures_out(figures: aggregates.Figures) -> dict:
    return {"responses": figures.responses, "attendees": figures.attendees,
            "response_rate": _float(figures.rate), "means": {k: _float(v) for k, v in figures.means.items()}}


def _float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


class SessionRatingIn(Input):
    content: int = Field(ge=1, le=5, description="课程内容 1–5")
    teaching: int = Field(ge=1, le=5, description="授课教师 1–5")
    comment: text(COMMENT_MAX) = Field("", description="意见建议（选填）")


class ClassRatingIn(Input):
    content: int = Field(ge=1, le=5, description="培训内容 1–5")
    organisation: int = Field(ge=1, le=5, description="组织管理 1–5")
    logistics: int = Field(ge=1, le=5, description="后勤服务 1–5")
    comment: text(COMMENT_MAX) = ""


class MyRatingOut(Schema):
    kind: str = Field(description="session（一节课）或 class（班次总体）")
    session_id: int | None
    class_id: int
    content: int
    teaching: int | None = None
    organisation: int | None = None
    logistics: int | None = None
    comment: str
    updated_at: dt.datetime


def session_rating_out(rating: SessionRating, class_id: int) -> dict:
    return {"kind": "session", "session_id": rating.session_id, "class_id": class_id, "content": rating.content,
            "teaching": rating.teaching, "comment": rating.comment, "updated_at": rating.updated_at}


def class_rating_out(rating: ClassRating) -> dict:
    return {"kind": "class", "session_id": None, "class_id": rating.training_class_id, "content": rating.content,
            "organisation": rating.organisation, "logistics": rating.logistics, "comment": rating.comment,
            "updated_at": rating.updated_at}


class RateableOut(Schema):
    kind: str = Field(description="session 或 class")
    session_id: int | None
    class_id: int
    class_title: str
    title: str
    date: dt.date
    slot_label: str
    teacher_name: str
    open: bool = Field(description="现在可以评价（或修改）")
    last_day: dt.date = Field(description="评价截止日期（含）")
    my_rating: MyRatingOut | None


class SessionSummaryOut(Schema):
    session_id: int
    date: dt.date
    slot_label: str
    title: str
    teacher_id: int | None
    teacher_name: str
    figures: FiguresOut
    comments: list[str] = Field(description="意见建议（匿名，按内容排序）；不足 3 份评价时为空")


class LearningOut(Schema):
    entered: int
    pairs: int = Field(description="有训前、训后两次成绩的学员数")
    mean_pre: float | None
    mean_post: float | None
    mean_gain: float | None = Field(description="平均提高 = 训后平均 − 训前平均（同一批学员）")
    improved: int
    improved_share: float | None = Field(description="成绩提高的学员占比（0–1）")


class FollowUpSummaryOut(Schema):
    opens_on: dt.date
    due_on: dt.date
    total: int
    answered: int
    overdue: int
    figures: FiguresOut = Field(description="已填报回访的平均分：applies 学以致用、performance 工作绩效变化")


class EvaluationClassOut(Schema):
    class_id: int
    title: str
    institution_name: str
    start_date: dt.date
    end_date: dt.date
    rating_last_day: dt.date
    threshold: float
    reaction: FiguresOut = Field(description="班次评价：content 培训内容、organisation 组织管理、logistics 后勤服务")
    reaction_comments: list[str]
    sessions_overall: FiguresOut = Field(description="本班全部课程评价：content 课程内容、teaching 授课教师")
    sessions: list[SessionSummaryOut]
    learning: LearningOut | None = Field(description="训前训后测试（未开展时为 null）")
    followups: FollowUpSummaryOut | None
    rectifications_open: int


class TeacherRankOut(Schema):
    rank: int | None = Field(description="名次；不足 3 份评价不参与排名（null）")
    teacher_id: int
    teacher_name: str
    institution_id: int
    institution_name: str
    sessions: int
    courses: int
    figures: FiguresOut


class CourseRankOut(Schema):
    rank: int | None
    course_key: str = Field(description="课程标识：机构 id:教师 id:课程名称")
    title: str
    institution_id: int
    institution_name: str
    teacher_id: int | None
    teacher_name: str
    classes: int
    sessions: int
    figures: FiguresOut


class RankingFilters(Schema):
    institution_id: Id | None = Field(None, description="培训机构；不在范围内的 id 不匹配任何课程")
    date_from: dt.date | None = Field(None, description="课程日期起")
    date_to: dt.date | None = Field(None, description="课程日期止")


class OwnCourseOut(Schema):
    title: str
    institution_name: str
    classes: int
    sessions: int
    figures: FiguresOut
    comments: list[str]


class MyRatingsOut(Schema):
    overall: FiguresOut
    courses: Page[OwnCourseOut]


class FollowUpOut(Schema):
    id: int
    class_id: int
    class_title: str
    cadre_name: str
    unit_id: int
    unit_name: str
    opens_on: dt.date
    due_on: dt.date
    state: str = Field(description="pending 待填报 / overdue 已逾期 / answered 已填报")
    applies: int | None
    performance: int | None
    comment: str
    answered_at: dt.datetime | None


class FollowUpFilters(Schema):
    state: str = Field("", pattern="^(|pending|overdue|answered)$", description="pending / overdue / answered")
    class_id: Id | None = None


class FollowUpAnswerIn(Input):
    applies: int = Field(ge=1, le=5, description="学以致用 1–5")
    performance: int = Field(ge=1, le=5, description="工作绩效变化 1–5")
    comment: text(COMMENT_MAX) = ""


class NoteOut(Schema):
    at: dt.datetime
    author_name: str
    text: str
    from_status: str
    to_status: str


class RectificationOut(Schema):
    id: int
    title: str
    cause: str
    cause_label: str
    status: str
    status_label: str
    class_id: int
    class_title: str
    session_id: int | None
    teacher_id: int | None
    institution_id: int
    institution_name: str
    owner_org_id: int
    owner_org_name: str
    owner_name: str
    figures: dict
    description: str
    due_on: dt.date
    overdue: bool
    close_reason: str
    is_automatic: bool
    created_at: dt.datetime


class RectificationDetailOut(RectificationOut):
    notes: list[NoteOut]


class RectificationFilters(Schema):
    status: RectificationStatus | None = None
    overdue: bool = False
    institution_id: Id | None = None
    class_id: Id | None = None


class RectificationIn(Input):
    class_id: Id
    session_id: Id | None = Field(None, description="涉及的课程（该班次的），选填")
    title: text(200)
    description: text(2000) = ""
    due_on: dt.date | None = Field(None, description="整改期限，默认 30 天后")
    idempotency_key: text(64) = Field("", description="客户端生成的唯一标识：重试时返回已登记的同一整改项")


class RectificationPatchIn(Input):
    status: RectificationStatus | None = Field(None, description="in_progress / done / verified / closed（需 note）")
    note: text(2000) = ""
    due_on: dt.date | None = None


# --- helpers ----------------------------------------------------------------------------------

def _page_list(items: list, paging: PageQuery, serialize) -> dict:
    start = (paging.page - 1) * paging.page_size
    return {"count": len(items), "page": paging.page, "page_size": paging.page_size,
            "items": [serialize(item) for item in items[start:start + paging.page_size]]}


def _ranked(entries: list, dimension: str) -> list[tuple[int | None, object]]:
    return [(index if e.figures.means[dimension] is not None else None, e) for index, e in enumerate(entries, 1)]


def _filters(filters: RankingFilters) -> dict:
    return {"institution": filters.institution_id, "date_from": filters.date_from, "date_to": filters.date_to}


# --- the cadre ----------------------------------------------------------------------------------

@router.get("/evaluation/to-rate", response=responses({200: Page[RateableOut]}, 400), tags=LEARN,
            summary="我可以评价的课程和班次")
@permission("self.view")
def evaluation_rateable_list(request, paging: Query[PageQuery]):
    """The sessions the caller attended (present or late) that have started, and each class's
    overall rating once it is open — with the caller's own rating when given. Newest class first."""
    items = []
    for state in selectors.own_rating_items_for(request.auth):
        training_class = state.enrollment.training_class
        if state.class_attended and (state.class_open or state.class_rating):
            items.append({
                "kind": "class", "session_id": None, "class_id": training_class.pk, "class_title": training_class.title,
                "title": "班次总体评价", "date": training_class.end_date, "slot_label": "", "teacher_name": "",
                "open": state.class_open, "last_day": state.last_day,
                "my_rating": class_rating_out(state.class_rating) if state.class_rating else None,
            })
        for item in state.sessions:
            s = item.session
            items.append({
                "kind": "session", "session_id": s.pk, "class_id": training_class.pk,
                "class_title": training_class.title, "title": s.title, "date": s.date,
                "slot_label": s.get_slot_display(), "teacher_name": s.teacher.person.name if s.teacher else "",
                "open": item.open, "last_day": state.last_day,
                "my_rating": session_rating_out(item.rating, training_class.pk) if item.rating else None,
            })
    return _page_list(items, paging, lambda item: item)


@router.post("/evaluation/sessions/{session_id}/rating", response=responses({200: MyRatingOut}, 400, 404),
             tags=LEARN, summary="评价一节课")
@permission("self.view")
def evaluation_session_rate(request, session_id: Id, payload: SessionRatingIn):
    """Rate a session the caller attended (content and teacher, 1–5). Idempotent: submitting
    again replaces the caller's rating. 404 for a session of a class the caller is not in; 400
    `not_attended`, `not_open` (before the session starts) or `closed` (after the window)."""
    session, enrollment = selectors.rateable_session_get_for(request.auth, session_id)
    rating = services.session_rate(actor=request.auth, session=session, enrollment=enrollment,
                                   content=payload.content, teaching=payload.teaching, comment=payload.comment,
                                   request=request)
    return session_rating_out(rating, session.training_class_id)


@router.post("/evaluation/classes/{class_id}/rating", response=responses({200: MyRatingOut}, 400, 404),
             tags=LEARN, summary="班次总体评价")
@permission("self.view")
def evaluation_class_rate(request, class_id: Id, payload: ClassRatingIn):
    """Rate the whole class (content, organisation, logistics, 1–5), from its last day until
    the window closes. Idempotent like the session rating."""
    training_class, enrollment = selectors.rateable_class_get_for(request.auth, class_id)
    rating = services.class_rate(actor=request.auth, enrollment=enrollment, content=payload.content,
                                 organisation=payload.organisation, logistics=payload.logistics,
                                 comment=payload.comment, request=request)
    return class_rating_out(rating)


# --- staff --------------------------------------------------------------------------------------

@router.get("/evaluation/classes/{class_id}/summary", response=responses({200: EvaluationClassOut}, 400, 404),
            tags=STAFF, summary="班次评估汇总")
@permission("evaluation.view")
def evaluation_class_summary(request, class_id: Id):
    """L1 (class and sessions), L2 and L3 figures of one class, and its open rectification count."""
    training_class = selectors.evaluation_class_get_for(request.auth, class_id)
    settings = rules.settings_of(training_class)
    figures = aggregates.class_figures(TrainingClass.objects.filter(pk=training_class.pk))[training_class.pk]
    rows = selectors.class_session_rows(training_class)
    followups = aggregates.followup_figures(selectors.class_followups(training_class),
                                            ("training_class_id",)).get(training_class.pk)
    opens_on, due_on = rules.followup_dates(training_class, settings)
    learning = aggregates.learning_figures(training_class) if settings.learning_test else None
    return {
        "class_id": training_class.pk, "title": training_class.title,
        "institution_name": training_class.institution.name, "start_date": training_class.start_date,
        "end_date": training_class.end_date, "rating_last_day": rules.last_rating_day(training_class, settings),
        "threshold": float(settings.threshold), "reaction": figures_out(figures.reaction),
        "reaction_comments": selectors.class_comments(training_class, figures.reaction),
        "sessions_overall": figures_out(figures.sessions),
        "sessions": [{
            "session_id": r.session.pk, "date": r.session.date, "slot_label": r.session.get_slot_display(),
            "title": r.session.title, "teacher_id": r.session.teacher_id,
            "teacher_name": r.session.teacher.person.name if r.session.teacher else "",
            "figures": figures_out(r.figures), "comments": r.comments,
        } for r in rows],
        "learning": None if learning is None else {
            "entered": learning.entered, "pairs": learning.pairs, "mean_pre": _float(learning.mean_pre),
            "mean_post": _float(learning.mean_post), "mean_gain": _float(learning.mean_gain),
            "improved": learning.improved, "improved_share": _float(learning.improved_share),
        },
        "followups": None if followups is None else {
            "opens_on": opens_on, "due_on": due_on, "total": followups.total, "answered": followups.answered,
            "overdue": followups.overdue, "figures": figures_out(followups.figures),
        },
        "rectifications_open": RectificationItem.objects.filter(
            training_class=training_class, status__in=(RectificationStatus.OPEN, RectificationStatus.IN_PROGRESS),
        ).count(),
    }


@router.get("/evaluation/teacher-rankings", response=responses({200: Page[TeacherRankOut]}, 400), tags=STAFF,
            summary="教师排行")
@permission("evaluation.view")
def evaluation_teacher_rankings(request, filters: Query[RankingFilters], paging: Query[PageQuery]):
    """Teachers of the classes in the caller's scope ranked by the mean teacher score (授课教师) of
    their sessions in the period; teachers below 3 responses follow without a rank."""
    entries = selectors.teacher_rankings_for(request.auth, **_filters(filters))

    def out(pair) -> dict:
        rank, e = pair
        return {"rank": rank, "teacher_id": e.teacher.pk, "teacher_name": e.teacher.person.name,
                "institution_id": e.teacher.institution_id, "institution_name": e.teacher.institution.name,
                "sessions": e.sessions, "courses": e.courses, "figures": figures_out(e.figures)}

    return _page_list(_ranked(entries, "teaching"), paging, out)


@router.get("/evaluation/course-rankings", response=responses({200: Page[CourseRankOut]}, 400), tags=STAFF,
            summary="课程排行")
@permission("evaluation.view")
def evaluation_course_rankings(request, filters: Query[RankingFilters], paging: Query[PageQuery]):
    """Courses (same institution, title and teacher across classes) ranked by the mean content score."""
    entries = selectors.course_rankings_for(request.auth, **_filters(filters))

    def out(pair) -> dict:
        rank, e = pair
        return {"rank": rank, "course_key": e.key, "title": e.title, "institution_id": e.institution.pk,
                "institution_name": e.institution.name, "teacher_id": e.teacher.pk if e.teacher else None,
                "teacher_name": e.teacher.person.name if e.teacher else "", "classes": e.classes,
                "sessions": e.sessions, "figures": figures_out(e.figures)}

    return _page_list(_ranked(entries, "content"), paging, out)


# --- the teacher --------------------------------------------------------------------------------

@router.get("/evaluation/my-ratings", response=responses({200: MyRatingsOut}, 400), tags=STAFF,
            summary="我的授课评价（教师）")
@permission("evaluation.own")
def evaluation_my_ratings(request, paging: Query[PageQuery]):
    """The caller's own sessions only: overall figures and per course (comments from 3 responses)."""
    data = selectors.own_ratings_for(request.auth)
    return {
        "overall": figures_out(data["overall"]),
        "courses": _page_list(data["courses"], paging, lambda row: {
            "title": row.course.title, "institution_name": row.course.institution.name,
            "classes": row.course.classes, "sessions": row.course.sessions,
            "figures": figures_out(row.course.figures), "comments": row.comments,
        }),
    }


# --- the liaison --------------------------------------------------------------------------------

def followup_out(followup: FollowUp) -> dict:
    today = timezone.localdate()
    if followup.answered_at is not None:
        state = "answered"
    else:
        state = "overdue" if followup.due_on < today else "pending"
    return {
        "id": followup.pk, "class_id": followup.training_class_id, "class_title": followup.training_class.title,
        "cadre_name": followup.enrollment.cadre.person.name, "unit_id": followup.unit_id,
        "unit_name": followup.unit.name, "opens_on": followup.opens_on, "due_on": followup.due_on, "state": state,
        "applies": followup.applies, "performance": followup.performance, "comment": followup.comment,
        "answered_at": followup.answered_at,
    }


@router.get("/evaluation/followups", response=responses({200: Page[FollowUpOut]}, 400), tags=LIAISON,
            summary="本单位训后回访")
@permission("evaluation.followup")
def evaluation_followup_list(request, filters: Query[FollowUpFilters], paging: Query[PageQuery]):
    """Follow-ups of the caller's unit (and its sub-units) whose date has come; overdue first."""
    services.followups_materialise(unit_path=scope.scope_path(request.auth))
    qs = selectors.liaison_followups_for(request.auth, state=filters.state, class_id=filters.class_id)
    order = (F("answered_at").asc(nulls_first=True), "due_on", "training_class_id", "enrollment__seat_no", "id")
    return page_of(qs.order_by(*order),
                   paging, followup_out)


@router.post("/evaluation/followups/{followup_id}/answer", response=responses({200: FollowUpOut}, 400, 404),
             tags=LIAISON, summary="填报训后回访")
@permission("evaluation.followup")
def evaluation_followup_answer(request, followup_id: Id, payload: FollowUpAnswerIn):
    """Answer (or correct) one follow-up of the caller's unit; idempotent."""
    followup = selectors.followup_get_for(request.auth, followup_id)
    saved = services.followup_answer(actor=request.auth, followup=followup, applies=payload.applies,
                                     performance=payload.performance, comment=payload.comment, request=request)
    return followup_out(selectors.followup_get_for(request.auth, saved.pk))


# --- rectification --------------------------------------------------------------------------------

def rectification_out(item: RectificationItem) -> dict:
    return {
        "id": item.pk, "title": item.title, "cause": item.cause, "cause_label": item.get_cause_display(),
        "status": item.status, "status_label": item.get_status_display(), "class_id": item.training_class_id,
        "class_title": item.training_class.title, "session_id": item.session_id, "teacher_id": item.teacher_id,
        "institution_id": item.institution_id, "institution_name": item.institution.name,
        "owner_org_id": item.owner_org_id, "owner_org_name": item.owner_org.name,
        "owner_name": item.owner.full_name if item.owner else "", "figures": item.figures,
        "description": item.description, "due_on": item.due_on,
        "overdue": item.is_active and item.due_on < timezone.localdate(), "close_reason": item.close_reason,
        "is_automatic": item.is_automatic, "created_at": item.created_at,
    }


def rectification_detail_out(item: RectificationItem) -> dict:
    return {**rectification_out(item), "notes": [
        {"at": n.created_at, "author_name": n.author.full_name if n.author else "系统", "text": n.text,
         "from_status": n.from_status, "to_status": n.to_status}
        for n in item.notes.select_related("author")
    ]}


@router.get("/rectifications", response=responses({200: Page[RectificationOut]}, 400), tags=RECTIFY,
            summary="整改项列表")
@permission("rectification.manage")
def rectification_list(request, filters: Query[RectificationFilters], paging: Query[PageQuery]):
    qs = selectors.rectification_list_for(
        request.auth, status=filters.status.value if filters.status else "", overdue=filters.overdue,
        institution=filters.institution_id, class_id=filters.class_id)
    return page_of(qs, paging, rectification_out)


@router.get("/rectifications/{item_id}", response=responses({200: RectificationDetailOut}, 400, 404),
            tags=RECTIFY, summary="整改项详情")
@permission("rectification.manage")
def rectification_detail(request, item_id: Id):
    return rectification_detail_out(selectors.rectification_get_for(request.auth, item_id))


@router.post("/rectifications", response=responses({201: RectificationDetailOut}, 400, 404), tags=RECTIFY,
             summary="登记整改项")
@permission("rectification.manage")
def rectification_add(request, payload: RectificationIn):
    """Open an item by hand for a class in the caller's scope (404 otherwise). With the same
    `idempotency_key` a retried call returns the item already opened."""
    actor = request.auth
    training_class = selectors.evaluation_class_get_for(actor, payload.class_id)
    session = None
    if payload.session_id is not None:
        session = Session.objects.filter(training_class=training_class, pk=payload.session_id).first()
        if session is None:
            raise NotFound("该班次没有这节课程。")
    item = rectifications.rectification_create(
        actor=actor, training_class=training_class, title=payload.title, description=payload.description,
        session=session, due_on=payload.due_on, token=payload.idempotency_key, request=request)
    return Status(201, rectification_detail_out(selectors.rectification_get_for(actor, item.pk)))


@router.patch("/rectifications/{item_id}", response=responses({200: RectificationDetailOut}, 400, 404),
              tags=RECTIFY, summary="更新整改项（状态、期限、说明）")
@permission("rectification.manage")
def rectification_change(request, item_id: Id, payload: RectificationPatchIn):
    """open → in_progress → done → verified; open/in_progress → closed with a note (the reason);
    done → in_progress with a note (verification failed). A note alone is recorded in the history."""
    actor = request.auth
    item = selectors.rectification_get_for(actor, item_id)
    rectifications.rectification_update(actor=actor, item=item, status=payload.status.value if payload.status else None,
                                        note=payload.note, due_on=payload.due_on, request=request)
    return rectification_detail_out(selectors.rectification_get_for(actor, item.pk))
