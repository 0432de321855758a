"""Recipes of the API contract test for credit recognition (see ganxun/api/tests/contract.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from ganxun.api.tests.contract import Multipart, Recipe
from ganxun.recognition import uploads
from ganxun.recognition.models import ClaimOrigin
from ganxun.recognition.services import ClaimInput, claims_create
from ganxun.recognition.tests.helpers import make_source
from ganxun.testing import with_role


def export_csv(cadre, ref: str) -> bytes:
    """A platform's export (CSV) with one valid row for `cadre`."""
    return f"身份证号,姓名,记录编号,学习积分,完成日期\n{cadre.person.id_number},{cadre.person.name},{ref},60,2026-03-02\n".encode()


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

    def upload_body(ids=None) -> Multipart:
        state["n"] = state.get("n", 0) + 1
        return Multipart({"source_id": source().pk}, {"file": ("xuexi.csv", export_csv(cast.carol_cadre,
                                                                                         f"up-{state['n']}"))})

    def foreign_upload_body(ids=None) -> Multipart:
        # A platform of county B: not one alice may upload to.
        other = make_source(cast.county_b, name="西山县平台")
        return Multipart({"source_id": other.pk}, {"file": ("xuexi.csv", export_csv(cast.carol_cadre, "up-b"))})

    def an_upload() -> dict:
        state["n"] = state.get("n", 0) + 1
        record = uploads.upload_create(actor=with_role(cast.alice), source=source(), upload=SimpleUploadedFile(
            "xuexi.csv", export_csv(cast.cadres_a[1], f"up-{state['n']}")))
        return {"upload_id": record.pk}

    def again(ids) -> tuple[dict, None]:
        return ids, None

    return {
        ("get", "/recognition/upload-sources"): Recipe(cast.alice, outsider=200),
        ("post", "/recognition/uploads"): Recipe(cast.alice, upload_body, foreign_upload_body),
        ("get", "/recognition/uploads"): Recipe(cast.alice, outsider=200),
        ("get", "/recognition/uploads/{upload_id}"): Recipe(cast.alice, ids=an_upload),
        ("post", "/recognition/uploads/{upload_id}/commit"): Recipe(cast.alice, ids=an_upload, conflict=again),
        ("post", "/recognition/uploads/{upload_id}/discard"): Recipe(cast.alice, ids=an_upload, conflict=again),
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

