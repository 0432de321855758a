"""Writes of the annual training plan: drafting items, submit / approve / return, adjustments
after approval and generating a draft from a needs survey.

Rules (docs/plans.md):
* items change freely only while the plan is a draft or returned; after approval every change
  is `plan_adjust` with a reason, which raises the version and keeps before/after;
* four eyes: whoever submitted a plan may not approve or return it — another org-department
  admin of the same region or of an ancestor region decides;
* credit hours default to 6 per day (two 3-hour half days, as the class timetable counts).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from ganxun.access import scope
from ganxun.audit.services import audit_record
from ganxun.core.errors import Conflict, DomainError, Forbidden
from ganxun.org.models import Category, Organisation
from ganxun.people.choices import Rank
from ganxun.planning.models import AnnualPlan, PlanAdjustment, PlanItem, Survey
from ganxun.planning.plan_selectors import institutions_for
from ganxun.topics.choices import TrainingType
from ganxun.topics.models import Topic

MANAGE = "plans.manage"
APPROVE = "plans.approve"
HOURS_PER_DAY = Decimal(6)
ITEM_FIELDS = ("title", "topics", "training_type", "target_ranks", "target_categories", "institution", "month",
               "days", "credit_hours", "capacity", "budget", "note")


class PlanItemError(DomainError):
    """Item refused; `errors` maps field name → Chinese message, so a form marks every bad field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("请检查标红的字段。", code="invalid_item", field=next(iter(errors)))
        self.errors = errors


def _check_rights(actor, plan: AnnualPlan, permission: str = MANAGE) -> None:
    scope.require(actor, permission)
    scope.require_within(actor, plan.region, message="未找到该计划。")


def _lock(plan: AnnualPlan) -> AnnualPlan:
    """The stored row decides (a caller may hold a stale copy); the lock queues concurrent writes."""
    fresh = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
    for name in ("status", "version", "submitted_by_id", "submitted_at", "decided_by_id", "decided_at",
                 "decision_comment"):
        setattr(plan, name, getattr(fresh, name))
    return plan


def _require_editable(plan: AnnualPlan) -> None:
    if not plan.is_editable:
        raise Conflict("计划已提交或已批准，不能直接修改；批准后的变更请走计划调整。", code="not_editable")


def _number(value, errors, name, label, *, cast=int, low=None, high=None):
    try:
        number = cast(str(value).strip())
    except (TypeError, ValueError, InvalidOperation):
        errors[name] = f"{label}须为数字。"
        return None
    if (low is not None and number < low) or (high is not None and number > high):
        if high is None:
            errors[name] = f"{label}不能小于 {low}。"
        else:
            errors[name] = f"{label}须在 {low} 到 {high} 之间。"
        return None
    return number


def clean_item(actor, data: dict) -> dict:
    """Check every field of an item and return clean values; PlanItemError lists all bad fields."""
    errors: dict[str, str] = {}
    clean: dict = {}
    clean["title"] = (data.get("title") or "").strip()
    if not clean["title"]:
        errors["title"] = "请填写班次名称。"
    elif len(clean["title"]) > 100:
        errors["title"] = "班次名称不超过 100 字。"
    clean["topics"] = list(data.get("topics") or [])
    if any(not isinstance(t, Topic) or not t.is_active for t in clean["topics"]):
        errors["topics"] = "培训内容须为启用的分类。"
    clean["training_type"] = data.get("training_type") or ""
    if clean["training_type"] not in TrainingType.values:
        errors["training_type"] = "请选择培训类型。"
    for name, label, allowed in (("target_ranks", "对象职级", Rank), ("target_categories", "对象类别", Category)):
        values = list(dict.fromkeys(data.get(name) or []))
        unknown = [v for v in values if v not in allowed.values]
        if unknown:
            errors[name] = f"{label}“{'、'.join(map(str, unknown))}”无效。"
        clean[name] = [v for v in allowed.values if v in values]  # stored in the standard order
    institution = data.get("institution")
    if institution is not None and not (isinstance(institution, Organisation)
                                        and institutions_for(actor).filter(pk=institution.pk).exists()):
        errors["institution"] = "承办机构须为您可选的培训机构。"
    clean["institution"] = institution
    clean["month"] = _number(data.get("month"), errors, "month", "月份", low=1, high=12)
    clean["days"] = _number(data.get("days"), errors, "days", "天数", low=1, high=365)
    hours = data.get("credit_hours")
    if hours in (None, ""):
        clean["credit_hours"] = clean["days"] * HOURS_PER_DAY if clean["days"] else None
    else:
        clean["credit_hours"] = _number(hours, errors, "credit_hours", "学时", cast=Decimal, low=Decimal("0.5"),
                                        high=Decimal("9999"))
    clean["capacity"] = _number(data.get("capacity"), errors, "capacity", "计划人数", low=1, high=100000)
    budget = data.get("budget")
    clean["budget"] = Decimal(0) if budget in (None, "") else _number(
        budget, errors, "budget", "预算", cast=Decimal, low=Decimal(0), high=Decimal("9999999999"))
    clean["note"] = (data.get("note") or "").strip()
    if errors:
        raise PlanItemError(errors)
    return clean


