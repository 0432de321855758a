import datetime as dt
from decimal import Decimal

import pytest

from ganxun.access.roles import Role
from ganxun.audit.models import AuditEntry
from ganxun.core.errors import Conflict, DomainError, Forbidden
from ganxun.planning import plan_services
from ganxun.planning.models import AnnualPlan, PlanAdjustment, PlanItem
from ganxun.planning.plan_selectors import plan_items, plan_list_for, plan_totals
from ganxun.planning.plan_services import PlanItemError
from ganxun.planning.tests.builders import make_survey, topic
from ganxun.planning.tests.plan_builders import (
    answer_topics,
    approved_plan,
    city_admin,
    county_school,
    item_data,
    make_plan,
)
from ganxun.testing import make_account, with_role
from ganxun.topics.choices import TrainingType
from ganxun.topics.models import Topic


def test_it_creates_a_plan_with_items_and_default_hours(cast, actor):
    plan = make_plan(cast, items=2)
    assert plan.region == cast.county_a and plan.status == AnnualPlan.Status.DRAFT and plan.version == 0
    item = plan.items.get(title="班次1")
    assert item.credit_hours == Decimal(18)  # 3 days × 6 h
    assert item.target_ranks == ["section"] and item.institution == cast.party_school
    given = plan_services.plan_item_add(actor=actor(cast.alice), plan=plan,
                                        **item_data(cast, credit_hours="20", topics=[topic("03.01")]))
    assert given.credit_hours == Decimal(20) and list(given.topics.all()) == [topic("03.01")]
    assert AuditEntry.objects.filter(action="plan.item_add").count() == 3


def test_it_refuses_a_second_plan_for_the_same_year(cast, actor):
    make_plan(cast, items=0)
    with pytest.raises(Conflict) as exc:
        plan_services.plan_create(actor=actor(cast.alice), year=2027)
    assert exc.value.field == "year"


def test_it_reports_every_bad_field_and_saves_nothing(cast, actor):
    plan = make_plan(cast, items=0)
    with pytest.raises(PlanItemError) as exc:
        plan_services.plan_item_add(actor=actor(cast.alice), plan=plan, **item_data(
            cast, month=13, days=0, target_ranks=["emperor"], institution=cast.unit_a1))
    assert set(exc.value.errors) == {"month", "days", "target_ranks", "institution"}
    assert "emperor" in exc.value.errors["target_ranks"]
    assert not PlanItem.objects.exists()


def test_it_refuses_an_institution_of_another_region(cast, actor):
    from ganxun.testing import Kind, make_org
    school_b = make_org("中共西山县委党校", Kind.INSTITUTION, cast.county_b)
    plan = make_plan(cast, items=0)
    with pytest.raises(PlanItemError) as exc:
        plan_services.plan_item_add(actor=actor(cast.alice), plan=plan, **item_data(cast, institution=school_b))
    assert "institution" in exc.value.errors
    # A school inside the county and the city school above it are both allowed.
    plan_services.plan_item_add(actor=actor(cast.alice), plan=plan, **item_data(cast, institution=county_school(cast)))


def test_it_refuses_to_submit_without_items_or_institution(cast, actor):
    alice = actor(cast.alice)
    plan = make_plan(cast, items=0)
    with pytest.raises(DomainError) as exc:
        plan_services.plan_submit(actor=alice, plan=plan)
    assert exc.value.code == "no_items"
    plan_services.plan_item_add(actor=alice, plan=plan, **item_data(cast, institution=None))
    with pytest.raises(DomainError) as exc:
        plan_services.plan_submit(actor=alice, plan=plan)
    assert exc.value.code == "no_institution"
    plan.refresh_from_db()
    assert plan.status == AnnualPlan.Status.DRAFT


