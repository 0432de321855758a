"""Services of calls, quotas and the roster: every rule, refusals that save nothing, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ganxun.audit.models import AuditEntry
from ganxun.classes import services as class_services
from ganxun.classes.models import ClassStatus, TrainingClass
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.people.models import Cadre
from ganxun.planning.models import AnnualPlan, PlanItem
from ganxun.roster import services
from ganxun.roster.models import (
    CallMode,
    CallStatus,
    Enrollment,
    EnrollmentStatus,
    NamedCadre,
    QuotaChange,
    TrainingCall,
)
from ganxun.roster.tests.factories import county_class, issued_quota, make_call, make_quota, today
from ganxun.testing import make_cadre, make_class, make_enrollment

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _actions(prefix: str = "roster.") -> list[str]:
    return list(AuditEntry.objects.filter(action__startswith=prefix).order_by("id").values_list("action", flat=True))


def _nominate(actor, quota, cadre):
    return services.enrollment_nominate(actor=actor, quota=quota, cadre_id=cadre.pk)[0]


# --- the call ------------------------------------------------------------------------------

def test_alice_creates_a_call_for_a_class_her_county_runs_at_the_city_school(cast, actor):
    training_class = county_class(cast, status=ClassStatus.DRAFT)
    call = services.call_create(actor=actor(cast.alice), training_class=training_class, data={
        "mode": CallMode.QUOTA, "document_no": "东组通〔2026〕8号", "nomination_deadline": today() + 3 * DAY,
        "contact": "王老师 0571-88001234", "target_ranks": ["section"]})
    assert call.status == CallStatus.DRAFT and call.created_by == cast.alice
    assert call.target_ranks == ["section"] and call.repeat_years == 3
    assert _actions() == ["roster.call.create"]


def test_the_outsider_and_the_liaison_cannot_call(cast, actor):
    training_class = county_class(cast, status=ClassStatus.DRAFT)
    with pytest.raises(NotFound):
        services.call_create(actor=actor(cast.charlie), training_class=training_class, data={})
    with pytest.raises(Forbidden):
        services.call_create(actor=actor(cast.bob), training_class=training_class, data={})
    with pytest.raises(Forbidden):
        services.call_create(actor=actor(cast.ivan), training_class=training_class, data={})
    assert not TrainingCall.objects.exists()


def test_a_call_takes_its_targets_from_the_plan_item(cast, actor):
    plan = AnnualPlan.objects.create(region=cast.county_a, year=2026, title="2026年度计划", created_by=cast.alice)
    item = PlanItem.objects.create(plan=plan, title="科级干部进修班", training_type="in_service", month=3, days=5,
                                   credit_hours=Decimal("30"), capacity=30, target_ranks=["section", "general"],
                                   target_categories=["party_gov"])
    training_class = county_class(cast, status=ClassStatus.DRAFT)
    TrainingClass.objects.filter(pk=training_class.pk).update(plan_item_id=item.pk)
    training_class.refresh_from_db()
    call = services.call_create(actor=actor(cast.alice), training_class=training_class, data={})
    assert call.target_ranks == ["section", "general"] and call.target_categories == ["party_gov"]
    assert call.ranks_display == "乡科级、一般干部"


def test_a_class_has_one_call(cast, actor):
    training_class = county_class(cast, status=ClassStatus.DRAFT)
    services.call_create(actor=actor(cast.alice), training_class=training_class, data={})
    with pytest.raises(DomainError) as error:
        services.call_create(actor=actor(cast.alice), training_class=training_class, data={})
    assert error.value.code == "duplicate"
    assert TrainingCall.objects.count() == 1


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"nomination_deadline": "start"}, "nomination_deadline", "报名截止日期应早于开班日期"),
    ({"repeat_years": 0}, "repeat_years", "重复培训判定年限应为 1 至 20 年"),
    ({"target_ranks": ["mayor"]}, "target_ranks", "未知的职级“mayor”"),
    ({"mode": "lottery"}, "mode", "请选择调训方式"),
])
def test_it_refuses_bad_call_input(cast, actor, data, field, message):
    training_class = county_class(cast, status=ClassStatus.DRAFT)
    if data.get("nomination_deadline") == "start":
        data = {"nomination_deadline": training_class.start_date}
    with pytest.raises(DomainError) as error:
        services.call_create(actor=actor(cast.alice), training_class=training_class, data=data)
    assert error.value.field == field and message in error.value.message
    assert not TrainingCall.objects.exists()


def test_a_call_is_editable_while_draft_only(cast, actor):
    alice = actor(cast.alice)
    call = make_call(county_class(cast, status=ClassStatus.DRAFT), status=CallStatus.DRAFT)
    services.call_update(actor=alice, call=call, data={"contact": "李老师 88002222", "professional_classes": 5})
    call.refresh_from_db()
    assert (call.contact, call.professional_classes) == ("李老师 88002222", 5)
    TrainingCall.objects.filter(pk=call.pk).update(status=CallStatus.ISSUED)
    with pytest.raises(DomainError) as error:
        services.call_update(actor=alice, call=call, data={"contact": "别人"})
    assert "调训通知已下发" in error.value.message
    call.refresh_from_db()
    assert call.contact == "李老师 88002222"


def test_the_mode_changes_only_when_the_other_list_is_empty(cast, actor):
    call = make_call(county_class(cast, status=ClassStatus.DRAFT), status=CallStatus.DRAFT)
    make_quota(call, cast.unit_a1)
    with pytest.raises(DomainError) as error:
        services.call_update(actor=actor(cast.alice), call=call, data={"mode": CallMode.NAMED})
    assert error.value.field == "mode"


# --- quotas --------------------------------------------------------------------------------

def test_quotas_go_to_units_of_the_callers_subtree_within_capacity(cast, actor):
    alice = actor(cast.alice)
    call = make_call(county_class(cast, status=ClassStatus.DRAFT, capacity=5), status=CallStatus.DRAFT)
    services.quota_set(actor=alice, call=call, unit=cast.unit_a1, seats=3, note="45岁以下科级干部")
    with pytest.raises(NotFound):
        services.quota_set(actor=alice, call=call, unit=cast.unit_b1, seats=1)
    with pytest.raises(DomainError) as error:
        services.quota_set(actor=alice, call=call, unit=cast.unit_a2, seats=3)
    assert error.value.message == "名额合计 6 个，超过班次计划人数 5 人。"
    with pytest.raises(DomainError) as error:
        services.quota_set(actor=alice, call=call, unit=cast.unit_a2, seats=0)
    assert error.value.message == "名额至少为 1 个。"
    assert list(call.quotas.values_list("unit__name", "seats", "note")) == [("东城区发展和改革局", 3, "45岁以下科级干部")]
    # In a draft, 0 removes the unit's quota.
    assert services.quota_set(actor=alice, call=call, unit=cast.unit_a1, seats=0) is None
    assert not call.quotas.exists()
    assert _actions() == ["roster.quota.set", "roster.quota.set"]


def test_issued_quotas_are_adjusted_with_a_reason_and_never_below_the_seats_used(cast, actor):
    alice, bob = actor(cast.alice), actor(cast.bob)
    quota = issued_quota(cast, seats=3)
    _nominate(bob, quota, cast.cadres_a[1])
    _nominate(bob, quota, cast.cadres_a[2])
    with pytest.raises(DomainError) as error:
        services.quota_set(actor=alice, call=quota.call, unit=cast.unit_a1, seats=4)
    assert error.value.field == "reason"
    with pytest.raises(DomainError) as error:
        services.quota_set(actor=alice, call=quota.call, unit=cast.unit_a1, seats=1, reason="压减名额")
    assert error.value.message == "东城区发展和改革局已报名 2 人，名额不能少于 2 个。"
    services.quota_set(actor=alice, call=quota.call, unit=cast.unit_a1, seats=2, reason="压减名额")
    services.quota_set(actor=alice, call=quota.call, unit=cast.unit_a2, seats=1, reason="教育局临时增加")
    quota.refresh_from_db()
    assert quota.seats == 2
    changes = list(QuotaChange.objects.order_by("id").values_list("unit__name", "seats_before", "seats_after", "reason"))
    assert changes == [("东城区发展和改革局", 3, 2, "压减名额"), ("东城区教育局", 0, 1, "教育局临时增加")]
    assert _actions()[-2:] == ["roster.quota.adjust", "roster.quota.adjust"]


# --- issuing -------------------------------------------------------------------------------

def test_issuing_moves_the_class_to_notice_issued_and_is_audited(cast, actor):
    alice = actor(cast.alice)
    training_class = county_class(cast, status=ClassStatus.DRAFT)
    call = make_call(training_class, status=CallStatus.DRAFT)
    with pytest.raises(DomainError) as error:
        services.call_issue(actor=alice, call=call)
    assert error.value.field == "quotas"
    make_quota(call, cast.unit_a1)
    issued = services.call_issue(actor=alice, call=call)
    training_class.refresh_from_db()
    assert issued.status == CallStatus.ISSUED and issued.issued_by == cast.alice and issued.issued_at
    assert issued.issuer == cast.org_dept_a
    assert training_class.status == ClassStatus.NOTICE_ISSUED
    entry = AuditEntry.objects.get(action="class.transition")
    assert entry.detail == {"from": "draft", "to": "notice_issued", "by": "roster.call.issue"}
    # Issuing again changes nothing.
    services.call_issue(actor=alice, call=call)
    assert AuditEntry.objects.filter(action="roster.call.issue").count() == 1


@pytest.mark.parametrize(("field", "value"), [("document_no", ""), ("contact", ""), ("nomination_deadline", None)])
def test_issuing_needs_the_document_number_contact_and_deadline(cast, actor, field, value):
    call = make_call(county_class(cast, status=ClassStatus.DRAFT), status=CallStatus.DRAFT)
    make_quota(call, cast.unit_a1)
    TrainingCall.objects.filter(pk=call.pk).update(**{field: value})
    call.refresh_from_db()
    with pytest.raises(DomainError) as error:
        services.call_issue(actor=actor(cast.alice), call=call)
    assert error.value.field == field
    call.refresh_from_db()
    assert call.status == CallStatus.DRAFT


def test_issuing_with_a_past_deadline_is_refused(cast, actor):
    call = make_call(county_class(cast, status=ClassStatus.DRAFT), status=CallStatus.DRAFT,
                     deadline=today() - DAY)
    make_quota(call, cast.unit_a1)
    with pytest.raises(DomainError) as error:
        services.call_issue(actor=actor(cast.alice), call=call)
    assert error.value.message == "报名截止日期已过，请先修改。"


def test_a_named_call_enrolls_the_named_cadres_in_order_on_issue(cast, actor):
    alice = actor(cast.alice)
    training_class = county_class(cast, status=ClassStatus.DRAFT)
    call = make_call(training_class, mode=CallMode.NAMED, status=CallStatus.DRAFT)
    zhang, wang = cast.cadres_a[1], cast.cadres_a[3]
    services.call_name_cadre(actor=alice, call=call, cadre=zhang)
    services.call_name_cadre(actor=alice, call=call, cadre=wang)
    services.call_name_cadre(actor=alice, call=call, cadre=zhang)  # twice: nothing new
    assert NamedCadre.objects.count() == 2
    with pytest.raises(NotFound):
        services.call_name_cadre(actor=alice, call=call, cadre=cast.cadres_b[0])
    services.call_issue(actor=alice, call=call)
    rows = list(Enrollment.objects.order_by("seat_no").values_list("cadre__person__name", "status", "seat_no", "unit"))
    assert rows == [("张伟", "approved", 1, cast.unit_a1.pk), ("王强", "approved", 2, cast.unit_a2.pk)]
    # Named after the issue: enrolled at once with the next seat.
    services.call_name_cadre(actor=alice, call=call, cadre=cast.cadres_a[2])
    assert Enrollment.objects.get(cadre=cast.cadres_a[2]).seat_no == 3
    with pytest.raises(DomainError):
        services.call_unname_cadre(actor=alice, call=call, cadre=zhang)


def test_a_named_call_refuses_to_issue_with_a_cadre_in_an_overlapping_class(cast, actor):
    alice = actor(cast.alice)
    training_class = county_class(cast, status=ClassStatus.DRAFT)
    other = make_class(cast.party_school, title="同期的乡镇干部班", start=training_class.start_date + DAY, days=3)
    make_enrollment(other, cast.cadres_a[1])
    call = make_call(training_class, mode=CallMode.NAMED, status=CallStatus.DRAFT)
    services.call_name_cadre(actor=alice, call=call, cadre=cast.cadres_a[1])
    with pytest.raises(DomainError) as error:
        services.call_issue(actor=alice, call=call)
    assert "同期的乡镇干部班" in error.value.message
    call.refresh_from_db()
    training_class.refresh_from_db()
    assert call.status == CallStatus.DRAFT and training_class.status == ClassStatus.DRAFT
    assert Enrollment.objects.filter(training_class=training_class).count() == 0


# --- nominations ---------------------------------------------------------------------------

def test_bob_nominates_a_cadre_of_his_unit_and_the_warnings_are_stored(cast, actor):
    quota = issued_quota(cast)
    enrollment, created = services.enrollment_nominate(actor=actor(cast.bob), quota=quota,
                                                       cadre_id=cast.cadres_a[2].pk)  # 李娜 of A1's sub-unit
    assert created
    assert (enrollment.status, enrollment.unit, enrollment.quota) == ("nominated", cast.unit_a1, quota)
    assert enrollment.nominated_by == cast.bob
    assert [w["code"] for w in enrollment.warnings] == ["untrained"]
    assert AuditEntry.objects.get(action="roster.nominate").detail["cadre"] == cast.cadres_a[2].pk


@pytest.mark.parametrize("who", ["other_unit", "other_county", "missing"])
def test_a_cadre_outside_the_liaisons_unit_is_not_found_like_a_missing_one(cast, actor, who):
    quota = issued_quota(cast)
    cadre_id = {"other_unit": cast.cadres_a[3].pk, "other_county": cast.cadres_b[0].pk, "missing": 999999}[who]
    with pytest.raises(NotFound) as error:
        services.enrollment_nominate(actor=actor(cast.bob), quota=quota, cadre_id=cadre_id)
    assert error.value.message == "未找到该干部。"
    assert not Enrollment.objects.exists()


def test_a_liaison_cannot_use_another_units_quota(cast, actor):
    quota = issued_quota(cast, unit=cast.unit_a2)
    with pytest.raises(NotFound):
        services.enrollment_nominate(actor=actor(cast.bob), quota=quota, cadre_id=cast.cadres_a[1].pk)


def test_nominating_twice_returns_the_existing_enrollment(cast, actor):
    bob = actor(cast.bob)
    quota = issued_quota(cast)
    first, created = services.enrollment_nominate(actor=bob, quota=quota, cadre_id=cast.cadres_a[1].pk)
    again, created_again = services.enrollment_nominate(actor=bob, quota=quota, cadre_id=cast.cadres_a[1].pk)
    assert created and not created_again and again.pk == first.pk
    assert Enrollment.objects.count() == 1
    assert _actions() == ["roster.nominate"]


def test_it_blocks_enrollment_over_quota(cast, actor):
    bob = actor(cast.bob)
    quota = issued_quota(cast, seats=1)
    _nominate(bob, quota, cast.cadres_a[1])
    with pytest.raises(DomainError) as error:
        _nominate(bob, quota, cast.cadres_a[2])
    assert error.value.code == "over_quota"
    assert error.value.message == "东城区发展和改革局的名额已用完（共 1 个）。"
    assert Enrollment.objects.count() == 1


def test_it_blocks_a_full_class(cast, actor):
    bob = actor(cast.bob)
    quota = issued_quota(cast, seats=2, capacity=2)
    make_enrollment(quota.call.training_class, cast.cadres_a[3])  # 王强 of A2 holds a seat
    _nominate(bob, quota, cast.cadres_a[1])
    with pytest.raises(DomainError) as error:
        _nominate(bob, quota, cast.cadres_a[2])
    assert error.value.code == "class_full"
    assert error.value.message == "班次已满（计划 2 人，已报名 2 人）。"


def test_it_blocks_a_cadre_in_an_overlapping_class_and_names_it(cast, actor):
    quota = issued_quota(cast)
    start = quota.call.training_class.start_date
    other = make_class(cast.party_school, title="乡村振兴专题班", start=start + 4 * DAY, days=3)
    make_enrollment(other, cast.cadres_a[1], status="nominated")
    with pytest.raises(DomainError) as error:
        _nominate(actor(cast.bob), quota, cast.cadres_a[1])
    assert error.value.code == "overlap"
    assert "乡村振兴专题班" in error.value.message and f"{other.start_date:%Y-%m-%d}" in error.value.message
    # A class right after this one does not overlap.
    later = make_class(cast.party_school, title="下周的班", start=quota.call.training_class.end_date + DAY, days=2)
    make_enrollment(later, cast.cadres_a[2])
    assert _nominate(actor(cast.bob), quota, cast.cadres_a[2]).status == "nominated"


def test_it_blocks_a_cadre_not_serving(cast, actor):
    quota = issued_quota(cast)
    Cadre.objects.filter(pk=cast.cadres_a[1].pk).update(is_active=False)
    with pytest.raises(DomainError) as error:
        _nominate(actor(cast.bob), quota, cast.cadres_a[1])
    assert error.value.message == "“张伟”已不在职，不能参训。"


def test_it_blocks_nominations_before_the_issue_after_the_deadline_or_once_the_class_runs(cast, actor):
    bob = actor(cast.bob)
    quota = issued_quota(cast)
    call, training_class = quota.call, quota.call.training_class
    TrainingCall.objects.filter(pk=call.pk).update(status=CallStatus.DRAFT)
    with pytest.raises(DomainError) as error:
        _nominate(bob, quota, cast.cadres_a[1])
    assert error.value.code == "not_issued"
    TrainingCall.objects.filter(pk=call.pk).update(status=CallStatus.ISSUED, nomination_deadline=today() - DAY)
    with pytest.raises(DomainError) as error:
        _nominate(bob, quota, cast.cadres_a[1])
    assert error.value.message == f"报名已于 {today() - DAY:%Y-%m-%d} 截止。"
    TrainingCall.objects.filter(pk=call.pk).update(nomination_deadline=today())
    TrainingClass.objects.filter(pk=training_class.pk).update(status=ClassStatus.RUNNING)
    with pytest.raises(DomainError) as error:
        _nominate(bob, quota, cast.cadres_a[1])
    assert error.value.message == "班次当前为“进行中”，不接受报名。"
    TrainingClass.objects.filter(pk=training_class.pk).update(status=ClassStatus.NOTICE_ISSUED)
    assert _nominate(bob, quota, cast.cadres_a[1]).status == "nominated"  # the deadline day itself is open
    assert Enrollment.objects.count() == 1


def test_bob_withdraws_a_pending_nomination_and_frees_the_seat(cast, actor):
    bob = actor(cast.bob)
    quota = issued_quota(cast, seats=1)
    enrollment = _nominate(bob, quota, cast.cadres_a[1])
    services.enrollment_withdraw(actor=bob, enrollment=enrollment)
    services.enrollment_withdraw(actor=bob, enrollment=enrollment)  # twice: a no-op
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.WITHDRAWN
    assert _nominate(bob, quota, cast.cadres_a[2]).status == "nominated"
    assert _actions() == ["roster.nominate", "roster.withdraw", "roster.nominate"]


def test_an_approved_enrollment_cannot_be_withdrawn_by_the_liaison(cast, actor):
    quota = issued_quota(cast)
    enrollment = _nominate(actor(cast.bob), quota, cast.cadres_a[1])
    services.enrollment_approve(actor=actor(cast.alice), enrollment=enrollment)
    with pytest.raises(DomainError) as error:
        services.enrollment_withdraw(actor=actor(cast.bob), enrollment=enrollment)
    assert error.value.code == "not_pending"


# --- review --------------------------------------------------------------------------------

def test_seat_numbers_follow_the_approval_order(cast, actor):
    bob, alice = actor(cast.bob), actor(cast.alice)
    quota = issued_quota(cast, seats=3)
    first, second, third = (_nominate(bob, quota, c) for c in cast.cadres_a[:3])
    for enrollment in (third, first):
        services.enrollment_approve(actor=alice, enrollment=enrollment)
    services.enrollment_approve(actor=alice, enrollment=third)  # twice: no new number
    for e in (first, second, third):
        e.refresh_from_db()
    assert (third.seat_no, first.seat_no, second.seat_no) == (1, 2, None)
    assert third.decided_by == cast.alice
    assert _actions().count("roster.approve") == 2


def test_approval_is_allowed_while_the_class_runs_but_not_once_closed(cast, actor):
    alice = actor(cast.alice)
    quota = issued_quota(cast)
    enrollment = _nominate(actor(cast.bob), quota, cast.cadres_a[1])
    TrainingClass.objects.filter(pk=quota.call.training_class_id).update(status=ClassStatus.CLOSED)
    with pytest.raises(DomainError) as error:
        services.enrollment_approve(actor=alice, enrollment=enrollment)
    assert error.value.message == "班次当前为“已结业”，不能审核名单。"
    TrainingClass.objects.filter(pk=quota.call.training_class_id).update(status=ClassStatus.RUNNING)
    assert services.enrollment_approve(actor=alice, enrollment=enrollment).seat_no == 1


def test_only_the_calling_org_department_reviews(cast, actor):
    quota = issued_quota(cast)
    enrollment = _nominate(actor(cast.bob), quota, cast.cadres_a[1])
    with pytest.raises(NotFound):
        services.enrollment_approve(actor=actor(cast.charlie), enrollment=enrollment)
    for account in (cast.bob, cast.ivan, cast.leo):
        with pytest.raises(Forbidden):
            services.enrollment_approve(actor=actor(account), enrollment=enrollment)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.NOMINATED


def test_a_rejection_needs_a_note_and_frees_the_seat(cast, actor):
    bob, alice = actor(cast.bob), actor(cast.alice)
    quota = issued_quota(cast, seats=1)
    enrollment = _nominate(bob, quota, cast.cadres_a[1])
    with pytest.raises(DomainError) as error:
        services.enrollment_reject(actor=alice, enrollment=enrollment, note="  ")
    assert error.value.field == "note"
    services.enrollment_reject(actor=alice, enrollment=enrollment, note="近期已参加同类培训")
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.decision_note) == ("rejected", "近期已参加同类培训")
    assert _nominate(bob, quota, cast.cadres_a[2]).status == "nominated"


def test_a_substitution_replaces_the_cadre_with_another_of_the_same_unit(cast, actor):
    bob, alice = actor(cast.bob), actor(cast.alice)
    quota = issued_quota(cast, seats=1, capacity=1)
    old = _nominate(bob, quota, cast.cadres_a[1])
    services.enrollment_approve(actor=alice, enrollment=old)
    with pytest.raises(DomainError) as error:
        services.enrollment_substitute(actor=alice, enrollment=old, cadre_id=cast.cadres_a[2].pk, reason="")
    assert error.value.field == "reason"
    with pytest.raises(NotFound):  # 王强 is of unit A2, not of the nominating unit
        services.enrollment_substitute(actor=alice, enrollment=old, cadre_id=cast.cadres_a[3].pk, reason="换人")
    # The quota and the class are full: the old seat is freed before the new cadre is checked.
    new = services.enrollment_substitute(actor=alice, enrollment=old, cadre_id=cast.cadres_a[2].pk,
                                         reason="张伟同志有紧急任务")
    old.refresh_from_db()
    assert (old.status, old.replaced_by, old.decision_note) == ("substituted", new, "张伟同志有紧急任务")
    assert (new.status, new.cadre, new.unit, new.quota, new.seat_no) == ("approved", cast.cadres_a[2], cast.unit_a1,
                                                                         quota, 2)
    again = services.enrollment_substitute(actor=alice, enrollment=old, cadre_id=cast.cadres_a[2].pk,
                                           reason="张伟同志有紧急任务")
    assert again.pk == new.pk and Enrollment.objects.count() == 2
    entry = AuditEntry.objects.get(action="roster.substitute")
    assert entry.detail["reason"] == "张伟同志有紧急任务" and entry.detail["new_enrollment"] == new.pk


def test_a_substitute_in_an_overlapping_class_is_refused_and_nothing_changes(cast, actor):
    alice = actor(cast.alice)
    quota = issued_quota(cast)
    old = _nominate(actor(cast.bob), quota, cast.cadres_a[1])
    clash = make_class(cast.party_school, title="冲突的班", start=quota.call.training_class.start_date, days=2)
    make_enrollment(clash, cast.cadres_a[2])
    with pytest.raises(DomainError) as error:
        services.enrollment_substitute(actor=alice, enrollment=old, cadre_id=cast.cadres_a[2].pk, reason="换人")
    assert "冲突的班" in error.value.message
    old.refresh_from_db()
    assert old.status == "nominated" and old.replaced_by is None
    assert Enrollment.objects.filter(training_class=quota.call.training_class).count() == 1


def test_bulk_approval_approves_the_pending_rows_in_nomination_order(cast, actor):
    bob, alice = actor(cast.bob), actor(cast.alice)
    quota = issued_quota(cast, seats=3)
    first, second, third = (_nominate(bob, quota, c) for c in cast.cadres_a[:3])
    services.enrollment_withdraw(actor=bob, enrollment=second)
    approved, skipped = services.enrollment_approve_many(actor=alice, training_class=quota.call.training_class,
                                                         ids=[third.pk, second.pk, first.pk])
    assert [e.pk for e in approved] == [first.pk, third.pk] and [e.pk for e in skipped] == [second.pk]
    assert [e.seat_no for e in approved] == [1, 2]
    other_class = county_class(cast, title="另一个班")
    stranger = make_enrollment(other_class, cast.cadres_a[3], status="nominated")
    with pytest.raises(NotFound):
        services.enrollment_approve_many(actor=alice, training_class=quota.call.training_class, ids=[stranger.pk])


# --- the capacity guard of classes -----------------------------------------------------------

def test_a_class_capacity_cannot_go_below_the_live_enrollments(cast, actor):
    training_class = make_class(cast.party_school, capacity=10)
    for cadre in cast.cadres_a[:3]:
        make_enrollment(training_class, cadre)
    make_enrollment(training_class, cast.cadres_b[0], status="withdrawn")
    data = {name: getattr(training_class, name) for name in class_services.CLASS_FIELDS}
    with pytest.raises(DomainError) as error:
        class_services.class_update(actor=actor(cast.ivan), training_class=training_class, data={**data, "capacity": 2})
    assert (error.value.message, error.value.field) == ("计划人数不能少于已报名的 3 人。", "capacity")
    class_services.class_update(actor=actor(cast.ivan), training_class=training_class, data={**data, "capacity": 3})
    training_class.refresh_from_db()
    assert training_class.capacity == 3


def test_a_class_capacity_cannot_go_below_the_quotas_given(cast, actor):
    quota = issued_quota(cast, seats=4)
    training_class = quota.call.training_class
    data = {name: getattr(training_class, name) for name in class_services.CLASS_FIELDS}
    with pytest.raises(DomainError) as error:
        class_services.class_update(actor=actor(cast.ivan), training_class=training_class, data={**data, "capacity": 3})
    assert error.value.message == "计划人数不能少于已分配的调训名额 4 个，请先调整名额。"


def test_new_class_dates_may_not_put_a_rostered_cadre_into_two_classes_at_once(cast, actor):
    training_class = make_class(cast.party_school, start=dt.date(2031, 5, 5), days=3)
    other = make_class(cast.party_school, title="同期另一班", start=dt.date(2031, 5, 12), days=3)
    make_enrollment(training_class, cast.carol_cadre)
    make_enrollment(other, cast.carol_cadre)
    make_enrollment(other, cast.cadres_a[1], status="withdrawn")
    data = {name: getattr(training_class, name) for name in class_services.CLASS_FIELDS}
    moved = {**data, "start_date": dt.date(2031, 5, 11), "end_date": dt.date(2031, 5, 13)}
    with pytest.raises(DomainError) as error:
        class_services.class_update(actor=actor(cast.ivan), training_class=training_class, data=moved)
    assert error.value.field == "start_date"
    assert error.value.message.startswith("学员“卡萝”已报名“同期另一班”（2031-05-12 至 2031-05-14）")
    later = {**data, "start_date": dt.date(2031, 5, 19), "end_date": dt.date(2031, 5, 21)}
    class_services.class_update(actor=actor(cast.ivan), training_class=training_class, data=later)
    training_class.refresh_from_db()
    assert training_class.start_date == dt.date(2031, 5, 19)


def test_an_issued_call_keeps_the_class_from_going_back_to_draft(cast, actor):
    quota = issued_quota(cast)
    training_class = quota.call.training_class
    TrainingClass.objects.filter(pk=training_class.pk).update(status=ClassStatus.NOTICE_ISSUED)
    training_class.refresh_from_db()
    assert ClassStatus.DRAFT not in class_services.class_allowed_transitions(training_class)
    with pytest.raises(DomainError) as error:
        class_services.class_transition(actor=actor(cast.ivan), training_class=training_class, to=ClassStatus.DRAFT)
    assert "已由组织部门下发，不能撤回为草稿" in error.value.message
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.NOTICE_ISSUED


def test_a_liaison_nominates_a_cadre_of_a_sub_unit_into_the_units_quota(cast, actor):
    # A liaison's subtree includes sub-units: a cadre added to A1's sub-unit can be nominated.
    newcomer = make_cadre("新同志", cast.unit_a1_sub)
    quota = issued_quota(cast)
    assert _nominate(actor(cast.bob), quota, newcomer).unit == cast.unit_a1

