"""/api/v1/themed-classes and /api/v1/me/themed-classes — themed online classes (专题网络班):
parse → call a service/selector of onlineclasses → serialise.

Back office (`onlineclasses.view` / `onlineclasses.manage`): list and detail in scope (drafts only
for managers), create and change (courses are `[{course_id, is_required}]` in order), open (the
audience becomes members), close, add members later, and the completion by unit over the members
the caller may see (a unit liaison: their unit subtree). The Excel export stays a page.

Learner (`learning.study`): the caller's classes with progress and deadline.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from ganxun.access import scope
from ganxun.api.auth import permission
from ganxun.api.errors import responses
from ganxun.api.schemas import Id, Input, PageQuery, label, page_of
from ganxun.api.schemas import text as text_of
from ganxun.core.errors import NotFound
from ganxun.learning.models import Course, CourseStatus
from ganxun.onlineclasses import selectors, services
from ganxun.onlineclasses.models import ThemedClass, ThemedClassStatus
from ganxun.org.models import Category
from ganxun.org.selectors import organisation_get_for
from ganxun.people.choices import Rank
from ganxun.people.selectors import cadre_get_for

router = Router(tags=["专题网络班"])
LEARN = ["专题网络班（学员）"]
VIEW, MANAGE = selectors.VIEW, selectors.MANAGE


# --- schemas ---------------------------------------------------------------------------------------

class ThemedClassCourseOut(Schema):
    course_id: int
    title: str
    is_required: bool = Field(description="必修；否则为选修")
    duration_minutes: int
    course_status: str = Field(description="课程状态；已下架的课程学员看得到但不能学习")


class ThemedClassOut(Schema):
    id: int
    title: str
    description: str
    status: str
    status_label: str
    owner_id: int
    owner_name: str
    start_date: dt.date
    deadline: dt.date
    required_hours: Decimal = Field(description="本班课程折算学时之和须达到的数")
    audience_root_id: int
    audience_rank: str
    audience_rank_label: str
    audience_category: str
    audience_category_label: str
    named_cadre_ids: list[int] = Field(description="指定人员中调用者可查看的干部")
    member_count: int = Field(description="学员数（调用者范围内）")
    courses: list[ThemedClassCourseOut]
    opened_at: dt.datetime | None
    closed_at: dt.datetime | None


class ThemedClassPageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[ThemedClassOut]


class ThemedClassFilters(PageQuery):
    status: ThemedClassStatus | None = None


class ThemedClassCourseIn(Input):
    course_id: Id
    is_required: bool = True


class ThemedClassIn(Input):
    title: text_of(100)
    description: text_of(2000) = ""
    owner_id: Id = Field(description="主办组织部门（范围内的组织部门节点）")
    start_date: dt.date
    deadline: dt.date = Field(description="不早于开始日期")
    required_hours: Decimal = Field(Decimal("0"), ge=0, lt=10000, decimal_places=2)
    audience_root_id: Id = Field(description="学员范围：主办部门所在区域内的行政区域或单位")
    audience_rank: Rank | None = None
    audience_category: Category | None = None
    named_cadre_ids: list[Id] = Field([], max_length=5000, description="指定人员；不为空时只有这些人参加")
    courses: list[ThemedClassCourseIn] = Field([], max_length=services.MAX_COURSES,
                                               description="课程，按顺序；须是学员都能学习的已发布课程")


class ThemedClassPatchIn(Input):
    """Only the fields sent change. Open classes: title, description and deadline only (409 else)."""

    title: text_of(100) = None
    description: text_of(2000) = None
    owner_id: Id = None
    start_date: dt.date = None
    deadline: dt.date = None
    required_hours: Decimal = Field(None, ge=0, lt=10000, decimal_places=2)
    audience_root_id: Id = None
    audience_rank: Rank | None = None
    audience_category: Category | None = None
    named_cadre_ids: list[Id] = Field(None, max_length=5000)
    courses: list[ThemedClassCourseIn] = Field(None, max_length=services.MAX_COURSES)


class ThemedClassMembersIn(Input):
    cadre_ids: list[Id] = Field(min_length=1, max_length=5000, description="要增补的在职干部")


class ThemedClassMembersOut(Schema):
    added: int = Field(description="新增学员数（已在本班的不重复添加）")
    member_count: int


class UnitCompletionOut(Schema):
    unit_id: int
    unit_name: str
    members: int
    complete: int
    in_progress: int
    not_started: int
    rate: float = Field(description="完成率 = 已完成 ÷ 学员数")
    credit_hours: Decimal


class ThemedClassCompletionOut(Schema):
    themed_class_id: int
    members: int
    complete: int
    rate: float | None
    units: list[UnitCompletionOut]


class MyThemedClassOut(Schema):
    id: int
    title: str
    status: str
    deadline: dt.date
    days_left: int = Field(description="距截止日期的天数；负数为已逾期")
    required_hours: Decimal
    completed_required: int
    required_count: int
    completed: int
    course_count: int
    credit_hours: Decimal
    percent: int
    is_complete: bool
    courses: list[ThemedClassCourseOut]


class MyThemedClassPageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[MyThemedClassOut]


# --- helpers ---------------------------------------------------------------------------------------

def _courses_out(themed_class: ThemedClass) -> list[dict]:
    return [{"course_id": link.course_id, "title": link.course.title, "is_required": link.is_required,
             "duration_minutes": link.course.duration_minutes, "course_status": link.course.status}
            for link in selectors.class_courses(themed_class)]


def _out(actor, themed_class: ThemedClass) -> dict:
    selectors.member_counts(actor, [themed_class])
    visible = scope.scoped(actor, themed_class.named_cadres.all(), permission="cadres.view")
    return {
        "id": themed_class.pk, "title": themed_class.title, "description": themed_class.description,
        "status": themed_class.status, "status_label": label(ThemedClassStatus, themed_class.status),
        "owner_id": themed_class.owner_id, "owner_name": themed_class.owner.name,
        "start_date": themed_class.start_date, "deadline": themed_class.deadline,
        "required_hours": themed_class.required_hours, "audience_root_id": themed_class.audience_root_id,
        "audience_rank": themed_class.audience_rank, "audience_rank_label": label(Rank, themed_class.audience_rank),
        "audience_category": themed_class.audience_category,
        "audience_category_label": label(Category, themed_class.audience_category),
        "named_cadre_ids": sorted(visible.values_list("pk", flat=True)), "member_count": themed_class.member_count,
        "courses": _courses_out(themed_class), "opened_at": themed_class.opened_at, "closed_at": themed_class.closed_at,
    }


def _course(pk: int) -> Course:
    course = Course.objects.select_related("owner__parent").filter(pk=pk, status=CourseStatus.PUBLISHED).first()
    if course is None:
        raise NotFound("未找到该课程，或课程未发布。")
    return course


def _changes(actor, payload: Schema) -> dict:
    """Service keyword arguments from the fields sent (ids looked up through the scope gate)."""
    data = payload.dict(exclude_unset=True)
    changes: dict = {}
    for name in ("title", "description", "start_date", "deadline", "required_hours"):
        if name in data and data[name] is not None:
            changes[name] = data[name]
    for name in ("audience_rank", "audience_category"):
        if name in data:
            changes[name] = data[name] or ""
    if data.get("owner_id") is not None:
        changes["owner"] = organisation_get_for(actor, data["owner_id"])
    if data.get("audience_root_id") is not None:
        changes["audience_root"] = organisation_get_for(actor, data["audience_root_id"])
    if data.get("named_cadre_ids") is not None:
        changes["named_cadres"] = [cadre_get_for(actor, pk) for pk in dict.fromkeys(data["named_cadre_ids"])]
    if data.get("courses") is not None:
        changes["courses"] = [(_course(c["course_id"]), c["is_required"]) for c in data["courses"]]
    return changes


# --- the back office -------------------------------------------------------------------------------

@router.get("/themed-classes", response=responses({200: ThemedClassPageOut}, 400), summary="专题网络班列表")
@permission(VIEW)
def themed_class_list(request, filters: Query[ThemedClassFilters]):
    rows = selectors.themed_classes_for(request.auth, status=filters.status or "")
    return page_of(rows, filters, lambda c: _out(request.auth, c))


@router.post("/themed-classes", response=responses({201: ThemedClassOut}, 400, 404), summary="新建专题网络班（草稿）")
@permission(MANAGE)
def themed_class_create(request, payload: ThemedClassIn):
    changes = _changes(request.auth, payload)
    changes.setdefault("named_cadres", [])
    themed_class = services.themed_class_create(actor=request.auth, request=request, **changes)
    return Status(201, _out(request.auth, themed_class))


@router.get("/themed-classes/{class_id}", response=responses({200: ThemedClassOut}, 400, 404),
            summary="专题网络班详情")
@permission(VIEW)
def themed_class_detail(request, class_id: Id):
    return _out(request.auth, selectors.themed_class_get_for(request.auth, class_id))


@router.patch("/themed-classes/{class_id}", response=responses({200: ThemedClassOut}, 400, 404, 409),
              summary="修改专题网络班")
@permission(MANAGE)
def themed_class_patch(request, class_id: Id, payload: ThemedClassPatchIn):
    themed_class = selectors.themed_class_get_for(request.auth, class_id, permission=MANAGE)
    themed_class = services.themed_class_update(actor=request.auth, themed_class=themed_class, request=request,
                                                **_changes(request.auth, payload))
    return _out(request.auth, themed_class)


@router.post("/themed-classes/{class_id}/open", response=responses({200: ThemedClassOut}, 400, 404, 409),
             summary="开班（学员范围生成学员名单）")
@permission(MANAGE)
def themed_class_open(request, class_id: Id):
    themed_class = selectors.themed_class_get_for(request.auth, class_id, permission=MANAGE)
    services.themed_class_open(actor=request.auth, themed_class=themed_class, request=request)
    themed_class.refresh_from_db()
    return _out(request.auth, themed_class)


@router.post("/themed-classes/{class_id}/close", response=responses({200: ThemedClassOut}, 400, 404, 409),
             summary="结束专题网络班")
@permission(MANAGE)
def themed_class_close(request, class_id: Id):
    themed_class = selectors.themed_class_get_for(request.auth, class_id, permission=MANAGE)
    return _out(request.auth, services.themed_class_close(actor=request.auth, themed_class=themed_class,
                                                          request=request))


@router.post("/themed-classes/{class_id}/members", response=responses({200: ThemedClassMembersOut}, 400, 404, 409),
             summary="增补学员（进行中的班）")
@permission(MANAGE)
def themed_class_add_members(request, class_id: Id, payload: ThemedClassMembersIn):
    themed_class = selectors.themed_class_get_for(request.auth, class_id, permission=MANAGE)
    cadres = [cadre_get_for(request.auth, pk) for pk in dict.fromkeys(payload.cadre_ids)]
    added = services.themed_class_add_members(actor=request.auth, themed_class=themed_class, cadres=cadres,
                                              request=request)
    return {"added": added, "member_count": themed_class.members.count()}


@router.get("/themed-classes/{class_id}/completion", response=responses({200: ThemedClassCompletionOut}, 400, 404),
            summary="按单位的完成情况")
@permission(VIEW)
def themed_class_completion(request, class_id: Id):
    themed_class = selectors.themed_class_get_for(request.auth, class_id)
    completion = selectors.completion_by_unit(request.auth, themed_class)
    return {"themed_class_id": themed_class.pk, "members": completion.members, "complete": completion.complete,
            "rate": completion.rate,
            "units": [{"unit_id": u.unit_id, "unit_name": u.unit_name, "members": u.members, "complete": u.complete,
                       "in_progress": u.in_progress, "not_started": u.not_started, "rate": u.rate,
                       "credit_hours": u.credit_hours} for u in completion.units]}


# --- the learner -----------------------------------------------------------------------------------

@router.get("/me/themed-classes", response=responses({200: MyThemedClassPageOut}, 400), tags=LEARN,
            summary="我的专题网络班")
@permission("learning.study")
def themed_class_mine(request, paging: Query[PageQuery]):
    """Open classes first (nearest deadline first), then closed ones."""
    entries = selectors.themed_classes_of_learner(request.auth)
    start = (paging.page - 1) * paging.page_size
    items = []
    for entry in entries[start:start + paging.page_size]:
        p = entry.progress
        items.append({"id": entry.themed_class.pk, "title": entry.themed_class.title,
                      "status": entry.themed_class.status, "deadline": entry.themed_class.deadline,
                      "days_left": entry.days_left, "required_hours": entry.themed_class.required_hours,
                      "completed_required": p.completed_required, "required_count": p.required_count,
                      "completed": p.completed, "course_count": p.course_count, "credit_hours": p.credit_hours,
                      "percent": p.percent, "is_complete": p.is_complete,
                      "courses": _courses_out(entry.themed_class)})
    return {"count": len(entries), "page": paging.page, "page_size": paging.page_size, "items": items}
