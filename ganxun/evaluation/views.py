"""Back-office pages of the evaluation (/manage/evaluation/…) and rectification (/manage/rectifications/…).

Rows come through the evaluation selectors (the scope gate): an out-of-scope class, follow-up
or item is 404 like a missing one. Pages that change something resolve the object first (404
for outsiders) and then check the precise right (403). No page shows who gave which rating.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.views.decorators.http import require_POST

from ganxun.access import scope
from ganxun.access.policies import login_required, requires
from ganxun.classes.models import Session, TrainingClass
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.core.forms import add_domain_error
from ganxun.core.views import forbidden, or_404
from ganxun.evaluation import aggregates, rectifications, rules, scores, selectors, services
from ganxun.evaluation.forms import (
    PeriodFilterForm,
    RectificationCreateForm,
    RectificationFilterForm,
    RectificationUpdateForm,
    ScoreUploadForm,
    SettingsForm,
)
from ganxun.evaluation.models import MIN_RESPONSES, RectificationStatus
from ganxun.org.models import Organisation

PAGE_SIZE = 20




def _query_without_page(request, name: str = "page") -> str:
    query = request.GET.copy()
    query.pop(name, None)
    text = query.urlencode()
    return f"{text}&" if text else ""


@login_required
def index_view(request):
    """The top menu's entry: the evaluation page that fits the active role."""
    for permission, target in (("evaluation.view", "evaluation:overview"), ("evaluation.own", "evaluation:mine"),
                               ("evaluation.followup", "evaluation:followups"),
                               ("rectification.manage", "evaluation:rectifications")):
        if scope.can(request.user, permission):
            return redirect(target)
    return forbidden(request)


# --- overview and rankings ------------------------------------------------------------------

@requires("evaluation.view")
def overview_view(request):
    form = PeriodFilterForm(request.GET)
    filters = form.filters(with_q=True)
    classes = selectors.evaluation_class_list_for(request.user, **filters)
    page = Paginator(classes, PAGE_SIZE).get_page(request.GET.get("page"))
    figures = aggregates.class_figures(TrainingClass.objects.filter(pk__in=[c.pk for c in page]))
    institutions = aggregates.institution_figures(selectors.evaluation_class_list_for(request.user, **filters))
    chart = {
        "names": [f.institution.short_name or f.institution.name for f in institutions],
        "series": [
            {"name": "班次培训内容", "data": [_num(f.reaction.means["content"]) for f in institutions]},
            {"name": "班次组织管理", "data": [_num(f.reaction.means["organisation"]) for f in institutions]},
            {"name": "班次后勤服务", "data": [_num(f.reaction.means["logistics"]) for f in institutions]},
            {"name": "课程内容", "data": [_num(f.sessions.means["content"]) for f in institutions]},
            {"name": "授课教师", "data": [_num(f.sessions.means["teaching"]) for f in institutions]},
        ],
    }
    return render(request, "evaluation/overview.html", {
        "form": form, "page_obj": page, "rows": [(c, figures[c.pk]) for c in page],
        "institutions": institutions, "chart": chart, "query_without_page": _query_without_page(request),
        "institution_choices": selectors.evaluation_institutions_for(request.user),
        "selected_institution": request.GET.get("institution", ""), "min_responses": MIN_RESPONSES,
    })


def _num(value):
    return float(value) if value is not None else None


