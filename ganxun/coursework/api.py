"""/api/v1 course tests and reflections for learners (the mobile app, our own pages): the test of a
course, start (or resume) an attempt, submit it and see the result with the review of mistakes,
my attempts; my reflection on a course and submitting it. The server draws, times and grades."""

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

