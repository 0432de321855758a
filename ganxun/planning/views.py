"""Pages of the needs survey: back office (draft, questions, open/close, results, export)
and the learner's list and answer form.

Surveys come through planning.selectors (the scope gate): out-of-scope and missing ids are
404 alike, and a cadre who is not invited gets 404 for the answer page.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ganxun.access import scope
from ganxun.access.policies import requires
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.core.forms import add_domain_error
from ganxun.org.models import Organisation
from ganxun.org.selectors import organisation_list_for
from ganxun.people.models import Cadre
from ganxun.people.selectors import cadre_list_for
from ganxun.planning import services
from ganxun.planning.exports import survey_results_export
from ganxun.planning.forms import QuestionForm, SurveyForm
from ganxun.planning.models import Question, Survey
from ganxun.planning.selectors import (
    learner_survey_get,
    previous_answers,
    question_get_for,
    survey_get_for,
    survey_list_for,
    survey_questions,
    survey_results,
    surveys_of_learner,
)
from ganxun.topics.selectors import topic_tree

MANAGE = "surveys.manage"


def _survey(request, pk, permission="surveys.view") -> Survey:
    try:
        return survey_get_for(request.user, pk, permission=permission)
    except NotFound:
        raise Http404() from None


def _named_candidates(request):
    return (scope.scoped(request.user, Cadre, permission="cadres.view").filter(is_active=True)
            .select_related("person", "unit").order_by("unit__path", "person__name"))


def _survey_form(request, data=None, initial=None) -> SurveyForm:
    roots = organisation_list_for(request.user).filter(kind__in=[Organisation.Kind.REGION, Organisation.Kind.UNIT])
    return SurveyForm(data, initial=initial, roots=roots, cadres=_named_candidates(request))


def _named_chosen(request, form: SurveyForm) -> list[Cadre]:
    """The cadres picked so far (the form's initial or submitted ids), in scope, for the chips."""
    ids = [str(v) for v in (form["named_cadres"].value() or []) if str(v).isdigit()]
    return list(_named_candidates(request).filter(pk__in=ids)) if ids else []


NAMED_SEARCH_LIMIT = 20


@require_POST
@requires(MANAGE)
def named_cadre_search_view(request):
    """The picker of a survey's named list: serving cadres in scope whose name contains `q`, or
    whose full ID number / phone is `q` (at most 20; the form checks the picked ids again).
    POST, so a full ID number typed into it never lands in a URL or an access log."""
    q = (request.POST.get("q") or "").strip()
    found = list(cadre_list_for(request.user, q=q)[:NAMED_SEARCH_LIMIT + 1]) if q else []
    return render(request, "planning/_named_search.html", {
        "q": q, "found": found[:NAMED_SEARCH_LIMIT], "more": len(found) > NAMED_SEARCH_LIMIT})


@requires("surveys.view")
def survey_list_view(request):
    return render(request, "planning/survey_list.html", {"surveys": survey_list_for(request.user)})


@requires(MANAGE)
def survey_create_view(request):
    return _survey_edit(request, None)


@requires(MANAGE)
def survey_edit_view(request, pk):
    survey = _survey(request, pk, MANAGE)
    if not survey.is_draft:
        messages.error(request, "调研已发布，不能再修改。")
        return redirect("planning:detail", survey.pk)
    return _survey_edit(request, survey)


def _survey_edit(request, survey: Survey | None):
    if request.method == "POST":
        form = _survey_form(request, request.POST)
        if form.is_valid():
            try:
                if survey is None:
                    survey = services.survey_create(actor=request.user, request=request, **form.cleaned_data)
                else:
                    services.survey_update(actor=request.user, survey=survey, request=request, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, "调研已保存。")
                return redirect("planning:detail", survey.pk)
    else:
        initial = None
        if survey is not None:
            initial = {"title": survey.title, "description": survey.description, "closes_on": survey.closes_on,
                       "audience_root": survey.audience_root_id, "audience_rank": survey.audience_rank,
                       "audience_category": survey.audience_category,
                       "named_cadres": list(survey.named_cadres.values_list("pk", flat=True))}
        form = _survey_form(request, initial=initial)
    return render(request, "planning/survey_form.html", {"form": form, "survey": survey,
                                                         "named_chosen": _named_chosen(request, form)})


@requires("surveys.view")
def survey_detail_view(request, pk):
    survey = _survey(request, pk)
    return render(request, "planning/survey_detail.html", {
        "survey": survey, "questions": survey_questions(survey), "question_form": QuestionForm(),
        "named": survey.named_cadres.select_related("person", "unit"), "topic_tree": topic_tree(),
        "can_manage": scope.can(request.user, MANAGE),
    })


@require_POST
@requires(MANAGE)
def question_add_view(request, pk):
    survey = _survey(request, pk, MANAGE)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.question_add(actor=request.user, survey=survey, kind=form.cleaned_data["kind"],
                                  text=form.cleaned_data["text"], required=form.cleaned_data["required"],
                                  max_choices=form.cleaned_data["max_choices"], options=form.option_list(),
                                  request=request)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "题目已添加。")
            return redirect("planning:detail", survey.pk)
    return render(request, "planning/survey_detail.html", {
        "survey": survey, "questions": survey_questions(survey), "question_form": form,
        "named": survey.named_cadres.select_related("person", "unit"), "topic_tree": topic_tree(),
        "can_manage": True,
    }, status=400)