@requires("evaluation.view")
def rankings_view(request):
    form = PeriodFilterForm(request.GET)
    filters = form.filters()
    which = "courses" if request.GET.get("view") == "courses" else "teachers"
    if which == "teachers":
        entries = selectors.teacher_rankings_for(request.user, **filters)
        dimension = "teaching"
    else:
        entries = selectors.course_rankings_for(request.user, **filters)
        dimension = "content"
    ranked = [(index if e.figures.means[dimension] is not None else None, e) for index, e in enumerate(entries, 1)]
    page = Paginator(ranked, PAGE_SIZE).get_page(request.GET.get("page"))
    top = [e for e in entries if e.figures.means[dimension] is not None][:10]
    chart = {
        "names": [(e.teacher.person.name if which == "teachers" else e.title) for e in reversed(top)],
        "values": [float(e.figures.means[dimension]) for e in reversed(top)],
        "label": "授课教师平均分" if which == "teachers" else "课程内容平均分",
    }
    return render(request, "evaluation/rankings.html", {
        "form": form, "which": which, "page_obj": page, "chart": chart,
        "query_without_page": _query_without_page(request),
        "institution_choices": selectors.evaluation_institutions_for(request.user),
        "selected_institution": request.GET.get("institution", ""), "min_responses": MIN_RESPONSES,
    })


# --- one class ------------------------------------------------------------------------------

@requires("evaluation.view")
def class_detail_view(request, pk):
    training_class = or_404(selectors.evaluation_class_get_for, request.user, pk)
    settings = rules.settings_of(training_class)
    figures = aggregates.class_figures(TrainingClass.objects.filter(pk=training_class.pk))[training_class.pk]
    rows = selectors.class_session_rows(training_class)
    followups = selectors.class_followups(training_class)
    followup_total = aggregates.followup_figures(followups, ("training_class_id",)).get(training_class.pk)
    by_unit = aggregates.followup_figures(followups, ("unit_id",))
    units = Organisation.objects.in_bulk(list(by_unit))
    opens_on, due_on = rules.followup_dates(training_class, settings)
    shown = [r for r in rows if r.figures.shown]
    chart = {
        "names": [f"{r.session.date:%m-%d} {r.session.title}"[:18] for r in shown],
        "series": [{"name": "课程内容", "data": [_num(r.figures.means["content"]) for r in shown]},
                   {"name": "授课教师", "data": [_num(r.figures.means["teaching"]) for r in shown]}],
    }
    return render(request, "evaluation/class_detail.html", {
        "training_class": training_class, "settings": settings, "figures": figures,
        "class_comments": selectors.class_comments(training_class, figures.reaction),
        "rows": rows, "chart": chart,
        "learning": aggregates.learning_figures(training_class) if settings.learning_test else None,
        "followup_total": followup_total, "followup_units": sorted(
            ((units[pk], f) for pk, f in by_unit.items()), key=lambda pair: pair[0].path),
        "followup_opens_on": opens_on, "followup_due_on": due_on,
        "rating_last_day": rules.last_rating_day(training_class, settings),
        "items": selectors.class_rectifications(request.user, training_class),
        "can_manage": scope.can(request.user, "evaluation.manage")
        and scope.path_within(request.user, training_class.institution.path),
        "can_check": scope.can(request.user, "rectification.manage"),
        "can_scores": services.may_enter_scores(request.user, training_class),
        "min_responses": MIN_RESPONSES, "today": timezone.localdate(),
    })


@requires("evaluation.manage")
def class_settings_view(request, pk):
    training_class = or_404(selectors.evaluation_class_get_for, request.user, pk)
    settings = rules.settings_of(training_class)
    initial = {name: getattr(settings, name) for name in (
        "rating_window_days", "followup_after_days", "followup_answer_days", "threshold", "learning_test")}
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_settings_update(actor=request.user, training_class=training_class,
                                                data=form.cleaned_data, request=request)
        except Forbidden:
            return forbidden(request)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "评估设置已保存。")
            return redirect("evaluation:class_detail", pk=training_class.pk)
    return render(request, "evaluation/class_settings.html", {"training_class": training_class, "form": form},
                  status=400 if form.errors else 200)


@require_POST
@requires("rectification.manage")
def class_check_view(request, pk):
    training_class = or_404(selectors.evaluation_class_get_for, request.user, pk)
    try:
        created = rectifications.rectification_check_class(actor=request.user, training_class=training_class,
                                                           request=request)
    except NotFound:
        raise Http404() from None
    except Forbidden:
        return forbidden(request)
    if created:
        messages.success(request, f"已生成 {len(created)} 个整改项。")
    else:
        messages.info(request, "没有新的需要整改的事项（已生成的整改项不会重复生成）。")
    return redirect("evaluation:class_detail", pk=training_class.pk)


