"""Back-office pages of classes (班次), their timetable (课程安排) and the institution's rooms.

Rows come through the classes selectors (the scope gate): an out-of-scope class is 404
like a missing one. The session pages resolve the class *before* checking the
timetable right, so an outsider learns nothing (404) and an in-scope reader without
`timetable.manage` gets 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ganxun.access import scope
from ganxun.access.policies import requires
from ganxun.classes import selectors, services
from ganxun.classes.forms import ClassFilterForm, ClassForm, RoomForm, SessionForm
from ganxun.classes.models import ClassStatus, Slot
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.core.forms import add_domain_error
from ganxun.core.views import forbidden, or_404, run_action
from ganxun.topics.selectors import topic_list

PAGE_SIZE = 20




def _session(request, training_class, pk):
    try:
        return selectors.session_get_for(request.user, training_class, pk)
    except NotFound:
        raise Http404() from None


@requires("classes.view")
def class_list_view(request):
    form = ClassFilterForm(request.GET)
    classes = selectors.class_list_for(request.user, **form.filters())
    page = Paginator(classes, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query = query.urlencode()
    return render(request, "classes/class_list.html", {
        "form": form, "page_obj": page, "query_without_page": f"{query}&" if query else "",
        "institutions": selectors.class_institutions_for(request.user),
        "selected_institution": request.GET.get("institution", ""),
    })


def _class_form(request, training_class=None) -> ClassForm:
    institutions = selectors.institution_choices_for(request.user)
    initial = {}
    if training_class is not None:
        initial = {name: getattr(training_class, name) for name in (
            "title", "training_type", "start_date", "end_date", "place", "mode", "capacity",
            "hours_per_half_day", "plan_item_id", "organiser", "head_teacher")}
        initial["topics"] = list(training_class.topics.values_list("pk", flat=True))
        head_pool = selectors.head_teacher_choices([training_class.institution])
    else:
        head_pool = selectors.head_teacher_choices(institutions)
    return ClassForm(request.POST or None, initial=initial, institutions=institutions,
                     organisers=selectors.organiser_choices_for(request.user), head_teachers=head_pool,
                     topics=topic_list(), editing=training_class is not None)


def _save_class(request, form: ClassForm, training_class=None):
    data = form.cleaned_data
    arguments = {"actor": request.user, "data": form.service_data(), "organiser": data["organiser"],
                 "head_teacher": data["head_teacher"], "topics": data["topics"], "request": request}
    try:
        if training_class is None:
            return services.class_create(institution=data["institution"], **arguments)
        return services.class_update(training_class=training_class, **arguments)
    except Forbidden:
        raise
    except DomainError as exc:
        add_domain_error(form, exc)
    return None


@requires("classes.manage")
def class_create_view(request):
    form = _class_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save_class(request, form)
        except Forbidden:
            return forbidden(request)
        if saved is not None:
            messages.success(request, f"已创建班次“{saved.title}”。")
            return redirect("classes:detail", pk=saved.pk)
    return render(request, "classes/class_form.html", {"form": form, "training_class": None})


@requires("classes.manage")
def class_edit_view(request, pk):
    training_class = or_404(selectors.class_get_for, request.user, pk)
    form = _class_form(request, training_class)
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save_class(request, form, training_class)
        except Forbidden:
            return forbidden(request)
        if saved is not None:
            messages.success(request, "已保存。")
            return redirect("classes:detail", pk=saved.pk)
    return render(request, "classes/class_form.html", {"form": form, "training_class": training_class})


@requires("classes.view")
def class_detail_view(request, pk):
    training_class = or_404(selectors.class_get_for, request.user, pk)
    sessions = selectors.sessions_of(training_class)
    transitions = services.class_allowed_transitions(training_class)
    return render(request, "classes/class_detail.html", {
        "training_class": training_class, "topics": training_class.topics.order_by("code"),
        "session_count": len(sessions), "credit_hours": selectors.class_credit_hours(training_class, sessions),
        "transitions": [(value, ClassStatus(value).label) for value in transitions],
        # Readers along the organiser's path see the class; only the institution's side changes it.
        "can_start": services.class_may_start(request.user, training_class),
        "can_manage": scope.can(request.user, "classes.manage")
        and scope.path_within(request.user, training_class.institution.path),
    })


@require_POST
@requires("classes.manage")
def class_transition_view(request, pk):
    training_class = or_404(selectors.class_get_for, request.user, pk)

    def transition():
        saved = services.class_transition(actor=request.user, training_class=training_class,
                                          to=request.POST.get("to", ""), request=request)
        return f"班次状态已变为“{saved.get_status_display()}”。"
    return run_action(request, transition, back=reverse("classes:detail", args=[training_class.pk]))


@require_POST
@requires("classes.run")
def class_start_view(request, pk):
    training_class = or_404(selectors.class_get_for, request.user, pk)

    def start():
        services.class_start(actor=request.user, training_class=training_class, request=request)
        return f"“{training_class.title}”已开班。"
    return run_action(request, start, back=reverse("classes:detail", args=[training_class.pk]))


# --- timetable -------------------------------------------------------------------------------

def _grouped(sessions):
    """[(date, [(slot label, [sessions])])] for the timetable page."""
    days: dict = {}
    for session in sessions:
        days.setdefault(session.date, {}).setdefault(session.slot, []).append(session)
    labels = dict(Slot.choices)
    return [(day, [(labels[slot], items) for slot, items in slots.items()]) for day, slots in days.items()]


def _session_form(request, training_class, session=None) -> SessionForm:
    initial = {}
    if session is not None:
        initial = {name: getattr(session, name) for name in (
            "date", "slot", "start_time", "end_time", "kind", "title", "topic", "teacher", "room", "base",
            "requires_checkout")}
    else:
        initial = {"date": training_class.start_date}
    return SessionForm(request.POST or None, initial=initial,
                       teachers=selectors.pool_teachers(training_class, keep=session and session.teacher),
                       rooms=selectors.room_choices(training_class, keep=session and session.room),
                       bases=selectors.base_choices(), topics=topic_list())


def _save_session(request, form, training_class, session=None):
    try:
        if session is None:
            return services.session_add(actor=request.user, training_class=training_class,
                                        data=form.service_data(), request=request)
        return services.session_update(actor=request.user, session=session, data=form.service_data(),
                                       request=request)
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        add_domain_error(form, exc)
    return None


def _timetable(request, training_class, form, status=200):
    sessions = selectors.sessions_of(training_class)
    return render(request, "classes/timetable.html", {
        "training_class": training_class, "days": _grouped(sessions), "form": form,
        "credit_hours": selectors.class_credit_hours(training_class, sessions),
        "can_timetable": scope.can(request.user, "timetable.manage") and not training_class.is_locked,
    }, status=status)


@requires("classes.view")
def timetable_view(request, pk):
    training_class = or_404(selectors.class_get_for, request.user, pk)
    form = _session_form(request, training_class) if scope.can(request.user, "timetable.manage") else None
    return _timetable(request, training_class, form)


# Policy classes.view: the class is resolved first (404 for outsiders), then the
# timetable right is checked (403), see the module docstring.
@require_POST
@requires("classes.view")
def session_add_view(request, pk):
    training_class = or_404(selectors.class_get_for, request.user, pk)
    if not scope.can(request.user, "timetable.manage"):
        return forbidden(request)
    form = _session_form(request, training_class)
    if form.is_valid():
        try:
            saved = _save_session(request, form, training_class)
        except (Forbidden, NotFound):
            return forbidden(request)
        if saved is not None:
            messages.success(request, f"已添加“{saved.title}”。")
            return redirect("classes:timetable", pk=training_class.pk)
    return _timetable(request, training_class, form, status=400)


@requires("classes.view")
def session_edit_view(request, pk, session_pk):
    training_class = or_404(selectors.class_get_for, request.user, pk)
    session = _session(request, training_class, session_pk)
    if not scope.can(request.user, "timetable.manage"):
        return forbidden(request)
    form = _session_form(request, training_class, session)
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save_session(request, form, training_class, session)
        except (Forbidden, NotFound):
            return forbidden(request)
        if saved is not None:
            messages.success(request, "已保存。")
            return redirect("classes:timetable", pk=training_class.pk)
    return render(request, "classes/session_form.html", {
        "training_class": training_class, "session": session, "form": form})


@require_POST
@requires("classes.view")
def session_remove_view(request, pk, session_pk):
    training_class = or_404(selectors.class_get_for, request.user, pk)
    session = _session(request, training_class, session_pk)
    if not scope.can(request.user, "timetable.manage"):
        return forbidden(request)
    try:
        services.session_remove(actor=request.user, session=session, request=request)
    except (Forbidden, NotFound):
        return forbidden(request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已删除“{session.title}”。")
    return redirect("classes:timetable", pk=training_class.pk)


@requires("classes.view")
def timetable_print_view(request, pk):
    training_class = or_404(selectors.class_get_for, request.user, pk)
    sessions = selectors.sessions_of(training_class)
    return render(request, "classes/timetable_print.html", {
        "training_class": training_class, "sessions": sessions,
        "credit_hours": selectors.class_credit_hours(training_class, sessions),
    })


# --- rooms -----------------------------------------------------------------------------------

@requires("rooms.manage")
def room_list_view(request):
    form = RoomForm(request.POST or None, institutions=selectors.institution_choices_for(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            room = services.room_create(actor=request.user, institution=form.cleaned_data["institution"],
                                        name=form.cleaned_data["name"], capacity=form.cleaned_data["capacity"],
                                        request=request)
        except Forbidden:
            return forbidden(request)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已添加教室“{room.name}”。")
            return redirect("classes:rooms")
    return render(request, "classes/rooms.html", {"rooms": selectors.room_list_for(request.user), "form": form},
                  status=400 if form.errors else 200)


@require_POST
@requires("rooms.manage")
def room_edit_view(request, pk):
    room = or_404(selectors.room_get_for, request.user, pk)

    def save():
        if "active" in request.POST:
            services.room_set_active(actor=request.user, room=room, active=request.POST["active"] == "1",
                                     request=request)
        else:
            services.room_update(actor=request.user, room=room, name=request.POST.get("name", ""),
                                 capacity=_int(request.POST.get("capacity")), request=request)
        return "已保存。"
    return run_action(request, save, back=reverse("classes:rooms"))


def _int(value) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0
