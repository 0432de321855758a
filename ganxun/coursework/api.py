"""/api/v1 course tests, reflections and the discussion.

Learners (the mobile app, our own pages): the test of a course, start (or resume) an attempt, submit
it and see the result with the review of mistakes, my attempts; my reflection on a course and
submitting it (the server draws, times and grades); the course's discussion thread and posting to it.
Course managers: the whole thread with hidden posts, hiding a post with a reason and showing it again
(scoped like the moderation page)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from ganxun.api.auth import permission
from ganxun.api.errors import responses
from ganxun.api.schemas import Id, Input, PageQuery, label, page_of, text
from ganxun.core.errors import NotFound
from ganxun.coursework import selectors, services
from ganxun.coursework.models import ReflectionGrade, ReflectionStatus, TestAttempt
from ganxun.learning import selectors as learning_selectors

router = Router()
COURSEWORK = ["课程测试与心得"]


class CourseTestOut(Schema):
    course_id: int
    is_open: bool = Field(description="测试已开放")
    draw_count: int = Field(description="每次随机抽题数")
    time_limit_minutes: int
    pass_mark: int = Field(description="合格线（百分制）")
    max_attempts: int
    attempts_used: int
    passed: bool = Field(description="已通过测试（通过后不再作答；加计学时只记一次）")
    best_score: Decimal | None
    open_attempt_id: int | None = Field(description="未交卷的作答（可继续）")
    course_completed: bool = Field(description="学完课程后才能参加测试")


class TestChoiceOut(Schema):
    key: str = Field(description="选项标识：A、B…；判断题为 true / false")
    text: str


class TestQuestionOut(Schema):
    id: int
    number: int
    kind: str = Field(description="single 单选 / multiple 多选 / true_false 判断")
    kind_label: str
    stem: str
    choices: list[TestChoiceOut]


class TestReviewOut(TestQuestionOut):
    given: list[str] = Field(description="学员的答案")
    answer: list[str] = Field(description="正确答案")
    correct: bool
    explanation: str


class TestAttemptOut(Schema):
    id: int
    course_id: int
    course_title: str
    number: int = Field(description="第几次作答")
    started_at: dt.datetime
    deadline: dt.datetime = Field(description="交卷截止时间（服务器时间）")
    seconds_left: int = Field(description="距截止的秒数（已交卷为 0）")
    submitted_at: dt.datetime | None
    outcome: str = Field(description="submitted 按时交卷 / overdue 超时（不计分）；未交卷为空")
    question_count: int
    correct_count: int | None
    score: Decimal | None
    pass_mark: int
    passed: bool | None
    questions: list[TestQuestionOut] = Field(description="作答中：试题（不含答案）；已交卷：空")
    review: list[TestReviewOut] = Field(description="已交卷：每题的作答与正确答案；作答中：空")


class TestAttemptSummaryOut(Schema):
    id: int
    course_id: int
    course_title: str
    number: int
    started_at: dt.datetime
    submitted_at: dt.datetime | None
    outcome: str
    score: Decimal | None
    passed: bool | None


class TestAttemptPageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[TestAttemptSummaryOut]


AnswerKeys = Annotated[list[text(5)], Field(max_length=8)]


class TestAttemptSubmitIn(Input):
    answers: dict[text(20), AnswerKeys] = Field(max_length=200, description='{"题目 id": ["A", "C"]}；未答的题可省略')


class CourseReflectionOut(Schema):
    id: int
    text: str
    status: str = Field(description="submitted 待评阅 / graded 已评定 / returned 退回修改")
    status_label: str
    revision: int
    submitted_at: dt.datetime
    grade: str
    grade_label: str
    comment: str = Field(description="评语或退回意见")
    graded_at: dt.datetime | None


class CourseReflectionStateOut(Schema):
    course_id: int
    is_open: bool = Field(description="本课程接收学习心得")
    min_length: int | None = Field(description="最少字数（不计空白）")
    reflection: CourseReflectionOut | None


class CourseReflectionIn(Input):
    text: text(services.REFLECTION_MAX)


def _attempt_out(attempt: TestAttempt, now: dt.datetime) -> dict:
    open_ = attempt.is_open
    return {
        "id": attempt.pk, "course_id": attempt.course_id, "course_title": attempt.course.title,
        "number": attempt.number, "started_at": attempt.started_at, "deadline": attempt.deadline,
        "seconds_left": max(int((attempt.deadline - now).total_seconds()), 0) if open_ else 0,
        "submitted_at": attempt.submitted_at, "outcome": attempt.outcome, "question_count": attempt.question_count,
        "correct_count": attempt.correct_count, "score": attempt.score, "pass_mark": attempt.pass_mark,
        "passed": attempt.passed,
        "questions": [_question(q) for q in selectors.attempt_paper(attempt)] if open_ else [],
        "review": [{**_question(q), "given": q.given, "answer": q.answer, "correct": q.correct,
                    "explanation": q.explanation} for q in selectors.attempt_review(attempt)] if not open_ else [],
    }


def _question(question) -> dict:
    return {"id": question.id, "number": question.number, "kind": question.kind, "kind_label": question.kind_label,
            "stem": question.stem, "choices": [{"key": k, "text": t} for k, t in question.choices]}


def _reflection_out(reflection) -> dict:
    return {"id": reflection.pk, "text": reflection.text, "status": reflection.status,
            "status_label": label(ReflectionStatus, reflection.status), "revision": reflection.revision,
            "submitted_at": reflection.submitted_at, "grade": reflection.grade,
            "grade_label": label(ReflectionGrade, reflection.grade), "comment": reflection.comment,
            "graded_at": reflection.graded_at}


@router.get("/courses/{course_id}/test", response=responses({200: CourseTestOut}, 400, 404), tags=COURSEWORK,
            summary="课程测试的设置与我的作答情况")
@permission("learning.study")
def coursework_test(request, course_id: Id):
    """404 when the course is out of reach or has no open test."""
    course = learning_selectors.course_get_for_learner(request.auth, course_id)
    state = selectors.test_state(request.auth, course)
    if state is None:
        raise NotFound("本课程暂未开放测试。")
    return state


@router.post("/courses/{course_id}/test/attempts", response=responses({201: TestAttemptOut}, 400, 404, 409),
             tags=COURSEWORK, summary="开始（或继续）作答")
@permission("learning.study")
def coursework_attempt_start(request, course_id: Id):
    """Draws the questions at random from the active item bank and starts the clock; an attempt
    still open is answered again instead (tapping twice starts one attempt). 400 when the course is
    not completed yet, attempts are used up or the test is closed; 409 once passed."""
    course = learning_selectors.course_get_for_learner(request.auth, course_id)
    services.attempts_close_overdue(actor=request.auth, course=course)
    attempt, created = services.attempt_start(actor=request.auth, course=course)
    return Status(201, _attempt_out(attempt, attempt.started_at if created else timezone.now()))


@router.get("/test-attempts/{attempt_id}", response=responses({200: TestAttemptOut}, 400, 404), tags=COURSEWORK,
            summary="一次作答：试题或成绩与错题回顾")
@permission("learning.study")
def coursework_attempt(request, attempt_id: Id):
    attempt = selectors.attempt_get_for_learner(request.auth, attempt_id)
    services.attempts_close_overdue(actor=request.auth, course=attempt.course)
    attempt.refresh_from_db()
    return _attempt_out(attempt, timezone.now())


@router.post("/test-attempts/{attempt_id}/submit", response=responses({200: TestAttemptOut}, 400, 404),
             tags=COURSEWORK, summary="交卷（自动评分）")
@permission("learning.study")
def coursework_attempt_submit(request, attempt_id: Id, payload: TestAttemptSubmitIn):
    """Grades at once. Submitting again answers the first result unchanged. Answers that arrive
    more than a minute after the deadline are recorded but score 0 (outcome overdue)."""
    attempt = selectors.attempt_get_for_learner(request.auth, attempt_id)
    attempt = services.attempt_submit(actor=request.auth, attempt=attempt, answers=payload.answers)
    return _attempt_out(attempt, timezone.now())


@router.get("/me/test-attempts", response=responses({200: TestAttemptPageOut}, 400), tags=COURSEWORK,
            summary="我的测试作答记录")
@permission("learning.study")
def coursework_my_attempts(request, paging: Query[PageQuery]):
    def out(attempt: TestAttempt) -> dict:
        return {"id": attempt.pk, "course_id": attempt.course_id, "course_title": attempt.course.title,
                "number": attempt.number, "started_at": attempt.started_at, "submitted_at": attempt.submitted_at,
                "outcome": attempt.outcome, "score": attempt.score, "passed": attempt.passed}

    return page_of(selectors.my_attempts(request.auth).order_by("-started_at", "-id"), paging, out)


@router.get("/courses/{course_id}/reflection", response=responses({200: CourseReflectionStateOut}, 400, 404),
            tags=COURSEWORK, summary="我的学习心得")
@permission("learning.study")
def coursework_reflection(request, course_id: Id):
    course = learning_selectors.course_get_for_learner(request.auth, course_id)
    rule = selectors.reflection_rule_of(course)
    reflection = selectors.reflection_of(request.auth, course)
    return {"course_id": course.pk, "is_open": bool(rule and rule.is_open and selectors.grading_institution(course)),
            "min_length": rule.min_length if rule else None,
            "reflection": _reflection_out(reflection) if reflection else None}


@router.put("/courses/{course_id}/reflection", response=responses({200: CourseReflectionOut}, 400, 404, 409),
            tags=COURSEWORK, summary="提交或修改学习心得")
@permission("learning.study")
def coursework_reflection_submit(request, course_id: Id, payload: CourseReflectionIn):
    """Allowed while it waits for grading or after it was returned; 409 once graded. The same text
    again changes nothing."""
    course = learning_selectors.course_get_for_learner(request.auth, course_id)
    reflection = services.reflection_submit(actor=request.auth, course=course, text=payload.text)
    return _reflection_out(reflection)



# --- discussion ---------------------------------------------------------------------------------

DISCUSSION = ["课程讨论"]


class DiscussionReplyOut(Schema):
    id: int
    parent_id: int | None = Field(description="所回复的主帖；主帖为空")
    author_name: str
    is_mine: bool = Field(description="是调用者本人发表的")
    text: str
    created_at: dt.datetime


class DiscussionPostOut(DiscussionReplyOut):
    replies: list[DiscussionReplyOut] = Field(description="回复，按时间先后（只有一层）")


class DiscussionPostPageOut(Schema):
    count: int = Field(description="主帖条数")
    page: int
    page_size: int
    items: list[DiscussionPostOut]


class ModeratedReplyOut(DiscussionReplyOut):
    is_hidden: bool = Field(description="已被隐藏（主帖隐藏时，其回复对学员一并隐藏）")
    hidden_at: dt.datetime | None
    hidden_by_name: str
    hide_reason: str


class ModeratedPostOut(ModeratedReplyOut):
    replies: list[ModeratedReplyOut]


class ModeratedPostPageOut(Schema):
    count: int = Field(description="主帖条数（含已隐藏的）")
    page: int
    page_size: int
    items: list[ModeratedPostOut]


PostText = text(services.POST_MAX)  # named here: the field below is called `text` too


class DiscussionPostIn(Input):
    text: PostText = Field(description=f"1–{services.POST_MAX} 字（去掉首尾空白后计）")
    parent_id: Id | None = Field(None, description="回复哪条帖子；回复的回复归入其主帖")


class DiscussionHideIn(Input):
    reason: text(200) = Field("", description="隐藏原因（隐藏时必填，最多 200 字）")


def _post_out(post, actor) -> dict:
    return {"id": post.pk, "parent_id": post.parent_id, "author_name": post.author.full_name,
            "is_mine": post.author_id == actor.pk, "text": post.text, "created_at": post.created_at}


def _moderated_out(post, actor) -> dict:
    return {**_post_out(post, actor), "is_hidden": post.is_hidden, "hidden_at": post.hidden_at,
            "hidden_by_name": post.hidden_by.full_name if post.hidden_by_id else "", "hide_reason": post.hide_reason}


@router.get("/courses/{course_id}/discussion", response=responses({200: DiscussionPostPageOut}, 400, 404),
            tags=DISCUSSION, summary="课程讨论（学员）")
@permission("learning.study")
def coursework_discussion(request, course_id: Id, paging: Query[PageQuery]):
    """The course's thread as learners see it: top posts newest first, each with its replies
    oldest first. Hidden posts — and the replies of a hidden post — are left out (course managers
    see them at /managed-courses/{id}/discussion)."""
    actor = request.auth
    course = learning_selectors.course_get_for_learner(actor, course_id)

    def out(post) -> dict:
        return {**_post_out(post, actor),
                "replies": [_post_out(reply, actor) for reply in post.replies.all() if not reply.is_hidden]}

    return page_of(selectors.discussion_of(course).filter(hidden_at__isnull=True), paging, out)


@router.post("/courses/{course_id}/discussion", response=responses({201: DiscussionPostOut}, 400, 404),
             tags=DISCUSSION, summary="发表帖子或回复")
@permission("learning.study")
def coursework_discussion_post(request, course_id: Id, payload: DiscussionPostIn):
    """A post, or with `parent_id` a reply (a reply to a reply joins its top post). A parent that is
    not a post of this course is 404 (field `parent_id`); a hidden one 400 `hidden`. The same text by
    the same author under the same post within a minute is a retry: the first post is answered
    (201 again, nothing new); later, the same text makes a second post."""
    actor = request.auth
    course = learning_selectors.course_get_for_learner(actor, course_id)
    parent = None
    if payload.parent_id is not None:
        try:
            parent = selectors.post_get_for_learner(actor, course, payload.parent_id)
        except NotFound as exc:
            exc.field = "parent_id"
            raise
    post = services.post_create(actor=actor, course=course, text=payload.text, parent=parent)
    return Status(201, {**_post_out(post, actor), "replies": []})


@router.get("/managed-courses/{course_id}/discussion", response=responses({200: ModeratedPostPageOut}, 400, 404),
            tags=DISCUSSION, summary="课程讨论（管理）")
@permission("courses.manage")
def coursework_discussion_moderated(request, course_id: Id, paging: Query[PageQuery]):
    """Every post of the course's thread, hidden ones included with who hid them, when and why —
    for its course managers (`courses.manage`, the course's owner in scope)."""
    actor = request.auth
    course = selectors.course_get_for_manager(actor, course_id)
    posts = selectors.discussion_of(course).select_related("hidden_by").prefetch_related("replies__hidden_by")

    def out(post) -> dict:
        return {**_moderated_out(post, actor), "replies": [_moderated_out(r, actor) for r in post.replies.all()]}

    return page_of(posts, paging, out)


def _moderated(actor, post) -> dict:
    post = selectors.post_get_for_moderator(actor, post.pk)
    replies = post.replies.select_related("author", "hidden_by").order_by("created_at", "id")
    return {**_moderated_out(post, actor), "replies": [_moderated_out(r, actor) for r in replies]}


@router.post("/course-posts/{post_id}/hide", response=responses({200: ModeratedPostOut}, 400, 404),
             tags=DISCUSSION, summary="隐藏帖子")
@permission("courses.manage")
def coursework_post_hide(request, post_id: Id, payload: DiscussionHideIn):
    """Hide a post from learners with a reason (its replies are hidden with it); the text is kept
    and the hiding audited. Hiding a hidden post again changes nothing."""
    post = selectors.post_get_for_moderator(request.auth, post_id)
    services.post_hide(actor=request.auth, post=post, reason=payload.reason, request=request)
    return _moderated(request.auth, post)


@router.post("/course-posts/{post_id}/unhide", response=responses({200: ModeratedPostOut}, 400, 404),
             tags=DISCUSSION, summary="恢复显示帖子")
@permission("courses.manage")
def coursework_post_unhide(request, post_id: Id):
    """Show a hidden post to learners again (audited). A visible post is answered unchanged."""
    post = selectors.post_get_for_moderator(request.auth, post_id)
    services.post_unhide(actor=request.auth, post=post, request=request)
    return _moderated(request.auth, post)
