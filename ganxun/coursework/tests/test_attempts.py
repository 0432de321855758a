"""Course tests: the item bank, random draw, time limit, pass mark, attempts limit, grading,
double submit, review of mistakes, and the +bonus credit hours posted exactly once."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from ganxun.access.roles import Role
from ganxun.core.errors import Conflict, DomainError, Forbidden, NotFound
from ganxun.coursework import selectors, services
from ganxun.coursework.models import AttemptOutcome, TestAttempt
from ganxun.coursework.tests.helpers import answer_all, at, complete, make_bank, make_course, make_test
from ganxun.credits.models import CreditRecord
from ganxun.testing import make_account, with_role


@pytest.fixture
def course(cast):
    return make_course(cast, minutes=1)


@pytest.fixture
def carol(cast):
    return with_role(cast.carol)


def _start(carol, course, minutes: float = 5, **kwargs):
    return services.attempt_start(actor=carol, course=course, now=at(minutes), **kwargs)[0]


# --- item bank --------------------------------------------------------------------------------

def test_it_validates_questions_of_every_kind(cast, course):
    alice = with_role(cast.alice)
    cases = [
        dict(kind="single", stem="", options=["甲", "乙"], answer=["A"]),
        dict(kind="single", stem="题", options=["甲"], answer=["A"]),
        dict(kind="single", stem="题", options=["甲", "乙"], answer=["A", "B"]),
        dict(kind="single", stem="题", options=["甲", "乙"], answer=["C"]),
        dict(kind="single", stem="题", options=["甲", "甲"], answer=["A"]),
        dict(kind="single", stem="题", options=["甲", "", "丙"], answer=["A"]),
        dict(kind="multiple", stem="题", options=["甲", "乙", "丙"], answer=["A"]),
        dict(kind="true_false", stem="题", answer=["yes"]),
        dict(kind="essay", stem="题", answer=["A"]),
    ]
    for case in cases:
        with pytest.raises(DomainError):
            services.question_create(actor=alice, course=course, **case)
    question = services.question_create(actor=alice, course=course, kind="multiple", stem=" 题 ",
                                        options=["甲", "乙", "丙", "", ""], answer=["C", "A"])
    assert (question.stem, question.options, question.answer) == ("题", ["甲", "乙", "丙"], ["A", "C"])


def test_it_keeps_the_item_bank_to_course_managers_in_scope(cast, course):
    with pytest.raises(NotFound):
        services.question_create(actor=with_role(cast.charlie), course=course, kind="true_false", stem="题",
                                 answer=["true"])
    with pytest.raises(Forbidden):
        services.question_create(actor=with_role(cast.carol), course=course, kind="true_false", stem="题",
                                 answer=["true"])
    with pytest.raises(NotFound):
        selectors.course_get_for_manager(with_role(cast.charlie), course.pk)


def test_it_refuses_to_open_a_test_with_a_bank_smaller_than_the_draw(cast, course):
    make_bank(cast, course, single=2, multiple=0, true_false=0)
    with pytest.raises(DomainError) as refused:
        services.course_test_configure(actor=with_role(cast.alice), course=course, draw_count=3, time_limit_minutes=10,
                                       pass_mark=60, max_attempts=2, is_open=True)
    assert refused.value.code == "bank_too_small"


def test_it_refuses_to_retire_below_the_draw_count_of_an_open_test(cast, course):
    make_test(cast, course, draw=10)  # a bank of exactly 10
    question = selectors.questions_of(course).first()
    with pytest.raises(DomainError):
        services.question_set_active(actor=with_role(cast.alice), question=question, active=False)


# --- starting ---------------------------------------------------------------------------------

def test_it_refuses_a_test_before_the_course_is_completed(cast, course, carol):
    make_test(cast, course)
    with pytest.raises(DomainError) as refused:
        _start(carol, course)
    assert refused.value.code == "not_completed"


def test_it_refuses_when_no_test_is_open(cast, course, carol):
    complete(cast.carol, course)
    with pytest.raises(DomainError) as refused:
        _start(carol, course)
    assert refused.value.code == "no_test"


def test_it_draws_at_random_without_repeats_from_the_active_bank_only(cast, course, carol):
    make_test(cast, course, draw=5, attempts=50, pass_mark=100)
    retired = selectors.questions_of(course)[:3]
    retired_ids = {q.pk for q in retired}
    for question in retired:
        services.question_set_active(actor=with_role(cast.alice), question=question, active=False)
    active_ids = set(selectors.questions_of(course, active=True).values_list("pk", flat=True))
    assert len(active_ids) == 7
    complete(cast.carol, course)
    seen = set()
    rng = random.Random(4)
    for n in range(12):
        attempt = _start(carol, course, minutes=5 + n, rng=rng)
        ids = [q["id"] for q in attempt.questions]
        assert len(ids) == 5 and len(set(ids)) == 5
        assert set(ids) <= active_ids and not set(ids) & retired_ids
        seen.add(tuple(ids))
        services.attempt_submit(actor=carol, attempt=attempt, answers={}, now=at(5 + n + 0.5))
    assert len(seen) > 1  # not the same paper every time


def test_it_resumes_the_open_attempt_instead_of_starting_another(cast, course, carol):
    make_test(cast, course)
    complete(cast.carol, course)
    first, created = services.attempt_start(actor=carol, course=course, now=at(5))
    again, created_again = services.attempt_start(actor=carol, course=course, now=at(6))
    assert created and not created_again and again.pk == first.pk
    assert TestAttempt.objects.count() == 1


def test_it_refuses_a_start_once_the_attempts_are_used_up(cast, course, carol):
    make_test(cast, course, attempts=2, pass_mark=100)
    complete(cast.carol, course)
    for n in range(2):
        attempt = _start(carol, course, minutes=5 + n)
        services.attempt_submit(actor=carol, attempt=attempt, answers={}, now=at(5 + n + 0.5))
    with pytest.raises(DomainError) as refused:
        _start(carol, course, minutes=10)
    assert refused.value.code == "attempts_exhausted"


def test_it_refuses_a_start_after_a_pass(cast, course, carol):
    make_test(cast, course)
    complete(cast.carol, course)
    attempt = _start(carol, course)
    services.attempt_submit(actor=carol, attempt=attempt, answers=answer_all(attempt), now=at(6))
    with pytest.raises(Conflict):
        _start(carol, course, minutes=7)


def test_an_attempt_keeps_its_copy_of_a_question_edited_later(cast, course, carol):
    make_test(cast, course, draw=10)
    complete(cast.carol, course)
    attempt = _start(carol, course)
    first = attempt.questions[0]
    question = selectors.questions_of(course).get(pk=first["id"])
    services.question_update(actor=with_role(cast.alice), question=question, kind="true_false", stem="改过的题",
                             answer=["false"])
    result = services.attempt_submit(actor=carol, attempt=attempt, answers=answer_all(attempt), now=at(6))
    assert result.correct_count == 10 and result.questions[0]["stem"] == first["stem"]


# --- grading ----------------------------------------------------------------------------------

def test_it_grades_and_applies_the_pass_mark(cast, course, carol):
    make_test(cast, course, draw=5, pass_mark=80)
    complete(cast.carol, course)
    attempt = _start(carol, course)
    result = services.attempt_submit(actor=carol, attempt=attempt, answers=answer_all(attempt, wrong=2), now=at(6))
    assert (result.correct_count, result.score, result.passed) == (3, Decimal("60.0"), False)
    attempt = _start(carol, course, minutes=7)
    result = services.attempt_submit(actor=carol, attempt=attempt, answers=answer_all(attempt, wrong=1), now=at(8))
    assert (result.correct_count, result.score, result.passed) == (4, Decimal("80.0"), True)  # 80 ≥ 80 passes
    assert result.outcome == AttemptOutcome.SUBMITTED


def test_multiple_choice_scores_only_when_exactly_all_correct_options_are_chosen(cast, course, carol):
    make_bank(cast, course, single=0, multiple=1, true_false=0)
    services.course_test_configure(actor=with_role(cast.alice), course=course, draw_count=1, time_limit_minutes=10,
                                   pass_mark=100, max_attempts=5, is_open=True)
    complete(cast.carol, course)
    for n, (given, passed) in enumerate([(["A"], False), (["A", "B", "C"], False), (["C", "A"], True)]):
        attempt = _start(carol, course, minutes=5 + n)
        qid = str(attempt.questions[0]["id"])
        result = services.attempt_submit(actor=carol, attempt=attempt, answers={qid: given}, now=at(5.5 + n))
        assert result.passed is passed, given


def test_it_refuses_answers_that_do_not_fit_the_paper_and_keeps_the_attempt_open(cast, course, carol):
    make_test(cast, course, draw=10)
    complete(cast.carol, course)
    attempt = _start(carol, course)
    single = next(q for q in attempt.questions if q["kind"] == "single")
    for bad in ({"999999": ["A"]}, {str(single["id"]): ["A", "B"]}, {str(single["id"]): ["Z"]}, ["A"]):
        with pytest.raises(DomainError):
            services.attempt_submit(actor=carol, attempt=attempt, answers=bad, now=at(6))
    attempt.refresh_from_db()
    assert attempt.is_open and attempt.score is None


def test_a_double_submit_changes_nothing(cast, course, carol):
    make_test(cast, course)
    complete(cast.carol, course)
    attempt = _start(carol, course)
    first = services.attempt_submit(actor=carol, attempt=attempt, answers=answer_all(attempt, wrong=5), now=at(6))
    again = services.attempt_submit(actor=carol, attempt=attempt, answers=answer_all(attempt), now=at(6.1))
    assert (again.score, again.passed, again.submitted_at) == (first.score, False, at(6))
    attempt.refresh_from_db()
    assert attempt.score == Decimal("0.0") and attempt.answers == first.answers


def test_only_the_learner_submits_or_sees_their_attempt(cast, course, carol):
    make_test(cast, course)
    complete(cast.carol, course)
    attempt = _start(carol, course)
    dora = with_role(make_account("dora", Role.CADRE, cast.unit_a1))
    with pytest.raises(NotFound):
        services.attempt_submit(actor=dora, attempt=attempt, answers={}, now=at(6))
    with pytest.raises(NotFound):
        selectors.attempt_get_for_learner(dora, attempt.pk)
    attempt.refresh_from_db()
    assert attempt.is_open


# --- time limit -------------------------------------------------------------------------------

def test_a_submission_within_the_grace_after_the_deadline_is_graded(cast, course, carol):
    make_test(cast, course, minutes=10)
    complete(cast.carol, course)
    attempt = _start(carol, course, minutes=5)
    result = services.attempt_submit(actor=carol, attempt=attempt, answers=answer_all(attempt),
                                     now=attempt.deadline + dt.timedelta(seconds=30))
    assert result.passed and result.outcome == AttemptOutcome.SUBMITTED


def test_a_late_submission_is_recorded_but_scores_nothing(cast, course, carol):
    make_test(cast, course, minutes=10)
    complete(cast.carol, course)
    attempt = _start(carol, course, minutes=5)
    answers = answer_all(attempt)
    result = services.attempt_submit(actor=carol, attempt=attempt, answers=answers, now=at(16.5))
    assert result.outcome == AttemptOutcome.OVERDUE and result.score == Decimal("0.0") and result.passed is False
    assert result.answers == {k: sorted(v) for k, v in answers.items()}
    assert CreditRecord.objects.filter(source_ref__startswith="course-test:").count() == 0


def test_an_attempt_left_open_past_its_deadline_is_closed_and_counts(cast, course, carol):
    make_test(cast, course, minutes=10, attempts=2, pass_mark=100)
    complete(cast.carol, course)
    abandoned = _start(carol, course, minutes=5)
    fresh, created = services.attempt_start(actor=carol, course=course, now=at(30))
    abandoned.refresh_from_db()
    assert created and fresh.number == 2
    assert abandoned.outcome == AttemptOutcome.OVERDUE and abandoned.passed is False


# --- review -----------------------------------------------------------------------------------

def test_the_review_shows_the_learners_answer_beside_the_correct_one_only_after_submission(cast, course, carol):
    make_test(cast, course, draw=5)
    complete(cast.carol, course)
    attempt = _start(carol, course)
    with pytest.raises(NotFound):
        selectors.attempt_review(attempt)
    answers = answer_all(attempt, wrong=2)
    del answers[str(attempt.questions[4]["id"])]  # one left unanswered
    services.attempt_submit(actor=carol, attempt=attempt, answers=answers, now=at(6))
    attempt.refresh_from_db()
    mistakes = selectors.attempt_review(attempt, mistakes_only=True)
    assert [m.number for m in mistakes] == [1, 2, 5]
    assert mistakes[2].given == [] and mistakes[2].given_label == "未作答"
    assert all(m.answer == attempt.questions[m.number - 1]["answer"] for m in mistakes)
    assert len(selectors.attempt_review(attempt)) == 5


def test_the_paper_shown_while_answering_carries_no_answer_key(cast, course, carol):
    make_test(cast, course)
    complete(cast.carol, course)
    paper = selectors.attempt_paper(_start(carol, course))
    assert paper and all(not hasattr(q, "answer") for q in paper)


# --- the +bonus credit hours ------------------------------------------------------------------

def test_a_pass_posts_the_test_bonus_once_beside_the_course_hours(cast, course, carol):
    make_test(cast, course, attempts=5)
    complete(cast.carol, course)
    attempt = _start(carol, course)
    services.attempt_submit(actor=carol, attempt=attempt, answers=answer_all(attempt), now=at(6))
    services.attempt_submit(actor=carol, attempt=attempt, answers=answer_all(attempt), now=at(6.2))
    records = CreditRecord.objects.filter(cadre=cast.carol_cadre).order_by("source_ref")
    refs = {r.source_ref: r.hours for r in records}
    assert refs == {f"course:{course.pk}:cadre:{cast.carol_cadre.pk}": Decimal("0.25"),
                    f"course-test:{course.pk}:cadre:{cast.carol_cadre.pk}": Decimal("0.50")}
    bonus = records.get(source_ref__startswith="course-test:")
    assert bonus.mode == "online" and bonus.earned_on == at(6).date()


def test_a_failed_attempt_posts_no_bonus(cast, course, carol):
    make_test(cast, course)
    complete(cast.carol, course)
    attempt = _start(carol, course)
    services.attempt_submit(actor=carol, attempt=attempt, answers={}, now=at(6))
    assert not CreditRecord.objects.filter(source_ref__startswith="course-test:").exists()
