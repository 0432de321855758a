"""The learner's side: the logistics panel of their class page (roster.panels), its htmx
actions and a page of its own (我的食宿) that also serves phones without JavaScript.

Only the actor's own enrollment is ever resolved here (selectors.own_enrollment_get):
another cadre's record is 404 like a missing one, whatever the role.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ganxun.access.policies import requires
from ganxun.core.errors import DomainError, NotFound
from ganxun.logistics import lodging_services, rules, selectors, services
from ganxun.logistics.forms import DietForm, LodgingNeedForm, MealSetForm
from ganxun.logistics.guards import owns
from ganxun.roster.models import LIVE_STATUSES


def _back(request) -> str:
    """The page the panel sits on (the roster's class page or our own), for phones without
    JavaScript: their form posts return there. Only a path of this site is accepted."""
    if request.method == "GET":
        return request.get_full_path()
    candidate = request.POST.get("next", "")
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}):
        return candidate
    return ""


def _context(request, enrollment, *, error: str | None = None, notice: str | None = None) -> dict:
    own = selectors.own_logistics(enrollment)
    settings = own.settings
    return {
        "own": own, "enrollment": enrollment, "training_class": enrollment.training_class,
        "error": error, "notice": notice, "back": _back(request),
        "cutoff_rule": (f"提前 {settings.cutoff_days_before} 天 {settings.cutoff_time:%H:%M}"
                        if settings and settings.cutoff_days_before else
                        f"当天 {settings.cutoff_time:%H:%M}" if settings else ""),
        "lodging_cutoff_text": rules.cutoff_text(own.lodging_cutoff) if own.lodging_cutoff else "",
    }


def render_panel(request, enrollment) -> str:
    """The panel on the learner's class page (registered with roster.panels): "" when the
    class provides neither meals nor rooms, the enrollment is not the viewer's own, or it no
    longer holds a seat (withdrawn, rejected, substituted, dropped). A nominated cadre sees
    the panel read-only until approved."""
    if request is None or enrollment.status not in LIVE_STATUSES or not owns(request.user, enrollment):
        return ""
    context = _context(request, enrollment)
    own = context["own"]
    if not (own.provides_dining or own.provides_lodging):
        return ""
    return render_to_string("logistics/_panel.html", context, request=request)


def _own(request, pk):
    try:
        return selectors.own_enrollment_get(request.user, pk)
    except NotFound:
        raise Http404() from None


@requires("self.view")
def own_page_view(request, pk):
    enrollment = _own(request, pk)
    context = _context(request, enrollment)
    own = context["own"]
    if not (own.provides_dining or own.provides_lodging):
        raise Http404()
    return render(request, "logistics/learn_page.html", context)


def _respond(request, enrollment, error: str | None, notice: str | None):
    if request.htmx:
        context = _context(request, enrollment, error=error, notice=notice)
        return render(request, "logistics/_panel.html", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return redirect(_back(request) or reverse("logistics:learn", args=[enrollment.pk]))


def _form_error(form) -> str:
    return "请求有误，请刷新页面后重试。" if form.errors else ""


@require_POST
@requires("self.view")
def own_meal_view(request, pk):
    enrollment = _own(request, pk)
    form = MealSetForm(request.POST)
    if not form.is_valid():
        return _respond(request, enrollment, _form_error(form), None)
    data = form.cleaned_data
    try:
        registered = services.dining_set(actor=request.user, enrollment=enrollment, date=data["date"],
                                         meal=data["meal"], registered=data["registered"], request=request)
    except DomainError as exc:
        return _respond(request, enrollment, exc.message, None)
    label = f"{rules.day_label(data['date'])}{dict(selectors.MEALS)[data['meal']]}"
    return _respond(request, enrollment, None, f"{label}：{'就餐' if registered else '不就餐'}。")


@require_POST
@requires("self.view")
def own_diet_view(request, pk):
    enrollment = _own(request, pk)
    form = DietForm(request.POST)
    if not form.is_valid():
        return _respond(request, enrollment, "忌口/过敏说明最多 200 个字。", None)
    try:
        services.dietary_update(actor=request.user, enrollment=enrollment, request=request, **form.cleaned_data)
    except DomainError as exc:
        return _respond(request, enrollment, exc.message, None)
    return _respond(request, enrollment, None, "饮食要求已保存。")


@require_POST
@requires("self.view")
def own_lodging_view(request, pk):
    enrollment = _own(request, pk)
    form = LodgingNeedForm(request.POST)
    if not form.is_valid():
        return _respond(request, enrollment, _form_error(form), None)
    try:
        record = lodging_services.lodging_set_need(actor=request.user, enrollment=enrollment,
                                                   needed=form.cleaned_data["needed"], request=request)
    except DomainError as exc:
        return _respond(request, enrollment, exc.message, None)
    return _respond(request, enrollment, None,
                    "已登记需要住宿。" if record.lodging_needed else "已登记无需住宿。")
