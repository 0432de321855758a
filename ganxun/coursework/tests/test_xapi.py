"""Test answers and results, reflections and discussion posts are xAPI statements in our LRS,
with deterministic ids, written in the same transaction as what they record."""

from __future__ import annotations

import json

from ganxun.coursework import services, statements
from ganxun.coursework.tests.helpers import answer_all, at, complete, make_course, make_provided_course, make_test
from ganxun.learning.statements import statement_id
from ganxun.lrs.models import XapiStatement
from ganxun.testing import with_role


def _stored(verb: str) -> list[dict]:
    bodies = [json.loads(s.body) for s in XapiStatement.objects.order_by("id")]
    return [b for b in bodies if b["verb"]["id"].endswith("/" + verb)]


def _setup(cast, **test):
    course = make_course(cast, minutes=1)
    make_test(cast, course, **test)
    complete(cast.carol, course)
    carol = with_role(cast.carol)
    attempt, _ = services.attempt_start(actor=carol, course=course, now=at(5))
    return course, carol, attempt


def test_an_attempt_is_recorded_as_attempted_answered_per_question_and_passed(cast):
    course, carol, attempt = _setup(cast, draw=5, pass_mark=60)
    [started] = _stored("attempted")
    assert started["id"] == statement_id("attempted", attempt.pk)
    assert started["object"]["id"] == f"http://127.0.0.1:8000/xapi/activities/course/{course.pk}/test"
    services.attempt_submit(actor=carol, attempt=attempt, answers=answer_all(attempt, wrong=1), now=at(7))
    answered = _stored("answered")
    assert len(answered) == 5
    assert [a["result"]["success"] for a in answered] == [False, True, True, True, True]
    registration = statements.attempt_registration(attempt)
    assert {a["context"]["registration"] for a in answered} == {registration}
    first = attempt.questions[0]
    definition = answered[0]["object"]["definition"]
    if first["kind"] == "true_false":
        assert definition["interactionType"] == "true-false" and answered[0]["result"]["response"] == "false"
    else:
        assert definition["interactionType"] == "choice"
        assert definition["correctResponsesPattern"] == ["[,]".join(first["answer"])]
    [result] = _stored("passed")
    assert result["id"] == statement_id("passed", attempt.pk)
    assert result["result"]["score"] == {"scaled": 0.8, "raw": 4, "min": 0, "max": 5}
    assert result["result"]["success"] is True and result["result"]["duration"] == "PT120S"
    assert result["actor"]["account"]["name"] == "carol"


def test_a_failed_attempt_is_recorded_as_failed_and_a_double_submit_stores_nothing_more(cast):
    _, carol, attempt = _setup(cast, draw=5, pass_mark=100)
    services.attempt_submit(actor=carol, attempt=attempt, answers={}, now=at(6))
    count = XapiStatement.objects.count()
    services.attempt_submit(actor=carol, attempt=attempt, answers={}, now=at(6.5))
    [failed] = _stored("failed")
    assert failed["result"]["success"] is False and failed["result"]["score"]["raw"] == 0
    assert XapiStatement.objects.count() == count


def test_reflections_and_posts_are_shared_and_commented_statements(cast):
    course = make_provided_course(cast)
    complete(cast.carol, course)
    services.reflection_rule_set(actor=with_role(cast.alice), course=course, is_open=True, min_length=5)
    carol = with_role(cast.carol)
    reflection = services.reflection_submit(actor=carol, course=course, text="学习体会很深刻。", now=at(5))
    services.reflection_submit(actor=carol, course=course, text="学习体会很深刻。", now=at(5.5))  # retry
    services.reflection_submit(actor=carol, course=course, text="学习体会很深刻，要落实。", now=at(6))
    shared = _stored("shared")
    assert [s["id"] for s in shared] == [statement_id("reflection", reflection.pk, 1),
                                         statement_id("reflection", reflection.pk, 2)]
    assert shared[1]["result"]["response"] == "学习体会很深刻，要落实。"
    post = services.post_create(actor=carol, course=course, text="请问第二讲的要点？", now=at(7))
    reply = services.post_create(actor=carol, course=course, text="补充一下。", parent=post, now=at(8))
    commented = _stored("commented")
    assert [c["id"] for c in commented] == [statements.post_statement_id(post), statements.post_statement_id(reply)]
    assert commented[1]["context"]["statement"] == {"objectType": "StatementRef",
                                                    "id": statements.post_statement_id(post)}