def test_the_submitter_cannot_approve_but_another_admin_can(cast, actor):
    alice = actor(cast.alice)
    plan = make_plan(cast)
    plan_services.plan_submit(actor=alice, plan=plan)
    with pytest.raises(Forbidden) as exc:
        plan_services.plan_approve(actor=alice, plan=plan)
    assert exc.value.code == "four_eyes"
    with pytest.raises(DomainError):  # charlie's county B does not hold county A
        plan_services.plan_approve(actor=actor(cast.charlie), plan=plan)
    second = with_role(make_account("alex", Role.ORG_DEPT_ADMIN, cast.county_a))
    plan_services.plan_approve(actor=second, plan=plan, comment="同意")
    plan.refresh_from_db()
    assert plan.status == AnnualPlan.Status.APPROVED and plan.version == 1 and plan.decided_by == second


def test_a_return_needs_a_comment_and_reopens_editing(cast, actor):
    alice, cindy = actor(cast.alice), city_admin(cast)
    plan = make_plan(cast)
    plan_services.plan_submit(actor=alice, plan=plan)
    with pytest.raises(Conflict):
        plan_services.plan_item_add(actor=alice, plan=plan, **item_data(cast))
    with pytest.raises(DomainError) as exc:
        plan_services.plan_return(actor=cindy, plan=plan, comment="  ")
    assert exc.value.field == "comment"
    plan_services.plan_return(actor=cindy, plan=plan, comment="预算偏高")
    plan.refresh_from_db()
    assert plan.status == AnnualPlan.Status.RETURNED and plan.decision_comment == "预算偏高"
    item = plan.items.get()
    plan_services.plan_item_update(actor=alice, item=item, **item_data(cast, budget="20000"))
    item.refresh_from_db()
    assert item.budget == Decimal(20000)
    plan_services.plan_submit(actor=alice, plan=plan)


def test_after_approval_changes_go_through_recorded_adjustments(cast, actor):
    alice = actor(cast.alice)
    plan = approved_plan(cast)
    item = plan.items.get()
    with pytest.raises(Conflict):
        plan_services.plan_item_update(actor=alice, item=item, **item_data(cast, month=9))
    with pytest.raises(DomainError) as exc:
        plan_services.plan_adjust(actor=alice, plan=plan, reason_kind="change", reason="", item=item,
                                  **item_data(cast, month=9))
    assert exc.value.field == "reason"
    change = plan_services.plan_adjust(actor=alice, plan=plan, reason_kind="change", reason="与党代会时间冲突",
                                       item=item, **item_data(cast, title="班次1", month=9))
    assert change.version == 2 and change.before["month"] == 1 and change.after["month"] == 9
    added = plan_services.plan_adjust(actor=alice, plan=plan, reason_kind="add", reason="上级临时部署",
                                      **item_data(cast, title="安全生产专题班", month=11))
    assert added.kind == PlanAdjustment.Kind.ADD and added.before is None and added.after["title"] == "安全生产专题班"
    cancel = plan_services.plan_adjust(actor=alice, plan=plan, reason_kind="cancel", reason="经费压减", item=item)
    plan.refresh_from_db()
    item.refresh_from_db()
    assert plan.version == 4 and not item.is_active and cancel.after["is_active"] is False
    assert list(plan.adjustments.values_list("version", flat=True)) == [2, 3, 4]
    assert PlanItem.objects.filter(plan=plan).count() == 2  # withdrawn, never deleted
    totals = plan_totals(plan_items(plan))
    assert totals.items == 1 and totals.capacity == 50 and totals.budget == Decimal(30000)


def test_it_generates_a_draft_in_demand_order(cast, actor):
    alice = actor(cast.alice)
    survey = make_survey(cast)
    answer_topics(survey, [[topic("03.01"), topic("01.01")], [topic("03.01")], [topic("03.01"), topic("04.01")]])
    plan = plan_services.plan_generate_from_survey(actor=alice, survey=survey, year=2027, underserved_n=0)
    items = list(plan.items.order_by("id"))
    assert [i.topics.get().code for i in items] == ["03.01", "01.01", "04.01"]  # 3 votes, then 1 each by code
    assert items[0].title == "推动高质量发展专题培训班" and items[0].training_type == TrainingType.IN_SERVICE
    assert items[1].training_type == TrainingType.THEORY
    assert [i.month for i in items] == [1, 5, 9]
    assert all(i.capacity == 40 and i.days == 3 and i.credit_hours == 18 for i in items)
    assert items[0].institution is None  # county A has no institution of its own
    assert plan.source_survey == survey and plan.status == AnnualPlan.Status.DRAFT


