"""Pages of course tests, reflections and the discussion.

Learner (/learn/courses/<id>/test|reflection|discussion/, /learn/test-attempts/<id>/): mobile-first,
reached through learning.selectors.course_get_for_learner. Back office: the item bank and settings
of a course (/manage/courses/<id>/coursework/…, courses.manage), the reflection grading queue
(/manage/reflections/, reflections.grade) and moderation of the discussion.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ganxun.access.policies import requires
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.core.views import forbidden, or_404, run_action, run_form
from ganxun.coursework import selectors, services
from ganxun.coursework.forms import (
    GradeForm,
    HideForm,
    PostForm,
    QuestionForm,
    ReflectionForm,
    ReflectionRuleForm,
    TestSettingsForm,
    answers_from_post,
)
from ganxun.coursework.models import AttemptOutcome, ReflectionStatus
from ganxun.learning import selectors as learning_selectors

# --- learner: test ------------------------------------------------------------------------------

@requires("learning.study")
def test_view(request, pk):
    course = or_404(learning_selectors.course_get_for_learner, request.user, pk)
    services.attempts_close_overdue(actor=request.user, course=course)
    return render(request, "coursework/test.html", {
        "course": course, "state": selectors.test_state(request.user, course),
        "attempts": selectors.my_attempts(request.user, course=course).order_by("-number"),
    })


@requires("learning.study")
@require_POST
def test_start_view(request, pk):
    course = or_404(learning_selectors.course_get_for_learner, request.user, pk)
    try:
        attempt, _ = services.attempt_start(actor=request.user, course=course)
    except NotFound:
        raise Http404() from None
    except Forbidden:
        return forbidden(request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("coursework:learn_test", pk=course.pk)
    return redirect("coursework:learn_attempt", pk=attempt.pk)


@requires("learning.study")
def attempt_view(request, pk):
    attempt = or_404(selectors.attempt_get_for_learner, request.user, pk)
    if attempt.is_open:
        services.attempts_close_overdue(actor=request.user, course=attempt.course)
        attempt.refresh_from_db()
    if attempt.is_open:
        return render(request, "coursework/attempt.html", {
            "attempt": attempt, "paper": selectors.attempt_paper(attempt),
            "seconds_left": max(int((attempt.deadline - timezone.now()).total_seconds()), 0),
        })
    mistakes_only = request.GET.get("mistakes") == "1"
    return render(request, "coursework/result.html", {
        "attempt": attempt, "review": selectors.attempt_review(attempt, mistakes_only=mistakes_only),
        "mistakes_only": mistakes_only, "overdue": attempt.outcome == AttemptOutcome.OVERDUE,
    })


@requires("learning.study")
@require_POST
def attempt_submit_view(request, pk):
    attempt = or_404(selectors.attempt_get_for_learner, request.user, pk)

    def action():
        result = services.attempt_submit(actor=request.user, attempt=attempt,
                                         answers=answers_from_post(attempt, request.POST))
        if result.outcome == AttemptOutcome.OVERDUE:
            raise DomainError("已超过交卷时间，本次作答不计分。")
        return "已交卷。" + ("恭喜，测试通过！" if result.passed else "本次未通过。")

    return run_action(request, action, back=reverse("coursework:learn_attempt", args=[attempt.pk]))


# --- learner: reflection and discussion ---------------------------------------------------------

@requires("learning.study")
def reflection_view(request, pk):
    course = or_404(learning_selectors.course_get_for_learner, request.user, pk)
    rule = selectors.reflection_rule_of(course)
    reflection = selectors.reflection_of(request.user, course)
    form = ReflectionForm(request.POST or None, initial={"text": reflection.text if reflection else ""})
    if request.method == "POST" and form.is_valid():
        def submit():
            services.reflection_submit(actor=request.user, course=course, text=form.cleaned_data["text"])
            return "学习心得已提交，等待老师评阅。"

        if (answer := run_form(request, form, submit, back=reverse("coursework:learn_reflection", args=[course.pk]))):
            return answer
    editable = reflection is None or reflection.status != ReflectionStatus.GRADED
    return render(request, "coursework/reflection.html", {
        "course": course, "rule": rule, "reflection": reflection, "form": form, "editable": editable,
        "accepting": bool(rule and rule.is_open and selectors.grading_institution(course)),
    }, status=400 if form.errors else 200)


@requires("learning.study")
def discussion_view(request, pk):
    course = or_404(learning_selectors.course_get_for_learner, request.user, pk)
    form = PostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        def post():
            parent_id = form.cleaned_data.get("parent")
            parent = selectors.post_get_for_learner(request.user, course, parent_id) if parent_id else None
            services.post_create(actor=request.user, course=course, text=form.cleaned_data["text"], parent=parent)
            return "已发表。"

        if (answer := run_form(request, form, post, back=reverse("coursework:learn_discussion", args=[course.pk]))):
            return answer
    page = Paginator(selectors.discussion_of(course), 20).get_page(request.GET.get("page"))
    return render(request, "coursework/discussion.html", {"course": course, "page": page, "form": form},
                  status=400 if form.errors else 200)


# --- back office: item bank and settings --------------------------------------------------------

@requires("courses.manage")
def manage_view(request, pk):
    course = or_404(selectors.course_get_for_manager, request.user, pk)
    return _manage(request, course)


def _manage(request, course, *, test_form=None, rule_form=None):
    test = selectors.course_test_of(course)
    rule = selectors.reflection_rule_of(course)
    questions = selectors.questions_of(course)
    bad = (test_form is not None and test_form.errors) or (rule_form is not None and rule_form.errors)
    return render(request, "coursework/manage/coursework.html", {
        "course": course, "test": test, "questions": questions,
        "active_count": sum(1 for q in questions if q.is_active),
        "test_form": test_form or TestSettingsForm(initial={
            f: getattr(test, f) for f in ("draw_count", "time_limit_minutes", "pass_mark", "max_attempts", "is_open")
        } if test else None),
        "rule_form": rule_form or ReflectionRuleForm(initial={"is_open": rule.is_open, "min_length": rule.min_length}
                                                     if rule else None),
        "grading_institution": selectors.grading_institution(course),
        "attempt_count": course.test_attempts.count(),
    }, status=400 if bad else 200)


def _save(request, course, form, call, *, success: str, bad_form_kw: str):
    if form.is_valid():
        def save():
            call(form.cleaned_data)
            return success

        if (answer := run_form(request, form, save, back=reverse("coursework:manage", args=[course.pk]))):
            return answer
    return _manage(request, course, **{bad_form_kw: form})


@requires("courses.manage")
@require_POST
def manage_test_view(request, pk):
    course = or_404(selectors.course_get_for_manager, request.user, pk)
    return _save(request, course, TestSettingsForm(request.POST), lambda data: services.course_test_configure(
        actor=request.user, course=course, request=request, **data), success="测试设置已保存。",
        bad_form_kw="test_form")


@requires("courses.manage")
@require_POST
def manage_reflection_rule_view(request, pk):
    course = or_404(selectors.course_get_for_manager, request.user, pk)
    return _save(request, course, ReflectionRuleForm(request.POST), lambda data: services.reflection_rule_set(
        actor=request.user, course=course, request=request, **data), success="心得要求已保存。",
        bad_form_kw="rule_form")


def _question_form(request, course, question=None):
    form = QuestionForm(request.POST or None, initial=QuestionForm.initial_of(question) if question else None)
    if request.method == "POST" and form.is_valid():
        def save():
            if question is None:
                services.question_create(actor=request.user, course=course, request=request, **form.service_kwargs())
            else:
                services.question_update(actor=request.user, question=question, request=request,
                                         **form.service_kwargs())
            return "试题已保存。"

        if (answer := run_form(request, form, save, back=reverse("coursework:manage", args=[course.pk]))):
            return answer
    return render(request, "coursework/manage/question.html", {"course": course, "question": question, "form": form},
                  status=400 if form.errors else 200)


@requires("courses.manage")
def manage_question_create_view(request, pk):
    return _question_form(request, or_404(selectors.course_get_for_manager, request.user, pk))


@requires("courses.manage")
def manage_question_edit_view(request, pk):
    question = or_404(selectors.question_get_for, request.user, pk)
    return _question_form(request, question.course, question)


@requires("courses.manage")
@require_POST
def manage_question_active_view(request, pk):
    question = or_404(selectors.question_get_for, request.user, pk)
    active = request.POST.get("active") == "1"

    def action():
        services.question_set_active(actor=request.user, question=question, active=active, request=request)
        return "试题已恢复使用。" if active else "试题已停用（已抽到它的作答不受影响）。"

    return run_action(request, action, back=reverse("coursework:manage", args=[question.course_id]))


# --- back office: grading and moderation --------------------------------------------------------

@requires("reflections.grade")
def grading_queue_view(request):
    status = request.GET.get("status", ReflectionStatus.SUBMITTED)
    if status not in ReflectionStatus.values:
        status = ReflectionStatus.SUBMITTED
    reflections = selectors.reflections_for_grader(request.user, status=status)
    # The course filter offers the courses of the grader's queue; any other value shows them all.
    courses = selectors.courses_for_grader(request.user)
    course = next((c for c in courses if str(c.course_id) == request.GET.get("course", "")), None)
    if course is not None:
        reflections = reflections.filter(course=course.course_id)
    page = Paginator(reflections, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "coursework/manage/queue.html", {
        "page": page, "status": status, "statuses": ReflectionStatus.choices, "courses": courses,
        "course": course, "query_without_page": f"{query.urlencode()}&" if query else "",
    })


@requires("reflections.grade")
def grading_view(request, pk):
    reflection = or_404(selectors.reflection_get_for_grader, request.user, pk)
    form = GradeForm(request.POST or None, initial={"grade": reflection.grade, "comment": reflection.comment})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def decide():
            if request.POST.get("action") == "return":
                services.reflection_return(actor=request.user, reflection=reflection, comment=data["comment"],
                                           request=request)
                return "已退回学员修改。"
            services.reflection_grade(actor=request.user, reflection=reflection, grade=data["grade"],
                                      comment=data["comment"], request=request)
            return "已评定。"

        if (answer := run_form(request, form, decide, back="coursework:grading_queue")):
            return answer
    return render(request, "coursework/manage/grade.html", {
        "reflection": reflection, "form": form, "length": services.text_length(reflection.text),
    }, status=400 if form.errors else 200)


@requires("courses.manage")
def manage_discussion_view(request, pk):
    course = or_404(selectors.course_get_for_manager, request.user, pk)
    page = Paginator(selectors.discussion_of(course), 30).get_page(request.GET.get("page"))
    return render(request, "coursework/manage/discussion.html", {"course": course, "page": page})


@requires("courses.manage")
@require_POST
def manage_post_hide_view(request, pk):
    post = or_404(selectors.post_get_for_moderator, request.user, pk)
    form = HideForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    hide = request.POST.get("hide") != "0"

    def action():
        if hide:
            services.post_hide(actor=request.user, post=post, reason=reason, request=request)
            return "已隐藏。"
        services.post_unhide(actor=request.user, post=post, request=request)
        return "已恢复显示。"

    return run_action(request, action, back=reverse("coursework:manage_discussion", args=[post.course_id]))
