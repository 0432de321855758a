"""Pages of themed online classes: back office (list, create/edit with its course picker,
open/close, later members, completion by unit with its Excel export) and the learner's list and
class page.

Classes come through onlineclasses.selectors (the scope gate): out-of-scope and missing ids are
404 alike; a cadre who is not a member gets 404 for the class page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ganxun.access import scope
from ganxun.access.policies import requires
from ganxun.core.errors import DomainError, Forbidden
from ganxun.core.forms import add_domain_error
from ganxun.core.views import or_404, run_action
from ganxun.learning import search
from ganxun.learning.models import Course, CourseStatus
from ganxun.onlineclasses import selectors, services
from ganxun.onlineclasses.exports import completion_export
from ganxun.onlineclasses.forms import COURSE_CHOICES, CoursePickerForm, ThemedClassForm, courses_from_post
from ganxun.onlineclasses.models import ThemedClass, ThemedClassStatus
from ganxun.org.models import Organisation
from ganxun.org.selectors import organisation_list_for
from ganxun.people.models import Cadre
from ganxun.topics.models import Topic

VIEW, MANAGE = selectors.VIEW, selectors.MANAGE


def _named_candidates(request):
    return (scope.scoped(request.user, Cadre, permission="cadres.view").filter(is_active=True)
            .select_related("person", "unit").order_by("unit__path", "person__name"))


def _form(request, data=None, initial=None) -> ThemedClassForm:
    in_scope = organisation_list_for(request.user)
    return ThemedClassForm(data, initial=initial, owners=in_scope.filter(kind=Organisation.Kind.ORG_DEPT),
                           roots=in_scope.filter(kind__in=[Organisation.Kind.REGION, Organisation.Kind.UNIT]),
                           cadres=_named_candidates(request))


PICKER_PAGE_SIZE = 20


def _course_reach(request) -> QuerySet[Course]:
    """Published courses that reach the actor's region (the service checks them against the audience)."""
    root = scope.active_role(request.user).scope
    ancestors = root.ancestor_ids()
    reach = Q(owner__parent_id__in=ancestors) | Q(owner_id__in=ancestors) | Q(owner__path__startswith=root.path)
    return Course.objects.filter(status=CourseStatus.PUBLISHED).filter(reach)


def _posted_course_ids(data) -> list[int]:
    """The course ids of the posted rows (`course_<id>`)."""
    return [int(key[7:]) for key in data if key.startswith("course_") and key[7:].isdigit()]


def _course_candidates(request, themed_class: ThemedClass | None, ids=()) -> list[Course]:
    """The courses a posted form may name: those already in the class (in the class's order),
    then the published courses within reach among `ids`."""
    chosen = [link.course for link in selectors.class_courses(themed_class)] if themed_class else []
    others = (_course_reach(request).filter(pk__in=list(ids)).exclude(pk__in=[c.pk for c in chosen])
              .select_related("owner").order_by("-is_required", "title", "pk"))
    return chosen + list(others)


def _course_picker(request, params, chosen: set[int]) -> dict:
    """The picker's result page: published courses within reach whose catalogue words
    (learning.search: title, summary, series, teacher, topics) contain every word of `picker_q`,
    or whose title contains it as typed; narrowed to a topic and its subtopics; required courses
    first, then by title. Courses in `chosen` are marked as already added."""
    form = CoursePickerForm(params)
    form.is_valid()
    data = form.cleaned_data  # the valid parts: a stale topic id does not drop the words
    q = (data.get("picker_q") or "").strip()
    topic = data.get("picker_topic")
    courses = _course_reach(request)
    if q:
        courses = courses.filter(Q(pk__in=search.search_filter(Course.objects.all(), q).values("pk"))
                                 | Q(title__icontains=q))
    if topic is not None:
        tagged = Course.objects.filter(Q(topics__code=topic.code) | Q(topics__code__startswith=f"{topic.code}."))
        courses = courses.filter(pk__in=tagged.values("pk"))
    courses = courses.select_related("owner").order_by("-is_required", "title", "pk")
    page = Paginator(courses, PICKER_PAGE_SIZE).get_page(params.get("page"))
    query = urlencode({"picker_q": q, "picker_topic": topic.pk if topic else ""})
    return {"page": page, "chosen": chosen, "q": q, "topic": topic, "query": query,
            "topics": Topic.objects.filter(is_active=True).order_by("code")}


