"""Writes of course tests, reflections and the discussion.

Item bank and settings: course managers (`courses.manage`, the course's owner in scope).
Attempts: the learner (`learning.study`) on a course they reach (learning.selectors
.course_get_for_learner) and have completed. Reflections: the learner writes, graders of the
course's institution grade (selectors.may_grade). Discussion: learners post, course managers hide.

Rules decided here (docs/coursework.md):

* a test is taken after the course is completed, so a pass always comes after completion and the
  +bonus hours are one separate ledger posting `course-test:<course>:cadre:<cadre>` (idempotent);
* a submission that arrives later than the deadline + SUBMIT_GRACE_SECONDS is recorded but scores
  0 (`overdue`); an attempt left open past that is closed the same way on the learner's next visit;
* a second submission of an attempt changes nothing and answers the first result;
* after a pass no further attempt starts.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from ganxun.access import scope
from ganxun.access.models import Account
from ganxun.audit.services import audit_record
from ganxun.core.errors import Conflict, DomainError, NotFound
from ganxun.coursework import selectors, statements
from ganxun.coursework.models import (
    OPTION_KEYS,
    TRUE_FALSE_KEYS,
    AttemptOutcome,
    CourseReflection,
    CourseReflectionRule,
    CourseTest,
    DiscussionPost,
    Question,
    QuestionKind,
    ReflectionGrade,
    ReflectionStatus,
    TestAttempt,
)
from ganxun.credits.models import CreditMode
from ganxun.credits.services import Posting, credit_post_many
from ganxun.learning.conversion import rule_in_force
from ganxun.learning.models import Course, StudyProgress
from ganxun.people.models import Cadre

logger = logging.getLogger(__name__)

SUBMIT_GRACE_SECONDS = 60          # network delay of the page's automatic submission at 0:00
STEM_MAX = 2000
OPTION_MAX = 500
EXPLANATION_MAX = 2000
REFLECTION_MAX = 20000
POST_MAX = 2000


def _locked_course(actor, course: Course) -> Course:
    scope.require(actor, "courses.manage")
    course = Course.objects.select_for_update().select_related("owner").get(pk=course.pk)
    scope.require_within(actor, course.owner, message="该课程不在您的管理范围内。")
    return course


def _actor_or_none(actor):
    return actor if getattr(actor, "pk", None) else None


# --- item bank --------------------------------------------------------------------------------

def _clean_question(*, kind: str, stem: str, options, answer) -> tuple[str, list[str], list[str]]:
    if kind not in QuestionKind.values:
        raise DomainError("请选择题型（单选、多选、判断）。", field="kind")
    stem = (stem or "").strip()
    if not stem:
        raise DomainError("请填写题干。", field="stem")
    if len(stem) > STEM_MAX:
        raise DomainError(f"题干不能超过 {STEM_MAX} 字。", field="stem")
    answer = sorted({str(key).strip() for key in (answer or []) if str(key).strip()})
    if kind == QuestionKind.TRUE_FALSE:
        if answer not in (["true"], ["false"]):
            raise DomainError("判断题的答案应为“正确”或“错误”。", field="answer")
        return stem, [], answer
    options = [str(text or "").strip() for text in (options or [])]
    while options and not options[-1]:
        options.pop()  # empty trailing rows of the editor are not options
    if len(options) < 2 or len(options) > len(OPTION_KEYS):
        raise DomainError(f"选择题应有 2–{len(OPTION_KEYS)} 个选项。", field="options")
    if any(not text for text in options):
        raise DomainError("选项不能为空（空行只能在最后）。", field="options")
    if any(len(text) > OPTION_MAX for text in options):
        raise DomainError(f"每个选项不能超过 {OPTION_MAX} 字。", field="options")
    if len(set(options)) != len(options):
        raise DomainError("选项不能重复。", field="options")
    keys = set(OPTION_KEYS[:len(options)])
    if not answer or not set(answer) <= keys:
        raise DomainError(f"请从选项 {''.join(sorted(keys))} 中选出正确答案。", field="answer")
    if kind == QuestionKind.SINGLE and len(answer) != 1:
        raise DomainError("单选题只能有一个正确答案。", field="answer")
    if kind == QuestionKind.MULTIPLE and len(answer) < 2:
        raise DomainError("多选题至少有两个正确答案（只有一个时请用单选题）。", field="answer")
    return stem, options, answer


def _clean_explanation(explanation: str) -> str:
    explanation = (explanation or "").strip()
    if len(explanation) > EXPLANATION_MAX:
        raise DomainError(f"解析不能超过 {EXPLANATION_MAX} 字。", field="explanation")
    return explanation


@transaction.atomic
def question_create(*, actor, course: Course, kind: str, stem: str, options=(), answer=(), explanation: str = "",
                    request=None) -> Question:
    course = _locked_course(actor, course)
    stem, options, answer = _clean_question(kind=kind, stem=stem, options=options, answer=answer)
    question = Question.objects.create(course=course, kind=kind, stem=stem, options=options, answer=answer,
                                       explanation=_clean_explanation(explanation), created_by=_actor_or_none(actor))
    audit_record(action="coursework.question_create", actor=actor, request=request, target=question,
                 detail={"course": course.pk, "kind": kind})
    return question


@transaction.atomic
def question_update(*, actor, question: Question, kind: str, stem: str, options=(), answer=(), explanation: str = "",
                    request=None) -> Question:
    """Change a question. Attempts already started keep the copy they drew."""
    course = _locked_course(actor, question.course)
    question = Question.objects.select_for_update().get(pk=question.pk, course=course)
    stem, options, answer = _clean_question(kind=kind, stem=stem, options=options, answer=answer)
    question.kind, question.stem, question.options, question.answer = kind, stem, options, answer
    question.explanation = _clean_explanation(explanation)
    question.save()
    audit_record(action="coursework.question_update", actor=actor, request=request, target=question,
                 detail={"course": course.pk})
    return question


@transaction.atomic
def question_set_active(*, actor, question: Question, active: bool, request=None) -> Question:
    """Retire a question from the bank (never deleted: attempts refer to it) or bring it back. An
    open test must keep at least its draw count of active questions."""
    course = _locked_course(actor, question.course)
    question = Question.objects.select_for_update().get(pk=question.pk, course=course)
    if question.is_active == active:
        return question
    if not active:
        test = selectors.course_test_of(course)
        remaining = selectors.questions_of(course, active=True).exclude(pk=question.pk).count()
        if test is not None and test.is_open and remaining < test.draw_count:
            raise DomainError(f"测试已开放，每次抽 {test.draw_count} 题；停用后在用题目只剩 {remaining} 道。"
                              "请先补充题目或关闭测试。", code="bank_too_small")
    question.is_active = active
    question.save(update_fields=["is_active", "updated_at"])
    audit_record(action="coursework.question_retire" if not active else "coursework.question_restore", actor=actor,
                 request=request, target=question, detail={"course": course.pk})
    return question


@transaction.atomic
def course_test_configure(*, actor, course: Course, draw_count: int, time_limit_minutes: int, pass_mark: int,
                          max_attempts: int, is_open: bool, request=None) -> CourseTest:
    """Create or change the course's test settings. Opening needs enough active questions."""
    course = _locked_course(actor, course)
    for name, value, low, high, text in (("draw_count", draw_count, 1, 200, "每次抽题数应为 1–200。"),
                                         ("time_limit_minutes", time_limit_minutes, 1, 600, "限时应为 1–600 分钟。"),
                                         ("pass_mark", pass_mark, 1, 100, "合格线应为 1–100 分。"),
                                         ("max_attempts", max_attempts, 1, 50, "作答次数应为 1–50 次。")):
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise DomainError(text, field=name)
    active = selectors.questions_of(course, active=True).count()
    if is_open and active < draw_count:
        raise DomainError(f"在用题目只有 {active} 道，不足每次抽题数 {draw_count}，不能开放测试。",
                          code="bank_too_small", field="draw_count")
    test, _ = CourseTest.objects.update_or_create(course=course, defaults={
        "draw_count": draw_count, "time_limit_minutes": time_limit_minutes, "pass_mark": pass_mark,
        "max_attempts": max_attempts, "is_open": bool(is_open), "updated_by": _actor_or_none(actor)})
    audit_record(action="coursework.test_configure", actor=actor, request=request, target=course,
                 detail={"draw_count": draw_count, "time_limit_minutes": time_limit_minutes, "pass_mark": pass_mark,
                         "max_attempts": max_attempts, "is_open": bool(is_open)})
    return test


