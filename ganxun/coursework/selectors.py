"""Reads of course tests, reflections and the discussion.

Back office: the item bank and the settings of a course are read by course managers
(`courses.manage` with the course's owner in scope — learning.selectors.course_get_for).
Learners reach a course through learning.selectors.course_get_for_learner and only their own
attempts and reflections. Graders (`reflections.grade`) see the reflections of courses their
institution provides (`grading_institution`); a teacher only those of their own courses.
Missing and not-yours are the same NotFound everywhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, CharField, Count, F, Min, Prefetch, Q, QuerySet, When

from ganxun.access import scope
from ganxun.access.roles import Role
from ganxun.core.errors import NotFound
from ganxun.coursework.models import (
    TRUE_FALSE_LABELS,
    CourseReflection,
    CourseReflectionRule,
    CourseTest,
    DiscussionPost,
    Question,
    QuestionKind,
    ReflectionStatus,
    TestAttempt,
)
from ganxun.learning import selectors as learning_selectors
from ganxun.learning.models import Course, StudyProgress
from ganxun.org.models import Organisation

INSTITUTION = Organisation.Kind.INSTITUTION


def _pk(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


# --- item bank and settings (back office) -----------------------------------------------------

def course_get_for_manager(actor, pk) -> Course:
    """A course whose item bank the actor may edit (courses.manage, owner in scope), or NotFound."""
    return learning_selectors.course_get_for(actor, pk, permission="courses.manage")


def course_test_of(course: Course) -> CourseTest | None:
    return CourseTest.objects.filter(course=course).first()


def reflection_rule_of(course: Course) -> CourseReflectionRule | None:
    return CourseReflectionRule.objects.filter(course=course).first()


def questions_of(course: Course, *, active: bool | None = None) -> QuerySet[Question]:
    questions = Question.objects.filter(course=course).order_by("id")
    return questions if active is None else questions.filter(is_active=active)


def question_get_for(actor, pk) -> Question:
    return scope.get_for(actor, Question.objects.select_related("course__owner"), pk, permission="courses.manage")


# --- attempts (the learner's own) -------------------------------------------------------------

def my_attempts(actor, *, course: Course | None = None) -> QuerySet[TestAttempt]:
    attempts = TestAttempt.objects.filter(account=actor.pk).select_related("course", "course_test")
    return attempts.filter(course=course) if course is not None else attempts


def attempt_get_for_learner(actor, pk) -> TestAttempt:
    attempt = my_attempts(actor).filter(pk=_pk(pk)).first()
    if attempt is None:
        raise NotFound()
    return attempt


def test_state(actor, course: Course) -> dict | None:
    """The course's open test with the learner's standing in it, or None without an open test."""
    test = CourseTest.objects.filter(course=course, is_open=True).first()
    if test is None:
        return None
    attempts = list(my_attempts(actor, course=course).filter(course_test=test))
    scores = [a.score for a in attempts if a.score is not None]
    return {
        "course_id": course.pk, "is_open": test.is_open, "draw_count": test.draw_count,
        "time_limit_minutes": test.time_limit_minutes, "pass_mark": test.pass_mark,
        "max_attempts": test.max_attempts, "attempts_used": len(attempts),
        "passed": any(a.passed for a in attempts), "best_score": max(scores) if scores else None,
        "open_attempt_id": next((a.pk for a in attempts if a.is_open), None),
        "course_completed": StudyProgress.objects.filter(account=actor.pk, course=course,
                                                         completed_at__isnull=False).exists(),
    }


test_state.__test__ = False  # a selector, not a pytest test


@dataclass(frozen=True)
class ShownQuestion:
    """A question as the learner sees it while answering (no answer key)."""

    id: int
    number: int
    kind: str
    kind_label: str
    stem: str
    choices: list[tuple[str, str]]


def _choices(question: dict) -> list[tuple[str, str]]:
    if question["kind"] == QuestionKind.TRUE_FALSE:
        return list(TRUE_FALSE_LABELS.items())
    return list(zip("ABCDEFGH", question["options"]))


def attempt_paper(attempt: TestAttempt) -> list[ShownQuestion]:
    return [ShownQuestion(id=q["id"], number=n, kind=q["kind"], kind_label=QuestionKind(q["kind"]).label,
                          stem=q["stem"], choices=_choices(q))
            for n, q in enumerate(attempt.questions, start=1)]


@dataclass(frozen=True)
class ReviewedQuestion(ShownQuestion):
    """A question of a submitted attempt: the learner's answer beside the correct one."""

    given: list[str]
    answer: list[str]
    correct: bool
    explanation: str

    def label(self, keys: list[str]) -> str:
        names = dict(self.choices)
        if self.kind == QuestionKind.TRUE_FALSE:
            return "、".join(names[k] for k in keys if k in names) or "未作答"
        return "".join(keys) or "未作答"

    @property
    def given_label(self) -> str:
        return self.label(self.given)

    @property
    def answer_label(self) -> str:
        return self.label(self.answer)


