"""Rectification items: opened automatically (idempotent), by hand (idempotent by token), lifecycle."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.evaluation.jobs import run_daily
from ganxun.evaluation.models import (
    EvaluationSettings,
    FollowUp,
    RectificationCause,
    RectificationItem,
    RectificationStatus,
)
from ganxun.evaluation.rectifications import (
    rectification_check_class,
    rectification_check_due,
    rectification_create,
    rectification_update,
)
from ganxun.evaluation.services import followups_materialise
from ganxun.evaluation.tests.factories import attend, past_class, rate_class, rate_sessions
from ganxun.testing import make_session

pytestmark = pytest.mark.django_db
S = RectificationStatus


def _low_class(cast, **kwargs):
    """tom's session: teaching 3.00 (low), content 4.00; the class's logistics 3.33 (low)."""
    scenario = past_class(cast, attendees=4, **kwargs)
    rate_sessions(scenario.sessions[0], scenario.enrollments[:3], [(4, 3), (4, 3), (4, 3)])
    rate_sessions(scenario.sessions[1], scenario.enrollments[:2], [(1, 1), (1, 1)])   # 2 responses: no item
    rate_class(scenario.training_class, scenario.enrollments[:3], [(4, 4, 3), (4, 4, 4), (4, 4, 3)])
    return scenario


def test_the_check_opens_one_item_per_low_figure_and_is_idempotent(cast, actor):
    scenario = _low_class(cast)
    created = rectification_check_class(actor=actor(cast.ivan), training_class=scenario.training_class)
    assert sorted(i.cause for i in created) == [RectificationCause.CLASS_LOGISTICS, RectificationCause.SESSION_TEACHING]
    teaching = RectificationItem.objects.get(cause=RectificationCause.SESSION_TEACHING)
    assert teaching.session == scenario.sessions[0] and teaching.teacher == cast.tom_teacher
    assert teaching.figures == {"dimension": "teaching", "mean": "3.00", "responses": 3, "attendees": 4,
                                "threshold": "3.50"}
    assert teaching.owner_org == cast.party_school and teaching.owner == cast.ivan
    assert teaching.due_on == timezone.localdate() + dt.timedelta(days=30)
    assert teaching.notes.count() == 1 and teaching.status == S.OPEN
    assert rectification_check_class(actor=actor(cast.ivan), training_class=scenario.training_class) == []
    assert rectification_check_class(actor=None, training_class=scenario.training_class) == []
    assert RectificationItem.objects.count() == 2


def test_a_closed_item_is_not_reopened_by_the_next_check(cast, actor):
    scenario = _low_class(cast)
    rectification_check_class(actor=None, training_class=scenario.training_class)
    item = RectificationItem.objects.get(cause=RectificationCause.CLASS_LOGISTICS)
    rectification_update(actor=actor(cast.ivan), item=item, status=S.CLOSED, note="食堂已更换承包商")
    assert rectification_check_class(actor=None, training_class=scenario.training_class) == []
    assert RectificationItem.objects.filter(cause=RectificationCause.CLASS_LOGISTICS).count() == 1


def test_the_threshold_is_configurable(cast):
    scenario = _low_class(cast)
    EvaluationSettings.objects.create(training_class=scenario.training_class, threshold=Decimal("3.0"))
    scenario.training_class.refresh_from_db()
    assert rectification_check_class(actor=None, training_class=scenario.training_class) == []


def test_a_teacher_with_several_low_sessions_in_a_class_gets_an_item(cast):
    scenario = past_class(cast, attendees=3)
    second = make_session(scenario.training_class, slot="evening", title="党史专题（二）", teacher=cast.tom_teacher)
    for enrollment in scenario.enrollments:
        attend(second, enrollment)
    rate_sessions(scenario.sessions[0], scenario.enrollments, [(4, 4), (4, 3), (4, 3)])   # 3.33
    rate_sessions(second, scenario.enrollments, [(4, 4), (4, 4), (4, 3)])                   # 3.67
    # tom over both sessions: (4+3+3+4+4+3) / 6 = 3.50 — not below the line.
    assert rectification_check_class(actor=None, training_class=scenario.training_class)[0].cause == (
        RectificationCause.SESSION_TEACHING)
    rate_sessions(make_rated_session(scenario), scenario.enrollments, [(4, 3), (4, 3), (4, 4)])  # now 31/9 = 3.44
    created = rectification_check_class(actor=None, training_class=scenario.training_class)
    causes = sorted(i.cause for i in created)
    assert causes == [RectificationCause.SESSION_TEACHING, RectificationCause.TEACHER_TEACHING]
    teacher_item = next(i for i in created if i.cause == RectificationCause.TEACHER_TEACHING)
    assert (teacher_item.figures["mean"], teacher_item.figures["sessions"]) == ("3.44", 3)
    assert teacher_item.teacher == cast.tom_teacher and teacher_item.session is None


def make_rated_session(scenario):
    third = make_session(scenario.training_class, date=scenario.training_class.start_date + dt.timedelta(days=1),
                         title="党史专题（三）", teacher=scenario.sessions[0].teacher)
    for enrollment in scenario.enrollments:
        attend(third, enrollment)
    return third


def test_low_followups_open_an_item_owned_by_the_organiser(cast, actor):
    scenario = past_class(cast, ended_days_ago=150, attendees=3)
    for enrollment, (applies, performance) in zip(scenario.enrollments, [(3, 4), (3, 4), (2, 4)]):
        FollowUp.objects.create(enrollment=enrollment, training_class=scenario.training_class, unit=enrollment.unit,
                                opens_on=timezone.localdate() - dt.timedelta(days=60),
                                due_on=timezone.localdate() - dt.timedelta(days=30), applies=applies,
                                performance=performance, answered_at=timezone.now())
    created = rectification_check_class(actor=None, training_class=scenario.training_class)
    assert [i.cause for i in created] == [RectificationCause.FOLLOWUP_APPLIES]
    assert created[0].owner_org == cast.county_a and created[0].owner == cast.alice
    assert created[0].figures["mean"] == "2.67"


def test_the_daily_job_checks_classes_whose_window_closed_once(cast):
    closed = _low_class(cast, ended_days_ago=20)
    still_open = _low_class(cast, ended_days_ago=2, title="评价期内")
    outcome = run_daily()
    assert outcome["rectifications"] == 2
    assert set(RectificationItem.objects.values_list("training_class_id", flat=True)) == {closed.training_class.pk}
    assert run_daily()["rectifications"] == 0
    assert EvaluationSettings.objects.get(training_class=closed.training_class).reaction_checked_at is not None
    assert not RectificationItem.objects.filter(training_class=still_open.training_class).exists()


def test_an_outsider_cannot_run_the_check(cast, actor):
    scenario = _low_class(cast)
    with pytest.raises(NotFound):
        rectification_check_class(actor=actor(cast.charlie), training_class=scenario.training_class)
    with pytest.raises(Forbidden):
        rectification_check_class(actor=actor(cast.hannah), training_class=scenario.training_class)
    assert not RectificationItem.objects.exists()


def test_the_lifecycle_goes_open_in_progress_done_verified(cast, actor):
    scenario = _low_class(cast)
    rectification_check_class(actor=None, training_class=scenario.training_class)
    item = RectificationItem.objects.get(cause=RectificationCause.SESSION_TEACHING)
    ivan, alice = actor(cast.ivan), actor(cast.alice)
    with pytest.raises(DomainError, match="不能变为“已验收”"):
        rectification_update(actor=ivan, item=item, status=S.VERIFIED)
    rectification_update(actor=ivan, item=item, status=S.IN_PROGRESS, note="已与教师面谈")
    rectification_update(actor=ivan, item=item, status=S.DONE, note="已调整教案")
    with pytest.raises(DomainError, match="验收未通过的原因"):
        rectification_update(actor=alice, item=item, status=S.IN_PROGRESS)
    rectification_update(actor=alice, item=item, status=S.IN_PROGRESS, note="案例仍然陈旧")
    rectification_update(actor=ivan, item=item, status=S.DONE, note="更新了案例")
    rectification_update(actor=alice, item=item, status=S.VERIFIED, note="验收通过")
    item.refresh_from_db()
    assert item.status == S.VERIFIED
    history = list(item.notes.values_list("from_status", "to_status"))
    assert history == [("", "open"), ("open", "in_progress"), ("in_progress", "done"), ("done", "in_progress"),
                       ("in_progress", "done"), ("done", "verified")]
    with pytest.raises(DomainError):
        rectification_update(actor=ivan, item=item, status=S.IN_PROGRESS, note="再改")


def test_closing_as_not_needed_needs_a_reason(cast, actor):
    scenario = _low_class(cast)
    rectification_check_class(actor=None, training_class=scenario.training_class)
    item = RectificationItem.objects.get(cause=RectificationCause.CLASS_LOGISTICS)
    with pytest.raises(DomainError, match="无需整改的理由"):
        rectification_update(actor=actor(cast.ivan), item=item, status=S.CLOSED)
    rectification_update(actor=actor(cast.ivan), item=item, status=S.CLOSED, note="个别学员饮食习惯")
    item.refresh_from_db()
    assert (item.status, item.close_reason) == (S.CLOSED, "个别学员饮食习惯")


def test_the_due_date_moves_with_a_note_but_not_into_the_past(cast, actor):
    scenario = _low_class(cast)
    rectification_check_class(actor=None, training_class=scenario.training_class)
    item = RectificationItem.objects.get(cause=RectificationCause.CLASS_LOGISTICS)
    with pytest.raises(DomainError, match="不能早于今天"):
        rectification_update(actor=actor(cast.ivan), item=item, due_on=timezone.localdate() - dt.timedelta(days=1))
    later = timezone.localdate() + dt.timedelta(days=60)
    rectification_update(actor=actor(cast.ivan), item=item, due_on=later, note="需招标")
    item.refresh_from_db()
    assert item.due_on == later and item.notes.last().text.startswith("整改期限调整为")


def test_an_item_opened_by_hand_is_created_once_per_token(cast, actor):
    scenario = past_class(cast, attendees=1)
    alice = actor(cast.alice)
    first = rectification_create(actor=alice, training_class=scenario.training_class, title="教室空调故障",
                                 session=scenario.sessions[0], token="abc123")
    again = rectification_create(actor=alice, training_class=scenario.training_class, title="教室空调故障",
                                 token="abc123")
    assert first.pk == again.pk and RectificationItem.objects.count() == 1
    assert first.cause == RectificationCause.MANUAL and first.teacher == cast.tom_teacher
    assert first.owner_org == cast.party_school and first.created_by == cast.alice
    with pytest.raises(NotFound):
        rectification_create(actor=actor(cast.charlie), training_class=scenario.training_class, title="越权")
    with pytest.raises(DomainError, match="请填写整改事项"):
        rectification_create(actor=alice, training_class=scenario.training_class, title="  ")


def test_the_daily_check_looks_at_followups_once_they_are_past_due(cast):
    scenario = past_class(cast, ended_days_ago=20, attendees=3)
    assert rectification_check_due() == 0          # rating window closed, nothing low
    end = scenario.training_class.end_date
    later = end + dt.timedelta(days=125)            # follow-ups opened on day 90, due on day 120
    assert followups_materialise(today=later) == 3
    FollowUp.objects.update(applies=2, performance=4, answered_at=timezone.now())
    created = rectification_check_due(today=later)
    assert created == 1
    assert RectificationItem.objects.get().cause == RectificationCause.FOLLOWUP_APPLIES
    assert rectification_check_due(today=later) == 0
