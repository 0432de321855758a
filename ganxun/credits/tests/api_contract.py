"""Recipes of the API contract test for the credit ledger (see ganxun/api/tests/contract.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ganxun.api.tests.contract import Recipe
from ganxun.credits.models import CreditRecord
from ganxun.testing import make_class


def recipes(cast) -> dict[tuple[str, str], Recipe]:
    def a_record() -> dict:
        record = CreditRecord.objects.create(cadre=cast.cadres_a[1], hours=Decimal("12"), earned_on=dt.date(2026, 5, 8),
                                             mode="recognised", source_ref=f"recipe:{CreditRecord.objects.count()}",
                                             source_name="省干部网络学院学时认定")
        return {"record_id": record.pk}

    def a_closed_class() -> dict:
        training_class = make_class(cast.party_school, organiser=cast.county_a, status="closed")
        CreditRecord.objects.create(cadre=cast.carol_cadre, hours=Decimal("24"), earned_on=training_class.end_date,
                                    mode="offline", off_job=True, source_class=training_class,
                                    source_ref=f"class:{training_class.pk}:enrollment:0", source_name="进修班")
        return {"class_id": training_class.pk}

    return {
        ("get", "/classes/{class_id}/credits"): Recipe(cast.alice, ids=a_closed_class),
        ("get", "/cadres/{cadre_id}/credits"): Recipe(cast.alice, ids=lambda: {"cadre_id": cast.cadres_a[1].pk}),
        ("get", "/me/credits"): Recipe(cast.carol, outsider=403),
        ("post", "/credits/{record_id}/corrections"): Recipe(
            cast.alice, {"reason": "重复认定", "new_hours": 6}, ids=a_record,
            conflict=lambda ids: (ids, {"reason": "再次更正"})),
    }