def attempt_review(attempt: TestAttempt, *, mistakes_only: bool = False) -> list[ReviewedQuestion]:
    """Review of a submitted attempt (NotFound while it is open: the key is never shown early)."""
    if attempt.is_open:
        raise NotFound()
    rows = []
    for number, question in enumerate(attempt.questions, start=1):
        given = sorted(attempt.answers.get(str(question["id"]), []))
        correct = given == sorted(question["answer"])
        if mistakes_only and correct:
            continue
        rows.append(ReviewedQuestion(
            id=question["id"], number=number, kind=question["kind"], kind_label=QuestionKind(question["kind"]).label,
            stem=question["stem"], choices=_choices(question), given=given, answer=list(question["answer"]),
            correct=correct, explanation=question.get("explanation", "")))
    return rows


# --- reflections ------------------------------------------------------------------------------

def grading_institution(course: Course) -> Organisation | None:
    """The institution whose head teachers, teachers and admin grade the course's reflections:
    the providing institution; else the owner when it is an institution; else the institution of
    the course's teacher; None when there is none (the course takes no reflections)."""
    if course.provider_id and course.provider.kind == INSTITUTION:
        return course.provider
    if course.owner.kind == INSTITUTION:
        return course.owner
    if course.teacher_id:
        return course.teacher.institution
    return None


def _grading_condition(actor) -> Q | None:
    """Rows (annotated with grading_path) the actor grades; None without the permission."""
    root = scope.scope_path(actor)
    if root is None or not scope.can(actor, "reflections.grade"):
        return None
    condition = Q(grading_path__startswith=root)
    if scope.active_role(actor).role == Role.TEACHER:
        condition &= Q(course__teacher__person__account=actor.pk)  # a teacher grades their own courses
    return condition


# grading_institution() as an expression: the path of the institution that grades the course.
GRADING_PATH = Case(
    When(course__provider__kind=INSTITUTION, then=F("course__provider__path")),
    When(course__owner__kind=INSTITUTION, then=F("course__owner__path")),
    default=F("course__teacher__institution__path"),
    output_field=CharField(),
)


def reflections_for_grader(actor, *, status: str | None = ReflectionStatus.SUBMITTED) -> QuerySet[CourseReflection]:
    condition = _grading_condition(actor)
    if condition is None:
        return CourseReflection.objects.none()
    reflections = (CourseReflection.objects.annotate(grading_path=GRADING_PATH).filter(condition)
                   .select_related("course", "account", "cadre__person", "cadre__unit", "graded_by")
                   .order_by("submitted_at", "id"))
    return reflections.filter(status=status) if status else reflections


@dataclass(frozen=True)
class GradedCourse:
    """A course of the grader's queue, for its course filter."""

    course_id: int
    title: str
    submitted: int  # its reflections 待评阅


