"""A cadre's ledger as xAPI statements: one per entry that counts, each valid for our own LRS."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from ganxun.credits.models import CreditRecord
from ganxun.credits.services import credit_correct
from ganxun.lrs.services import statements_store
from ganxun.lrs.validation import validate_statement
from ganxun.recognition.models import ClaimOrigin
from ganxun.recognition.services import ClaimInput, claims_create
from ganxun.recognition.tests.helpers import SITE, make_source, pushed
from ganxun.testing import make_class


def ledger(cast, actor):
    training_class = make_class(cast.party_school, organiser=cast.county_a, status="closed")
    CreditRecord.objects.create(cadre=cast.carol_cadre, hours=Decimal("24"), earned_on=dt.date(2026, 5, 8),
                                mode="offline", off_job=True, source_class=training_class,
                                source_ref=f"class:{training_class.pk}:enrollment:1", source_name="进修班")
    CreditRecord.objects.create(cadre=cast.carol_cadre, hours=Decimal("1"), earned_on=dt.date(2026, 5, 9),
                                mode="online", source_ref="course:7:cadre:1", source_name="习近平新时代思想概论")
    wrong = CreditRecord.objects.create(cadre=cast.carol_cadre, hours=Decimal("9"), earned_on=dt.date(2026, 5, 10),
                                        mode="online", source_ref="manual:1", source_name="补录")
    credit_correct(actor=actor(cast.alice), record=wrong, reason="学时有误", new_hours=Decimal("3"))
    source = make_source(cast.county_a)
    claims_create(actor=None, source=source, origin=ClaimOrigin.UPLOAD, items=[ClaimInput(
        cadre_id=cast.carol_cadre.pk, external_ref="X1", amount=Decimal("60"), earned_on=dt.date(2026, 5, 11),
        title="学习新思想")])
    return source


def test_every_exported_statement_passes_the_lrs_validator(cast, actor, login):
    source = ledger(cast, actor)
    response = login(cast.alice).get(f"/manage/recognition/cadres/{cast.carol_cadre.pk}/xapi.json")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    statements = json.loads(response.content)
    for index, statement in enumerate(statements):
        validate_statement(json.loads(json.dumps(statement)), f"statements[{index}]", "1.0.3")
    # the reversal and the entry it cancels are left out; the correction stays
    hours = [s["result"]["extensions"][f"{SITE}/xapi/extensions/credit-hours"] for s in statements]
    assert hours == [24.0, 1.0, 3.0, 2.0]
    objects = [s["object"]["id"] for s in statements]
    assert objects[1] == f"{SITE}/xapi/activities/course/7"
    assert objects[3] == f"{SITE}/xapi/activities/recognition-source/{source.pk}"
    assert statements[0]["actor"]["account"] == {"homePage": SITE, "name": "carol"}
    assert statements[0]["timestamp"].startswith("2026-05-08T00:00:00")
    # and our own LRS takes the whole file
    assert len(statements_store(client=source.client or make_source(cast.city, name="他省平台", client=True).client,
                                statements=statements)) == 4


def test_exporting_twice_gives_the_same_statement_ids(cast, actor, login):
    ledger(cast, actor)
    client = login(cast.carol)
    first = json.loads(client.get("/learn/recognition/xapi.json").content)
    second = json.loads(client.get("/learn/recognition/xapi.json").content)
    assert [s["id"] for s in first] == [s["id"] for s in second] and len(first) == 4


def test_an_exported_ledger_pushed_back_makes_one_claim_per_entry(cast, actor):
    from django.utils import timezone

    from ganxun.recognition.pull import recognition_pull

    source = make_source(cast.county_a, name="兄弟平台", unit="hours", per_hour="1", client=True)
    statement = pushed(cast.carol, amount=2, extension="credit-hours", record_id="other/credit-record/5")
    statements_store(client=source.client, statements=[statement])
    recognition_pull(now=timezone.now() + dt.timedelta(minutes=5))
    assert source.claims.get().external_ref == "other/credit-record/5"


def test_the_outsider_cannot_export_another_countys_cadre(cast, login):
    assert login(cast.charlie).get(f"/manage/recognition/cadres/{cast.carol_cadre.pk}/xapi.json").status_code == 404
    assert login(cast.bob).get(f"/manage/recognition/cadres/{cast.carol_cadre.pk}/xapi.json").status_code == 403
