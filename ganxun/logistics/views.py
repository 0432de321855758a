"""Back-office pages of a class's dining and lodging, and of an institution's guest rooms.

The class pages carry the policy `classes.view` on purpose (as the timetable pages do): the
class is resolved first through the scope gate, so an outsider gets 404 and learns
nothing; then the logistics right is checked (`guards.can_manage`: `logistics.manage`, an
institution in scope, head teachers only for the classes they head) and a reader without
it gets 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ganxun.access import scope
from ganxun.access.policies import requires
from ganxun.classes.selectors import class_get_for, institution_choices_for
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.core.forms import add_domain_error
from ganxun.core.pdf import pdf_response, render_pdf
from ganxun.core.views import forbidden, or_404
from ganxun.logistics import exports, lodging_services, rules, selectors, services
from ganxun.logistics.forms import (
    AssignForm,
    DietForm,
    RoomBatchForm,
    RoomForm,
    SettingsForm,
    StaffLodgingNeedForm,
    StaffMealSetForm,
)
from ganxun.logistics.guards import can_manage
from ganxun.logistics.lodging_selectors import (
    class_room_get,
    lodging_board,
    lodging_room_get_for,
    lodging_room_list_for,
)
from ganxun.logistics.models import EnrollmentLogistics, Meal, RoomGender
from ganxun.roster.models import Enrollment


def _managed(request, pk):
    """(class, None) when the actor manages its logistics, else (class, 403 response)."""
    training_class = or_404(class_get_for, request.user, pk)
    if not can_manage(request.user, training_class):
        return training_class, forbidden(request)
    return training_class, None


def _enrollment(request, training_class, pk) -> Enrollment:
    qs = Enrollment.objects.filter(training_class=training_class).select_related("cadre__person", "training_class")
    try:
        return scope.get_for(request.user, qs, pk, permission="logistics.manage")
    except NotFound:
        raise Http404() from None


def _xlsx(download):
    return FileResponse(download.content, as_attachment=True, filename=download.filename,
                        content_type=exports.XLSX)


# --- settings --------------------------------------------------------------------------------

@requires("classes.view")
def settings_view(request, pk):
    training_class, refused = _managed(request, pk)
    if refused:
        return refused
    current = selectors.settings_or_default(training_class)
    served = selectors.served_of(training_class, current)
    initial = {"provides_dining": current.provides_dining, "provides_lodging": current.provides_lodging,
               "cutoff_days_before": current.cutoff_days_before, "cutoff_time": current.cutoff_time}
    form = SettingsForm(request.POST or None, initial=initial, days=list(served))
    if request.method == "POST" and form.is_valid():
        try:
            services.logistics_settings_update(actor=request.user, training_class=training_class,
                                               data=form.service_data(), request=request)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "食宿设置已保存。")
            return redirect("logistics:settings", pk=training_class.pk)
    wanted = form.meal_plan() if form.is_bound else served
    grid = [(day, rules.day_label(day), [(value, label, value in wanted.get(day, []),
                                          value in rules.default_meals(day, training_class.start_date,
                                                                       training_class.end_date))
                                         for value, label in Meal.choices])
            for day in served]
    return render(request, "logistics/settings.html", {
        "training_class": training_class, "form": form, "grid": grid, "saved": current.pk is not None,
        "locked": training_class.is_locked,
    }, status=400 if form.errors else 200)


# --- dining ------------------------------------------------------------------------------------

def _dining_context(request, training_class):
    sheet = selectors.dining_sheet(request.user, training_class)
    settings = sheet.settings
    return {"training_class": training_class, "sheet": sheet, "settings": settings,
            "provides": settings is not None and settings.provides_dining,
            "editable": not training_class.is_locked, "meals": Meal.choices}


@requires("classes.view")
def dining_view(request, pk):
    training_class, refused = _managed(request, pk)
    if refused:
        return refused
    return render(request, "logistics/dining.html", _dining_context(request, training_class))


@require_POST
@requires("classes.view")
def dining_set_view(request, pk):
    """Staff change of one registration (a button of the grid: cell = enrollment|date|meal|0/1)."""
    training_class, refused = _managed(request, pk)
    if refused:
        return refused
    data = request.POST.copy()
    parts = (data.get("cell") or "").split("|")
    if len(parts) == 4:
        data.update(dict(zip(("enrollment", "date", "meal", "registered"), parts)))
    form = StaffMealSetForm(data)
    error = None
    if not form.is_valid():
        error = "请求有误：" + "；".join(f"{form.fields[f].label}{e[0]}" if f in form.fields else e[0]
                                      for f, e in form.errors.items())
    else:
        enrollment = _enrollment(request, training_class, form.cleaned_data["enrollment"])
        try:
            services.dining_set(actor=request.user, enrollment=enrollment, date=form.cleaned_data["date"],
                                meal=form.cleaned_data["meal"], registered=form.cleaned_data["registered"],
                                request=request)
        except (Forbidden, NotFound):
            return forbidden(request)
        except DomainError as exc:
            error = exc.message
    if request.htmx:
        context = _dining_context(request, training_class)
        context["error"] = error
        return render(request, "logistics/_dining_board.html", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    return redirect("logistics:dining", pk=training_class.pk)


@requires("classes.view")
def diet_edit_view(request, pk, enrollment_pk):
    training_class, refused = _managed(request, pk)
    if refused:
        return refused
    enrollment = _enrollment(request, training_class, enrollment_pk)
    current = EnrollmentLogistics.objects.filter(enrollment=enrollment).first()
    initial = ({"halal": current.halal, "vegetarian": current.vegetarian, "diet_note": current.diet_note}
               if current else {})
    form = DietForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.dietary_update(actor=request.user, enrollment=enrollment, request=request, **form.cleaned_data)
        except (Forbidden, NotFound):
            return forbidden(request)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已保存“{enrollment.cadre.person.name}”的饮食要求。")
            return redirect("logistics:dining", pk=training_class.pk)
    return render(request, "logistics/diet_form.html", {
        "training_class": training_class, "enrollment": enrollment, "form": form,
    }, status=400 if form.errors else 200)


def _print_sheet(request, pk, context_of, template: str, filename: str):
    """A sheet for the canteen or the front desk: the print view, or with ?format=pdf its PDF."""
    training_class, refused = _managed(request, pk)
    if refused:
        return refused
    context = context_of(request, training_class)
    if request.GET.get("format") == "pdf":
        return pdf_response(render_pdf(template, {**context, "pdf": True}), f"{filename}-{training_class.pk}.pdf")
    return render(request, template, context)


@requires("classes.view")
def dining_print_view(request, pk):
    return _print_sheet(request, pk, _dining_context, "logistics/dining_print.html", "就餐统计")


@requires("classes.view")
def dining_export_view(request, pk):
    training_class, refused = _managed(request, pk)
    if refused:
        return refused
    return _xlsx(exports.dining_export(actor=request.user, training_class=training_class, request=request))


# --- lodging -----------------------------------------------------------------------------------

def _lodging_context(request, training_class):
    settings = selectors.settings_for(training_class)
    return {"training_class": training_class, "board": lodging_board(request.user, training_class),
            "provides": settings is not None and settings.provides_lodging,
            "editable": not training_class.is_locked, "can_rooms": scope.can(request.user, "rooms.manage")}


@requires("classes.view")
def lodging_view(request, pk):
    training_class, refused = _managed(request, pk)
    if refused:
        return refused
    return render(request, "logistics/lodging.html", _lodging_context(request, training_class))


def _lodging_write(request, pk, action):
    """Run `action(training_class)` for a POST of the lodging page; report, go back."""
    training_class, refused = _managed(request, pk)
    if refused:
        return refused
    try:
        notice = action(training_class)
    except Http404:
        raise
    except Forbidden:
        return forbidden(request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if notice:
            messages.success(request, notice)
    return redirect("logistics:lodging", pk=training_class.pk)


@require_POST
@requires("classes.view")
def lodging_assign_view(request, pk):
    def action(training_class):
        form = AssignForm(request.POST)
        if not form.is_valid():
            raise DomainError("请选择学员和房间。")
        enrollment = _enrollment(request, training_class, form.cleaned_data["enrollment"])
        name = enrollment.cadre.person.name
        if not form.cleaned_data["room"]:
            done = lodging_services.lodging_unassign(actor=request.user, enrollment=enrollment, request=request)
            return f"已取消“{name}”的住宿安排。" if done else None
        try:
            room = class_room_get(training_class, form.cleaned_data["room"])
        except NotFound as exc:
            raise DomainError(exc.message) from None
        lodging_services.lodging_assign(actor=request.user, enrollment=enrollment, room=room, request=request)
        return f"已安排“{name}”入住 {room.label}。"

    return _lodging_write(request, pk, action)


@require_POST
@requires("classes.view")
def lodging_auto_view(request, pk):
    def action(training_class):
        result = lodging_services.lodging_auto_assign(actor=request.user, training_class=training_class,
                                                      request=request)
        if result.unplaced:
            messages.warning(request, result.message)
            return None
        return result.message

    return _lodging_write(request, pk, action)


@require_POST
@requires("classes.view")
def lodging_need_view(request, pk):
    def action(training_class):
        form = StaffLodgingNeedForm(request.POST)
        if not form.is_valid():
            raise DomainError("请求有误，请刷新页面后重试。")
        enrollment = _enrollment(request, training_class, form.cleaned_data["enrollment"])
        needed = form.cleaned_data["needed"]
        lodging_services.lodging_set_need(actor=request.user, enrollment=enrollment, needed=needed, request=request)
        name = enrollment.cadre.person.name
        return f"已将“{name}”登记为{'需要住宿' if needed else '无需住宿'}。"

    return _lodging_write(request, pk, action)


@requires("classes.view")
def lodging_print_view(request, pk):
    return _print_sheet(request, pk, _lodging_context, "logistics/lodging_print.html", "住宿安排")


@requires("classes.view")
def lodging_export_view(request, pk):
    training_class, refused = _managed(request, pk)
    if refused:
        return refused
    return _xlsx(exports.lodging_export(actor=request.user, training_class=training_class, request=request))


# --- guest rooms of an institution -------------------------------------------------------------

@requires("rooms.manage")
def rooms_view(request):
    institutions = institution_choices_for(request.user)
    single = RoomForm(request.POST if request.POST.get("form") == "single" else None, institutions=institutions,
                      initial={"institution": institutions.first()})
    batch = RoomBatchForm(request.POST if request.POST.get("form") == "batch" else None, institutions=institutions,
                          prefix="batch", initial={"institution": institutions.first()})
    if request.method == "POST":
        try:
            if single.is_bound and single.is_valid():
                room = lodging_services.lodging_room_create(actor=request.user, request=request, **single.cleaned_data)
                messages.success(request, f"已添加房间“{room.label}”。")
                return redirect("logistics:rooms")
            if batch.is_bound and batch.is_valid():
                rooms = lodging_services.lodging_room_create_many(actor=request.user, request=request,
                                                                  **batch.cleaned_data)
                messages.success(request, f"已添加 {len(rooms)} 间房间。")
                return redirect("logistics:rooms")
        except Forbidden:
            return forbidden(request)
        except NotFound:
            raise Http404() from None
        except DomainError as exc:
            add_domain_error(single if single.is_bound else batch, exc)
    institution = request.GET.get("institution")
    rooms = lodging_room_list_for(request.user, institution=int(institution) if (institution or "").isdigit()
                                  else None, q=request.GET.get("q", "")[:40])
    rooms = sorted(rooms, key=lambda r: (r.institution.path, *rules.room_sort_key(r)))
    failed = (single.is_bound and bool(single.errors)) or (batch.is_bound and bool(batch.errors))
    return render(request, "logistics/rooms.html", {
        "rooms": rooms, "single": single, "batch": batch, "genders": RoomGender.choices,
        "institutions": institutions, "selected_institution": institution or "", "q": request.GET.get("q", ""),
    }, status=400 if failed else 200)


@require_POST
@requires("rooms.manage")
def room_edit_view(request, pk):
    try:
        room = lodging_room_get_for(request.user, pk)
    except NotFound:
        raise Http404() from None
    try:
        if "active" in request.POST:
            room = lodging_services.lodging_room_set_active(actor=request.user, room=room,
                                                            active=request.POST["active"] == "1", request=request)
        else:
            post = request.POST
            room = lodging_services.lodging_room_update(
                actor=request.user, room=room, building=post.get("building", ""), number=post.get("number", ""),
                beds=post.get("beds"), gender=post.get("gender", ""), note=post.get("note", ""), request=request)
    except Forbidden:
        return forbidden(request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已保存房间“{room.label}”。")
    return redirect("logistics:rooms")