def _write_item(item: PlanItem, clean: dict) -> PlanItem:
    for name in ITEM_FIELDS:
        if name != "topics":
            setattr(item, name, clean[name])
    item.save()
    item.topics.set(clean["topics"])
    return item


def item_snapshot(item: PlanItem) -> dict:
    """The item as plain JSON, for an adjustment's before/after."""
    return {
        "title": item.title, "topics": sorted(t.name for t in item.topics.all()),
        "training_type": item.get_training_type_display(), "target_ranks": item.target_ranks,
        "target_categories": item.target_categories,
        "institution": item.institution.name if item.institution_id else "", "month": item.month,
        "days": item.days, "credit_hours": str(item.credit_hours), "capacity": item.capacity,
        "budget": str(item.budget), "note": item.note, "is_active": item.is_active,
    }


@transaction.atomic
def plan_create(*, actor, year: int, title: str = "", request=None) -> AnnualPlan:
    scope.require(actor, MANAGE)
    region = actor.active_role.scope
    if region.kind != Organisation.Kind.REGION:
        raise Forbidden("只有行政区域的组织部门可以编制年度计划。")
    if not (2000 <= int(year) <= 2100):
        raise DomainError("年度须在 2000 到 2100 之间。", field="year")
    if AnnualPlan.objects.filter(region=region, year=year).exists():
        raise Conflict(f"{region.name}{year}年度的计划已存在。", field="year")
    try:
        with transaction.atomic():
            plan = AnnualPlan.objects.create(region=region, year=year, created_by=actor,
                                             title=(title or "").strip() or f"{region.name}{year}年度干部教育培训计划")
    except IntegrityError:
        raise Conflict(f"{region.name}{year}年度的计划已存在。", field="year") from None
    audit_record(action="plan.create", actor=actor, request=request, target=plan)
    return plan


@transaction.atomic
def plan_item_add(*, actor, plan: AnnualPlan, request=None, **data) -> PlanItem:
    _check_rights(actor, plan)
    _require_editable(_lock(plan))
    item = _write_item(PlanItem(plan=plan), clean_item(actor, data))
    audit_record(action="plan.item_add", actor=actor, request=request, target=plan, detail={"item": item.pk})
    return item


@transaction.atomic
def plan_item_update(*, actor, item: PlanItem, request=None, **data) -> PlanItem:
    _check_rights(actor, item.plan)
    _require_editable(_lock(item.plan))
    _write_item(item, clean_item(actor, data))
    audit_record(action="plan.item_update", actor=actor, request=request, target=item.plan, detail={"item": item.pk})
    return item


@transaction.atomic
def plan_item_withdraw(*, actor, item: PlanItem, request=None) -> PlanItem:
    _check_rights(actor, item.plan)
    _require_editable(_lock(item.plan))
    item.is_active = False
    item.save(update_fields=["is_active", "updated_at"])
    audit_record(action="plan.item_withdraw", actor=actor, request=request, target=item.plan,
                 detail={"item": item.pk})
    return item


@transaction.atomic
def plan_submit(*, actor, plan: AnnualPlan, request=None) -> AnnualPlan:
    _check_rights(actor, plan)
    _require_editable(_lock(plan))
    items = list(plan.items.filter(is_active=True))
    if not items:
        raise DomainError("计划至少需要一个班次才能提交。", code="no_items")
    missing = [i.title for i in items if i.institution_id is None]
    if missing:
        raise DomainError(f"以下班次尚未选择承办机构：{'、'.join(missing)}。", code="no_institution")
    plan.status, plan.submitted_by, plan.submitted_at = AnnualPlan.Status.SUBMITTED, actor, timezone.now()
    plan.save()
    audit_record(action="plan.submit", actor=actor, request=request, target=plan)
    return plan