def _question(request, pk) -> Question:
    try:
        return question_get_for(request.user, pk)
    except NotFound:
        raise Http404() from None


@requires(MANAGE)
def question_edit_view(request, pk):
    question = _question(request, pk)
    if request.method == "POST":
        form = QuestionForm(request.POST)
        form.fields["kind"].required = False
        if form.is_valid():
            try:
                services.question_update(actor=request.user, question=question, text=form.cleaned_data["text"],
                                         required=form.cleaned_data["required"],
                                         max_choices=form.cleaned_data["max_choices"], options=form.option_list(),
                                         request=request)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, "题目已保存。")
                return redirect("planning:detail", question.survey_id)
    else:
        form = QuestionForm(initial={
            "kind": question.kind, "text": question.text, "required": question.required,
            "max_choices": question.max_choices,
            "options": "\n".join(o.label for o in question.options.all())})
    form.fields["kind"].disabled = True
    return render(request, "planning/question_form.html", {"form": form, "question": question})


def _question_action(request, pk, action, **kwargs):
    question = _question(request, pk)
    try:
        action(actor=request.user, question=question, request=request, **kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("planning:detail", question.survey_id)


@require_POST
@requires(MANAGE)
def question_remove_view(request, pk):
    return _question_action(request, pk, services.question_remove)


@require_POST
@requires(MANAGE)
def question_move_view(request, pk):
    return _question_action(request, pk, services.question_move, up=request.POST.get("direction") == "up")


@require_POST
@requires(MANAGE)
def survey_open_view(request, pk):
    survey = _survey(request, pk, MANAGE)
    try:
        count = services.survey_open(actor=request.user, survey=survey, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"调研已发布，共邀请 {count} 名干部。")
    return redirect("planning:detail", survey.pk)


@require_POST
@requires(MANAGE)
def survey_close_view(request, pk):
    survey = _survey(request, pk, MANAGE)
    try:
        services.survey_close(actor=request.user, survey=survey, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "调研已结束。")
    return redirect("planning:detail", survey.pk)


@requires("surveys.view")
def survey_results_view(request, pk):
    survey = _survey(request, pk)
    results = survey_results(request.user, survey)
    chart = {"topics": [r["topic"] for r in results.topic_ranking][::-1],
             "counts": [r["count"] for r in results.topic_ranking][::-1]}
    return render(request, "planning/survey_results.html",
                  {"survey": survey, "results": results, "chart": chart})


@requires("surveys.view")
def survey_export_view(request, pk):
    survey = _survey(request, pk)
    try:
        download = survey_results_export(actor=request.user, survey=survey, request=request)
    except Forbidden:
        raise Http404() from None
    return FileResponse(download.content, as_attachment=True, filename=download.filename,
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@requires("self.view")
def learn_list_view(request):
    return render(request, "planning/learn_list.html", {"items": surveys_of_learner(request.user)})


@requires("self.view")
def learn_answer_view(request, pk):
    try:
        survey, invitation = learner_survey_get(request.user, pk)
    except NotFound:
        raise Http404() from None
    questions = survey_questions(survey)
    groups = _topic_groups() if any(q.kind == Question.Kind.TOPICS for q in questions) else []
    accepts = survey.accepts_answers
    errors: dict[int, str] = {}
    status = 200
    if request.method == "POST" and accepts:
        submitted = {}
        for question in questions:
            key = f"q{question.pk}"
            multi = question.kind in (Question.Kind.MULTIPLE, Question.Kind.TOPICS)
            submitted[question.pk] = request.POST.getlist(key) if multi else request.POST.get(key, "")
        try:
            services.survey_answer(actor=request.user, survey=survey, answers=submitted, request=request)
        except services.SurveyAnswerError as exc:
            errors, status = exc.errors, 400
            messages.error(request, exc.message)
            values = submitted
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("planning:learn_answer", survey.pk)
        else:
            messages.success(request, "已提交，感谢您的参与。截止前可以修改。")
            return redirect("planning:learn_list")
    else:
        values = previous_answers(invitation)
    return render(request, "planning/learn_answer.html", {
        "survey": survey, "accepts": accepts,
        "items": [_answer_item(q, values.get(q.pk), errors.get(q.pk), groups) for q in questions],
    }, status=status)


def _topic_groups() -> list[tuple]:
    """Active topics grouped under their top-level topic (a top-level topic without
    children is its own only choice)."""
    groups = []
    for root in topic_tree():
        topics, stack = [], list(reversed(root.children))
        while stack:
            node = stack.pop()
            topics.append(node.topic)
            stack.extend(reversed(node.children))
        groups.append((root.topic, topics or [root.topic]))
    return groups


def _answer_item(question: Question, value, error: str | None, groups: list[tuple]) -> dict:
    """What the form needs of one question: its current value(s) as strings, its error, and
    for a topic question the topic groups (a group starts unfolded when it holds a choice)."""
    if isinstance(value, (list, tuple)):
        chosen = {str(v) for v in value}
    elif value in (None, ""):
        chosen = set()
    else:
        chosen = {str(value)}
    topic_groups = []
    if question.kind == Question.Kind.TOPICS:
        topic_groups = [(root, topics, any(str(t.pk) in chosen for t in topics)) for root, topics in groups]
    return {"question": question, "chosen": chosen, "text": value if isinstance(value, str) else "",
            "error": error, "topic_groups": topic_groups}
