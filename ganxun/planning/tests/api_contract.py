"""Recipes of the API contract test for the survey and plan operations
(see ganxun/api/tests/contract.py)."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from ganxun.access.roles import Role
from ganxun.api.tests.contract import Recipe
from ganxun.planning import plan_services, services
from ganxun.planning.tests.builders import full_answers, make_survey, questions, topic
from ganxun.planning.tests.plan_builders import answer_topics, item_data
from ganxun.testing import make_account, with_role


def recipes(cast) -> dict[tuple[str, str], Recipe]:
    alice, carol = cast.alice, cast.carol
    approver = make_account("cindy", Role.ORG_DEPT_ADMIN, cast.city, full_name="辛迪")
    years = itertools.count(2030)
    soon = str(timezone.localdate() + dt.timedelta(days=10))

    def draft() -> dict:
        return {"survey_id": make_survey(cast, opened=False).pk}

    def opened() -> dict:
        return {"survey_id": make_survey(cast).pk}

    def draft_question() -> dict:
        survey = make_survey(cast, opened=False)
        return {"survey_id": survey.pk, "question_id": questions(survey)["rating"].pk}

    def opened_question(_ids) -> tuple[dict, dict]:
        survey = make_survey(cast)
        return {"survey_id": survey.pk, "question_id": questions(survey)["rating"].pk}, {"text": "新题目"}

    def closed(_ids) -> tuple[dict, dict]:
        survey = make_survey(cast)
        services.survey_close(actor=with_role(cast.alice), survey=survey)
        return {"survey_id": survey.pk}, {"answers": {}}

    def answers(ids) -> dict:
        from ganxun.planning.models import Survey

        return {"answers": {str(k): v for k, v in full_answers(Survey.objects.get(pk=ids["survey_id"])).items()}}

    def plan(*, items: int = 1, state: str = "draft") -> dict:
        actor = with_role(cast.alice)
        made = plan_services.plan_create(actor=actor, year=next(years))
        item = None
        for _ in range(items):
            item = plan_services.plan_item_add(actor=actor, plan=made, **item_data(cast))
        if state in ("submitted", "approved"):
            plan_services.plan_submit(actor=actor, plan=made)
        if state == "approved":
            plan_services.plan_approve(actor=with_role(approver), plan=made)
        return {"plan_id": made.pk, "item_id": item.pk if item else None}

    def demand_survey() -> dict:
        survey = make_survey(cast)
        answer_topics(survey, [[topic("03.01")], [topic("03.01"), topic("01.01")]])
        return {"survey": survey.pk}

    def foreign_survey(_ids) -> dict:
        survey = services.survey_create(actor=with_role(cast.charlie), title="西山县调研",
                                        closes_on=timezone.localdate() + dt.timedelta(days=5),
                                        audience_root=cast.county_b)
        return {"survey_id": survey.pk, "year": 2050}

    new_item = {"title": "应急管理专题班", "training_type": "in_service", "month": 6, "days": 2, "capacity": 40,
                "institution_id": cast.party_school.pk}
    new_survey = {"title": "2028年度培训需求调研", "closes_on": soon, "audience_root_id": cast.county_a.pk}
    plan_year = next(years)
    generate_year = next(years)

    return {
        # needs surveys (back office)
        ("get", "/surveys"): Recipe(alice, outsider=200),
        ("get", "/surveys/{survey_id}"): Recipe(alice, ids=opened),
        ("post", "/surveys"): Recipe(alice, new_survey, {**new_survey, "audience_root_id": cast.county_b.pk}),
        ("patch", "/surveys/{survey_id}"): Recipe(
            alice, {"title": "改过的标题"}, {"audience_root_id": cast.county_b.pk}, ids=draft,
            conflict=lambda ids: (opened(), {"title": "改过的标题"})),
        ("post", "/surveys/{survey_id}/open"): Recipe(alice, ids=draft, conflict=lambda ids: (ids, None)),
        ("post", "/surveys/{survey_id}/close"): Recipe(alice, ids=opened, conflict=lambda ids: (ids, None)),
        ("get", "/surveys/{survey_id}/audience"): Recipe(alice, ids=draft),
        ("get", "/surveys/{survey_id}/results"): Recipe(alice, ids=opened),
        ("post", "/surveys/{survey_id}/questions"): Recipe(
            alice, {"kind": "rating", "text": "对授课的满意度"}, ids=draft,
            conflict=lambda ids: (opened(), {"kind": "rating", "text": "对授课的满意度"})),
        ("patch", "/surveys/{survey_id}/questions/{question_id}"): Recipe(
            alice, {"text": "新题目"}, ids=draft_question, conflict=opened_question),
        ("delete", "/surveys/{survey_id}/questions/{question_id}"): Recipe(
            alice, ids=draft_question, conflict=lambda ids: (opened_question(ids)[0], None)),
        ("put", "/surveys/{survey_id}/question-order"): Recipe(
            alice, lambda ids: {"question_ids": _question_ids(ids["survey_id"])[::-1]}, ids=draft,
            conflict=lambda ids: ((o := opened()), {"question_ids": _question_ids(o["survey_id"])})),
        # needs surveys (the cadre)
        ("get", "/me/surveys"): Recipe(carol, outsider=403),
        ("get", "/me/surveys/{survey_id}"): Recipe(carol, ids=opened, outsider=403),
        ("put", "/me/surveys/{survey_id}/answers"): Recipe(carol, answers, ids=opened, outsider=403, conflict=closed),
        # annual plans
        ("get", "/plans"): Recipe(alice, outsider=200),
        ("get", "/plans/{plan_id}"): Recipe(alice, ids=plan),
        ("post", "/plans"): Recipe(alice, {"year": plan_year}, outsider=201,
                                   conflict=lambda ids: (ids, {"year": plan_year})),
        ("post", "/plans/generate"): Recipe(
            alice, lambda ids: {"survey_id": ids["survey"], "year": generate_year, "top_n": 2}, foreign_survey,
            ids=demand_survey,
            conflict=lambda ids: (ids, {"survey_id": ids["survey"], "year": generate_year, "top_n": 2})),
        ("post", "/plans/{plan_id}/items"): Recipe(
            alice, new_item, ids=lambda: plan(items=0), conflict=lambda ids: (plan(state="submitted"), new_item)),
        ("patch", "/plans/{plan_id}/items/{item_id}"): Recipe(
            alice, {"capacity": 45}, ids=plan, conflict=lambda ids: (plan(state="submitted"), {"capacity": 45})),
        ("post", "/plans/{plan_id}/items/{item_id}/withdraw"): Recipe(
            alice, ids=plan, conflict=lambda ids: (plan(state="submitted"), None)),
        ("post", "/plans/{plan_id}/submit"): Recipe(alice, ids=plan, conflict=lambda ids: (ids, None)),
        ("post", "/plans/{plan_id}/approve"): Recipe(
            approver, {"comment": "同意"}, ids=lambda: plan(state="submitted"), conflict=lambda ids: (ids, {})),
        ("post", "/plans/{plan_id}/return"): Recipe(
            approver, {"comment": "请补充预算"}, ids=lambda: plan(state="submitted"),
            conflict=lambda ids: (ids, {"comment": "再次退回"})),
        ("post", "/plans/{plan_id}/adjustments"): Recipe(
            alice, {"kind": "add", "reason": "上级新部署", **new_item}, ids=lambda: plan(state="approved"),
            conflict=lambda ids: (plan(), {"kind": "add", "reason": "上级新部署", **new_item})),
        ("get", "/plans/{plan_id}/history"): Recipe(alice, ids=lambda: plan(state="approved")),
    }


def _question_ids(survey_id: int) -> list[int]:
    from ganxun.planning.models import Question

    return list(Question.objects.filter(survey_id=survey_id).order_by("order", "id").values_list("pk", flat=True))