def _decide(actor, plan: AnnualPlan) -> None:
    _check_rights(actor, plan, APPROVE)
    _lock(plan)
    if plan.status != AnnualPlan.Status.SUBMITTED:
        raise Conflict("只有待审批的计划可以审批。", code="not_submitted")
    if plan.submitted_by_id == actor.pk:
        raise Forbidden("提交人不能审批自己提交的计划，请由另一位管理员审批。", code="four_eyes")


@transaction.atomic
def plan_approve(*, actor, plan: AnnualPlan, comment: str = "", request=None) -> AnnualPlan:
    _decide(actor, plan)
    plan.status, plan.decided_by, plan.decided_at = AnnualPlan.Status.APPROVED, actor, timezone.now()
    plan.decision_comment, plan.version = (comment or "").strip(), 1
    plan.save()
    audit_record(action="plan.approve", actor=actor, request=request, target=plan)
    return plan


@transaction.atomic
def plan_return(*, actor, plan: AnnualPlan, comment: str, request=None) -> AnnualPlan:
    if not (comment or "").strip():
        raise DomainError("退回时请填写意见。", field="comment")
    _decide(actor, plan)
    plan.status, plan.decided_by, plan.decided_at = AnnualPlan.Status.RETURNED, actor, timezone.now()
    plan.decision_comment = comment.strip()
    plan.save()
    audit_record(action="plan.return", actor=actor, request=request, target=plan, detail={"comment": comment.strip()})
    return plan


@transaction.atomic
def plan_adjust(*, actor, plan: AnnualPlan, reason_kind: str, reason: str, item: PlanItem | None = None,
                request=None, **data) -> PlanAdjustment:
    """Change an approved plan: add (临时增加) a class, change (调整) or cancel (取消) one.
    Applies the change, raises the version and records before/after."""
    _check_rights(actor, plan)
    _lock(plan)
    if plan.status != AnnualPlan.Status.APPROVED:
        raise Conflict("只有已批准的计划需要走调整；未批准的计划请直接修改。", code="not_approved")
    if reason_kind not in PlanAdjustment.Kind.values:
        raise DomainError("请选择调整类型。", field="reason_kind")
    if not (reason or "").strip():
        raise DomainError("请填写调整理由。", field="reason")
    if reason_kind != PlanAdjustment.Kind.ADD and (item is None or item.plan_id != plan.pk):
        raise DomainError("请选择要调整的班次。", field="item")
    before = None
    if reason_kind == PlanAdjustment.Kind.ADD:
        item = _write_item(PlanItem(plan=plan), clean_item(actor, data))
    else:
        if not item.is_active:
            raise Conflict("该班次已取消。", field="item")
        before = item_snapshot(item)
        if reason_kind == PlanAdjustment.Kind.CHANGE:
            _write_item(item, clean_item(actor, data))
        else:
            item.is_active = False
            item.save(update_fields=["is_active", "updated_at"])
    plan.version += 1
    plan.save(update_fields=["version", "updated_at"])
    adjustment = PlanAdjustment.objects.create(
        plan=plan, version=plan.version, kind=reason_kind, reason=reason.strip(), item=item, before=before,
        after=item_snapshot(item), created_by=actor)
    audit_record(action="plan.adjust", actor=actor, request=request, target=plan,
                 detail={"version": plan.version, "kind": reason_kind, "item": item.pk})
    return adjustment


def _class_size(demand: int) -> int:
    """A class of 40–60: demand rounded up to tens, within those bounds."""
    return min(60, max(40, math.ceil(demand / 10) * 10))


# The credits app (above planning) tells how much of each topic a region's cadres have studied:
# fn(actor, region=, start=, end=) -> an object with `cadres` and `per_cadre` {topic code: hours}.
_coverage_sources: list[Callable] = []

# The under-served topics of a draft are judged on the credit hours of these many years before it.
COVERAGE_YEARS = 3


def register_coverage_source(source: Callable) -> None:
    if source not in _coverage_sources:
        _coverage_sources.append(source)


