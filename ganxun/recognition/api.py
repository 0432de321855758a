"""/api/v1 credit recognition (学时互认): the claims in scope and their decisions, the caller's own
claims, uploads of a platform's export, and a cadre's ledger as xAPI statements (for another
platform; a cadre downloads their own from /learn/recognition/xapi.json).

Pushing records is done through the LRS (/xapi/statements with the source's client credentials).
An upload works as the page does, in two steps: POST the file (multipart) — every row is validated
and the report kept, nothing imported — then commit the valid rows, or discard them (nothing). A
decision is taken once: approving claims that are all decided already is 409 `already_decided`;
committing or discarding an upload twice is 409 `already_done`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.responses import Status

from ganxun.api.auth import permission
from ganxun.api.errors import responses
from ganxun.api.schemas import Id, Input, Page, PageQuery, page_of, text
from ganxun.core.errors import NotFound
from ganxun.credits import selectors as credit_selectors
from ganxun.people.models import Cadre
from ganxun.recognition import selectors, services, uploads
from ganxun.recognition.export import ledger_statements
from ganxun.recognition.models import RecognitionClaim, RecognitionSource, RecognitionUpload

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


# --- uploads of a platform's export -----------------------------------------------------------

UPLOADS = ["学时互认：上传导出数据"]


class UploadSourceOut(Schema):
    id: int
    name: str
    unit: str = Field(description="计量单位：points / minutes / hours / credits")
    unit_label: str
    owner_id: int = Field(description="管理区域：其下的干部可认定该平台的学时")
    owner_name: str
    amount_per_hour: Decimal | None = Field(description="今天适用的规则：折合 1 学时所需数量；无规则为空")
    needs_approval: bool | None = Field(description="今天适用的规则：是否需组织部门审核；无规则为空")


class UploadRowOut(Schema):
    row: int = Field(description="文件中的行号")
    cadre_id: int
    cadre_name: str
    external_ref: str = Field(description="记录编号")
    amount: Decimal
    earned_on: dt.date
    title: str


class UploadProblemOut(Schema):
    row: int = Field(description="文件中的行号")
    column: str = Field(description="列名，如“身份证号”“数量”")
    value: str = Field(description="该单元格的值（身份证号已脱敏）")
    reason: str


class UploadSummaryOut(Schema):
    id: int
    source_id: int
    source_name: str
    original_name: str
    status: str = Field(description="validated 校验完成（待导入或放弃） / committed 已导入 / discarded 已放弃")
    status_label: str
    data_rows: int
    valid_rows: int
    problem_rows: int = Field(description="有问题的行数（一行可有多个问题）")
    claims_created: int = Field(description="导入时生成的认定申请数")
    created_by_name: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


class UploadOut(UploadSummaryOut):
    rows: list[UploadRowOut] = Field(description="有效行（放弃后为空）")
    problems: list[UploadProblemOut] = Field(description="问题清单，按行号")
    claims: list[ClaimOut] = Field(description="导入后生成的认定申请")


class UploadFormIn(Schema):
    source_id: Id = Field(description="互认平台（GET /recognition/upload-sources）")


def upload_summary_out(record: RecognitionUpload) -> dict:
    return {
        "id": record.pk, "source_id": record.source_id, "source_name": record.source.name,
        "original_name": record.original_name, "status": record.status, "status_label": record.get_status_display(),
        "data_rows": record.data_rows, "valid_rows": record.valid_rows, "problem_rows": record.problem_rows,
        "claims_created": record.claims_created, "created_by_name": record.created_by.full_name,
        "created_at": record.created_at, "finished_at": record.finished_at,
    }


def upload_out(actor, record: RecognitionUpload) -> dict:
    """The report of an upload: its valid rows, every problem, and the claims it made (in scope)."""
    names = dict(Cadre.objects.filter(pk__in={r["cadre_id"] for r in record.rows}).values_list("pk", "person__name"))
    return {
        **upload_summary_out(record),
        "rows": [{"row": r["row"], "cadre_id": r["cadre_id"], "cadre_name": names.get(r["cadre_id"], ""),
                  "external_ref": r["ref"], "amount": Decimal(r["amount"]),
                  "earned_on": dt.date.fromisoformat(r["earned_on"]), "title": r["title"]} for r in record.rows],
        "problems": sorted(record.problems, key=lambda p: p["row"]),
        "claims": [claim_out(c) for c in selectors.claims_for(actor).filter(upload=record).order_by("pk")],
    }


def upload_source_out(source: RecognitionSource) -> dict:
    rule = services.rule_in_force(source, timezone.localdate())
    return {"id": source.pk, "name": source.name, "unit": source.unit, "unit_label": source.get_unit_display(),
            "owner_id": source.owner_id, "owner_name": source.owner.name,
            "amount_per_hour": rule.amount_per_hour if rule else None,
            "needs_approval": rule.needs_approval if rule else None}


@router.get("/recognition/upload-sources", response=responses({200: Page[UploadSourceOut]}, 400), tags=UPLOADS,
            summary="可上传数据的互认平台")
@permission("recognition.upload")
def recognition_upload_sources(request, paging: Query[PageQuery]):
    """The active platforms whose exports the caller may upload (as on the upload page): those owned
    by a region above, at or under the caller's scope."""
    return page_of(selectors.sources_usable_by(request.auth, "recognition.upload"), paging, upload_source_out)


