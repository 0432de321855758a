"""/api/v1/plans — the annual training plan (年度培训计划): parse → call a service/selector of
planning → serialise.

Reads need `plans.view` (the org department's region and, for institutions, the plans that
assign classes to them); drafting, items, submitting and adjustments `plans.manage`;
approving and returning `plans.approve` — never by whoever submitted the plan (four eyes:
403 `four_eyes`). Item fields are checked together by plan_services.clean_item: a refusal
lists every bad field at once (`errors`), and nothing is saved.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from ganxun.api.auth import permission
from ganxun.api.errors import responses
from ganxun.api.people import TopicRef
from ganxun.api.schemas import Id, Input, Page, PageQuery, label, page_of
from ganxun.api.schemas import text as text_of
from ganxun.core.errors import DomainError, NotFound
from ganxun.org.models import Category
from ganxun.people.choices import Rank
from ganxun.people.validation import FieldError
from ganxun.planning import plan_services
from ganxun.planning.api import FieldErrors, api_fields
from ganxun.planning.models import AnnualPlan, PlanAdjustment, PlanItem
from ganxun.planning.plan_selectors import (
    institutions_for,
    plan_get_for,
    plan_history,
    plan_item_get_for,
    plan_items,
    plan_queryset_for,
    plan_totals,
)
from ganxun.planning.plan_services import ITEM_FIELDS, PlanItemError
from ganxun.planning.selectors import survey_get_for
from ganxun.topics.choices import TrainingType
from ganxun.topics.models import Topic

router = Router(tags=["年度培训计划"])

VIEW, MANAGE, APPROVE = "plans.view", "plans.manage", "plans.approve"
PlanStatus = AnnualPlan.Status
AdjustKind = PlanAdjustment.Kind
# Service field → request field.
FIELDS = {"institution": "institution_id", "topics": "topic_ids", "reason_kind": "kind", "item": "item_id",
          "survey": "survey_id"}
INPUT_ITEM_FIELDS = ("title", "topic_ids", "training_type", "target_ranks", "target_categories", "institution_id",
                     "month", "days", "credit_hours", "capacity", "budget", "note")


# --- schemas ---------------------------------------------------------------------------------


class PlanItemOut(Schema):
    id: int
    plan_id: int
    title: str
    topics: list[TopicRef]
    training_type: str
    training_type_label: str
    target_ranks: list[str]
    target_ranks_labels: list[str]
    target_categories: list[str] = Field(description="空列表为不限")
    target_categories_labels: list[str]
    institution_id: int | None
    institution_name: str
    month: int
    days: int
    credit_hours: float
    capacity: int
    budget: float = Field(description="预算（元）")
    note: str
    is_active: bool = Field(description="false：已撤销或已取消")
    updated_at: datetime


class PlanOut(Schema):
    id: int
    region_id: int
    region_name: str
    year: int
    title: str
    status: str
    status_label: str
    version: int = Field(description="批准前为 0；批准为 1，之后每次调整加 1")
    item_count: int = Field(description="有效班次数")
    total_hours: float
    total_capacity: int
    total_budget: float
    source_survey_id: int | None
    updated_at: datetime


class PlanTypeTotalOut(Schema):
    training_type_label: str
    items: int
    hours: float
    capacity: int
    budget: float


class PlanDetailOut(PlanOut):
    source_survey_title: str
    created_by_name: str
    created_at: datetime
    submitted_by_id: int | None
    submitted_by_name: str
    submitted_at: datetime | None
    decided_by_id: int | None
    decided_by_name: str
    decided_at: datetime | None
    decision_comment: str
    editable: bool = Field(description="草稿或已退回：班次可直接修改")
    items: list[PlanItemOut] = Field(description="按月份排列，含已撤销的班次")
    totals_by_type: list[PlanTypeTotalOut] = Field(description="有效班次按培训类型的合计")


class PlanChangeRowOut(Schema):
    field: str
    label: str
    before: str
    after: str
    changed: bool


class PlanAdjustmentOut(Schema):
    id: int
    plan_id: int
    version: int
    kind: str
    kind_label: str
    reason: str
    item_id: int
    item_title: str
    created_by_name: str
    created_at: datetime
    before: dict[str, Any] | None = Field(description="调整前的班次（临时增加时为 null）")
    after: dict[str, Any] | None
    changes: list[PlanChangeRowOut] = Field(description="逐字段对照；changed 标出改动的字段")


class PlanApprovalOut(Schema):
    version: int
    decided_by_id: int | None
    decided_by_name: str
    decided_at: datetime | None
    comment: str


class PlanHistoryOut(Schema):
    plan_id: int
    version: int
    approval: PlanApprovalOut | None = Field(description="v1：批准（未批准时为 null）")
    adjustments: list[PlanAdjustmentOut] = Field(description="v2 起的每次调整，按版本")


class PlanFilters(Schema):
    year: int | None = Field(None, ge=2000, le=2100)
    status: PlanStatus | None = None


class PlanIn(Input):
    year: int = Field(ge=2000, le=2100)
    title: text_of(100) = Field("", description="不填则为“区域+年度+干部教育培训计划”")


class PlanGenerateIn(Input):
    survey_id: Id = Field(description="本区域已发布（进行中或已结束）的调研")
    year: int = Field(ge=2000, le=2100)
    top_n: int = Field(8, ge=1, le=30, description="需求排名前 N 项各生成一个班次")
    underserved_n: int = Field(2, ge=0, le=10, description="另为近三年本区域人均学时最少、调研未选中的内容各生成一个班次")


_TYPES = "/".join(TrainingType.values)


class PlanItemIn(Input):
    """All fields are checked together (every problem reported at once)."""

    title: text_of(100) | None = Field(None, description="班次名称（必填）")
    topic_ids: list[Id] = Field([], max_length=50, description="培训内容（启用的分类 id）")
    training_type: text_of(20) | None = Field(None, description=f"培训类型（必填）：{_TYPES}")
    target_ranks: list[text_of(20)] = Field([], max_length=10, description=f"对象职级：{'/'.join(Rank.values)}；空为不限")
    target_categories: list[text_of(20)] = Field([], max_length=10,
                                              description=f"对象类别：{'/'.join(Category.values)}；空为不限")
    institution_id: Id | None = Field(None, description="承办机构（提交前必填）：范围内的培训机构，或上级区域直属的培训机构")
    month: int | None = Field(None, description="月份 1–12（必填）")
    days: int | None = Field(None, description="天数 ≥ 1（必填）")
    credit_hours: Decimal | None = Field(None, description="学时；不填按每天 6 学时")
    capacity: int | None = Field(None, description="计划人数 ≥ 1（必填）")
    budget: Decimal | None = Field(None, description="预算（元），默认 0")
    note: text_of(2000) = ""


class PlanItemPatchIn(PlanItemIn):
    """Only the fields sent change; the others keep their current values (null clears an
    optional field: institution, credit hours → days × 6, budget → 0)."""

    topic_ids: list[Id] = Field(None, max_length=50)
    target_ranks: list[text_of(20)] = Field(None, max_length=10)
    target_categories: list[text_of(20)] = Field(None, max_length=10)
    note: text_of(2000) = None


class PlanDecisionIn(Input):
    comment: text_of(2000) = Field("", description="审批意见；退回时必填")


class PlanAdjustIn(PlanItemPatchIn):
    """One change of an approved plan: `add` a class (item fields as for a new item), `change`
    one (`item_id`; only the item fields sent change) or `cancel` one (`item_id`, no item fields).
    Always with a reason."""

    kind: AdjustKind = Field(description="add 临时增加 / change 调整 / cancel 取消")
    reason: text_of(2000) = Field(description="调整理由（必填）")
    item_id: Id | None = Field(None, description="调整或取消的班次")


# --- serialisers ---------------------------------------------------------------------------

def _labels(choices, values: list[str]) -> list[str]:
    return [label(choices, v) for v in values]


def item_out(item: PlanItem) -> dict:
    return {
        "id": item.pk, "plan_id": item.plan_id, "title": item.title,
        "topics": [{"id": t.pk, "code": t.code, "name": t.name} for t in sorted(item.topics.all(), key=lambda t: t.code)],
        "training_type": item.training_type, "training_type_label": label(TrainingType, item.training_type),
        "target_ranks": item.target_ranks, "target_ranks_labels": _labels(Rank, item.target_ranks),
        "target_categories": item.target_categories,
        "target_categories_labels": _labels(Category, item.target_categories),
        "institution_id": item.institution_id, "institution_name": item.institution.name if item.institution_id else "",
        "month": item.month, "days": item.days, "credit_hours": item.credit_hours, "capacity": item.capacity,
        "budget": item.budget, "note": item.note, "is_active": item.is_active, "updated_at": item.updated_at,
    }


def plan_out(plan: AnnualPlan) -> dict:
    return {
        "id": plan.pk, "region_id": plan.region_id, "region_name": plan.region.name, "year": plan.year,
        "title": plan.title, "status": plan.status, "status_label": label(PlanStatus, plan.status),
        "version": plan.version, "item_count": plan.item_count, "total_hours": plan.total_hours or 0,
        "total_capacity": plan.total_capacity or 0, "total_budget": plan.total_budget or 0,
        "source_survey_id": plan.source_survey_id, "updated_at": plan.updated_at,
    }


def _name(account) -> str:
    return (account.full_name or account.username) if account is not None else ""


def plan_detail_out(actor, plan_id: int) -> dict:
    plan = plan_get_for(actor, plan_id)
    items = plan_items(plan)
    totals = plan_totals(items)
    plan.item_count, plan.total_hours = totals.items, totals.hours
    plan.total_capacity, plan.total_budget = totals.capacity, totals.budget
    return {
        **plan_out(plan), "source_survey_title": plan.source_survey.title if plan.source_survey_id else "",
        "created_by_name": _name(plan.created_by), "created_at": plan.created_at,
        "submitted_by_id": plan.submitted_by_id, "submitted_by_name": _name(plan.submitted_by),
        "submitted_at": plan.submitted_at, "decided_by_id": plan.decided_by_id,
        "decided_by_name": _name(plan.decided_by), "decided_at": plan.decided_at,
        "decision_comment": plan.decision_comment, "editable": plan.is_editable,
        "items": [item_out(i) for i in items],
        "totals_by_type": [{"training_type_label": row["type"], "items": row["items"], "hours": row["hours"],
                            "capacity": row["capacity"], "budget": row["budget"]} for row in totals.by_type],
    }


def adjustment_out(adjustment: PlanAdjustment) -> dict:
    return {
        "id": adjustment.pk, "plan_id": adjustment.plan_id, "version": adjustment.version, "kind": adjustment.kind,
        "kind_label": label(AdjustKind, adjustment.kind), "reason": adjustment.reason, "item_id": adjustment.item_id,
        "item_title": adjustment.item.title, "created_by_name": _name(adjustment.created_by),
        "created_at": adjustment.created_at, "before": adjustment.before, "after": adjustment.after,
        "changes": [{"field": row["field"], "label": row["label"], "before": row["before"], "after": row["after"],
                     "changed": row["changed"]} for row in adjustment.rows],
    }


# --- input → service arguments ----------------------------------------------------------------

def _current(item: PlanItem) -> dict:
    """An item's values in request terms (for PATCH and changes)."""
    return {"title": item.title, "topic_ids": list(item.topics.values_list("pk", flat=True)),
            "training_type": item.training_type, "target_ranks": item.target_ranks,
            "target_categories": item.target_categories, "institution_id": item.institution_id,
            "month": item.month, "days": item.days, "credit_hours": item.credit_hours, "capacity": item.capacity,
            "budget": item.budget, "note": item.note}


