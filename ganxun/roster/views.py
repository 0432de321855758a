"""Pages of the call to training (调训), the liaisons' nominations, the org department's
review, the roster with its exports, and the cadre's own classes (我的班次).

Rows come through roster.selectors (the scope gate): a class, call, quota or enrollment
out of scope is 404 like a missing one. Writes go through roster.services, which re-check
the rights; a DomainError becomes a form error or a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.views.decorators.http import require_POST

from ganxun.access.policies import requires
from ganxun.classes.models import Slot
from ganxun.classes.selectors import class_credit_hours, sessions_of
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.core.forms import add_domain_error
from ganxun.core.pdf import pdf_response
from ganxun.core.views import forbidden, or_404, run_action
from ganxun.people.selectors import cadre_get_for
from ganxun.roster import documents, selectors, services
from ganxun.roster.forms import CadrePickForm, CallForm, QuotaForm, RejectForm, ReviewFilterForm, SubstituteForm
from ganxun.roster.models import CallMode, CallStatus, EnrollmentStatus
from ganxun.roster.panels import learner_panels
from ganxun.roster.warnings import WARNING_LABELS

PAGE_SIZE = 20




def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    encoded = query.urlencode()
    return f"{encoded}&" if encoded else ""


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- calls (org department) ------------------------------------------------------------------

@requires("roster.view")
def call_list_view(request):
    status = request.GET.get("status", "")
    if status not in CallStatus.values:
        status = ""
    calls = selectors.call_list_for(request.user, status=status, q=request.GET.get("q", ""))
    page = Paginator(calls, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "roster/call_list.html", {
        "page_obj": page, "query_without_page": _query_without_page(request), "status": status,
        "q": request.GET.get("q", ""), "statuses": CallStatus.choices,
    })


@requires("roster.view")
def call_view(request, class_pk):
    """The call of a class: its fields, quotas (used / remaining), the named list, the record of
    quota changes and the actions the actor may take."""
    training_class = or_404(selectors.roster_class_get_for, request.user, class_pk)
    call = selectors.call_of_class(request.user, training_class)
    may_call = services.may_call_for(request.user, training_class)
    if call is None and not may_call:
        raise Http404()
    context = {"training_class": training_class, "call": call, "may_call": may_call,
               "may_review": services.may_call_for(request.user, training_class, "roster.review")}
    if call is not None:
        rows = selectors.quota_rows(call, actor=request.user)
        context.update({
            "quotas": rows, "quota_total": sum(r.quota.seats for r in rows), "used_total": sum(r.used for r in rows),
            "named": selectors.named_list(call, actor=request.user),
            "changes": selectors.quota_changes(call) if may_call else [],
            "quota_form": QuotaForm(units=selectors.unit_choices_for(request.user), issued=call.is_issued,
                                    prefix="quota") if may_call else None,
            "deadline_passed": services.deadline_passed(call),
            "credit_hours": class_credit_hours(training_class),
            "counts": selectors.roster_counts(training_class),
        })
    return render(request, "roster/call_detail.html", context)


def _call_initial(call=None, plan_targets=None) -> dict:
    if call is None:
        ranks, categories = plan_targets or ([], [])
        return {"mode": CallMode.QUOTA, "repeat_years": 3, "professional_classes": 3, "untrained_years": 3,
                "target_ranks": ranks, "target_categories": categories}
    return {name: getattr(call, name) for name in services.CALL_FIELDS}


@requires("roster.call")
def call_create_view(request, class_pk):
    training_class = or_404(selectors.roster_class_get_for, request.user, class_pk)
    if not services.may_call_for(request.user, training_class):
        raise Http404()
    existing = selectors.call_of_class(request.user, training_class)
    if existing is not None:
        return redirect("roster:call", class_pk=training_class.pk)
    form = CallForm(request.POST or None, initial=_call_initial(plan_targets=services.plan_targets(training_class)))
    if request.method == "POST" and form.is_valid():
        try:
            services.call_create(actor=request.user, training_class=training_class, data=form.service_data(),
                                 request=request)
        except Forbidden:
            return forbidden(request)
        except NotFound:
            raise Http404() from None
        except DomainError as exc:
            if exc.code == "duplicate":  # a double-submitted form: the first one made it
                return redirect("roster:call", class_pk=training_class.pk)
            add_domain_error(form, exc)
        else:
            messages.success(request, "已创建调训草稿，请分配名额或添加实名人员后下发。")
            return redirect("roster:call", class_pk=training_class.pk)
    return render(request, "roster/call_form.html", {"form": form, "training_class": training_class, "call": None},
                  status=400 if form.errors else 200)


@requires("roster.call")
def call_edit_view(request, pk):
    call = or_404(selectors.call_get_for, request.user, pk)
    training_class = call.training_class
    if not services.may_call_for(request.user, training_class):
        raise Http404()
    form = CallForm(request.POST or None, initial=_call_initial(call))
    if request.method == "POST" and form.is_valid():
        try:
            services.call_update(actor=request.user, call=call, data=form.service_data(), request=request)
        except Forbidden:
            return forbidden(request)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("roster:call", class_pk=training_class.pk)
    return render(request, "roster/call_form.html", {"form": form, "training_class": training_class, "call": call},
                  status=400 if form.errors else 200)


@require_POST
@requires("roster.call")
def call_issue_view(request, pk):
    call = or_404(selectors.call_get_for, request.user, pk)

    def issue():
        services.call_issue(actor=request.user, call=call, request=request)
        return "调训通知已下发。"
    return run_action(request, issue, back=reverse("roster:call", args=[call.training_class_id]))


@requires("roster.view")
def notice_view(request, pk):
    call = or_404(selectors.call_get_for, request.user, pk)
    if not call.is_issued and not services.may_call_for(request.user, call.training_class):
        raise Http404()
    return pdf_response(documents.notice_pdf(call), documents.notice_filename(call))


@require_POST
@requires("roster.call")
def quota_save_view(request, pk):
    call = or_404(selectors.call_get_for, request.user, pk)
    form = QuotaForm(request.POST, units=selectors.unit_choices_for(request.user), issued=call.is_issued,
                     prefix="quota")
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            messages.error(request, f"{label}：{'；'.join(errors)}" if label else "；".join(errors))
        return redirect("roster:call", class_pk=call.training_class_id)
    data = form.cleaned_data
    try:
        quota = services.quota_set(actor=request.user, call=call, unit=data["unit"], seats=data["seats"],
                                   note=data["note"], reason=data.get("reason", ""), request=request)
    except NotFound:
        raise Http404() from None
    except Forbidden:
        return forbidden(request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if quota is None:
            messages.success(request, f"已取消{data['unit'].name}的名额。")
        else:
            messages.success(request, f"{data['unit'].name}：名额 {quota.seats} 个。")
    return redirect("roster:call", class_pk=call.training_class_id)


@requires("roster.call")
def named_view(request, pk):
    """The named call's picker: serving cadres of the actor's subtree by name, 20 a page."""
    call = or_404(selectors.call_get_for, request.user, pk)
    if not services.may_call_for(request.user, call.training_class):
        raise Http404()
    if request.method == "POST":
        form = CadrePickForm(request.POST)
        if form.is_valid():
            try:
                cadre = cadre_get_for(request.user, form.cleaned_data["cadre"])
                services.call_name_cadre(actor=request.user, call=call, cadre=cadre, request=request)
            except NotFound:
                messages.error(request, "未找到该干部。")
            except Forbidden:
                return forbidden(request)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已添加“{cadre.person.name}”。")
        return redirect(f"{reverse('roster:named', args=[call.pk])}?{request.GET.urlencode()}")
    q = request.GET.get("q", "")
    page = Paginator(selectors.namable_cadres(request.user, q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    named = selectors.named_list(call)
    context = {"call": call, "training_class": call.training_class, "page_obj": page, "q": q,
               "query_without_page": _query_without_page(request), "named": named,
               "named_ids": {n.cadre_id for n in named}}
    template = "roster/_named_candidates.html" if _is_htmx(request) else "roster/named.html"
    return render(request, template, context)


@require_POST
@requires("roster.call")
def named_remove_view(request, pk, cadre_pk):
    call = or_404(selectors.call_get_for, request.user, pk)
    cadre = or_404(cadre_get_for, request.user, cadre_pk)

    def unname():
        services.call_unname_cadre(actor=request.user, call=call, cadre=cadre, request=request)
        return f"已移除“{cadre.person.name}”。"
    return run_action(request, unname, back=reverse("roster:named", args=[call.pk]))


# --- nominations (liaisons) -------------------------------------------------------------------

@requires("roster.nominate")
def quota_list_view(request):
    quotas = selectors.quota_list_for(request.user)
    page = Paginator(quotas, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "roster/quota_list.html", {
        "page_obj": page, "query_without_page": _query_without_page(request), "today": timezone.localdate()})


@requires("roster.nominate")
def nominate_view(request, pk):
    """One quota: its nominations and the picker of the unit's cadres (name filter, 20 a page;
    the list part is refreshed by htmx as the liaison types)."""
    quota = or_404(selectors.quota_get_for, request.user, pk)
    if request.method == "POST":
        form = CadrePickForm(request.POST)
        if form.is_valid():
            try:
                enrollment, created = services.enrollment_nominate(
                    actor=request.user, quota=quota, cadre_id=form.cleaned_data["cadre"], request=request)
            except NotFound:
                messages.error(request, "未找到该干部。")
            except Forbidden:
                return forbidden(request)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                name = enrollment.cadre.person.name
                messages.success(request, f"已报名“{name}”，等待组织部门审核。" if created else f"“{name}”已报名，无需重复提交。")
        else:
            messages.error(request, "请选择干部。")
        query = request.GET.urlencode()
        return redirect(f"{reverse('roster:nominate', args=[quota.pk])}{'?' + query if query else ''}")
    q = request.GET.get("q", "")
    page = Paginator(selectors.nomination_candidates(request.user, quota, q=q), PAGE_SIZE).get_page(
        request.GET.get("page"))
    call = quota.call
    open_ = (call.training_class.status in services.NOMINATION_CLASS_STATUSES and not services.deadline_passed(call))
    context = {"quota": quota, "call": call, "training_class": call.training_class, "page_obj": page, "q": q,
               "query_without_page": _query_without_page(request), "accepting": open_,
               "remaining": max(quota.seats - quota.used, 0),
               "enrollments": selectors.quota_enrollments(request.user, quota)}
    template = "roster/_candidates.html" if _is_htmx(request) else "roster/nominate.html"
    return render(request, template, context)


@require_POST
@requires("roster.nominate")
def withdraw_view(request, pk):
    enrollment = or_404(selectors.enrollment_get_for, request.user, pk)

    def withdraw():
        services.enrollment_withdraw(actor=request.user, enrollment=enrollment, request=request)
        return f"已撤回“{enrollment.cadre.person.name}”的报名。"
    back = (reverse("roster:nominate", args=[enrollment.quota_id]) if enrollment.quota_id
            else reverse("roster:quota_list"))
    return run_action(request, withdraw, back=back)


# --- review (org department) ------------------------------------------------------------------

def _review_class(request, class_pk):
    training_class = or_404(selectors.roster_class_get_for, request.user, class_pk)
    if not services.may_call_for(request.user, training_class, "roster.review"):
        raise Http404()
    return training_class


@requires("roster.review")
def review_view(request, class_pk):
    training_class = _review_class(request, class_pk)
    form = ReviewFilterForm(request.GET)
    rows = selectors.review_rows(request.user, training_class, **form.filters())
    call = selectors.call_of_class(request.user, training_class)
    return render(request, "roster/review.html", {
        "training_class": training_class, "call": call, "rows": rows, "form": form,
        "units": selectors.review_units(request.user, training_class), "counts": selectors.roster_counts(training_class),
        "warning_labels": WARNING_LABELS, "statuses": EnrollmentStatus.choices,
        "reviewing": training_class.status in services.REVIEW_CLASS_STATUSES,
        "back": request.get_full_path(),
    })


def _back(request, training_class) -> str:
    back = request.POST.get("back", "")
    prefix = reverse("roster:review", args=[training_class.pk])
    return back if back.startswith(prefix) else prefix


def _decide(request, pk, action):
    enrollment = or_404(selectors.enrollment_get_for, request.user, pk)
    return run_action(request, lambda: action(enrollment), back=_back(request, enrollment.training_class),
                      refused_prefix=f"{enrollment.cadre.person.name}：")


@require_POST
@requires("roster.review")
def approve_view(request, pk):
    def approve(enrollment):
        saved = services.enrollment_approve(actor=request.user, enrollment=enrollment, request=request)
        return f"已确认“{saved.cadre.person.name}”，学号 {saved.seat_no}。"
    return _decide(request, pk, approve)


@require_POST
@requires("roster.review")
def reject_view(request, pk):
    def reject(enrollment):
        form = RejectForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        services.enrollment_reject(actor=request.user, enrollment=enrollment, note=note, request=request)
        return f"已退回“{enrollment.cadre.person.name}”的报名。"
    return _decide(request, pk, reject)


@requires("roster.review")
def substitute_view(request, pk):
    enrollment = or_404(selectors.enrollment_get_for, request.user, pk)
    training_class = enrollment.training_class
    if not services.may_call_for(request.user, training_class, "roster.review"):
        raise Http404()
    form = SubstituteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            replacement = services.enrollment_substitute(
                actor=request.user, enrollment=enrollment, cadre_id=form.cleaned_data["cadre"],
                reason=form.cleaned_data["reason"], request=request)
        except NotFound:
            form.add_error("cadre", "未找到该干部。")
        except Forbidden:
            return forbidden(request)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已将“{enrollment.cadre.person.name}”调换为“{replacement.cadre.person.name}”，"
                                      f"学号 {replacement.seat_no}。")
            return redirect("roster:review", class_pk=training_class.pk)
    q = request.GET.get("q", "")
    page = Paginator(selectors.substitute_candidates(request.user, enrollment, q=q), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "roster/substitute.html", {
        "enrollment": enrollment, "training_class": training_class, "form": form, "page_obj": page, "q": q,
        "query_without_page": _query_without_page(request),
    }, status=400 if form.errors else 200)


@require_POST
@requires("roster.review")
def bulk_approve_view(request, class_pk):
    training_class = _review_class(request, class_pk)
    ids = request.POST.getlist("ids")
    if not ids:
        messages.error(request, "请先勾选要确认的报名。")
        return redirect(_back(request, training_class))
    try:
        approved, skipped = services.enrollment_approve_many(actor=request.user, training_class=training_class,
                                                             ids=ids, request=request)
    except NotFound:
        raise Http404() from None
    except Forbidden:
        return forbidden(request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        text = f"已确认 {len(approved)} 人。"
        if skipped:
            text += f"{len(skipped)} 条不是待审核状态（或人员已不在职），未处理。"
        messages.success(request, text)
    return redirect(_back(request, training_class))


# --- the roster ---------------------------------------------------------------------------

@requires("roster.view")
def roster_view(request, class_pk):
    training_class = or_404(selectors.roster_class_get_for, request.user, class_pk)
    rows = selectors.roster_for(request.user, training_class)
    return render(request, "roster/roster.html", {
        "training_class": training_class, "rows": rows, "counts": selectors.roster_counts(training_class),
        "whole_class": selectors.class_side(request.user, training_class),
        "may_review": services.may_call_for(request.user, training_class, "roster.review"),
        "has_call": selectors.call_of_class(request.user, training_class) is not None,
    })


@requires("roster.view")
def roster_export_view(request, class_pk):
    training_class = or_404(selectors.roster_class_get_for, request.user, class_pk)
    download = documents.roster_export(actor=request.user, training_class=training_class, request=request)
    response = HttpResponse(download.content.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(download.filename)}"
    response["Cache-Control"] = "no-store"
    return response


@requires("roster.view")
def sign_in_sheet_view(request, class_pk):
    """A printable sign-in sheet: one page per class day with a signature column per slot that
    holds sessions (one column when the timetable is empty)."""
    training_class = or_404(selectors.roster_class_get_for, request.user, class_pk)
    rows = selectors.roster_for(request.user, training_class)
    labels = dict(Slot.choices)
    days: dict = {}
    for session in sessions_of(training_class):
        slots = days.setdefault(session.date, [])
        if session.slot not in slots:
            slots.append(session.slot)
    pages = [(day, [labels[s] for s in slots]) for day, slots in days.items()] or [(None, ["签名"])]
    return render(request, "roster/sign_in_sheet.html", {"training_class": training_class, "rows": rows,
                                                          "pages": pages})


# --- the cadre's own classes ----------------------------------------------------------------

@requires("self.view")
def learn_list_view(request):
    return render(request, "roster/learn_list.html", {"classes": selectors.own_classes(request.user)})


@requires("self.view")
def learn_class_view(request, class_pk):
    enrollment = or_404(selectors.own_enrollment_for, request.user, class_pk)
    training_class = enrollment.training_class
    days = selectors.own_timetable(enrollment)
    today = timezone.localdate()
    return render(request, "roster/learn_class.html", {
        "enrollment": enrollment, "training_class": training_class, "days": days,
        "credit_hours": class_credit_hours(training_class, [s for d in days for s in d.sessions]),
        "panels": learner_panels(request, enrollment), "today": today,
        # During the class the day's business (check-in, leave, meals, ratings) comes before the
        # whole timetable, which the cadre already knows.
        "panels_first": training_class.start_date <= today <= training_class.end_date,
    })
