"""/api/v1 credit recognition (学时互认): the claims in scope and their decisions, the caller's own
claims, and a cadre's ledger as xAPI statements (for another platform; a cadre downloads their own
from /learn/recognition/xapi.json).

Pushing records is done through the LRS (/xapi/statements with the source's client credentials);
uploads of exports are a back-office page. A decision is taken once: approving claims that are all
decided already is 409 `already_decided`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Query, Router, Schema

from ganxun.api.auth import permission
from ganxun.api.errors import responses
from ganxun.api.schemas import Id, Input, PageQuery, page_of, text
from ganxun.credits import selectors as credit_selectors
from ganxun.recognition import selectors, services
from ganxun.recognition.export import ledger_statements
from ganxun.recognition.models import RecognitionClaim

router = Router()
RECOGNITION = ["学时互认"]


class ClaimOut(Schema):
    id: int
    cadre_id: int
    cadre_name: str
    source_id: int
    source_name: str
    unit: str = Field(description="计量单位：points / minutes / hours / credits")
    external_ref: str = Field(description="外部记录编号（同一平台内唯一）")
    amount: Decimal
    earned_on: dt.date
    title: str
    origin: str = Field(description="push 接口推送 / upload 表格上传")
    converted_hours: Decimal = Field(description="按取得日期适用的规则折算的学时")
    recognised_hours: Decimal | None = Field(description="认定学时（超出年度上限的部分不计）")
    status: str = Field(description="pending / recognised / rejected")
    status_label: str
    reason: str = Field(description="未认定原因")
    note: str
    decided_at: dt.datetime | None
    credit_record_id: int | None = Field(description="学时账本中的记录")


class ClaimPageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[ClaimOut]


class RecognitionClaimQueryIn(PageQuery):
    status: Literal["", "pending", "recognised", "rejected"] = ""
    source_id: int | None = Field(None, ge=1)


class ClaimApproveIn(Input):
    claim_ids: list[int] = Field(min_length=1, max_length=500, description="要认定的申请（已审核的忽略）")


class ClaimRejectIn(Input):
    reason: text(300) = Field(description="不予认定的原因（必填）")


def claim_out(claim: RecognitionClaim) -> dict:
    return {
        "id": claim.pk, "cadre_id": claim.cadre_id, "cadre_name": claim.cadre.person.name,
        "source_id": claim.source_id, "source_name": claim.source.name, "unit": claim.source.unit,
        "external_ref": claim.external_ref, "amount": claim.amount, "earned_on": claim.earned_on, "title": claim.title,
        "origin": claim.origin, "converted_hours": claim.converted_hours, "recognised_hours": claim.recognised_hours,
        "status": claim.status, "status_label": claim.get_status_display(), "reason": claim.reason, "note": claim.note,
        "decided_at": claim.decided_at, "credit_record_id": claim.credit_record_id,
    }


@router.get("/recognition/claims", response=responses({200: ClaimPageOut}, 400), tags=RECOGNITION,
            summary="学时认定申请")
@permission("recognition.view")
def recognition_claim_list(request, query: Query[RecognitionClaimQueryIn]):
    """Claims of the cadres in the caller's scope, newest first."""
    flt = selectors.ClaimFilter(status=query.status, source_id=query.source_id)
    return page_of(selectors.claims_for(request.auth, flt), query, claim_out)


@router.get("/me/recognition/claims", response=responses({200: ClaimPageOut}, 400), tags=RECOGNITION,
            summary="我的学时认定申请")
@permission("self.view")
def recognition_my_claims(request, paging: Query[PageQuery]):
    return page_of(selectors.my_claims(request.auth).select_related("cadre__person"), paging, claim_out)


@router.post("/recognition/claims/approve", response=responses({200: list[ClaimOut]}, 400, 404, 409),
             tags=RECOGNITION, summary="批量认定")
@permission("recognition.decide")
def recognition_claims_approve(request, payload: ClaimApproveIn):
    """Recognise the pending claims given (yearly cap applied; a claim with nothing left under the
    cap is rejected with that reason). Any id missing or out of scope: 404 and nothing decided."""
    decided = services.claims_approve(actor=request.auth, claim_ids=payload.claim_ids, request=request)
    claims = selectors.claims_for(request.auth).filter(pk__in=[c.pk for c in decided]).order_by("pk")
    return [claim_out(c) for c in claims]


@router.post("/recognition/claims/{claim_id}/reject", response=responses({200: ClaimOut}, 400, 404, 409),
             tags=RECOGNITION, summary="不予认定")
@permission("recognition.decide")
def recognition_claim_reject(request, claim_id: Id, payload: ClaimRejectIn):
    claim = selectors.claim_get_for(request.auth, claim_id, permission="recognition.decide")
    services.claim_reject(actor=request.auth, claim=claim, reason=payload.reason, request=request)
    return claim_out(selectors.claim_get_for(request.auth, claim_id, permission="recognition.decide"))


@router.get("/cadres/{cadre_id}/credits/xapi", response=responses({200: list[dict[str, Any]]}, 400, 404),
            tags=RECOGNITION, summary="干部学时账本（xAPI 语句）")
@permission("recognition.export")
def recognition_cadre_export(request, cadre_id: Id):
    """The cadre's ledger as xAPI 1.0.3 statements (one per entry that counts) — the body can be
    POSTed to another platform's /statements as it is."""
    cadre = credit_selectors.ledger_cadre_get_for(request.auth, cadre_id, permission="recognition.export")
    return ledger_statements(cadre, list(credit_selectors.ledger_of(request.auth, cadre,
                                                                    permission="recognition.export")))