@requires(VIEW)
def manage_list_view(request):
    status = request.GET.get("status", "")
    rows = selectors.member_counts(request.user, list(selectors.themed_classes_for(
        request.user, status=status if status in ThemedClassStatus.values else "")))
    return render(request, "onlineclasses/manage_list.html", {
        "classes": rows, "status": status, "statuses": ThemedClassStatus.choices,
        "can_manage": scope.can(request.user, MANAGE)})


@requires(MANAGE)
def manage_create_view(request):
    return _edit(request, None)


@requires(MANAGE)
def manage_edit_view(request, pk):
    themed_class = or_404(selectors.themed_class_get_for, request.user, pk, permission=MANAGE)
    if themed_class.status == ThemedClassStatus.CLOSED:
        messages.error(request, "专题网络班已结束，不能再修改。")
        return redirect("onlineclasses:manage_detail", themed_class.pk)
    return _edit(request, themed_class)


def _edit(request, themed_class: ThemedClass | None):
    frozen = themed_class is not None and not themed_class.is_draft
    if request.method == "POST":
        ids = _posted_course_ids(request.POST)
        candidates = _course_candidates(request, themed_class, ids)
        form = _form(request, request.POST)
        courses, posted = courses_from_post(request.POST, candidates)
        known = {c.pk for c in candidates}
        unknown = [pk for pk in ids if pk not in known and request.POST.get(f"course_{pk}") in ("required", "elective")]
        if frozen:  # an open class: only title, description and deadline are taken
            for name in ("owner", "start_date", "required_hours", "audience_root", "audience_rank",
                         "audience_category", "named_cadres"):
                form.fields[name].required = False
        valid = form.is_valid()
        if unknown and not frozen:
            form.add_error(None, f"所选课程（编号 {'、'.join(map(str, unknown))}）不存在或不是您范围内的已发布课程，请重新选择。")
            valid = False
        if valid:
            data = form.cleaned_data
            try:
                if themed_class is None:
                    themed_class = services.themed_class_create(actor=request.user, courses=courses,
                                                                request=request, **data)
                elif frozen:
                    services.themed_class_update(actor=request.user, themed_class=themed_class, request=request,
                                                 title=data["title"], description=data["description"],
                                                 deadline=data["deadline"])
                else:
                    services.themed_class_update(actor=request.user, themed_class=themed_class, request=request,
                                                 courses=courses, **data)
            except DomainError as exc:
                add_domain_error(form, exc)
                if exc.field == "courses":
                    form.add_error(None, exc.message)
            else:
                messages.success(request, "专题网络班已保存。")
                return redirect("onlineclasses:manage_detail", themed_class.pk)
    else:
        initial, posted = None, {}
        candidates = _course_candidates(request, themed_class)
        if themed_class is not None:
            initial = {name: getattr(themed_class, name) for name in (
                "title", "description", "start_date", "deadline", "required_hours", "audience_rank",
                "audience_category")}
            initial |= {"owner": themed_class.owner_id, "audience_root": themed_class.audience_root_id,
                        "named_cadres": list(themed_class.named_cadres.values_list("pk", flat=True))}
            for order, link in enumerate(selectors.class_courses(themed_class), 1):
                posted[link.course_id] = {"kind": "required" if link.is_required else "elective", "order": str(order)}
        else:
            owners = list(_form(request).fields["owner"].queryset[:2])
            initial = {"owner": owners[0].pk} if len(owners) == 1 else None
        form = _form(request, initial=initial)
    ids = [str(v) for v in (form["named_cadres"].value() or []) if str(v).isdigit()]
    named_chosen = list(_named_candidates(request).filter(pk__in=ids)) if ids else []
    # The chosen table: the class's courses, or the rows the form posted (kept as sent on an error).
    shown = [c for c in candidates if f"course_{c.pk}" in request.POST] if request.method == "POST" else candidates
    rows = [{"course": c, "kind": posted.get(c.pk, {}).get("kind", ""), "order": posted.get(c.pk, {}).get("order", "")}
            for c in shown]
    return render(request, "onlineclasses/manage_form.html", {
        "form": form, "themed_class": themed_class, "frozen": frozen, "course_rows": rows,
        "course_choices": COURSE_CHOICES, "named_chosen": named_chosen,
        "picker": None if frozen else _course_picker(request, {}, {c.pk for c in shown})})