def _item_data(actor, sent: dict) -> tuple[dict, list[FieldError]]:
    """Service arguments of an item; ids that do not resolve become field errors, reported
    together with the service's own (the service decides on everything else)."""
    errors: list[FieldError] = []
    topic_ids = list(dict.fromkeys(sent.get("topic_ids") or []))
    topics = list(Topic.objects.filter(pk__in=topic_ids))
    if len(topics) != len(topic_ids):
        missing = sorted(set(topic_ids) - {t.pk for t in topics})
        errors.append(FieldError("topic_ids", "没有这个培训内容分类。", ",".join(map(str, missing))))
    institution = None
    if sent.get("institution_id") is not None:
        institution = institutions_for(actor).filter(pk=sent["institution_id"]).first()
        if institution is None:
            errors.append(FieldError("institution_id", "承办机构须为您可选的培训机构。", str(sent["institution_id"])))
    data = {name: sent.get(name) for name in ITEM_FIELDS if name not in ("topics", "institution")}
    data.update(topics=topics, institution=institution, note=sent.get("note") or "",
                target_ranks=sent.get("target_ranks") or [], target_categories=sent.get("target_categories") or [])
    return data, errors


def _write(call, extra: list[FieldError]):
    """Run a service with the item checks; unresolved ids and the service's field errors are
    reported together, and nothing is saved when there are any."""
    try:
        with transaction.atomic():
            result = call()
            if extra:
                raise FieldErrors("请检查标红的字段。", extra, code="invalid_item")
            return result
    except PlanItemError as exc:
        errors = [FieldError(FIELDS.get(name, name), message) for name, message in exc.errors.items()]
        # An unresolved id is reported once, in request terms (the service saw "no institution").
        errors = [e for e in errors if e.field not in {x.field for x in extra}] + extra
        raise FieldErrors(exc.message, errors, code=exc.code) from None