def test_generation_uses_the_county_school_and_the_top_n(cast, actor):
    school = county_school(cast)
    survey = make_survey(cast)
    answer_topics(survey, [[topic("03.01"), topic("01.01")], [topic("03.01")]])
    plan = plan_services.plan_generate_from_survey(actor=actor(cast.alice), survey=survey, year=2028, top_n=1,
                                                   underserved_n=0)
    assert [(i.title, i.institution) for i in plan.items.all()] == [("推动高质量发展专题培训班", school)]


def test_generation_refuses_another_regions_survey_or_one_without_answers(cast, actor):
    survey = make_survey(cast)
    with pytest.raises(DomainError) as exc:
        plan_services.plan_generate_from_survey(actor=actor(cast.alice), survey=survey, year=2027)
    assert exc.value.field == "survey"
    with pytest.raises(DomainError):
        plan_services.plan_generate_from_survey(actor=actor(cast.charlie), survey=survey, year=2027)
    assert not AnnualPlan.objects.exists()


def test_the_list_is_scoped_and_institutions_see_their_plans(cast, actor):
    make_plan(cast, items=2)
    rows = plan_list_for(actor(cast.alice))
    assert len(rows) == 1 and rows[0].item_count == 2 and rows[0].total_hours == Decimal(36)
    assert plan_list_for(actor(cast.charlie)) == []
    assert len(plan_list_for(actor(cast.ivan))) == 1  # the city party school hosts its classes
    assert len(plan_list_for(actor(cast.leo))) == 1


def test_generation_adds_the_topics_the_region_studied_least(cast, actor):
    """Under-served topics: hours per serving cadre of county A in the three years before the plan,
    from the credit ledger (split equally among an entry's topics, counted at the second level);
    the survey's topics are left out, ties go by code."""
    from ganxun.credits.services import Posting, credit_post_many

    survey = make_survey(cast)
    answer_topics(survey, [[topic("03.01")]])
    studied = [c.pk for c in Topic.objects.filter(parent__isnull=False, parent__parent__isnull=True)
               .exclude(code__in=("03.01", "01.02", "02.03")).order_by("code")]
    cadre = cast.carol_cadre
    postings = [Posting(cadre_id=cadre.pk, hours=Decimal("6"), earned_on=dt.date(2025, 5, 1), mode="offline",
                        source_ref=f"t{pk}", topic_ids=(pk,)) for pk in studied]
    # 02.03 was studied, but before the three years counted; a first-level tag names no content.
    postings += [Posting(cadre_id=cadre.pk, hours=Decimal("6"), earned_on=dt.date(2023, 12, 31), mode="offline",
                         source_ref="old", topic_ids=(topic("02.03").pk,)),
                 Posting(cadre_id=cadre.pk, hours=Decimal("6"), earned_on=dt.date(2025, 6, 1), mode="offline",
                         source_ref="root", topic_ids=(Topic.objects.get(code="01").pk,))]
    credit_post_many(actor=actor(cast.hannah), postings=postings)
    plan = plan_services.plan_generate_from_survey(actor=actor(cast.alice), survey=survey, year=2027, top_n=1,
                                                   underserved_n=2)
    items = list(plan.items.order_by("id"))
    assert [i.topics.get().code for i in items] == ["03.01", "01.02", "02.03"]
    assert [i.month for i in items] == [1, 5, 9]
    assert items[1].note == "薄弱内容：2024–2026年本区域在职干部人均 0 学时，为各类内容中最少之一"
    assert items[0].note.startswith("依据调研")
