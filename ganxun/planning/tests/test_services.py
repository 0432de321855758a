import datetime as dt

import pytest
from django.utils import timezone

from ganxun.audit.models import AuditEntry
from ganxun.core.errors import Conflict, DomainError, NotFound
from ganxun.planning import services
from ganxun.planning.models import Answer, Question, Survey, SurveyInvitation, SurveyResponse
from ganxun.planning.selectors import survey_list_for, survey_results
from ganxun.planning.tests.builders import full_answers, make_survey, questions, topic
from ganxun.testing import make_account, with_role


def invited_names(survey):
    return set(SurveyInvitation.objects.filter(survey=survey).values_list("cadre__person__name", flat=True))


def test_it_invites_exactly_county_a_serving_cadres(cast):
    gone = cast.cadres_a[3]
    gone.is_active = False
    gone.save()
    survey = make_survey(cast)
    assert invited_names(survey) == {"卡萝", "张伟", "李娜"}
    entry = AuditEntry.objects.get(action="survey.open")
    assert entry.detail["audience"] == 3
    # The unit at opening time is kept on the invitation.
    assert SurveyInvitation.objects.get(survey=survey, cadre=cast.cadres_a[2]).unit == cast.unit_a1_sub


def test_it_filters_the_audience_by_rank_and_category(cast):
    assert invited_names(make_survey(cast, audience_rank="county")) == {"张伟"}
    assert invited_names(make_survey(cast, audience_rank="section", audience_category="party_gov")) == {"卡萝", "李娜"}


def test_a_named_list_is_the_whole_audience(cast):
    survey = make_survey(cast, named=[cast.cadres_a[3]])
    assert invited_names(survey) == {"王强"}


def test_it_refuses_a_named_cadre_outside_the_scope(cast, actor):
    with pytest.raises(DomainError) as exc:
        make_survey(cast, named=[cast.cadres_b[0]])
    assert exc.value.field == "named_cadres"


def test_it_refuses_to_open_without_questions_or_audience(cast, actor):
    alice = actor(cast.alice)
    survey = make_survey(cast, opened=False)
    survey.questions.all().delete()
    with pytest.raises(DomainError, match="没有题目"):
        services.survey_open(actor=alice, survey=survey)
    empty = make_survey(cast, opened=False, audience_rank="provincial")
    with pytest.raises(DomainError, match="没有在职干部"):
        services.survey_open(actor=alice, survey=empty)
    assert not SurveyInvitation.objects.exists()


def test_questions_cannot_change_after_opening(cast, actor):
    alice = actor(cast.alice)
    survey = make_survey(cast)
    question = survey.questions.first()
    with pytest.raises(Conflict):
        services.question_add(actor=alice, survey=survey, kind=Question.Kind.TEXT, text="再加一题")
    with pytest.raises(Conflict):
        services.question_update(actor=alice, question=question, text="改题", options=["a", "b"])
    with pytest.raises(Conflict):
        services.question_remove(actor=alice, question=question)
    assert survey.questions.count() == 5


def test_it_moves_questions(cast, actor):
    alice = actor(cast.alice)
    survey = make_survey(cast, opened=False)
    last = survey.questions.last()
    services.question_move(actor=alice, question=last, up=True)
    assert [q.kind for q in survey.questions.all()] == ["single", "multiple", "rating", "topics", "text"]


def test_question_edits_of_a_draft_are_audited(cast, actor):
    from ganxun.audit.models import AuditEntry

    alice = actor(cast.alice)
    survey = make_survey(cast, opened=False)
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    question = services.question_add(actor=alice, survey=survey, kind="single", text="您的意向？", options=["甲", "乙"])
    services.question_update(actor=alice, question=question, text="您的培训意向？", options=["甲", "乙", "丙"])
    services.question_move(actor=alice, question=question, up=True)
    ids = list(survey.questions.order_by("order").values_list("pk", flat=True))
    services.question_reorder(actor=alice, survey=survey, question_ids=ids)  # the same order: nothing to record
    services.question_remove(actor=alice, question=question)
    entries = list(AuditEntry.objects.filter(target_id=str(survey.pk), action__startswith="survey.question",
                                             id__gt=before).order_by("id").values_list("action", flat=True))
    assert entries == ["survey.question_add", "survey.question_update", "survey.question_order",
                       "survey.question_remove"]
    update = AuditEntry.objects.get(action="survey.question_update")
    assert update.actor_username == "alice" and update.detail["options"] == ["甲", "乙", "丙"]


def test_reanswering_replaces_instead_of_duplicating(cast, actor):
    survey = make_survey(cast)
    carol = actor(cast.carol)
    services.survey_answer(actor=carol, survey=survey, answers=full_answers(survey, rating=2))
    services.survey_answer(actor=carol, survey=survey, answers=full_answers(survey, rating=5, option="网络"))
    assert SurveyResponse.objects.count() == 1
    assert Answer.objects.count() == 4  # the optional text was left empty
    rating = Answer.objects.get(question=questions(survey)["rating"])
    assert rating.rating == 5
    assert list(Answer.objects.get(question=questions(survey)["single"]).options.values_list("label", flat=True)) == ["网络"]