def _plan(actor, plan_id: int, perm: str = VIEW) -> AnnualPlan:
    return plan_get_for(actor, plan_id, permission=perm)


def _item(actor, plan: AnnualPlan, item_id: int, *, field: str | None = None) -> PlanItem:
    try:
        item = plan_item_get_for(actor, item_id, permission=MANAGE)
        if item.plan_id != plan.pk:
            raise NotFound()
    except NotFound as exc:
        exc.field = field
        raise
    return item


# --- operations ------------------------------------------------------------------------------

@router.get("/plans", response=responses({200: Page[PlanOut]}, 400), summary="年度培训计划列表")
@permission(VIEW)
def plan_list(request, filters: Query[PlanFilters], paging: Query[PageQuery]):
    """Plans in scope, newest year first, each with its active item count and totals."""
    qs = plan_queryset_for(request.auth, year=filters.year, status=filters.status.value if filters.status else "")
    return page_of(qs, paging, plan_out)


# Before /plans/{plan_id}: URL patterns are tried in order.
@router.post("/plans/generate", response=responses({201: PlanDetailOut}, 400, 404, 409),
             summary="依据需求调研生成计划草稿")
@permission(MANAGE)
def plan_generate(request, payload: PlanGenerateIn):
    """A draft with one class per topic of the survey's demand ranking (top N), then one per
    under-served topic of the region (`underserved_n`), see docs/plans.md. The survey must be published by the caller's own region. A second plan for
    the same year is 409 (field `year`)."""
    actor = request.auth
    try:
        survey = survey_get_for(actor, payload.survey_id)
    except NotFound as exc:
        exc.field = "survey_id"
        raise
    with api_fields(FIELDS):
        plan = plan_services.plan_generate_from_survey(actor=actor, survey=survey, year=payload.year,
                                                       top_n=payload.top_n, underserved_n=payload.underserved_n,
                                                       request=request)
    return Status(201, plan_detail_out(actor, plan.pk))


