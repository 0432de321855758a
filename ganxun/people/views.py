"""Back-office pages of people: cadres (list, detail, create, edit, career, leave/back) and the
teacher pool, with audited reveals of full ID numbers and phones.

Every row comes through the people selectors (the scope gate); out-of-scope ids are
404 like missing ones. Screens show masked ID numbers and phones only; the full
values come from `person_reveal`, which writes the audit trail.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST

from ganxun.access import scope
from ganxun.access.policies import requires
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.org.models import Organisation
from ganxun.org.selectors import organisation_get_for, organisation_list_for, unit_choices_for
from ganxun.people import services
from ganxun.people.forms import (
    CadreFilterForm,
    CadreForm,
    CadreLeaveForm,
    CareerEventForm,
    TeacherFilterForm,
    TeacherForm,
    add_service_errors,
)
from ganxun.people.search import search_redirect
from ganxun.people.selectors import (
    cadre_get_for,
    cadre_list_for,
    career_events_for,
    teacher_get_for,
    teacher_list_for,
)
from ganxun.topics.selectors import topic_list, topic_tree

PAGE_SIZE = 20


def _query(request) -> str:
    """The list's query string without the page number."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _forbidden(request):
    return render(request, "errors/403.html", status=403)


def _revealed(request, values: dict):
    """The full values, never kept by a browser or proxy cache."""
    response = render(request, "people/_revealed.html", {"values": values})
    patch_cache_control(response, no_store=True, private=True)
    return response


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _cadre(request, pk):
    try:
        return cadre_get_for(request.user, pk)
    except NotFound:
        raise Http404() from None


def _teacher(request, pk):
    try:
        return teacher_get_for(request.user, pk)
    except NotFound:
        raise Http404() from None


# --- cadres ----------------------------------------------------------------------------

@requires("cadres.view")
def cadre_list_view(request):
    if (response := search_redirect(request)) is not None:
        return response
    form = CadreFilterForm(request.GET)
    page = Paginator(form.cadres(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for cadre in page.object_list:
        cadre.age = _age(cadre.person.birth_date, today)
    query = _query(request)
    return render(request, "people/cadre_list.html", {
        "form": form, "page_obj": page, "query_without_page": f"{query}&" if query else "",
        "units": unit_choices_for(request.user), "selected_unit": form.data.get("unit", ""),
        # The export (imports app) selects the same rows from the same query string.
        "export_url": f"{reverse('imports:cadre_export')}?{query}" if query else reverse("imports:cadre_export"),
    })


@requires("cadres.view")
def cadre_detail_view(request, pk):
    cadre = _cadre(request, pk)
    return render(request, "people/cadre_detail.html", {
        "cadre": cadre, "person": cadre.person,
        "events": career_events_for(request.user, cadre),
        "today": timezone.localdate(),
    })


@require_POST
@requires("cadres.reveal")
def cadre_reveal_view(request, pk):
    """htmx fragment with the full ID number and phone; the service audits the read."""
    cadre = _cadre(request, pk)
    try:
        values = services.person_reveal(actor=request.user, person=cadre.person, permission="cadres.reveal",
                                        request=request)
    except NotFound:
        raise Http404() from None
    except Forbidden:
        return _forbidden(request)
    return _revealed(request, values)


def _save_cadre(request, form: CadreForm, cadre=None):
    """Call the create/update service; on refusal put its errors on the form and return None."""
    try:
        if cadre is None:
            return services.cadre_create(actor=request.user, data=form.service_data(),
                                         unit=_unit(request, form.cleaned_data["unit"]), request=request)
        return services.cadre_update(actor=request.user, cadre=cadre, data=form.service_data(),
                                     unit=_unit(request, form.cleaned_data["unit"]),
                                     effective_date=form.cleaned_data.get("effective_date"), request=request)
    except Forbidden:
        raise
    except NotFound as exc:
        form.add_error("unit", exc.message)
    except DomainError as exc:
        add_service_errors(form, exc)
    return None


def _unit(request, unit_id) -> Organisation | None:
    """The chosen unit through the scope gate (None lets the service report "必填")."""
    if not unit_id:
        return None
    return organisation_get_for(request.user, unit_id)


@requires("cadres.manage")
def cadre_create_view(request):
    form = CadreForm(request.POST or None, units=unit_choices_for(request.user),
                     initial={"unit": request.GET.get("unit")})
    if request.method == "POST" and form.is_valid():
        try:
            cadre = _save_cadre(request, form)
        except Forbidden:
            return _forbidden(request)
        if cadre is not None:
            messages.success(request, f"已登记干部“{cadre.person.name}”。")
            return redirect("people:cadre_detail", pk=cadre.pk)
    return render(request, "people/cadre_form.html", {"form": form, "cadre": None})


@requires("cadres.manage")
def cadre_edit_view(request, pk):
    cadre = _cadre(request, pk)
    form = CadreForm(request.POST or None, units=unit_choices_for(request.user), cadre=cadre)
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save_cadre(request, form, cadre)
        except Forbidden:
            return _forbidden(request)
        if saved is not None:
            messages.success(request, "已保存。")
            return redirect("people:cadre_detail", pk=cadre.pk)
    return render(request, "people/cadre_form.html", {"form": form, "cadre": cadre})


@requires("cadres.manage")
def career_add_view(request, pk):
    """Add a past step of the career (history from before the platform)."""
    cadre = _cadre(request, pk)
    form = CareerEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.career_event_add(actor=request.user, cadre=cadre, request=request, **form.cleaned_data)
        except Forbidden:
            return _forbidden(request)
        except NotFound:
            raise Http404() from None
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "已添加任职经历。")
            return redirect("people:cadre_detail", pk=cadre.pk)
    return render(request, "people/career_form.html", {"form": form, "cadre": cadre})


@require_POST
@requires("cadres.manage")
def cadre_set_active_view(request, pk):
    """Mark as left (reason required by the service) or back; the record and history stay."""
    cadre = _cadre(request, pk)
    active = request.POST.get("active") == "1"
    form = CadreLeaveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "日期格式不正确。")
        return redirect("people:cadre_detail", pk=cadre.pk)
    try:
        services.cadre_set_active(actor=request.user, cadre=cadre, active=active, request=request,
                                  reason=form.cleaned_data["reason"], date=form.cleaned_data["date"])
    except Forbidden:
        return _forbidden(request)
    except NotFound:
        raise Http404() from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已将“{cadre.person.name}”{'恢复为在职' if active else '标记为离职'}。")
    return redirect("people:cadre_detail", pk=cadre.pk)