# --- L2 -------------------------------------------------------------------------------------

def _scores_page(request, training_class, *, form=None, errors=None, grid_errors=None, status=200):
    roster = selectors.roster_of(training_class)
    settings = rules.settings_of(training_class)
    posted = request.POST if grid_errors else {}
    rows = []
    for enrollment in roster:
        score = getattr(enrollment, "learning_score", None)
        pre = posted.get(f"pre-{enrollment.pk}") if posted else (score.pre_score if score else None)
        post = posted.get(f"post-{enrollment.pk}") if posted else (score.post_score if score else None)
        gain = (score.post_score - score.pre_score if score and score.pre_score is not None
                and score.post_score is not None else None)
        rows.append({"enrollment": enrollment, "pre": "" if pre is None else pre,
                     "post": "" if post is None else post, "gain": gain,
                     "errors": (grid_errors or {}).get(enrollment.pk, [])})
    return render(request, "evaluation/scores.html", {
        "training_class": training_class, "settings": settings, "rows": rows,
        "figures": aggregates.learning_figures(training_class), "form": form or ScoreUploadForm(),
        "upload_errors": errors or [], "can_edit": services.may_enter_scores(request.user, training_class),
    }, status=status)


@requires("evaluation.view")
def scores_view(request, pk):
    training_class = or_404(selectors.evaluation_class_get_for, request.user, pk)
    if request.method != "POST":
        return _scores_page(request, training_class)
    if not services.may_enter_scores(request.user, training_class):
        return forbidden(request)
    roster = selectors.roster_of(training_class)
    values, grid_errors = {}, {}
    for enrollment in roster:
        pair = []
        for key, label in (("pre", "训前成绩"), ("post", "训后成绩")):
            raw = request.POST.get(f"{key}-{enrollment.pk}", "")
            try:
                pair.append(services.parse_test_score(raw))
            except ValueError as exc:
                grid_errors.setdefault(enrollment.pk, []).append(f"{label}“{raw}”{exc}")
                pair.append(services.KEEP)
        values[enrollment.pk] = tuple(pair)
    if grid_errors:
        messages.error(request, f"共 {sum(len(v) for v in grid_errors.values())} 处成绩有误，未保存任何成绩。")
        return _scores_page(request, training_class, grid_errors=grid_errors, status=400)
    try:
        changed = services.learning_scores_save(actor=request.user, training_class=training_class, scores=values,
                                                request=request)
    except Forbidden:
        return forbidden(request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _scores_page(request, training_class, status=400)
    messages.success(request, f"已保存，{changed} 名学员的成绩有变化。")
    return redirect("evaluation:scores", pk=training_class.pk)


@require_POST
@requires("evaluation.view")
def scores_enable_view(request, pk):
    training_class = or_404(selectors.evaluation_class_get_for, request.user, pk)
    try:
        services.learning_test_enable(actor=request.user, training_class=training_class,
                                      enabled=request.POST.get("enabled", "1") == "1", request=request)
    except Forbidden:
        return forbidden(request)
    messages.success(request, "已更新训前训后测试设置。")
    return redirect("evaluation:scores", pk=training_class.pk)


@requires("evaluation.view")
def scores_template_view(request, pk):
    training_class = or_404(selectors.evaluation_class_get_for, request.user, pk)
    if not services.may_enter_scores(request.user, training_class):
        return forbidden(request)
    data = scores.scores_template(training_class, selectors.roster_of(training_class))
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"{training_class.title}-训前训后测试成绩.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(name)}"
    return response


@require_POST
@requires("evaluation.view")
def scores_upload_view(request, pk):
    training_class = or_404(selectors.evaluation_class_get_for, request.user, pk)
    if not services.may_enter_scores(request.user, training_class):
        return forbidden(request)
    form = ScoreUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _scores_page(request, training_class, form=form, status=400)
    try:
        values = scores.read_scores(form.cleaned_data["file"], selectors.roster_of(training_class))
        changed = services.learning_scores_save(actor=request.user, training_class=training_class, scores=values,
                                                source="excel", request=request)
    except services.ScoreErrors as exc:
        messages.error(request, exc.message)
        return _scores_page(request, training_class, form=form, errors=exc.errors, status=400)
    except Forbidden:
        return forbidden(request)
    except DomainError as exc:
        add_domain_error(form, exc)
        return _scores_page(request, training_class, form=form, status=400)
    messages.success(request, f"已导入，{changed} 名学员的成绩有变化。")
    return redirect("evaluation:scores", pk=training_class.pk)


# --- the teacher's own ratings ----------------------------------------------------------------

@requires("evaluation.own")
def mine_view(request):
    data = selectors.own_ratings_for(request.user)
    return render(request, "evaluation/mine.html", {**data, "min_responses": MIN_RESPONSES})


# --- L3 follow-ups ---------------------------------------------------------------------------

@requires("evaluation.followup")
def followups_view(request):
    """The liaison's follow-ups, per class: pending, overdue, answered."""
    services.followups_materialise(unit_path=scope.scope_path(request.user))
    grouped = aggregates.followup_figures(selectors.followups_for(request.user), ("training_class_id",))
    classes = TrainingClass.objects.select_related("institution").in_bulk(list(grouped))
    rows = sorted(((classes[pk], f) for pk, f in grouped.items()),
                  key=lambda pair: (-(pair[1].total - pair[1].answered), pair[0].end_date))
    return render(request, "evaluation/followups.html", {"rows": rows, "today": timezone.localdate()})


def _followup_page(request, training_class, *, errors=None, status=200):
    followups = list(selectors.liaison_followups_for(request.user, class_id=training_class.pk)
                     .order_by("enrollment__seat_no", "id"))
    posted = request.POST if errors else {}
    rows = [{
        "followup": f,
        "applies": posted.get(f"applies-{f.pk}", "") if posted else (f.applies or ""),
        "performance": posted.get(f"performance-{f.pk}", "") if posted else (f.performance or ""),
        "comment": posted.get(f"comment-{f.pk}", "") if posted else f.comment,
        "error": (errors or {}).get(f.pk, ""),
    } for f in followups]
    return render(request, "evaluation/followup_class.html", {
        "training_class": training_class, "rows": rows, "today": timezone.localdate(),
        "scores": range(1, 6),
    }, status=status)


@requires("evaluation.followup")
def followup_class_view(request, pk):
    try:
        training_class = selectors.liaison_class_get_for(request.user, pk)
    except NotFound:
        raise Http404() from None
    if request.method != "POST":
        return _followup_page(request, training_class)
    answers = {}
    errors = {}
    for followup in selectors.liaison_followups_for(request.user, class_id=training_class.pk):
        applies = request.POST.get(f"applies-{followup.pk}", "").strip()
        performance = request.POST.get(f"performance-{followup.pk}", "").strip()
        comment = request.POST.get(f"comment-{followup.pk}", "").strip()
        if not (applies or performance or comment):
            continue
        if not (applies and performance):
            errors[followup.pk] = "请为两项都选择 1 到 5 分。"
            continue
        answers[followup.pk] = {"applies": applies, "performance": performance, "comment": comment}
    if errors:
        messages.error(request, f"有 {len(errors)} 名学员的回访未填完整，未保存。")
        return _followup_page(request, training_class, errors=errors, status=400)
    if not answers:
        messages.error(request, "请至少填写一名学员的回访。")
        return _followup_page(request, training_class, errors={}, status=400)
    try:
        count = services.followups_answer_many(actor=request.user, answers=answers, request=request)
    except NotFound:
        raise Http404() from None
    except DomainError as exc:
        pk_of_row = int(exc.field.rsplit("-", 1)[1]) if exc.field and "-" in exc.field else None
        messages.error(request, exc.message)
        return _followup_page(request, training_class, errors={pk_of_row: exc.message} if pk_of_row else {},
                              status=400)
    messages.success(request, f"已保存 {count} 名学员的训后回访。")
    return redirect("evaluation:followup_class", pk=training_class.pk)


@requires("evaluation.view")
def followup_overview_view(request):
    """The org department's view: completion of follow-ups per class and unit."""
    services.followups_materialise()
    state = request.GET.get("state", "")
    state = state if state in selectors.FOLLOWUP_STATES else ""
    rows = selectors.followup_overview_for(request.user, state=state)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "evaluation/followup_overview.html", {
        "page_obj": page, "state": state, "states": selectors.FOLLOWUP_STATES,
        "query_without_page": _query_without_page(request), "min_responses": MIN_RESPONSES,
    })