@router.get("/plans/{plan_id}", response=responses({200: PlanDetailOut}, 400, 404), summary="年度培训计划详情")
@permission(VIEW)
def plan_detail(request, plan_id: Id):
    return plan_detail_out(request.auth, plan_id)


@router.post("/plans", response=responses({201: PlanDetailOut}, 400, 409), summary="新建年度培训计划")
@permission(MANAGE)
def plan_add(request, payload: PlanIn):
    """An empty draft for the caller's region and `year` (one plan per region and year: a
    second, e.g. a retried create, is 409 with field `year`; find it with `GET /plans?year=`)."""
    plan = plan_services.plan_create(actor=request.auth, year=payload.year, title=payload.title, request=request)
    return Status(201, plan_detail_out(request.auth, plan.pk))


@router.post("/plans/{plan_id}/items", response=responses({201: PlanItemOut}, 400, 404, 409),
             summary="添加计划班次")
@permission(MANAGE)
def plan_item_add(request, plan_id: Id, payload: PlanItemIn):
    """Add a class to a draft or returned plan (409 `not_editable` once submitted; after approval
    use adjustments). Not idempotent: a retried add makes a second item."""
    actor = request.auth
    plan = _plan(actor, plan_id, MANAGE)
    data, errors = _item_data(actor, payload.model_dump())
    item = _write(lambda: plan_services.plan_item_add(actor=actor, plan=plan, request=request, **data), errors)
    return Status(201, item_out(plan_item_get_for(actor, item.pk)))


@router.patch("/plans/{plan_id}/items/{item_id}", response=responses({200: PlanItemOut}, 400, 404, 409),
              summary="修改计划班次")
@permission(MANAGE)
def plan_item_change(request, plan_id: Id, item_id: Id, payload: PlanItemPatchIn):
    """Only the fields sent change (draft or returned plans; 409 `not_editable` otherwise)."""
    actor = request.auth
    plan = _plan(actor, plan_id, MANAGE)
    item = _item(actor, plan, item_id)
    data, errors = _item_data(actor, {**_current(item), **payload.model_dump(exclude_unset=True)})
    _write(lambda: plan_services.plan_item_update(actor=actor, item=item, request=request, **data), errors)
    return item_out(plan_item_get_for(actor, item.pk))


@router.post("/plans/{plan_id}/items/{item_id}/withdraw", response=responses({200: PlanItemOut}, 400, 404, 409),
             summary="撤销计划班次")
