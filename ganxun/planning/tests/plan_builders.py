"""Builders for annual plan tests: a county-A institution, a plan with one item, a second approver."""

from __future__ import annotations

from django.utils import timezone

from ganxun.access.roles import Role
from ganxun.planning import plan_services
from ganxun.planning.models import AnnualPlan, Answer, SurveyInvitation, SurveyResponse
from ganxun.planning.tests.builders import questions
from ganxun.testing import Kind, make_account, make_org, with_role
from ganxun.topics.choices import TrainingType


def county_school(cast):
    return make_org("中共东城区委党校", Kind.INSTITUTION, cast.county_a)


def item_data(cast, **overrides) -> dict:
    data = {"title": "乡村振兴专题培训班", "topics": [], "training_type": TrainingType.IN_SERVICE,
            "target_ranks": ["section"], "target_categories": ["party_gov"], "institution": cast.party_school,
            "month": 5, "days": 3, "credit_hours": None, "capacity": 50, "budget": "30000", "note": ""}
    data.update(overrides)
    return data


def make_plan(cast, *, items: int = 1, year: int = 2027) -> AnnualPlan:
    alice = with_role(cast.alice)
    plan = plan_services.plan_create(actor=alice, year=year)
    for index in range(items):
        plan_services.plan_item_add(actor=alice, plan=plan, **item_data(cast, title=f"班次{index + 1}",
                                                                           month=index + 1))
    return plan


def city_admin(cast):
    """A second org-department admin above county A: the four-eyes approver."""
    return with_role(make_account("cindy", Role.ORG_DEPT_ADMIN, cast.city, full_name="辛迪"))


def approved_plan(cast) -> AnnualPlan:
    plan = make_plan(cast)
    plan_services.plan_submit(actor=with_role(cast.alice), plan=plan)
    plan_services.plan_approve(actor=city_admin(cast), plan=plan)
    return plan


def answer_topics(survey, choices: list[list]) -> None:
    """Record topic answers for the first len(choices) invitations, directly (the cadres have no accounts)."""
    question = questions(survey)["topics"]
    now = timezone.now()
    for invitation, topics in zip(SurveyInvitation.objects.filter(survey=survey).order_by("id"), choices):
        response = SurveyResponse.objects.create(invitation=invitation, submitted_at=now, updated_at=now)
        Answer.objects.create(response=response, question=question).topics.set(topics)
