"""Pages of online learning.

Learner (/learn/courses/…): the catalogue with search and filters, a course's study page (the
player sends heartbeats to the API, static/learning/study.js), my courses, rating, and the
course media served with Range requests. Back office (/manage/courses/…): list, create, edit,
upload media, publish and withdraw, within the actor's scope.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST

from ganxun.access import scope
from ganxun.access.policies import requires
from ganxun.core.views import or_404, run_action, run_form
from ganxun.learning import review, selectors, services
from ganxun.learning.forms import (
    CatalogueForm,
    ConfirmForm,
    CourseForm,
    MediaForm,
    ReviewForm,
    SubmitForm,
    WithdrawForm,
)
from ganxun.learning.media import ranged_file_response
from ganxun.learning.models import CourseMedia, CourseStatus, MediaType

# --- learner --------------------------------------------------------------------------------

@requires("learning.study")
def catalogue_view(request):
    form = CatalogueForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    required = {"1": True, "0": False}.get(data.get("required") or "")
    query = selectors.CatalogueQuery(q=data.get("q") or "", topic_id=data["topic"].pk if data.get("topic") else None,
                                     kind=data.get("kind") or "", required=required, series=data.get("series") or "",
                                     sort=data.get("sort") or "newest")
    page = Paginator(selectors.catalogue(request.user, query), 20).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "learning/catalogue.html", {
        "form": form, "page": page, "query": query,
        "series_choices": selectors.series_choices(request.user), "sort_labels": selectors.SORT_LABELS,
        "querystring": params.urlencode(),
    })


@requires("learning.study")
def course_view(request, pk):
    course = or_404(selectors.course_get_for_learner, request.user, pk)
    media = services.current_media(course)
    progress = selectors.progress_of(request.user, course)
    stats = selectors.with_stats(type(course).objects.filter(pk=course.pk)).values(
        "learner_count", "rating_avg", "rating_count").first()
    required = services.required_seconds(course, media)
    return render(request, "learning/course.html", {
        "course": course, "media": media, "progress": progress, "stats": stats, "required_seconds": required,
        "percent": min(100, int(progress.credited_seconds * 100 / required)) if progress and required else 0,
        "media_url": reverse("learning:learn_media", args=[course.pk, media.pk]) if media else "",
        "is_html": media is not None and media.content_type == MediaType.HTML,
        "topics": course.topics.all(),
    })


@requires("learning.study")
def my_courses_view(request):
    rows = list(selectors.my_progress(request.user))
    hours = sum((p.credit_hours for p in rows if p.credit_hours), 0)
    return render(request, "learning/mine.html", {
        "rows": rows, "completed": [p for p in rows if p.completed_at], "studying": [p for p in rows if not p.completed_at],
        "hours": hours,
    })


@requires("learning.study")
@require_POST
def rate_view(request, pk):
    course = or_404(selectors.course_get_for_learner, request.user, pk)
    try:
        stars = int(request.POST.get("stars", ""))
    except ValueError:
        stars = 0

    def action():
        services.course_rate(actor=request.user, course=course, stars=stars)
        return "感谢您的评分。"

    return run_action(request, action, back=reverse("learning:learn_course", args=[course.pk]))


def _media_response(request, media: CourseMedia):
    response = ranged_file_response(request, path=media.file.path, size=media.size, content_type=media.content_type,
                                    etag=f'"{media.sha256}"', filename=media.original_name)
    if media.content_type == MediaType.HTML:
        # Uploaded HTML runs no script and reaches nothing of ours: a sandboxed, opaque origin.
        response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    return response


@requires("learning.study")
@require_http_methods(["GET", "HEAD"])
@xframe_options_sameorigin
def learn_media_view(request, pk, media_pk):
    media = or_404(selectors.media_get_for_learner, request.user, pk, media_pk)
    return _media_response(request, media)


# --- back office ----------------------------------------------------------------------------

@requires("courses.view")
def manage_list_view(request):
    courses = selectors.with_stats(selectors.courses_in_scope(request.user)).order_by("-updated_at", "-id")
    status = request.GET.get("status", "")
    if status in CourseStatus.values:
        courses = courses.filter(status=status)
    # 评审已完成: the courses the home page's to-do line counts (courses_awaiting_confirmation);
    # only a role that confirms courses has that queue, so only it gets the filter.
    can_confirm = scope.can(request.user, "courses.confirm")
    reviews = request.GET.get("reviews", "") if can_confirm else ""
    if reviews == "complete":
        courses = courses.filter(pk__in=selectors.courses_awaiting_confirmation(request.user).values("pk"))
    else:
        reviews = ""
    page = Paginator(courses, 30).get_page(request.GET.get("page"))
    return render(request, "learning/manage/list.html", {
        "page": page, "status": status, "statuses": CourseStatus.choices, "reviews": reviews,
        "can_confirm": can_confirm, "can_manage": scope.can(request.user, "courses.manage"),
        "query_without_page": _query_without_page(request),
    })


def _query_without_page(request) -> str:
    """The list's query string without its page number, for the pagination links."""
    query = request.GET.copy()
    query.pop("page", None)
    text = query.urlencode()
    return f"{text}&" if text else ""