@permission(MANAGE)
def plan_item_withdraw(request, plan_id: Id, item_id: Id):
    """Mark the item withdrawn (kept, never deleted) in a draft or returned plan. A retry
    answers the same withdrawn item."""
    actor = request.auth
    plan = _plan(actor, plan_id, MANAGE)
    item = _item(actor, plan, item_id)
    plan_services.plan_item_withdraw(actor=actor, item=item, request=request)
    return item_out(plan_item_get_for(actor, item.pk))


@router.post("/plans/{plan_id}/submit", response=responses({200: PlanDetailOut}, 400, 404, 409),
             summary="提交计划审批")
@permission(MANAGE)
def plan_send(request, plan_id: Id):
    """Needs at least one active item, each with an institution (400 `no_items` /
    `no_institution`). Once submitted, a second call is 409 `not_editable`."""
    plan = _plan(request.auth, plan_id, MANAGE)
    plan_services.plan_submit(actor=request.auth, plan=plan, request=request)
    return plan_detail_out(request.auth, plan.pk)


@router.post("/plans/{plan_id}/approve", response=responses({200: PlanDetailOut}, 400, 404, 409),
             summary="批准计划")
@permission(APPROVE)
def plan_approve(request, plan_id: Id, payload: PlanDecisionIn):
    """Approve a submitted plan (version 1). Four eyes: whoever submitted it gets 403
    `four_eyes`. Only a submitted plan is decided: a second call is 409 `not_submitted`."""
    plan = _plan(request.auth, plan_id, APPROVE)
    plan_services.plan_approve(actor=request.auth, plan=plan, comment=payload.comment, request=request)
    return plan_detail_out(request.auth, plan.pk)


@router.post("/plans/{plan_id}/return", response=responses({200: PlanDetailOut}, 400, 404, 409),
             summary="退回计划")
@permission(APPROVE)
def plan_send_back(request, plan_id: Id, payload: PlanDecisionIn):
    """Return a submitted plan to its author with a comment (required, field `comment`).
    Four eyes as for approval; a second call is 409 `not_submitted`."""
    plan = _plan(request.auth, plan_id, APPROVE)
    plan_services.plan_return(actor=request.auth, plan=plan, comment=payload.comment, request=request)
    return plan_detail_out(request.auth, plan.pk)


@router.post("/plans/{plan_id}/adjustments", response=responses({201: PlanAdjustmentOut}, 400, 404, 409),
             summary="调整已批准的计划")
@permission(MANAGE)
def plan_adjustment_add(request, plan_id: Id, payload: PlanAdjustIn):
    """Each adjustment applies the change, raises the plan's version by one and records
    before/after. Only approved plans (409 `not_approved`); a cancelled item cannot be changed
    again (409). Not idempotent: a retried add or change records a second version."""
    actor = request.auth
    plan = _plan(actor, plan_id, MANAGE)
    sent = payload.model_dump(exclude_unset=True)
    kind, reason, item_id = payload.kind.value, payload.reason, sent.pop("item_id", None)
    sent.pop("kind"), sent.pop("reason")
    item = _item(actor, plan, item_id, field="item_id") if item_id is not None else None
    if kind == AdjustKind.CANCEL and sent:
        raise FieldErrors("取消班次只需调整理由，不需班次字段。",
                          [FieldError(name, "取消班次时不需填写。") for name in sent])
    if kind == AdjustKind.ADD and item is not None:
        raise DomainError("临时增加的是新班次，不需 item_id。", field="item_id")
    base = _current(item) if item is not None and kind == AdjustKind.CHANGE else {}
    data, errors = _item_data(actor, {**base, **sent}) if kind != AdjustKind.CANCEL else ({}, [])
    with api_fields(FIELDS):
        adjustment = _write(lambda: plan_services.plan_adjust(
            actor=actor, plan=plan, reason_kind=kind, reason=reason, item=item, request=request, **data), errors)
    adjustment = next(a for a in plan_history(plan) if a.pk == adjustment.pk)
    return Status(201, adjustment_out(adjustment))


@router.get("/plans/{plan_id}/history", response=responses({200: PlanHistoryOut}, 400, 404), summary="计划版本记录")
@permission(VIEW)
def plan_versions(request, plan_id: Id):
    """v1 is the approval (approver, time, comment); every later version is an adjustment with
    its kind, reason, author and a field-by-field before/after."""
    plan = _plan(request.auth, plan_id)
    approved = plan.version >= 1
    return {
        "plan_id": plan.pk, "version": plan.version,
        "approval": {"version": 1, "decided_by_id": plan.decided_by_id, "decided_by_name": _name(plan.decided_by),
                     "decided_at": plan.decided_at, "comment": plan.decision_comment} if approved else None,
        "adjustments": [adjustment_out(a) for a in plan_history(plan)],
    }
