"""The pull job: pushed statements of a source's client become claims, once, behind a cursor."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone

from ganxun.credits.models import CreditRecord
from ganxun.lrs.services import lrs_client_create, lrs_system_client, statements_store
from ganxun.recognition.models import ClaimOrigin, ClaimStatus, RecognitionClaim
from ganxun.recognition.pull import recognition_pull
from ganxun.recognition.tests.helpers import make_source, pushed


def pull_later():
    """Pull as if run five minutes from now: past the lag for everything stored so far."""
    return recognition_pull(now=timezone.now() + dt.timedelta(minutes=5))


def test_it_turns_pushed_statements_into_claims_and_moves_the_cursor(cast):
    source = make_source(cast.county_a, client=True)
    ids = statements_store(client=source.client, statements=[pushed(cast.carol, amount=90),
                                                             pushed(cast.carol, amount=30, verb="passed")])
    stats = pull_later()[source.pk]
    assert stats["claims"] == 2
    claims = list(RecognitionClaim.objects.filter(source=source).order_by("amount"))
    assert [(c.amount, c.converted_hours, c.origin) for c in claims] == [
        (Decimal("30.00"), Decimal("1.00"), ClaimOrigin.PUSH), (Decimal("90.00"), Decimal("3.00"), ClaimOrigin.PUSH)]
    assert {c.external_ref for c in claims} == set(ids)
    assert claims[0].earned_on == dt.date(2026, 3, 2) and claims[0].title == "学习新思想"
    assert sum(r.hours for r in CreditRecord.objects.filter(cadre=cast.carol_cadre)) == Decimal("4")
    source.refresh_from_db()
    assert source.pull_cursor == max(c.statement_id for c in claims)
    assert pull_later()[source.pk]["claims"] == 0  # nothing new after the cursor


def test_it_makes_one_claim_of_a_record_pushed_twice_under_new_statement_ids(cast):
    source = make_source(cast.county_a, client=True)
    statements_store(client=source.client, statements=[pushed(cast.carol, record_id="XX-1")])
    pull_later()
    statements_store(client=source.client, statements=[pushed(cast.carol, record_id="XX-1")])
    stats = pull_later()[source.pk]
    assert (stats["claims"], stats["duplicates"]) == (0, 1)
    assert RecognitionClaim.objects.filter(source=source, external_ref="XX-1").count() == 1


def test_it_skips_and_counts_statements_it_cannot_claim(cast):
    source = make_source(cast.county_a, client=True)
    stranger = {"objectType": "Agent", "mbox": "mailto:someone@example.com"}
    statements_store(client=source.client, statements=[
        pushed(cast.carol, verb="launched"),
        pushed(cast.carol, actor=stranger),
        pushed(cast.tom),                                  # a person (teacher) without a cadre record
        pushed(cast.carol, extension="minutes"),           # not the source's unit
    ])
    stats = pull_later()[source.pk]
    assert stats == {"claims": 0, "duplicates": 0,
                     "skipped": {"verb": 1, "not_our_person": 1, "not_cadre": 1, "no_amount": 1}}
    source.refresh_from_db()
    assert source.pull_stats == stats and not RecognitionClaim.objects.exists()


def test_it_skips_cadres_outside_the_sources_region(cast):
    from ganxun.testing import make_account

    b_account = make_account("zhao", "cadre", cast.unit_b1)
    cadre = cast.cadres_b[0]
    cadre.person.account = b_account
    cadre.person.save(update_fields=["account"])
    source = make_source(cast.county_a, client=True)
    statements_store(client=source.client, statements=[pushed(b_account)])
    assert pull_later()[source.pk]["skipped"] == {"out_of_scope": 1}


def test_it_reads_minutes_from_the_duration_and_ignores_other_clients(cast):
    source = make_source(cast.county_a, name="中国干部网络学院", unit="minutes", per_hour="45", client=True)
    statement = pushed(cast.carol)
    statement["result"] = {"completion": True, "duration": "PT1H30M"}
    statements_store(client=source.client, statements=[statement])
    statements_store(client=lrs_system_client(), statements=[pushed(cast.carol, extension="minutes", amount=45)])
    statements_store(client=lrs_client_create(name="别的平台")[0],
                     statements=[pushed(cast.carol, extension="minutes", amount=45)])
    pull_later()
    only = RecognitionClaim.objects.get()
    assert (only.amount, only.converted_hours, only.status) == (Decimal("90.00"), Decimal("2.00"),
                                                                ClaimStatus.RECOGNISED)


def test_it_leaves_statements_younger_than_the_lag_for_the_next_run(cast):
    source = make_source(cast.county_a, client=True)
    statements_store(client=source.client, statements=[pushed(cast.carol)])
    assert recognition_pull()[source.pk]["claims"] == 0
    assert pull_later()[source.pk]["claims"] == 1


def test_the_command_reports_what_it_did(cast):
    source = make_source(cast.county_a, client=True)
    statements_store(client=source.client, statements=[pushed(cast.carol), pushed(cast.carol, verb="launched")])
    out = io.StringIO()
    call_command("recognition_pull", "--lag", "0", stdout=out)
    assert "学习强国：新增申请 1，重复 0，跳过：动词不是 completed / passed 1" in out.getvalue()
