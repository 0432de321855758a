"""Pages of the annual training plan (back office): list, create / generate, items, the
submit / approve / return workflow, adjustments after approval and the version history.

Plans come through planning.plan_selectors (the scope gate): out-of-scope and missing ids are
404 alike; roles without the permission get 403 from the policy decorator.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ganxun.access import scope
from ganxun.access.policies import requires
from ganxun.core.errors import DomainError, NotFound
from ganxun.core.forms import add_domain_error
from ganxun.planning import plan_services
from ganxun.planning.models import AnnualPlan, PlanAdjustment
from ganxun.planning.plan_exports import plan_export
from ganxun.planning.plan_forms import DecisionForm, PlanAdjustForm, PlanCreateForm, PlanGenerateForm, PlanItemForm
from ganxun.planning.plan_selectors import (
    institutions_for,
    plan_get_for,
    plan_history,
    plan_item_get_for,
    plan_items,
    plan_list_for,
    plan_totals,
    surveys_for_generation,
)
from ganxun.planning.plan_services import PlanItemError

VIEW, MANAGE, APPROVE = "plans.view", "plans.manage", "plans.approve"


def _plan(request, pk, permission=VIEW) -> AnnualPlan:
    try:
        return plan_get_for(request.user, pk, permission=permission)
    except NotFound:
        raise Http404() from None


def _item(request, pk):
    try:
        return plan_item_get_for(request.user, pk, permission=MANAGE)
    except NotFound:
        raise Http404() from None


def _show_error(form, exc: DomainError) -> None:
    if isinstance(exc, PlanItemError):
        for name, message in exc.errors.items():
            form.add_error(name if name in form.fields else None, message)
    else:
        add_domain_error(form, exc)


@requires(VIEW)
def plan_list_view(request):
    return render(request, "planning/plan_list.html", {
        "plans": plan_list_for(request.user), "can_manage": scope.can(request.user, MANAGE)})


@requires(MANAGE)
def plan_create_view(request):
    form = PlanCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = plan_services.plan_create(actor=request.user, request=request, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "计划已创建，请添加班次。")
            return redirect("planning:plan_detail", plan.pk)
    return render(request, "planning/plan_create.html", {"form": form, "generate": False})


@requires(MANAGE)
def plan_generate_view(request):
    form = PlanGenerateForm(request.POST or None, surveys=surveys_for_generation(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            plan = plan_services.plan_generate_from_survey(actor=request.user, request=request, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已依据调研生成计划草稿（{plan.items.count()} 个班次），请检查后提交。")
            return redirect("planning:plan_detail", plan.pk)
    return render(request, "planning/plan_create.html", {"form": form, "generate": True})


def _detail(request, plan: AnnualPlan, *, decision_form=None, status=200):
    items = plan_items(plan)
    order = "-month" if request.GET.get("order") == "-month" else "month"
    if order == "-month":
        items.sort(key=lambda i: (-i.month, i.pk))
    user = request.user
    return render(request, "planning/plan_detail.html", {
        "plan": plan, "items": items, "totals": plan_totals(items), "order": order,
        "can_manage": scope.can(user, MANAGE) and scope.path_within(user, plan.region.path),
        "can_decide": (scope.can(user, APPROVE) and scope.path_within(user, plan.region.path)
                       and plan.submitted_by_id != user.pk),
        "decision_form": decision_form or DecisionForm(),
    }, status=status)


@requires(VIEW)
def plan_detail_view(request, pk):
    return _detail(request, _plan(request, pk))


def _item_edit(request, plan: AnnualPlan, item=None):
    institutions = institutions_for(request.user)
    initial = PlanItemForm.initial_for(item) if item is not None else {"days": 3, "month": 1}
    form = PlanItemForm(request.POST or None, initial=initial, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        try:
            if item is None:
                plan_services.plan_item_add(actor=request.user, plan=plan, request=request, **form.item_data())
            else:
                plan_services.plan_item_update(actor=request.user, item=item, request=request, **form.item_data())
        except DomainError as exc:
            _show_error(form, exc)
        else:
            messages.success(request, "班次已保存。")
            return redirect("planning:plan_detail", plan.pk)
    return render(request, "planning/plan_item_form.html", {"form": form, "plan": plan, "item": item},
                  status=400 if form.errors else 200)


@requires(MANAGE)
def plan_item_add_view(request, pk):
    return _item_edit(request, _plan(request, pk, MANAGE))


@requires(MANAGE)
def plan_item_edit_view(request, pk):
    item = _item(request, pk)
    return _item_edit(request, _plan(request, item.plan_id, MANAGE), item)


def _act(request, plan: AnnualPlan, action, success: str):
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("planning:plan_detail", plan.pk)


@require_POST
@requires(MANAGE)
def plan_item_withdraw_view(request, pk):
    item = _item(request, pk)
    return _act(request, item.plan, lambda: plan_services.plan_item_withdraw(
        actor=request.user, item=item, request=request), "班次已撤销。")


@require_POST
@requires(MANAGE)
def plan_submit_view(request, pk):
    plan = _plan(request, pk, MANAGE)
    return _act(request, plan, lambda: plan_services.plan_submit(actor=request.user, plan=plan, request=request),
                "计划已提交审批。")


@require_POST
@requires(APPROVE)
def plan_approve_view(request, pk):
    plan = _plan(request, pk, APPROVE)
    form = DecisionForm(request.POST)
    form.is_valid()
    return _act(request, plan, lambda: plan_services.plan_approve(
        actor=request.user, plan=plan, comment=form.cleaned_data.get("comment", ""), request=request), "计划已批准。")


@require_POST
@requires(APPROVE)
def plan_return_view(request, pk):
    plan = _plan(request, pk, APPROVE)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            plan_services.plan_return(actor=request.user, plan=plan, comment=form.cleaned_data["comment"],
                                      request=request)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "计划已退回。")
            return redirect("planning:plan_detail", plan.pk)
    return _detail(request, plan, decision_form=form, status=400)


@requires(MANAGE)
def plan_adjust_view(request, pk):
    plan = _plan(request, pk, MANAGE)
    item = None
    if request.GET.get("item"):
        item = _item(request, request.GET["item"])
        if item.plan_id != plan.pk:
            raise Http404()
    initial = PlanItemForm.initial_for(item) if item is not None else {"days": 3, "month": 1}
    initial["reason_kind"] = request.GET.get("kind") or (PlanAdjustment.Kind.ADD if item is None
                                                         else PlanAdjustment.Kind.CHANGE)
    form = PlanAdjustForm(request.POST or None, initial=initial, adding=item is None,
                          institutions=institutions_for(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            adjustment = plan_services.plan_adjust(
                actor=request.user, plan=plan, item=item, reason_kind=form.cleaned_data["reason_kind"],
                reason=form.cleaned_data["reason"], request=request, **form.item_data())
        except DomainError as exc:
            _show_error(form, exc)
        else:
            messages.success(request, f"调整已记录，计划版本更新为 v{adjustment.version}。")
            return redirect("planning:plan_detail", plan.pk)
    return render(request, "planning/plan_adjust.html", {"form": form, "plan": plan, "item": item},
                  status=400 if form.errors else 200)


@requires(VIEW)
def plan_history_view(request, pk):
    plan = _plan(request, pk)
    return render(request, "planning/plan_history.html", {"plan": plan, "adjustments": plan_history(plan)})


@requires(VIEW)
def plan_export_view(request, pk):
    plan = _plan(request, pk)
    download = plan_export(actor=request.user, plan=plan, request=request)
    return FileResponse(download.content, as_attachment=True, filename=download.filename,
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
