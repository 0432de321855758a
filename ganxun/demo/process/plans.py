"""Annual plans (年度培训计划) of the plan years: 东城区's from its survey, and the city's.

东城区: `plan_generate_from_survey` (top topics of the November survey), each item given its
targets and budget, submitted by `county_admin`, approved by `orgadmin` (the city: four
eyes), then adjusted once — 临时增加 the class that is enrolling now (D) in the current plan
year, else 调整 the capacity of an item. The city: `orgadmin` enters one item per class of the
city's schedule for that year, submits, and the head of the organisation department
(`orgdept_head`, staff.py) approves. Everything goes through the planning services; only
the submission and approval times are moved back to December of the year before.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ganxun.access.roles import Role
from ganxun.demo.process.schedule import ClassSpec, dongcheng_spec
from ganxun.demo.process.staff import ORG_HEAD
from ganxun.demo.process.survey import needs_survey
from ganxun.demo.process.world import World, at, rng_for, weekday_on_or_after
from ganxun.planning import plan_services
from ganxun.planning.models import AnnualPlan, PlanAdjustment
from ganxun.topics.models import Topic

# Who a 东城区 class on a topic is for (targets of the generated items).
TOPIC_TARGETS = {
    "03.09": (["county", "section"], []),
    "03.04": (["section", "general"], ["grassroots", "party_gov"]),
    "03.06": ([], ["grassroots"]),
    "03.08": (["section", "general"], []),
    "04.02": (["section", "general"], []),
}
COST_PER_DAY = 350  # yuan per trainee and day: tuition, meals and rooms


def _backdate(plan: AnnualPlan, year: int) -> None:
    AnnualPlan.objects.filter(pk=plan.pk).update(submitted_at=at(dt.date(year - 1, 12, 10), dt.time(16, 0)),
                                                 decided_at=at(dt.date(year - 1, 12, 20), dt.time(10, 30)))


def dongcheng_plan(world: World, year: int) -> tuple[AnnualPlan, list[ClassSpec]]:
    """The 东城区 plan of `year` and the classes that follow its items."""
    actor = world.actor("county_admin", Role.ORG_DEPT_ADMIN)
    survey = needs_survey(world, year)
    plan = plan_services.plan_generate_from_survey(actor=actor, survey=survey, year=year, top_n=world.plan_topics)
    for item in plan.items.prefetch_related("topics").order_by("month", "pk"):
        topics = list(item.topics.all())
        ranks, categories = TOPIC_TARGETS.get(topics[0].code if topics else "", ([], []))
        plan_services.plan_item_update(
            actor=actor, item=item, title=item.title, topics=topics, training_type=item.training_type,
            target_ranks=ranks, target_categories=categories, institution=item.institution, month=item.month,
            days=item.days, credit_hours=item.credit_hours, capacity=item.capacity,
            budget=Decimal(item.capacity * item.days * COST_PER_DAY), note=f"{item.note}；区委党校承办")
    plan_services.plan_submit(actor=actor, plan=plan)
    plan_services.plan_approve(actor=world.actor("orgadmin", Role.ORG_DEPT_ADMIN), plan=plan,
                               comment="同意。请按计划组织实施，注意控制培训经费。")
    _backdate(plan, year)
    specs = [dongcheng_spec(world, item) for item in plan.items.filter(is_active=True)
             .prefetch_related("topics").select_related("plan").order_by("month", "pk")]
    upcoming = weekday_on_or_after(world.today + dt.timedelta(days=16))
    if upcoming.year == year:
        adjustment = plan_services.plan_adjust(
            actor=actor, plan=plan, reason_kind=PlanAdjustment.Kind.ADD,
            reason="根据区委工作安排，临时增加一期科级干部履职能力提升培训。",
            title="科级干部履职能力提升培训班", topics=list(Topic.objects.filter(code__in=("03.04", "03.09"))),
            training_type="in_service", target_ranks=["section"], target_categories=[],
            institution=world.county_schools[world.county.pk], month=upcoming.month, days=3,
            capacity=50, budget=Decimal(50 * 3 * COST_PER_DAY), note="区委临时增加；区委党校承办")
        specs.append(dongcheng_spec(world, adjustment.item, anchor="D", start=upcoming))
    else:
        item = plan.items.filter(is_active=True).order_by("-capacity", "pk").first()
        plan_services.plan_adjust(
            actor=actor, plan=plan, reason_kind=PlanAdjustment.Kind.CHANGE, item=item,
            reason="报名需求较大，经区委组织部部务会研究，适当扩大培训规模。",
            title=item.title, topics=list(item.topics.all()), training_type=item.training_type,
            target_ranks=item.target_ranks, target_categories=item.target_categories, institution=item.institution,
            month=item.month, days=item.days, credit_hours=item.credit_hours, capacity=item.capacity + 10,
            budget=Decimal((item.capacity + 10) * item.days * COST_PER_DAY), note=item.note)
    world.add("plans")
    world.add("plan_items", plan.items.count())
    return plan, specs


def city_plan(world: World, year: int, specs: list[ClassSpec]) -> AnnualPlan:
    """The city's plan of `year`: one item per class of its schedule, approved by the head of
    the organisation department. Sets each spec's plan_item_id."""
    actor = world.actor("orgadmin", Role.ORG_DEPT_ADMIN)
    plan = plan_services.plan_create(actor=actor, year=year)
    topics = {t.code: t for t in Topic.objects.all()}
    rng = rng_for(world.seed, "city-plan", year)
    for spec in sorted(specs, key=lambda s: (s.start, s.key)):
        template = spec.template
        days = len(spec.days)
        item = plan_services.plan_item_add(
            actor=actor, plan=plan, title=spec.title, topics=[topics[c] for c in template.topics],
            training_type=template.kind, target_ranks=list(template.ranks),
            target_categories=list(template.categories), institution=spec.institution, month=spec.start.month,
            days=days, credit_hours="", capacity=_capacity(spec.size),
            budget=Decimal(spec.size * days * COST_PER_DAY * (2 if template.mode == "online" else 10) // 10),
            note=rng.choice(["", "", "市委组织部主办", "与市直机关工委联合举办"]))
        spec.plan_item_id = item.pk
    plan_services.plan_submit(actor=actor, plan=plan)
    head = world.actor(ORG_HEAD, Role.ORG_DEPT_ADMIN)
    if head.active_role is not None:
        plan_services.plan_approve(actor=head, plan=plan, comment="同意。请抓好组织实施，确保培训质量。")
        _backdate(plan, year)
    world.add("plans")
    world.add("plan_items", len(specs))
    return plan


def _capacity(size: int) -> int:
    """A class's planned capacity: its roster rounded up to tens."""
    return -(-size // 10) * 10