@requires("courses.manage")
def manage_create_view(request):
    form = CourseForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        def create():
            course = services.course_create(actor=request.user, owner=form.cleaned_data["owner"], request=request,
                                            **form.service_kwargs())
            return "课程已创建（草稿）。请上传课程资源后发布。", reverse("learning:manage_detail", args=[course.pk])

        if (answer := run_form(request, form, create)):
            return answer
    return render(request, "learning/manage/form.html", {"form": form, "course": None},
                  status=400 if form.errors else 200)


@requires("courses.manage")
def manage_edit_view(request, pk):
    course = or_404(selectors.course_get_for, request.user, pk)
    initial = {"title": course.title, "kind": course.kind, "duration_minutes": course.duration_minutes,
               "owner": course.owner, "is_required": course.is_required, "series": course.series,
               "topics": list(course.topics.all()), "teacher": course.teacher, "provider": course.provider,
               "summary": course.summary}
    form = CourseForm(request.POST or None, actor=request.user, initial=initial)
    form.fields["owner"].disabled = True
    if request.method == "POST" and form.is_valid():
        def save():
            services.course_update(actor=request.user, course=course, request=request, **form.service_kwargs())
            return "课程信息已保存。"

        if (answer := run_form(request, form, save, back=reverse("learning:manage_detail", args=[course.pk]))):
            return answer
    return render(request, "learning/manage/form.html", {"form": form, "course": course},
                  status=400 if form.errors else 200)


@requires("courses.view")
def manage_detail_view(request, pk):
    return _detail(request, or_404(selectors.course_get_for, request.user, pk))


def _detail(request, course, media_form=None, confirm_form=None):
    can_write = scope.path_within(request.user, course.owner.path)
    can_confirm = can_write and scope.can(request.user, "courses.confirm")
    return render(request, "learning/manage/detail.html", {
        "can_submit": can_write and scope.can(request.user, "courses.submit")
        and course.status in review.SUBMITTABLE_FROM,
        "can_confirm": can_confirm and course.status == CourseStatus.IN_REVIEW,
        "confirm_form": confirm_form or (ConfirmForm(actor=request.user) if can_confirm else None),
        "submit_form": SubmitForm(),
        "summary": review.review_summary(course) if course.review_round else None,
        "reviews": review.reviews_of(course),
        "show_reviewers": scope.can(request.user, "courses.confirm"),
        "pilot_orgs": course.pilot_orgs.all(),
        "pilot": services.pilot_standing(course) if course.status == CourseStatus.PILOT else None,
        "course": course, "media": course.media.all(), "current": services.current_media(course),
        "transitions": course.transitions.select_related("actor"), "topics": course.topics.all(),
        "media_form": media_form or MediaForm(), "withdraw_form": WithdrawForm(),
        "can_manage": can_write and scope.can(request.user, "courses.manage"),
        "can_publish": can_write and scope.can(request.user, "courses.publish"),
        "stats": selectors.with_stats(type(course).objects.filter(pk=course.pk)).values(
            "learner_count", "rating_avg", "rating_count").first(),
    }, status=400 if (media_form is not None and media_form.errors)
       or (confirm_form is not None and confirm_form.errors) else 200)


@requires("courses.manage")
@require_POST
def manage_upload_view(request, pk):
    course = or_404(selectors.course_get_for, request.user, pk)
    form = MediaForm(request.POST, request.FILES)
    if form.is_valid():
        def upload():
            services.media_upload(actor=request.user, course=course, upload=form.cleaned_data["file"],
                                  duration_seconds=form.cleaned_data["duration_seconds"], request=request)
            return "课程资源已上传。"

        if (answer := run_form(request, form, upload, back=reverse("learning:manage_detail", args=[course.pk]))):
            return answer
    return _detail(request, course, media_form=form)