# --- rectification ---------------------------------------------------------------------------

@requires("rectification.manage")
def rectification_list_view(request):
    form = RectificationFilterForm(request.GET)
    items = selectors.rectification_list_for(request.user, **form.filters())
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "evaluation/rectification_list.html", {
        "form": form, "page_obj": page, "query_without_page": _query_without_page(request),
        "institutions": selectors.rectification_institutions_for(request.user),
        "selected_institution": request.GET.get("institution", ""),
        "counts": selectors.rectification_counts_for(request.user), "today": timezone.localdate(),
        "statuses": [("active", "待落实（待整改、整改中）"), *RectificationStatus.choices],
    })


@requires("rectification.manage")
def rectification_create_view(request):
    classes = selectors.evaluation_classes_for(request.user).select_related("institution").order_by("-start_date")
    initial = {"token": rectifications.new_token()}
    class_id = request.POST.get("training_class") or request.GET.get("class") or request.GET.get("training_class")
    if request.method == "GET":
        # "选择课程" re-opens the form by GET with what was typed so far.
        initial.update({name: request.GET[name] for name in ("title", "description", "due_on", "token")
                        if request.GET.get(name)})
        if class_id:
            initial["training_class"] = class_id
    form = RectificationCreateForm(request.POST or None, initial=initial, classes=classes)
    sessions = []
    if class_id and str(class_id).isdigit():
        sessions = list(Session.objects.filter(training_class__in=classes.values("pk"), training_class_id=class_id)
                        .select_related("teacher__person").order_by("date", "start_time"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        session = next((s for s in sessions if s.pk == data["session"]), None)
        if data["session"] and session is None:
            form.add_error(None, "所选课程不属于该班次。")
        else:
            try:
                item = rectifications.rectification_create(
                    actor=request.user, training_class=data["training_class"], title=data["title"],
                    description=data["description"], session=session, due_on=data["due_on"], token=data["token"],
                    request=request)
            except Forbidden:
                return forbidden(request)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, "已登记整改项。")
                return redirect("evaluation:rectification_detail", pk=item.pk)
    return render(request, "evaluation/rectification_form.html", {
        "form": form, "sessions": sessions, "selected_session": request.POST.get("session") or request.GET.get(
            "session", ""),
    }, status=400 if form.errors else 200)


@requires("rectification.manage")
def rectification_detail_view(request, pk):
    try:
        item = selectors.rectification_get_for(request.user, pk)
    except NotFound:
        raise Http404() from None
    form = RectificationUpdateForm(request.POST or None, initial={"due_on": item.due_on})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rectifications.rectification_update(
                actor=request.user, item=item, status=data["status"] or None, note=data["note"],
                due_on=data["due_on"] if data["due_on"] != item.due_on else None, request=request)
        except NotFound:
            raise Http404() from None
        except Forbidden:
            return forbidden(request)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已更新整改项。")
            return redirect("evaluation:rectification_detail", pk=item.pk)
    return render(request, "evaluation/rectification_detail.html", {
        "item": item, "notes": item.notes.select_related("author"), "form": form,
        "actions": rectifications.allowed_transitions(item), "today": timezone.localdate(),
    }, status=400 if form.errors else 200)
