"""Builders of the coursework tests: a course with an item bank and test, a learner who completed it."""

from __future__ import annotations

import datetime as dt

from ganxun.coursework import services
from ganxun.learning.tests.helpers import T0, Player, make_course
from ganxun.testing import with_role

__all__ = ["T0", "make_course", "make_provided_course", "make_bank", "make_test", "complete", "at", "answer_all"]


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def make_bank(cast, course, *, single: int = 4, multiple: int = 3, true_false: int = 3, actor=None) -> list:
    """Questions of every kind: single "B", multiple "A"+"C", true/false "true"."""
    actor = with_role(actor or cast.alice)
    questions = []
    for n in range(single):
        questions.append(services.question_create(actor=actor, course=course, kind="single", stem=f"单选题 {n}",
                                                  options=["甲", "乙", "丙", "丁"], answer=["B"],
                                                  explanation="乙是正确的。"))
    for n in range(multiple):
        questions.append(services.question_create(actor=actor, course=course, kind="multiple", stem=f"多选题 {n}",
                                                  options=["一", "二", "三", "四"], answer=["A", "C"]))
    for n in range(true_false):
        questions.append(services.question_create(actor=actor, course=course, kind="true_false",
                                                  stem=f"判断题 {n}", answer=["true"]))
    return questions


def make_test(cast, course, *, draw: int = 5, minutes: int = 20, pass_mark: int = 60, attempts: int = 3,
              bank: bool = True, actor=None):
    if bank:
        make_bank(cast, course, actor=actor)
    return services.course_test_configure(actor=with_role(actor or cast.alice), course=course, draw_count=draw,
                                          time_limit_minutes=minutes, pass_mark=pass_mark, max_attempts=attempts,
                                          is_open=True)


def complete(account, course) -> None:
    """The learner studies the whole (1-minute video) course: it is completed."""
    player = Player(account, course)
    player.play(3)


def answer_all(attempt, *, wrong: int = 0) -> dict:
    """Answers to an attempt's questions: all correct except the first `wrong` ones."""
    answers = {}
    for n, question in enumerate(attempt.questions):
        key = list(question["answer"])
        if n < wrong:
            key = ["false"] if question["kind"] == "true_false" else (["A"] if key != ["A"] else ["B"])
        answers[str(question["id"])] = key
    return answers


def make_provided_course(cast, **kwargs):
    """A published 1-minute course of county A's org department, provided by the city party school
    (whose head teacher, admin and teachers grade its reflections)."""
    course = make_course(cast, minutes=1, **kwargs)
    course.provider = cast.party_school
    course.save(update_fields=["provider"])
    return course