# --- teachers --------------------------------------------------------------------------

def _institutions(request):
    return organisation_list_for(request.user, kind=Organisation.Kind.INSTITUTION)


@requires("teachers.view")
def teacher_list_view(request):
    if (response := search_redirect(request)) is not None:
        return response
    form = TeacherFilterForm(request.GET)
    teachers = form.teachers(request.user).prefetch_related("expertise")
    page = Paginator(teachers, PAGE_SIZE).get_page(request.GET.get("page"))
    query = _query(request)
    return render(request, "people/teacher_list.html", {
        "form": form, "page_obj": page, "query_without_page": f"{query}&" if query else "",
        "institutions": _institutions(request), "topics": topic_list().order_by("code"),
        "selected_institution": form.data.get("institution", ""), "selected_topic": form.data.get("topic", ""),
    })


@requires("teachers.view")
def teacher_detail_view(request, pk):
    teacher = _teacher(request, pk)
    return render(request, "people/teacher_detail.html", {
        "teacher": teacher, "person": teacher.person, "expertise": teacher.expertise.order_by("code"),
    })


@require_POST
@requires("teachers.reveal")
def teacher_reveal_view(request, pk):
    teacher = _teacher(request, pk)
    try:
        values = services.person_reveal(actor=request.user, person=teacher.person, permission="teachers.reveal",
                                        request=request)
    except NotFound:
        raise Http404() from None
    except Forbidden:
        return _forbidden(request)
    return _revealed(request, values)


def _teacher_form(request, teacher=None) -> TeacherForm:
    return TeacherForm(request.POST or None, institutions=_institutions(request), topic_roots=topic_tree(),
                       teacher=teacher, initial={"institution": request.GET.get("institution")})


def _save_teacher(request, form: TeacherForm, teacher=None):
    expertise = topic_list(include_inactive=True).filter(pk__in=form.cleaned_data["expertise"])
    try:
        if teacher is None:
            institution_id = form.cleaned_data["institution"]
            institution = organisation_get_for(request.user, institution_id) if institution_id else None
            return services.teacher_create(actor=request.user, data=form.service_data(), institution=institution,
                                           expertise=expertise, request=request)
        return services.teacher_update(actor=request.user, teacher=teacher, data=form.service_data(),
                                       expertise=expertise, request=request)
    except Forbidden:
        raise
    except NotFound as exc:
        form.add_error("institution" if "institution" in form.fields else None, exc.message)
    except DomainError as exc:
        add_service_errors(form, exc)
    return None


@requires("teachers.manage")
def teacher_create_view(request):
    form = _teacher_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            teacher = _save_teacher(request, form)
        except Forbidden:
            return _forbidden(request)
        if teacher is not None:
            messages.success(request, f"已将“{teacher.person.name}”加入师资库。")
            return redirect("people:teacher_detail", pk=teacher.pk)
    return render(request, "people/teacher_form.html", {"form": form, "teacher": None})


@requires("teachers.manage")
def teacher_edit_view(request, pk):
    teacher = _teacher(request, pk)
    form = _teacher_form(request, teacher)
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save_teacher(request, form, teacher)
        except Forbidden:
            return _forbidden(request)
        if saved is not None:
            messages.success(request, "已保存。")
            return redirect("people:teacher_detail", pk=teacher.pk)
    return render(request, "people/teacher_form.html", {"form": form, "teacher": teacher})


@require_POST
@requires("teachers.manage")
def teacher_set_active_view(request, pk):
    teacher = _teacher(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.teacher_set_active(actor=request.user, teacher=teacher, active=active, request=request)
    except Forbidden:
        return _forbidden(request)
    except NotFound:
        raise Http404() from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已将“{teacher.person.name}”{'放回' if active else '移出'}师资库。")
    return redirect("people:teacher_detail", pk=teacher.pk)


# --- people of one organisation (loaded into the org detail page) ------------------------

@requires("org.view")
def org_summary_view(request, pk):
    """htmx fragment for org:detail: serving cadres of a unit and the pool of an institution,
    counted through the people selectors, so a role sees only the counts it may see."""
    try:
        org = organisation_get_for(request.user, pk)
    except NotFound:
        raise Http404() from None
    show_cadres = org.kind == Organisation.Kind.UNIT and scope.can(request.user, "cadres.view")
    show_teachers = org.kind == Organisation.Kind.INSTITUTION and scope.can(request.user, "teachers.view")
    context = {"org": org, "show_cadres": show_cadres, "show_teachers": show_teachers}
    if show_cadres:
        context["cadres_here"] = cadre_list_for(request.user, unit=org, include_subunits=False).count()
        context["cadres_with_subunits"] = cadre_list_for(request.user, unit=org).count()
    if show_teachers:
        context["teachers"] = teacher_list_for(request.user, institution=org).count()
    return render(request, "people/_org_summary.html", context)
