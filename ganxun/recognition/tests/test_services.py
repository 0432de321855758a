"""Sources, rules, conversion, the yearly cap and the decisions on claims."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ganxun.audit.models import AuditEntry
from ganxun.core.errors import Conflict, DomainError, Forbidden, NotFound
from ganxun.credits.models import CreditMode, CreditRecord
from ganxun.recognition import services
from ganxun.recognition.models import ClaimOrigin, ClaimStatus, RecognitionClaim
from ganxun.recognition.services import ClaimInput
from ganxun.recognition.tests.helpers import make_source

D = Decimal


def claim(source, cadre, ref, amount, day=dt.date(2026, 3, 2), actor=None):
    batch = services.claims_create(actor=actor, source=source, origin=ClaimOrigin.UPLOAD, items=[
        ClaimInput(cadre_id=cadre.pk, external_ref=ref, amount=D(amount), earned_on=day, title="学习内容")])
    return batch.created[0] if batch.created else None


def test_it_converts_points_to_hours_with_the_rule_of_the_day(cast):
    source = make_source(cast.county_a, per_hour="30")
    first = claim(source, cast.carol_cadre, "r1", "45")
    assert first.converted_hours == D("1.50")
    assert first.status == ClaimStatus.RECOGNISED and first.recognised_hours == D("1.50")
    record = CreditRecord.objects.get(pk=first.credit_record_id)
    assert (record.hours, record.mode, record.source_name, record.source_ref) == (
        D("1.50"), CreditMode.RECOGNISED, "学习强国", f"recognition:{first.pk}")
    assert record.earned_on == dt.date(2026, 3, 2)


def test_it_keeps_past_conversions_when_a_new_rule_starts(cast, actor):
    source = make_source(cast.county_a, per_hour="30")
    before = claim(source, cast.carol_cadre, "r1", "60", day=dt.date(2026, 3, 2))
    services.rule_add(actor=actor(cast.alice), source=source, effective_from=dt.date(2026, 4, 1),
                      amount_per_hour="60", needs_approval=False)
    after = claim(source, cast.carol_cadre, "r2", "60", day=dt.date(2026, 4, 2))
    before.refresh_from_db()
    assert before.converted_hours == D("2.00") and before.recognised_hours == D("2.00")
    assert after.converted_hours == D("1.00")
    old_rule = source.rules.order_by("effective_from").first()
    assert old_rule.effective_to == dt.date(2026, 3, 31)


def test_it_refuses_a_rule_that_would_rewrite_a_past_period(cast, actor):
    source = make_source(cast.county_a, since=dt.date(2026, 1, 1))
    with pytest.raises(DomainError) as exc:
        services.rule_add(actor=actor(cast.alice), source=source, effective_from=dt.date(2025, 6, 1),
                          amount_per_hour="10")
    assert exc.value.field == "effective_from"


def test_it_rejects_a_claim_dated_outside_every_rule_with_the_reason(cast):
    source = make_source(cast.county_a, since=dt.date(2026, 1, 1))
    early = claim(source, cast.carol_cadre, "r1", "30", day=dt.date(2025, 12, 31))
    assert early.status == ClaimStatus.REJECTED
    assert "不在该平台任何认定规则的有效期内" in early.reason
    assert not CreditRecord.objects.filter(cadre=cast.carol_cadre).exists()


def test_it_cuts_hours_beyond_the_yearly_cap_per_source_and_keeps_both_amounts(cast):
    source = make_source(cast.county_a, per_hour="30", cap="3")
    other = make_source(cast.county_a, name="浙江干部网络学院", unit="hours", per_hour="1", cap="3")
    first = claim(source, cast.carol_cadre, "r1", "60")        # 2 h
    second = claim(source, cast.carol_cadre, "r2", "60")       # 2 h, 1 h left
    third = claim(source, cast.carol_cadre, "r3", "30")        # nothing left
    next_year = claim(source, cast.carol_cadre, "r4", "60", day=dt.date(2027, 1, 5))
    elsewhere = claim(other, cast.carol_cadre, "x1", "2")      # another source has its own cap
    assert first.recognised_hours == D("2.00")
    assert (second.converted_hours, second.recognised_hours) == (D("2.00"), D("1.00"))
    assert "超出本年度上限" in second.note
    assert third.status == ClaimStatus.REJECTED and "本年度认定上限" in third.reason
    assert next_year.recognised_hours == D("2.00")
    assert elsewhere.recognised_hours == D("2.00")
    assert sum(r.hours for r in CreditRecord.objects.filter(cadre=cast.carol_cadre, earned_on__year=2026)) == D("5")


def test_it_treats_the_same_external_record_as_one_claim(cast):
    source = make_source(cast.county_a)
    claim(source, cast.carol_cadre, "r1", "30")
    assert claim(source, cast.carol_cadre, "r1", "30") is None
    assert RecognitionClaim.objects.filter(source=source).count() == 1
    assert CreditRecord.objects.filter(cadre=cast.carol_cadre).count() == 1


def test_it_waits_for_approval_when_the_rule_requires_it(cast, actor):
    source = make_source(cast.county_a, needs_approval=True)
    pending = claim(source, cast.carol_cadre, "r1", "30")
    assert pending.status == ClaimStatus.PENDING and pending.credit_record_id is None
    decided = services.claims_approve(actor=actor(cast.alice), claim_ids=[pending.pk])
    pending.refresh_from_db()
    assert [c.pk for c in decided] == [pending.pk]
    assert pending.status == ClaimStatus.RECOGNISED and pending.decided_by == cast.alice
    assert pending.credit_record.hours == D("1.00")
    assert AuditEntry.objects.filter(action="recognition.approve").exists()


def test_it_approves_in_bulk_once_and_refuses_a_second_approval(cast, actor):
    source = make_source(cast.county_a, needs_approval=True)
    claims = [claim(source, cast.cadres_a[i], f"r{i}", "30") for i in range(3)]
    services.claims_approve(actor=actor(cast.alice), claim_ids=[c.pk for c in claims])
    assert RecognitionClaim.objects.filter(status=ClaimStatus.RECOGNISED).count() == 3
    with pytest.raises(Conflict):
        services.claims_approve(actor=actor(cast.alice), claim_ids=[c.pk for c in claims])
    assert CreditRecord.objects.filter(mode=CreditMode.RECOGNISED).count() == 3


def test_it_keeps_the_reason_of_a_rejection(cast, actor):
    source = make_source(cast.county_a, needs_approval=True)
    pending = claim(source, cast.carol_cadre, "r1", "30")
    with pytest.raises(DomainError) as exc:
        services.claim_reject(actor=actor(cast.alice), claim=pending, reason="  ")
    assert exc.value.field == "reason"
    services.claim_reject(actor=actor(cast.alice), claim=pending, reason="与面授培训重复")
    pending.refresh_from_db()
    assert (pending.status, pending.reason) == (ClaimStatus.REJECTED, "与面授培训重复")
    assert pending.credit_record_id is None
    with pytest.raises(Conflict):
        services.claims_approve(actor=actor(cast.alice), claim_ids=[pending.pk])


def test_it_hides_claims_outside_the_deciders_scope(cast, actor):
    source = make_source(cast.city, needs_approval=True)
    theirs = claim(source, cast.cadres_b[0], "b1", "30")
    with pytest.raises(NotFound):
        services.claims_approve(actor=actor(cast.alice), claim_ids=[theirs.pk])
    with pytest.raises(Forbidden):
        services.claims_approve(actor=actor(cast.bob), claim_ids=[theirs.pk])
    services.claims_approve(actor=actor(cast.charlie), claim_ids=[theirs.pk])
    theirs.refresh_from_db()
    assert theirs.status == ClaimStatus.RECOGNISED


def test_a_county_cannot_create_a_source_for_another_county(cast, actor):
    with pytest.raises(NotFound):
        services.source_create(actor=actor(cast.alice), name="学习强国", unit="points", owner=cast.county_b,
                               effective_from=dt.date(2026, 1, 1), amount_per_hour="30")
    source = services.source_create(actor=actor(cast.alice), name="学习强国", unit="points", owner=cast.county_a,
                                    effective_from=dt.date(2026, 1, 1), amount_per_hour="30", yearly_cap_hours="20")
    rule = source.rules.get()
    assert (rule.amount_per_hour, rule.yearly_cap_hours, rule.needs_approval) == (D("30"), D("20"), True)
    with pytest.raises(Conflict):
        services.source_create(actor=actor(cast.alice), name="学习强国", unit="points", owner=cast.county_a,
                               effective_from=dt.date(2026, 1, 1), amount_per_hour="30")
