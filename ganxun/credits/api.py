"""/api/v1 credit ledger (学时账本): a cadre's entries and totals (scoped), and corrections.

A correction is a reversal entry (negative hours, `reverses_id` → the original) and, with
`new_hours`, a corrected posting — never an edit. An entry is reversed once: a second
correction of it is 409 `already_reversed`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from ganxun.api.auth import permission
from ganxun.api.errors import responses
from ganxun.api.schemas import Id, Input, PageQuery, label, text
from ganxun.classes.selectors import class_get_for
from ganxun.core.errors import Forbidden, NotFound
from ganxun.credits import selectors, services
from ganxun.credits.models import CreditMode, CreditRecord
from ganxun.topics.choices import TrainingType

router = Router()
CREDITS = ["学时账本"]


class CreditEntryOut(Schema):
    id: int
    earned_on: dt.date
    hours: Decimal = Field(description="冲销记录为负数")
    mode: str
    mode_label: str
    training_type: str
    training_type_label: str
    off_job: bool = Field(description="脱产/集中培训")
    topic_ids: list[int]
    source_class_id: int | None
    source_name: str
    source_ref: str
    reverses_id: int | None = Field(description="冲销的原记录")
    reversed_by_id: int | None = Field(description="冲销本记录的记录")
    note: str
    created_at: dt.datetime


class CreditYearOut(Schema):
    year: int
    total: Decimal
    off_job: Decimal
    other: Decimal
    by_mode: dict[str, Decimal]


class CreditTotalsOut(Schema):
    total: Decimal
    off_job: Decimal
    other: Decimal
    this_year: Decimal
    years: list[CreditYearOut]


class CreditLedgerOut(Schema):
    cadre_id: int
    name: str
    totals: CreditTotalsOut
    count: int = Field(description="明细总条数")
    page: int
    page_size: int
    items: list[CreditEntryOut]


class CreditCorrectionIn(Input):
    reason: text(300) = Field(description="更正原因（必填）")
    new_hours: Decimal | None = Field(None, gt=0, le=Decimal("9999.99"),
                                      description="更正后的学时；不填则只冲销")
    new_earned_on: dt.date | None = Field(None, description="更正后的日期；不填沿用原日期")


class CreditCorrectionOut(Schema):
    reversal: CreditEntryOut
    replacement: CreditEntryOut | None


def credit_entry_out(record: CreditRecord) -> dict:
    reversed_by = getattr(record, "reversed_by", None)  # None when not reversed (no related row)
    return {
        "id": record.pk, "earned_on": record.earned_on, "hours": record.hours, "mode": record.mode,
        "mode_label": label(CreditMode, record.mode), "training_type": record.training_type,
        "training_type_label": label(TrainingType, record.training_type), "off_job": record.off_job,
        "topic_ids": sorted(t.pk for t in record.topics.all()), "source_class_id": record.source_class_id,
        "source_name": record.source_name, "source_ref": record.source_ref, "reverses_id": record.reverses_id,
        "reversed_by_id": reversed_by.pk if reversed_by is not None else None, "note": record.note,
        "created_at": record.created_at,
    }


def credit_totals_out(totals: selectors.Totals, this_year: int) -> dict:
    return {
        "total": totals.total, "off_job": totals.off_job, "other": totals.other,
        "this_year": totals.year(this_year).total,
        "years": [{"year": y.year, "total": y.total, "off_job": y.off_job, "other": y.other,
                   "by_mode": {mode: y.by_mode.get(mode, Decimal("0")) for mode in CreditMode.values}}
                  for y in totals.years],
    }


def _ledger_out(actor, cadre, paging: PageQuery) -> dict:
    records = list(selectors.ledger_of(actor, cadre))
    start = (paging.page - 1) * paging.page_size
    return {"cadre_id": cadre.pk, "name": cadre.person.name,
            "totals": credit_totals_out(selectors.credit_totals(records), timezone.localdate().year),
            "count": len(records), "page": paging.page, "page_size": paging.page_size,
            "items": [credit_entry_out(r) for r in records[start:start + paging.page_size]]}


@router.get("/cadres/{cadre_id}/credits", response=responses({200: CreditLedgerOut}, 400, 404), tags=CREDITS,
            summary="干部的学时账本")
@permission("credits.view")
def credits_ledger(request, cadre_id: Id, paging: Query[PageQuery]):
    """The cadre's ledger (newest first, paged) and totals (per year, 脱产/集中 vs other, per mode)."""
    return _ledger_out(request.auth, selectors.ledger_cadre_get_for(request.auth, cadre_id), paging)


@router.get("/me/credits", response=responses({200: CreditLedgerOut}, 400), tags=CREDITS,
            summary="我的学时账本")
@permission("self.view")
def credits_my_ledger(request, paging: Query[PageQuery]):
    """The caller's own ledger; a caller without a cadre record is 403 `no_cadre`."""
    try:
        cadre = selectors.ledger_cadre_get_for(request.auth, selectors.own_cadre(request.auth).pk)
    except NotFound:
        raise Forbidden("您的账号没有关联干部档案。", code="no_cadre") from None
    return _ledger_out(request.auth, cadre, paging)


class ClassPostingOut(CreditEntryOut):
    cadre_id: int
    cadre_name: str


class ClassPostingsOut(Schema):
    class_id: int
    hours_total: Decimal = Field(description="本页之外也计入：本班所有可见记录的学时之和（含冲销、更正）")
    count: int
    page: int
    page_size: int
    items: list[ClassPostingOut]


@router.get("/classes/{class_id}/credits", response=responses({200: ClassPostingsOut}, 400, 404), tags=CREDITS,
            summary="班次登记的学时")
@permission("credits.view")
def credits_class_postings(request, class_id: Id, paging: Query[PageQuery]):
    """The ledger rows that came from the class (its closing, and corrections of them) for the
    cadres in the caller's scope, by cadre name."""
    training_class = class_get_for(request.auth, class_id)
    records = list(selectors.class_postings(request.auth, training_class).prefetch_related("topics"))
    start = (paging.page - 1) * paging.page_size
    return {"class_id": training_class.pk, "hours_total": sum((r.hours for r in records), Decimal("0")),
            "count": len(records), "page": paging.page, "page_size": paging.page_size,
            "items": [{**credit_entry_out(r), "cadre_id": r.cadre_id, "cadre_name": r.cadre.person.name}
                      for r in records[start:start + paging.page_size]]}


@router.post("/credits/{record_id}/corrections", response=responses({201: CreditCorrectionOut}, 400, 404, 409),
             tags=CREDITS, summary="更正学时记录（冲销并可重新登记）")
@permission("credits.correct")
def credits_correct(request, record_id: Id, payload: CreditCorrectionIn):
    record = selectors.record_get_for(request.auth, record_id)
    correction = services.credit_correct(actor=request.auth, record=record, reason=payload.reason,
                                         new_hours=payload.new_hours, new_earned_on=payload.new_earned_on,
                                         request=request)
    reload = {r.pk: r for r in CreditRecord.objects.filter(
        pk__in=[correction.reversal.pk] + ([correction.replacement.pk] if correction.replacement else []))
        .prefetch_related("topics")}
    return Status(201, {"reversal": credit_entry_out(reload[correction.reversal.pk]),
                        "replacement": credit_entry_out(reload[correction.replacement.pk])
                        if correction.replacement else None})
