"""The demo's training-process slice: a closed survey, an approved and adjusted plan, a year of classes."""

from __future__ import annotations

import pytest
from django.db.models import Count

from ganxun.audit.models import AuditEntry
from ganxun.classes.models import ClassStatus, Room, Session, SessionKind, TrainingClass
from ganxun.demo.generator import generate
from ganxun.demo.scales import DEMO_TODAY
from ganxun.planning.models import AnnualPlan, PlanAdjustment, Survey, SurveyInvitation, SurveyResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiny():
    return generate(scale="tiny", seed=2026)


def test_the_needs_survey_of_the_first_county_is_closed_with_a_plausible_response_rate(tiny):
    survey = Survey.objects.get()
    assert survey.status == Survey.Status.CLOSED and survey.audience_root.name == "东城区"
    assert survey.created_by.username == "county_admin" and survey.closes_on < DEMO_TODAY
    assert sorted(survey.questions.values_list("kind", flat=True)) == [
        "multiple", "rating", "single", "text", "topics"]
    invited = SurveyInvitation.objects.filter(survey=survey).count()
    answered = SurveyResponse.objects.filter(invitation__survey=survey).count()
    assert invited > 20 and 0.5 <= answered / invited <= 0.8
    # The cadre persona answered through the service (audited as the cadre); topic picks stay within 3.
    assert SurveyResponse.objects.filter(invitation__cadre__person__account__username="cadre").exists()
    assert AuditEntry.objects.filter(action="survey.answer", actor_username="cadre").count() == 1
    topics_per_answer = survey.questions.get(kind="topics").answers.annotate(n=Count("topics"))
    assert {a.n for a in topics_per_answer} <= {1, 2, 3} and topics_per_answer.count() == answered


def test_the_plan_comes_from_the_survey_approved_by_a_second_admin_and_adjusted_once(tiny):
    plan = AnnualPlan.objects.get()
    assert plan.year == 2026 and plan.region.name == "东城区" and plan.source_survey.status == Survey.Status.CLOSED
    assert plan.status == AnnualPlan.Status.APPROVED and plan.version >= 2
    assert plan.submitted_by.username == "county_admin" and plan.decided_by.username == "orgadmin"
    assert plan.items.filter(is_active=True).count() >= 5
    assert not plan.items.filter(institution__isnull=True).exists()
    adjustment = PlanAdjustment.objects.get(plan=plan)
    assert adjustment.kind == PlanAdjustment.Kind.ADD and adjustment.version == plan.version
    assert adjustment.item.institution.name == "中共临江市委党校"


def test_the_party_school_holds_classes_in_several_statuses_each_with_a_timetable(tiny):
    classes = TrainingClass.objects.filter(institution__name="中共临江市委党校")
    assert 10 <= classes.count() <= 14 and Room.objects.count() >= 3
    statuses = set(classes.values_list("status", flat=True))
    assert {ClassStatus.ARCHIVED, ClassStatus.RUNNING, ClassStatus.ENROLLING, ClassStatus.DRAFT} <= statuses
    running = classes.get(status=ClassStatus.RUNNING)
    assert running.start_date <= DEMO_TODAY <= running.end_date
    assert not classes.filter(head_teacher__isnull=True).exists()
    assert classes.filter(plan_item_id__isnull=False).count() >= 5
    for training_class in classes:
        days = (training_class.end_date - training_class.start_date).days + 1
        assert 2 <= days <= 5 and training_class.sessions.count() == 2 * days
    kinds = set(Session.objects.values_list("kind", flat=True))
    assert {SessionKind.LECTURE, SessionKind.DISCUSSION, SessionKind.ON_SITE, SessionKind.EXAM} <= kinds
    assert not Session.objects.filter(kind=SessionKind.ON_SITE, base__isnull=True).exists()


def test_the_teacher_persona_teaches_and_nobody_is_double_booked(tiny):
    assert Session.objects.filter(teacher__person__account__username="teacher").values(
        "training_class").distinct().count() >= 1
    for field in ("teacher", "room"):
        clashes = (Session.objects.filter(**{f"{field}__isnull": False}).values(field, "date", "slot")
                   .annotate(n=Count("id")).filter(n__gt=1))
        assert not clashes.exists(), f"{field} double-booked: {list(clashes)}"


def test_the_process_pages_show_the_demo_data_to_the_personas(tiny, client):
    from django.urls import reverse

    from ganxun.access.models import Account

    survey, plan = Survey.objects.get(), AnnualPlan.objects.get()
    client.force_login(Account.objects.get(username="county_admin"))
    page = client.get(reverse("planning:results", args=[survey.pk]))
    assert page.status_code == 200 and "东城区" in page.content.decode()
    assert "临时增加" in client.get(reverse("planning:plan_history", args=[plan.pk])).content.decode()
    client.force_login(Account.objects.get(username="school_admin"))
    assert "临江市基层党组织书记示范培训班" in client.get(reverse("classes:list")).content.decode()
    teaching = TrainingClass.objects.filter(sessions__teacher__person__account__username="teacher").first()
    client.force_login(Account.objects.get(username="teacher"))
    assert teaching.title in client.get(reverse("classes:list")).content.decode()
