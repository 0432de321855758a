"""Reads of the annual training plan, always through the scope gate.

The org department sees its region's plans (and a city department its counties'); an
institution's staff see the plans that assign a class to their institution; everything
else is 404, missing and not-yours alike.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from ganxun.access import scope
from ganxun.core.errors import NotFound
from ganxun.org.models import Category, Organisation
from ganxun.people.choices import Rank
from ganxun.planning.models import AnnualPlan, PlanAdjustment, PlanItem, Survey
from ganxun.topics.choices import TrainingType

VIEW = "plans.view"


def institutions_for(actor) -> QuerySet[Organisation]:
    """Institutions a plan of the actor may use: active ones inside the actor's scope, and
    those attached directly to an ancestor region (a county sends cadres to the city party
    school, which lies outside the county's subtree)."""
    role = scope.active_role(actor)
    if role is None:
        return Organisation.objects.none()
    return (Organisation.objects.filter(kind=Organisation.Kind.INSTITUTION, is_active=True)
            .filter(Q(path__startswith=role.scope.path) | Q(parent_id__in=role.scope.ancestor_ids()))
            .order_by("path"))


def plan_list_for(actor) -> list[AnnualPlan]:
    """Plans in scope with their active item count, total credit hours, capacity and budget."""
    return list(plan_queryset_for(actor))


def plan_queryset_for(actor, *, year: int | None = None, status: str = "") -> QuerySet[AnnualPlan]:
    """plan_list_for as a queryset (for paging), optionally one year and/or one status."""
    ids = scope.scoped(actor, AnnualPlan, permission=VIEW).values("pk")
    active = Q(items__is_active=True)
    qs = AnnualPlan.objects.filter(pk__in=ids)
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("region").annotate(
        item_count=Count("items", filter=active), total_hours=Sum("items__credit_hours", filter=active),
        total_capacity=Sum("items__capacity", filter=active), total_budget=Sum("items__budget", filter=active),
    ).order_by("-year", "region__path", "id")


def plan_get_for(actor, pk, *, permission: str = VIEW) -> AnnualPlan:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    plan = (scope.scoped(actor, AnnualPlan.objects.select_related("region", "source_survey", "created_by",
                                                                   "submitted_by", "decided_by"),
                         permission=permission).filter(pk=pk).distinct().first())
    if plan is None:
        raise NotFound()
    return plan


def plan_item_get_for(actor, pk, *, permission: str = VIEW) -> PlanItem:
    item = scope.get_for(actor, PlanItem.objects.select_related("plan", "plan__region", "institution"), pk,
                         permission=permission)
    return item


def plan_items(plan: AnnualPlan, *, include_withdrawn: bool = True) -> list[PlanItem]:
    qs = plan.items.select_related("institution").prefetch_related("topics").order_by("month", "id")
    if not include_withdrawn:
        qs = qs.filter(is_active=True)
    return list(qs)


@dataclass
class PlanTotals:
    items: int = 0
    hours: Decimal = Decimal(0)
    capacity: int = 0
    budget: Decimal = Decimal(0)
    by_type: list[dict] = field(default_factory=list)


def plan_totals(items: list[PlanItem]) -> PlanTotals:
    """Totals over the active items, and the same per training type (types with no item left out)."""
    totals = PlanTotals()
    per_type: dict[str, PlanTotals] = defaultdict(PlanTotals)
    for item in items:
        if not item.is_active:
            continue
        for bucket in (totals, per_type[item.training_type]):
            bucket.items += 1
            bucket.hours += item.credit_hours
            bucket.capacity += item.capacity
            bucket.budget += item.budget
    labels = dict(TrainingType.choices)
    totals.by_type = [{"type": labels[value], "items": t.items, "hours": t.hours, "capacity": t.capacity,
                       "budget": t.budget} for value, t in per_type.items()]
    totals.by_type.sort(key=lambda row: list(labels.values()).index(row["type"]))
    return totals


SNAPSHOT_LABELS = {
    "title": "班次名称", "topics": "培训内容", "training_type": "培训类型", "target_ranks": "对象职级",
    "target_categories": "对象类别", "institution": "承办机构", "month": "月份", "days": "天数",
    "credit_hours": "学时", "capacity": "计划人数", "budget": "预算（元）", "note": "备注", "is_active": "有效",
}


def _show(key: str, value) -> str:
    if value is None:
        return ""
    if key == "is_active":
        return "是" if value else "否（已取消）"
    labels = {"target_ranks": dict(Rank.choices), "target_categories": dict(Category.choices)}.get(key)
    if isinstance(value, list):
        return "、".join(labels.get(v, v) if labels else str(v) for v in value)
    return str(value)


def plan_history(plan: AnnualPlan) -> list[PlanAdjustment]:
    """Adjustments in version order, each with `rows`: (label, before, after, changed) per field."""
    adjustments = list(plan.adjustments.select_related("item", "created_by").order_by("version"))
    for adj in adjustments:
        before, after = adj.before or {}, adj.after or {}
        adj.rows = [{"field": key, "label": label, "before": _show(key, before.get(key)),
                     "after": _show(key, after.get(key)),
                     "changed": bool(before) and before.get(key) != after.get(key)}
                    for key, label in SNAPSHOT_LABELS.items()]
    return adjustments


def surveys_for_generation(actor) -> QuerySet[Survey]:
    """Open or closed surveys launched by the actor's own region (their demand ranking feeds a draft)."""
    role = scope.active_role(actor)
    if role is None:
        return Survey.objects.none()
    return (scope.scoped(actor, Survey, permission="surveys.view")
            .filter(owner_org=role.scope, status__in=[Survey.Status.OPEN, Survey.Status.CLOSED])
            .distinct().order_by("-created_at"))