@router.post("/recognition/uploads", response=responses({201: UploadOut}, 400, 404), tags=UPLOADS,
             summary="上传平台导出数据并逐行校验")
@permission("recognition.upload")
def recognition_upload_create(request, data: Form[UploadFormIn], file: File[UploadedFile]):
    """`multipart/form-data` with `source_id` and `file` (.xlsx, or .csv in UTF-8 or GBK; columns as
    on the upload page). Every row is checked; the answer is the report — valid rows, and every
    problem with row, column, value (ID numbers masked) and reason. Nothing is imported until
    `POST /recognition/uploads/{id}/commit`. A file that cannot be read at all (type, size, missing
    columns, no rows) is 400 with field `file`; a platform outside the caller's reach 404 (field
    `source_id`). Uploading the same file again makes another report, never a second claim."""
    actor = request.auth
    try:
        source = selectors.usable_source_get_for(actor, data.source_id, "recognition.upload")
    except NotFound as exc:
        exc.field = "source_id"
        raise
    record = uploads.upload_create(actor=actor, source=source, upload=file, request=request)
    return Status(201, upload_out(actor, selectors.upload_get_for(actor, record.pk)))


@router.get("/recognition/uploads", response=responses({200: Page[UploadSummaryOut]}, 400), tags=UPLOADS,
            summary="上传记录")
@permission("recognition.upload")
def recognition_upload_list(request, paging: Query[PageQuery]):
    """Uploads made with a role whose scope lies in the caller's, newest first (as on the page)."""
    return page_of(selectors.uploads_for(request.auth), paging, upload_summary_out)


@router.get("/recognition/uploads/{upload_id}", response=responses({200: UploadOut}, 400, 404), tags=UPLOADS,
            summary="上传的校验报告")
@permission("recognition.upload")
def recognition_upload_detail(request, upload_id: Id):
    return upload_out(request.auth, selectors.upload_get_for(request.auth, upload_id))


@router.post("/recognition/uploads/{upload_id}/commit", response=responses({200: UploadOut}, 400, 404, 409),
             tags=UPLOADS, summary="导入有效行")
@permission("recognition.upload")
def recognition_upload_commit(request, upload_id: Id):
    """Turn the valid rows into claims in one transaction (each row checked again; rows whose cadre
    left the caller's scope meanwhile are added to the problems). A second commit, or a commit after
    discarding, is 409 `already_done`; an upload without valid rows 409 `nothing_to_import`; a
    platform deactivated meanwhile 400 `source_inactive` — nothing is imported then."""
    actor = request.auth
    record = selectors.upload_get_for(actor, upload_id)
    uploads.upload_commit(actor=actor, upload=record, request=request)
    return upload_out(actor, selectors.upload_get_for(actor, upload_id))


@router.post("/recognition/uploads/{upload_id}/discard", response=responses({200: UploadOut}, 400, 404, 409),
             tags=UPLOADS, summary="放弃，不导入任何数据")
@permission("recognition.upload")
def recognition_upload_discard(request, upload_id: Id):
    """Import nothing from the upload (its valid rows are dropped). After a commit, or a second
    time, 409 `already_done`."""
    actor = request.auth
    record = selectors.upload_get_for(actor, upload_id)
    uploads.upload_discard(actor=actor, upload=record, request=request)
    return upload_out(actor, selectors.upload_get_for(actor, upload_id))