def courses_for_grader(actor) -> list[GradedCourse]:
    """The courses with at least one reflection (of any status) that the actor grades, by title:
    the choices of the grading queue's course filter. `submitted` counts those 待评阅, the same
    rows as reflections_to_grade_by_course. One grouped query."""
    rows = (reflections_for_grader(actor, status=None).order_by().values("course_id", "course__title")
            .annotate(submitted=Count("id", filter=Q(status=ReflectionStatus.SUBMITTED)))
            .order_by("course__title", "course_id"))
    return [GradedCourse(course_id=row["course_id"], title=row["course__title"], submitted=row["submitted"])
            for row in rows]


def reflection_get_for_grader(actor, pk) -> CourseReflection:
    reflection = reflections_for_grader(actor, status=None).filter(pk=_pk(pk)).first()
    if reflection is None:
        raise NotFound()
    return reflection


def may_grade(actor, course: Course) -> bool:
    """Whether the actor grades the course's reflections (the single-object form of
    _grading_condition)."""
    if not scope.can(actor, "reflections.grade"):
        return False
    institution = grading_institution(course)
    if institution is None or not scope.path_within(actor, institution.path):
        return False
    if scope.active_role(actor).role == Role.TEACHER:
        return bool(course.teacher_id) and course.teacher.person.account_id == actor.pk
    return True


def reflection_of(actor, course: Course) -> CourseReflection | None:
    return CourseReflection.objects.filter(account=actor.pk, course=course).select_related("graded_by").first()


def my_reflections(actor) -> QuerySet[CourseReflection]:
    return CourseReflection.objects.filter(account=actor.pk).select_related("course").order_by("-submitted_at", "-id")


# --- discussion -------------------------------------------------------------------------------

def discussion_of(course: Course) -> QuerySet[DiscussionPost]:
    """The course's top-level posts, newest first, with their replies (oldest first)."""
    replies = DiscussionPost.objects.select_related("author").order_by("created_at", "id")
    return (DiscussionPost.objects.filter(course=course, parent__isnull=True).select_related("author")
            .prefetch_related(Prefetch("replies", queryset=replies)).order_by("-created_at", "-id"))


def post_get_for_learner(actor, course: Course, pk) -> DiscussionPost:
    post = DiscussionPost.objects.filter(course=course, pk=_pk(pk)).first()
    if post is None:
        raise NotFound()
    return post


def post_get_for_moderator(actor, pk) -> DiscussionPost:
    return scope.get_for(actor, DiscussionPost.objects.select_related("course__owner"), pk,
                         permission="courses.manage")


# --- the home page's to-do card (portal.todo) ----------------------------------------------------

@dataclass(frozen=True)
class CourseReflectionsWaiting:
    """Reflections of one course waiting for a grade."""

    course_id: int
    title: str
    count: int
    oldest_submitted_at: dt.datetime
    first_id: int  # the lowest id: the reflection itself when count == 1


def reflections_to_grade_by_course(actor) -> list[CourseReflectionsWaiting]:
    """Courses with reflections waiting for the actor, the most first (then the longest waiting).

    Counted: reflections 待评阅 (submitted, not graded nor returned) that the actor grades, as on the
    grading queue (`reflections_for_grader`): the course's grading institution in the actor's
    subtree with `reflections.grade`; a teacher only the courses they teach. A returned reflection
    waits for the learner, not the grader, and is not counted. One grouped query.
    """
    rows = (reflections_for_grader(actor).order_by().values("course_id", "course__title")
            .annotate(n=Count("id"), oldest=Min("submitted_at"), first_id=Min("id"))
            .order_by("-n", "oldest", "course_id"))
    return [CourseReflectionsWaiting(course_id=row["course_id"], title=row["course__title"], count=row["n"],
                                     oldest_submitted_at=row["oldest"], first_id=row["first_id"]) for row in rows]
