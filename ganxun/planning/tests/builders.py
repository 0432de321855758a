"""Builders for survey tests: a survey with one question of each kind."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ganxun.planning import services
from ganxun.planning.models import Question, Survey
from ganxun.testing import with_role
from ganxun.topics.models import Topic


def make_survey(cast, *, root=None, opened: bool = True, named=(), **audience) -> Survey:
    """alice's survey for county A (or `root`): single, multiple, rating, text, topics (max 2)."""
    alice = with_role(cast.alice)
    survey = services.survey_create(
        actor=alice, title="2027年度培训需求调研", closes_on=timezone.localdate() + dt.timedelta(days=14),
        audience_root=root or cast.county_a, named_cadres=named, **audience)
    services.question_add(actor=alice, survey=survey, kind=Question.Kind.SINGLE, text="您希望的培训方式",
                          options=["脱产", "网络"])
    services.question_add(actor=alice, survey=survey, kind=Question.Kind.MULTIPLE, text="可参训时间",
                          options=["春季", "夏季", "秋季"], required=False)
    services.question_add(actor=alice, survey=survey, kind=Question.Kind.RATING, text="对去年培训的满意度")
    services.question_add(actor=alice, survey=survey, kind=Question.Kind.TEXT, text="其他建议", required=False)
    services.question_add(actor=alice, survey=survey, kind=Question.Kind.TOPICS, text="最需要的培训内容",
                          max_choices=2)
    if opened:
        services.survey_open(actor=alice, survey=survey)
    return survey


def questions(survey: Survey) -> dict[str, Question]:
    return {q.kind: q for q in survey.questions.all()}


def topic(code: str) -> Topic:
    return Topic.objects.get(code=code)


def full_answers(survey: Survey, *, option: str = "脱产", rating: int = 4, topics=("03.01", "01.01"),
                 text: str = "") -> dict:
    qs = questions(survey)
    return {
        qs["single"].pk: qs["single"].options.get(label=option).pk,
        qs["multiple"].pk: [qs["multiple"].options.get(label="春季").pk],
        qs["rating"].pk: rating,
        qs["text"].pk: text,
        qs["topics"].pk: [topic(code).pk for code in topics],
    }