@requires("courses.publish")
@require_POST
def manage_publish_view(request, pk):
    course = or_404(selectors.course_get_for, request.user, pk)

    def action():
        services.course_publish(actor=request.user, course=course, request=request)
        return "课程已发布，学员可以在课程超市中学习。"

    return run_action(request, action, back=reverse("learning:manage_detail", args=[course.pk]),
                      refused_prefix="未能发布：")


@requires("courses.publish")
@require_POST
def manage_withdraw_view(request, pk):
    course = or_404(selectors.course_get_for, request.user, pk)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""

    def action():
        services.course_withdraw(actor=request.user, course=course, reason=reason, request=request)
        return "课程已下架。"

    return run_action(request, action, back=reverse("learning:manage_detail", args=[course.pk]),
                      refused_prefix="未能下架：")


@requires("courses.view")
@require_http_methods(["GET", "HEAD"])
@xframe_options_sameorigin
def manage_media_view(request, pk, media_pk):
    media = or_404(selectors.media_get_for, request.user, pk, media_pk)
    return _media_response(request, media)


# --- review pipeline ------------------------------------------------------------------------

@requires("courses.submit")
@require_POST
def manage_submit_view(request, pk):
    course = or_404(selectors.course_get_for, request.user, pk)
    form = SubmitForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""

    def action():
        review.course_submit(actor=request.user, course=course, note=note, request=request)
        return "课程已提交专家评审。"

    return run_action(request, action, back=reverse("learning:manage_detail", args=[course.pk]),
                      refused_prefix="未能提交：")


@requires("courses.confirm")
@require_POST
def manage_confirm_view(request, pk):
    course = or_404(review.course_get_for_confirm, request.user, pk)
    form = ConfirmForm(request.POST, actor=request.user)
    if form.is_valid():
        data = form.cleaned_data

        def confirm():
            review.course_confirm(actor=request.user, course=course, decision=data["decision"],
                                  pilot_orgs=list(data["pilot_orgs"]), reason=data["reason"], request=request)
            return {review.Decision.PUBLISH: "课程已发布。", review.Decision.PILOT: "课程已进入试点（试讲试评）。",
                    review.Decision.RETURN: "课程已退回提供方修改。"}[data["decision"]]

        if (answer := run_form(request, form, confirm, back=reverse("learning:manage_detail", args=[course.pk]))):
            return answer
    course.refresh_from_db()
    return _detail(request, course, confirm_form=form)


@requires("courses.review")
def manage_review_queue_view(request):
    courses = list(review.courses_for_reviewer(request.user))
    return render(request, "learning/manage/review_queue.html", {
        "todo": [c for c in courses if not c.my_review_done], "done": [c for c in courses if c.my_review_done],
    })


@requires("courses.review")
def manage_review_view(request, pk):
    course = or_404(review.course_get_for_reviewer, request.user, pk)
    mine = course.reviews.filter(round=course.review_round, reviewer=request.user).first()
    initial = ({"content_score": mine.content_score, "teaching_score": mine.teaching_score,
                "production_score": mine.production_score, "comment": mine.comment} if mine else None)
    form = ReviewForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        def save():
            review.course_review_save(actor=request.user, course=course, request=request, **form.cleaned_data)
            return "评审意见已保存。"

        if (answer := run_form(request, form, save, back="learning:manage_review_queue")):
            return answer
    media = services.current_media(course)
    return render(request, "learning/manage/review.html", {
        "course": course, "form": form, "mine": mine, "media": media, "topics": course.topics.all(),
        "media_url": reverse("learning:manage_review_media", args=[course.pk, media.pk]) if media else "",
        "summary": review.review_summary(course),
    }, status=400 if form.errors else 200)


@requires("courses.review")
@require_http_methods(["GET", "HEAD"])
@xframe_options_sameorigin
def manage_review_media_view(request, pk, media_pk):
    course = or_404(review.course_get_for_reviewer, request.user, pk)
    media = CourseMedia.objects.filter(course=course, pk=media_pk).first()
    if media is None:
        raise Http404()
    return _media_response(request, media)