@pytest.mark.parametrize("change, kind", [
    ({"rating": 6}, "rating"),
    ({"rating": ""}, "rating"),
    ({"topics": ["03.01", "01.01", "02.01"]}, "topics"),
])
def test_it_refuses_bad_answers_and_saves_nothing(cast, actor, change, kind):
    survey = make_survey(cast)
    answers = full_answers(survey)
    qs = questions(survey)
    if "rating" in change:
        answers[qs["rating"].pk] = change["rating"]
    else:
        answers[qs["topics"].pk] = [topic(c).pk for c in change["topics"]]
    with pytest.raises(services.SurveyAnswerError) as exc:
        services.survey_answer(actor=actor(cast.carol), survey=survey, answers=answers)
    assert set(exc.value.errors) == {qs[kind].pk}
    assert not SurveyResponse.objects.exists() and not Answer.objects.exists()


def test_it_refuses_an_option_of_another_question(cast, actor):
    survey = make_survey(cast)
    qs = questions(survey)
    answers = full_answers(survey)
    answers[qs["single"].pk] = qs["multiple"].options.first().pk
    with pytest.raises(services.SurveyAnswerError) as exc:
        services.survey_answer(actor=actor(cast.carol), survey=survey, answers=answers)
    assert qs["single"].pk in exc.value.errors


def test_it_refuses_answers_after_closing_and_from_the_uninvited(cast, actor):
    survey = make_survey(cast)
    outsider = make_account("zhao", "cadre", cast.unit_b1)
    cadre_b = cast.cadres_b[0]
    cadre_b.person.account = outsider
    cadre_b.person.save()
    with pytest.raises(NotFound):
        services.survey_answer(actor=actor(outsider), survey=survey, answers=full_answers(survey))
    services.survey_close(actor=actor(cast.alice), survey=survey)
    with pytest.raises(Conflict):
        services.survey_answer(actor=actor(cast.carol), survey=survey, answers=full_answers(survey))
    assert not SurveyResponse.objects.exists()


def _answer_as(cast, survey, cadre, username, **kwargs):
    account = make_account(username, "cadre", cadre.unit)
    cadre.person.account = account
    cadre.person.save()
    services.survey_answer(actor=with_role(account), survey=survey, answers=full_answers(survey, **kwargs))


def test_results_count_options_ratings_and_rank_topics(cast, actor):
    survey = make_survey(cast)
    services.survey_answer(actor=actor(cast.carol), survey=survey,
                           answers=full_answers(survey, rating=5, topics=("03.01", "01.01"), text="多安排案例"))
    _answer_as(cast, survey, cast.cadres_a[1], "zhang", rating=3, option="网络", topics=("03.01",))
    _answer_as(cast, survey, cast.cadres_a[2], "li", rating=4, topics=("03.01", "02.01"))
    results = survey_results(actor(cast.alice), survey)
    assert (results.invited, results.answered) == (4, 3)
    by_kind = {r.question.kind: r for r in results.questions}
    assert by_kind["single"].options == [("脱产", 2), ("网络", 1)]
    assert by_kind["rating"].average == 4.0
    assert by_kind["rating"].ratings == [(1, 0), (2, 0), (3, 1), (4, 1), (5, 1)]
    assert by_kind["text"].texts == ["多安排案例"]
    ranking = [(r["code"], r["count"]) for r in results.topic_ranking]
    assert ranking == [("03.01", 3), ("01.01", 1), ("02.01", 1)]
    assert results.topic_ranking[0]["share"] == 1.0
    units = {u["unit__name"]: (u["invited"], u["answered"]) for u in results.units}
    assert units == {"东城区发展和改革局": (2, 2), "东城区价格监测中心": (1, 1), "东城区教育局": (1, 0)}


def test_a_liaison_sees_only_their_units_rates(cast, actor):
    survey = make_survey(cast)
    services.survey_answer(actor=actor(cast.carol), survey=survey, answers=full_answers(survey))
    bob = actor(cast.bob)
    results = survey_results(bob, survey)
    assert {u["unit__name"] for u in results.units} == {"东城区发展和改革局", "东城区价格监测中心"}
    assert (results.invited, results.answered) == (3, 1)
    [listed] = survey_list_for(bob)
    assert (listed.invited, listed.answered) == (3, 1)
    assert survey_list_for(actor(cast.charlie)) == []


def test_results_take_a_fixed_number_of_queries(cast, actor, django_assert_max_num_queries):
    survey = make_survey(cast)
    services.survey_answer(actor=actor(cast.carol), survey=survey, answers=full_answers(survey))
    _answer_as(cast, survey, cast.cadres_a[1], "zhang")
    alice = actor(cast.alice)
    # Aggregates, not a loop over answers: the count does not grow with respondents.
    with django_assert_max_num_queries(9):
        survey_results(alice, survey)


def test_it_refuses_answers_after_the_closing_date(cast, actor):
    survey = make_survey(cast)
    Survey.objects.filter(pk=survey.pk).update(closes_on=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(Conflict):
        services.survey_answer(actor=actor(cast.carol), survey=survey, answers=full_answers(survey))
    assert not SurveyResponse.objects.exists()