def _underserved(actor, region: Organisation, year: int, exclude: set[str], count: int) -> list[tuple[Topic, Decimal]]:
    """The `count` second-level topics the region's cadres studied least (hours per serving cadre
    in the COVERAGE_YEARS calendar years before `year`, credits.selectors.topic_coverage_for),
    leaving out `exclude`; ties by topic code. Topics nobody studied come first (0 h)."""
    if count <= 0 or not _coverage_sources:
        return []
    coverage = _coverage_sources[0](actor, region=region, start=dt.date(year - COVERAGE_YEARS, 1, 1),
                                    end=dt.date(year - 1, 12, 31))
    candidates = [t for t in Topic.objects.filter(is_active=True, parent__isnull=False, parent__parent__isnull=True)
                  if t.code not in exclude]
    ranked = sorted(candidates, key=lambda t: (coverage.per_cadre.get(t.code, Decimal(0)), t.code))
    return [(topic, coverage.per_cadre.get(topic.code, Decimal(0))) for topic in ranked[:count]]


@transaction.atomic
def plan_generate_from_survey(*, actor, survey: Survey, year: int, top_n: int = 8, underserved_n: int = 2,
                              request=None) -> AnnualPlan:
    """A draft whose items follow the survey's topic demand ranking (most wanted first), and then
    the region's under-served topics (least studied in recent years) that the survey did not ask for.

    One item per top-N topic: "{topic}专题培训班", 3 days (18 h), capacity from demand (see
    _class_size); then one item per under-served topic (see _underserved), capacity 40; months
    spread evenly over the year in that order; type 党性教育专题 for topics under 政治理论教育 (01) /
    党性教育 (02) and 在职培训 otherwise, institution = the first active institution inside the
    region (else left empty; submit then asks for one), budget 0 to fill in. Each item's note says
    why it is there.
    """
    from ganxun.planning.selectors import survey_results  # the survey's own ranking, scope-gated

    scope.require(actor, MANAGE)
    if survey.owner_org_id != actor.active_role.scope_id or survey.status == Survey.Status.DRAFT:
        raise DomainError("请选择本区域已发布的调研。", field="survey")
    if not (1 <= int(top_n) <= 30):
        raise DomainError("班次数须在 1 到 30 之间。", field="top_n")
    if not (0 <= int(underserved_n) <= 10):
        raise DomainError("薄弱内容班次数须在 0 到 10 之间。", field="underserved_n")
    ranking = survey_results(actor, survey).topic_ranking[:top_n]
    if not ranking:
        raise DomainError("该调研还没有培训内容偏好的答卷，无法生成计划。", field="survey")
    plan = plan_create(actor=actor, year=year, title="", request=request)
    plan.source_survey = survey
    plan.save(update_fields=["source_survey", "updated_at"])
    region = plan.region
    institution = (Organisation.objects.filter(kind=Organisation.Kind.INSTITUTION, is_active=True,
                                               path__startswith=region.path).order_by("path").first())
    topics = Topic.objects.in_bulk([row["code"] for row in ranking], field_name="code")
    wanted = [(topics[row["code"]], _class_size(row["count"]), f"依据调研“{survey.title}”：{row['count']}人选择")
              for row in ranking]
    period = f"{year - COVERAGE_YEARS}–{year - 1}年"
    weak = [(topic, 40, f"薄弱内容：{period}本区域在职干部人均 {hours.normalize():f} 学时，为各类内容中最少之一")
            for topic, hours in _underserved(actor, region, year, set(topics), int(underserved_n))]
    items = wanted + weak
    for index, (topic, capacity, note) in enumerate(items):
        theory = topic.code.split(".")[0] in ("01", "02")
        _write_item(PlanItem(plan=plan), {
            "title": f"{topic.name}专题培训班", "topics": [topic],
            "training_type": TrainingType.THEORY if theory else TrainingType.IN_SERVICE,
            "target_ranks": [], "target_categories": [], "institution": institution,
            "month": 1 + index * 12 // len(items), "days": 3, "credit_hours": 3 * HOURS_PER_DAY,
            "capacity": capacity, "budget": Decimal(0), "note": note,
        })
    audit_record(action="plan.generate", actor=actor, request=request, target=plan,
                 detail={"survey": survey.pk, "demand_items": len(wanted), "underserved_items": len(weak)})
    return plan