# --- attempts ---------------------------------------------------------------------------------

def _cadre_of(account) -> Cadre | None:
    return Cadre.objects.filter(person__account=account).first()


def _snapshot(question: Question) -> dict:
    return {"id": question.pk, "kind": question.kind, "stem": question.stem, "options": list(question.options),
            "answer": list(question.answer), "explanation": question.explanation}


def _score(correct: int, total: int) -> Decimal:
    if not total:
        return Decimal("0.0")
    return (Decimal(correct) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _close_overdue(attempt: TestAttempt, *, now: dt.datetime, answers: dict | None = None) -> None:
    """Close an attempt past its deadline and grace: score 0, not passed (answers kept for the record)."""
    attempt.submitted_at, attempt.outcome = now, AttemptOutcome.OVERDUE
    attempt.answers = answers or {}
    attempt.correct_count, attempt.score, attempt.passed = 0, Decimal("0.0"), False
    attempt.save(update_fields=["submitted_at", "outcome", "answers", "correct_count", "score", "passed"])
    statements.emit_many(statements.attempt_result, attempt=attempt)


def _overdue(attempt: TestAttempt, now: dt.datetime) -> bool:
    return now > attempt.deadline + dt.timedelta(seconds=SUBMIT_GRACE_SECONDS)


def attempts_close_overdue(*, actor, course: Course, now: dt.datetime | None = None) -> int:
    """Close the learner's attempts of the course left open past deadline and grace."""
    now = now or timezone.now()
    closed = 0
    with transaction.atomic():
        for attempt in (TestAttempt.objects.select_for_update().select_related("course", "account")
                        .filter(account=actor.pk, course=course, submitted_at__isnull=True)):
            if _overdue(attempt, now):
                _close_overdue(attempt, now=now)
                closed += 1
    return closed


@transaction.atomic
def attempt_start(*, actor, course: Course, now: dt.datetime | None = None,
                  rng: random.Random | None = None) -> tuple[TestAttempt, bool]:
    """Start an attempt of the course's test, or resume the open one: (attempt, created).

    Refused: no open test; the course not completed yet; already passed; attempts used up;
    fewer active questions than the draw count. The questions are drawn at random, without
    repeats, from the active bank, and copied into the attempt."""
    scope.require(actor, "learning.study")
    now = now or timezone.now()
    # The learner's progress row serialises their starts (two taps, two devices).
    progress = StudyProgress.objects.select_for_update().filter(account=actor.pk, course=course).first()
    test = CourseTest.objects.filter(course=course, is_open=True).first()
    if test is None:
        raise DomainError("本课程暂未开放测试。", code="no_test")
    if progress is None or progress.completed_at is None:
        raise DomainError("学完本课程后才能参加课程测试。", code="not_completed")
    attempts = list(TestAttempt.objects.select_for_update().select_related("course", "account")
                    .filter(account=actor.pk, course_test=test).order_by("number"))
    for attempt in attempts:
        if attempt.is_open:
            if not _overdue(attempt, now):
                return attempt, False
            _close_overdue(attempt, now=now)
    if any(a.passed for a in attempts):
        raise Conflict("您已通过本课程测试。", code="already_passed")
    if len(attempts) >= test.max_attempts:
        raise DomainError(f"作答次数已用完（最多 {test.max_attempts} 次）。", code="attempts_exhausted")
    bank = list(selectors.questions_of(course, active=True))
    if len(bank) < test.draw_count:
        raise DomainError("题库题目不足，暂不能作答，请联系课程管理员。", code="bank_too_small")
    drawn = (rng or random.SystemRandom()).sample(bank, test.draw_count)
    try:
        with transaction.atomic():
            attempt = TestAttempt.objects.create(
                course_test=test, course=course, account=actor, cadre=_cadre_of(actor), number=len(attempts) + 1,
                questions=[_snapshot(q) for q in drawn], pass_mark=test.pass_mark, started_at=now,
                deadline=now + dt.timedelta(minutes=test.time_limit_minutes))
    except IntegrityError:  # a start on another device won the race (the progress lock makes this rare)
        return TestAttempt.objects.get(account=actor.pk, course_test=test, submitted_at__isnull=True), False
    statements.emit(statements.attempted, attempt=attempt)
    return attempt, True


def _clean_answers(attempt: TestAttempt, answers) -> dict[str, list[str]]:
    if not isinstance(answers, dict):
        raise DomainError("答案格式不正确。", field="answers")
    by_id = {str(q["id"]): q for q in attempt.questions}
    cleaned: dict[str, list[str]] = {}
    for key, given in answers.items():
        question = by_id.get(str(key))
        if question is None:
            raise DomainError("答案中有不属于本次测试的题目。", field="answers")
        if isinstance(given, str):
            given = [given]
        if not isinstance(given, list | tuple) or not all(isinstance(k, str) for k in given):
            raise DomainError("答案格式不正确。", field="answers")
        given = sorted(set(given))
        allowed = set(TRUE_FALSE_KEYS) if question["kind"] == QuestionKind.TRUE_FALSE else set(
            OPTION_KEYS[:len(question["options"])])
        if not set(given) <= allowed:
            raise DomainError("答案中有不存在的选项。", field="answers")
        if question["kind"] != QuestionKind.MULTIPLE and len(given) > 1:
            raise DomainError("单选题和判断题只能选一个答案。", field="answers")
        if given:
            cleaned[str(key)] = given
    return cleaned


@transaction.atomic
def attempt_submit(*, actor, attempt: TestAttempt, answers, now: dt.datetime | None = None) -> TestAttempt:
    """Grade the attempt: a question scores when the answer is exactly its key (every correct
    option and no other for multiple choice); score = correct / drawn × 100, one decimal; passed
    when score ≥ the pass mark of the attempt. A pass posts the test's bonus credit hours once.
    Submitting again changes nothing."""
    scope.require(actor, "learning.study")
    now = now or timezone.now()
    attempt = (TestAttempt.objects.select_for_update().select_related("course", "account")
               .filter(pk=attempt.pk, account=actor.pk).first())
    if attempt is None:
        raise NotFound()
    if not attempt.is_open:
        return attempt
    cleaned = _clean_answers(attempt, answers)
    if _overdue(attempt, now):
        _close_overdue(attempt, now=now, answers=cleaned)
        return attempt
    correct = sum(1 for q in attempt.questions if cleaned.get(str(q["id"]), []) == sorted(q["answer"]))
    attempt.answers, attempt.correct_count = cleaned, correct
    attempt.score = _score(correct, attempt.question_count)
    attempt.passed = attempt.score >= attempt.pass_mark
    attempt.submitted_at, attempt.outcome = now, AttemptOutcome.SUBMITTED
    attempt.save(update_fields=["answers", "correct_count", "score", "passed", "submitted_at", "outcome"])
    if attempt.passed:
        _post_test_bonus(actor=actor, attempt=attempt, now=now)
    statements.emit_many(statements.attempt_result, attempt=attempt)
    return attempt


def test_bonus_ref(course_id: int, cadre_id: int) -> str:
    return f"course-test:{course_id}:cadre:{cadre_id}"


def _post_test_bonus(*, actor, attempt: TestAttempt, now: dt.datetime) -> None:
    """The conversion rule's test bonus (in force on the day of the pass) as its own ledger entry,
    once per learner and course (source_ref course-test:<course>:cadre:<cadre>). The course was
    completed before the test (attempt_start), so its own hours are already posted."""
    cadre_id = attempt.cadre_id or getattr(_cadre_of(attempt.account), "pk", None)
    if cadre_id is None:
        return  # learners without a cadre record have no ledger
    earned_on = timezone.localtime(now).date()
    try:
        hours = rule_in_force(on=earned_on).test_bonus_hours
    except DomainError:
        logger.error("no conversion rule on %s: test bonus of course %s not posted", earned_on, attempt.course_id)
        return
    if hours <= 0:
        return
    course = attempt.course
    credit_post_many(actor=actor, audit_target=course, action="coursework.test_bonus", postings=[Posting(
        cadre_id=cadre_id, hours=Decimal(hours), earned_on=earned_on, mode=CreditMode.ONLINE,
        source_ref=test_bonus_ref(course.pk, cadre_id),
        topic_ids=tuple(course.topics.order_by("pk").values_list("pk", flat=True)),
        source_name=f"{course.title}（课程测试）"[:200])])


# --- reflections ------------------------------------------------------------------------------

def text_length(text: str) -> int:
    """Length of a reflection: characters without whitespace (what "300 字" means)."""
    return sum(1 for ch in text or "" if not ch.isspace())


@transaction.atomic
def reflection_rule_set(*, actor, course: Course, is_open: bool, min_length: int, request=None) -> CourseReflectionRule:
    course = _locked_course(actor, course)
    if not isinstance(min_length, int) or isinstance(min_length, bool) or not 1 <= min_length <= 10000:
        raise DomainError("最少字数应为 1–10000。", field="min_length")
    if is_open and selectors.grading_institution(course) is None:
        raise DomainError("该课程没有提供机构或主讲教师，无人评阅学习心得，请先在课程信息中填写。",
                          code="no_grader", field="is_open")
    rule, _ = CourseReflectionRule.objects.update_or_create(course=course, defaults={
        "is_open": bool(is_open), "min_length": min_length, "updated_by": _actor_or_none(actor)})
    audit_record(action="coursework.reflection_rule", actor=actor, request=request, target=course,
                 detail={"is_open": bool(is_open), "min_length": min_length})
    return rule


@transaction.atomic
def reflection_submit(*, actor, course: Course, text: str, now: dt.datetime | None = None) -> CourseReflection:
    """Submit or revise the learner's reflection on a course they have studied. Allowed while it
    waits for grading or after it was returned; a graded one is final. Resubmitting the same text
    changes nothing."""
    scope.require(actor, "learning.study")
    now = now or timezone.now()
    rule = selectors.reflection_rule_of(course)
    if rule is None or not rule.is_open or selectors.grading_institution(course) is None:
        raise DomainError("本课程不收学习心得。", code="closed")
    if not StudyProgress.objects.filter(account=actor.pk, course=course, credited_seconds__gt=0).exists():
        raise DomainError("学习过该课程后才能提交学习心得。", code="not_studied")
    text = (text or "").replace("\r\n", "\n").strip()
    length = text_length(text)
    if not length:
        raise DomainError("请填写学习心得正文。", field="text")
    if length < rule.min_length:
        raise DomainError(f"学习心得至少 {rule.min_length} 字（不计空白），当前 {length} 字。", field="text")
    if len(text) > REFLECTION_MAX:
        raise DomainError(f"学习心得不能超过 {REFLECTION_MAX} 字。", field="text")
    reflection = CourseReflection.objects.select_for_update().filter(account=actor.pk, course=course).first()
    if reflection is None:
        try:
            with transaction.atomic():
                reflection = CourseReflection.objects.create(course=course, account=actor, cadre=_cadre_of(actor),
                                                             text=text, submitted_at=now)
        except IntegrityError:  # a submission from another device came first: treat this one as a revision
            reflection = CourseReflection.objects.select_for_update().get(account=actor.pk, course=course)
        else:
            statements.emit(statements.shared, reflection=reflection)
            return reflection
    if reflection.status == ReflectionStatus.GRADED:
        raise Conflict("学习心得已评定，不能再修改。", code="graded")
    if reflection.status == ReflectionStatus.SUBMITTED and reflection.text == text:
        return reflection  # a retried submission
    reflection.text, reflection.status, reflection.submitted_at = text, ReflectionStatus.SUBMITTED, now
    reflection.revision += 1
    reflection.save(update_fields=["text", "status", "submitted_at", "revision"])
    statements.emit(statements.shared, reflection=reflection)
    return reflection


def _locked_for_grader(actor, reflection: CourseReflection) -> CourseReflection:
    scope.require(actor, "reflections.grade")
    reflection = (CourseReflection.objects.select_for_update(of=("self",))
                  .select_related("course__owner", "course__provider", "course__teacher__person",
                                  "course__teacher__institution").filter(pk=reflection.pk).first())
    if reflection is None or not selectors.may_grade(actor, reflection.course):
        raise NotFound()
    return reflection


@transaction.atomic
def reflection_grade(*, actor, reflection: CourseReflection, grade: str, comment: str = "",
                     now: dt.datetime | None = None, request=None) -> CourseReflection:
    """Grade a submitted reflection (优秀/良好/合格/不合格; 不合格 needs a comment). A graded one may be
    regraded; a returned one waits for the learner."""
    reflection = _locked_for_grader(actor, reflection)
    if reflection.status == ReflectionStatus.RETURNED:
        raise DomainError("学习心得已退回修改，请等待学员重新提交。", code="returned")
    if grade not in ReflectionGrade.values:
        raise DomainError("请选择评定等级（优秀、良好、合格、不合格）。", field="grade")
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise DomainError("评语不能超过 500 字。", field="comment")
    if grade == ReflectionGrade.FAIL and not comment:
        raise DomainError("评定为不合格时请填写评语，说明理由。", field="comment")
    before = reflection.grade
    reflection.status, reflection.grade, reflection.comment = ReflectionStatus.GRADED, grade, comment
    reflection.graded_by, reflection.graded_at = actor, now or timezone.now()
    reflection.save(update_fields=["status", "grade", "comment", "graded_by", "graded_at"])
    audit_record(action="coursework.reflection_grade", actor=actor, request=request, target=reflection,
                 detail={"course": reflection.course_id, "before": before, "grade": grade})
    return reflection


@transaction.atomic
def reflection_return(*, actor, reflection: CourseReflection, comment: str, now: dt.datetime | None = None,
                      request=None) -> CourseReflection:
    """Send a waiting reflection back to the learner for revision, saying why."""
    reflection = _locked_for_grader(actor, reflection)
    if reflection.status != ReflectionStatus.SUBMITTED:
        raise DomainError("只有待评阅的学习心得可以退回。", code="bad_status")
    comment = (comment or "").strip()
    if not comment:
        raise DomainError("退回时请填写修改意见。", field="comment")
    if len(comment) > 500:
        raise DomainError("评语不能超过 500 字。", field="comment")
    reflection.status, reflection.comment = ReflectionStatus.RETURNED, comment
    reflection.graded_by, reflection.graded_at = actor, now or timezone.now()
    reflection.save(update_fields=["status", "comment", "graded_by", "graded_at"])
    audit_record(action="coursework.reflection_return", actor=actor, request=request, target=reflection,
                 detail={"course": reflection.course_id})
    return reflection


# --- discussion -------------------------------------------------------------------------------

@transaction.atomic
def post_create(*, actor, course: Course, text: str, parent: DiscussionPost | None = None,
                now: dt.datetime | None = None) -> DiscussionPost:
    """A post in the course's thread, or a reply (a reply to a reply joins its top post: one
    level). The same text by the same author under the same post within a minute is a retry and
    is stored once."""
    scope.require(actor, "learning.study")
    now = now or timezone.now()
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise DomainError("请填写内容。", field="text")
    if len(text) > POST_MAX:
        raise DomainError(f"内容不能超过 {POST_MAX} 字。", field="text")
    if parent is not None:
        parent = DiscussionPost.objects.filter(pk=parent.pk, course=course).first()
        if parent is None:
            raise NotFound()
        if parent.parent_id is not None:
            parent = DiscussionPost.objects.get(pk=parent.parent_id)
        if parent.is_hidden:
            raise DomainError("该帖子已被隐藏，不能回复。", code="hidden")
    # Serialise the author's posts: of two identical posts sent at the same instant, the second
    # waits here and then finds the first. The author's row, not the course's, so that other
    # learners posting to the same course never wait.
    Account.objects.select_for_update().get(pk=actor.pk)
    recent = (DiscussionPost.objects.filter(course=course, author=actor.pk, parent=parent, text=text,
                                            created_at__gte=now - dt.timedelta(minutes=1)).first())
    if recent is not None:
        return recent
    post = DiscussionPost.objects.create(course=course, author=actor, parent=parent, text=text, created_at=now)
    statements.emit(statements.commented, post=post)
    return post


@transaction.atomic
def post_hide(*, actor, post: DiscussionPost, reason: str, now: dt.datetime | None = None,
              request=None) -> DiscussionPost:
    """Hide a post (and so its replies) from learners; the text is kept for the record."""
    _locked_course(actor, post.course)
    post = DiscussionPost.objects.select_for_update().get(pk=post.pk)
    if post.is_hidden:
        return post
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写隐藏原因。", field="reason")
    if len(reason) > 200:
        raise DomainError("隐藏原因不能超过 200 字。", field="reason")
    post.hidden_at, post.hidden_by, post.hide_reason = now or timezone.now(), actor, reason
    post.save(update_fields=["hidden_at", "hidden_by", "hide_reason"])
    audit_record(action="coursework.post_hide", actor=actor, request=request, target=post,
                 detail={"course": post.course_id, "reason": reason})
    return post


@transaction.atomic
def post_unhide(*, actor, post: DiscussionPost, request=None) -> DiscussionPost:
    _locked_course(actor, post.course)
    post = DiscussionPost.objects.select_for_update().get(pk=post.pk)
    if not post.is_hidden:
        return post
    post.hidden_at, post.hidden_by, post.hide_reason = None, None, ""
    post.save(update_fields=["hidden_at", "hidden_by", "hide_reason"])
    audit_record(action="coursework.post_unhide", actor=actor, request=request, target=post,
                 detail={"course": post.course_id})
    return post