@requires(MANAGE)
def manage_course_search_view(request):
    """The course picker's results (htmx, GET): `picker_q`, `picker_topic`, `page`, and the ids
    already in the form's table as `chosen` (marked 已加入)."""
    chosen = {int(v) for v in request.GET.getlist("chosen") if v.isdigit()}
    return render(request, "onlineclasses/_course_results.html", _course_picker(request, request.GET, chosen))


@requires(VIEW)
def manage_detail_view(request, pk):
    themed_class = or_404(selectors.themed_class_get_for, request.user, pk)
    return render(request, "onlineclasses/manage_detail.html", {
        "themed_class": themed_class, "links": selectors.class_courses(themed_class),
        "audience": selectors.audience_preview(themed_class) if scope.can(request.user, MANAGE) else None,
        "named": themed_class.named_cadres.select_related("person", "unit"),
        "can_manage": scope.can(request.user, MANAGE)})


@require_POST
@requires(MANAGE)
def manage_open_view(request, pk):
    themed_class = or_404(selectors.themed_class_get_for, request.user, pk, permission=MANAGE)

    def action():
        count = services.themed_class_open(actor=request.user, themed_class=themed_class, request=request)
        return f"已开班，{count} 名学员。"

    return run_action(request, action, back=reverse("onlineclasses:manage_detail", args=[themed_class.pk]), refused_prefix="不能开班：")


@require_POST
@requires(MANAGE)
def manage_close_view(request, pk):
    themed_class = or_404(selectors.themed_class_get_for, request.user, pk, permission=MANAGE)
    return run_action(request, lambda: services.themed_class_close(actor=request.user, themed_class=themed_class,
                                                                   request=request) and "专题网络班已结束。",
                      back=reverse("onlineclasses:manage_detail", args=[themed_class.pk]))


@require_POST
@requires(MANAGE)
def manage_add_members_view(request, pk):
    themed_class = or_404(selectors.themed_class_get_for, request.user, pk, permission=MANAGE)
    ids = [v for v in request.POST.getlist("named_cadres") if v.isdigit()]
    cadres = list(_named_candidates(request).filter(pk__in=ids))

    def action():
        if len(cadres) != len(set(ids)):
            raise DomainError("所选人员不在您的管理范围内。")
        added = services.themed_class_add_members(actor=request.user, themed_class=themed_class, cadres=cadres,
                                                  request=request)
        return f"已增补 {added} 名学员。" if added else "所选人员已在本班。"

    return run_action(request, action, back=reverse("onlineclasses:manage_detail", args=[themed_class.pk]))


@requires(VIEW)
def manage_completion_view(request, pk):
    themed_class = or_404(selectors.themed_class_get_for, request.user, pk)
    completion = selectors.completion_by_unit(request.user, themed_class)
    unit = request.GET.get("unit", "")
    people = [p for p in completion.people if str(p.unit_id) == unit] if unit.isdigit() else []
    return render(request, "onlineclasses/manage_completion.html", {
        "themed_class": themed_class, "completion": completion, "people": people,
        "unit": next((u for u in completion.units if str(u.unit_id) == unit), None)})


@requires(VIEW)
def manage_export_view(request, pk):
    themed_class = or_404(selectors.themed_class_get_for, request.user, pk)
    try:
        download = completion_export(actor=request.user, themed_class=themed_class, request=request)
    except Forbidden:
        raise Http404() from None
    return FileResponse(download.content, as_attachment=True, filename=download.filename,
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@requires("self.view")
def learn_list_view(request):
    return render(request, "onlineclasses/learn_list.html", {
        "classes": selectors.themed_classes_of_learner(request.user)})


@requires("self.view")
def learn_detail_view(request, pk):
    entry = or_404(selectors.learner_themed_class_get, request.user, pk)
    services.reminders_mark_read(actor=request.user, themed_class=entry.themed_class)
    return render(request, "onlineclasses/learn_detail.html", {
        "entry": entry, "rows": selectors.learner_course_rows(request.user, entry.themed_class)})
