"""Recipes of the API contract test for credit recognition (see ganxun/api/tests/contract.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ganxun.api.tests.contract import Recipe
from ganxun.recognition.models import ClaimOrigin
from ganxun.recognition.services import ClaimInput, claims_create
from ganxun.recognition.tests.helpers import make_source


def recipes(cast) -> dict[tuple[str, str], Recipe]:
    state = {}

    def source():
        if "source" not in state:
            state["source"] = make_source(cast.county_a, name="契约测试平台", needs_approval=True)
        return state["source"]

    def a_pending_claim() -> dict:
        state["n"] = state.get("n", 0) + 1
        ref = f"recipe-{state['n']}"
        claim = claims_create(actor=None, source=source(), origin=ClaimOrigin.UPLOAD, items=[ClaimInput(
            cadre_id=cast.cadres_a[1].pk, external_ref=ref, amount=Decimal("30"), earned_on=dt.date(2026, 3, 2))]
        ).created[0]
        return {"claim_id": claim.pk}

    def approve_body(ids=None) -> dict:
        state["approved"] = [a_pending_claim()["claim_id"]]
        return {"claim_ids": state["approved"]}

    return {
        ("get", "/recognition/claims"): Recipe(cast.alice, outsider=200),
        ("get", "/me/recognition/claims"): Recipe(cast.carol, outsider=403),
        ("post", "/recognition/claims/approve"): Recipe(
            cast.alice, approve_body, outsider=404,
            conflict=lambda ids: (ids, {"claim_ids": state["approved"]})),
        ("post", "/recognition/claims/{claim_id}/reject"): Recipe(
            cast.alice, {"reason": "与面授培训重复"}, ids=a_pending_claim,
            conflict=lambda ids: (ids, {"reason": "再次拒绝"})),
        ("get", "/cadres/{cadre_id}/credits/xapi"): Recipe(cast.alice, ids=lambda: {"cadre_id": cast.carol_cadre.pk}),
    }

