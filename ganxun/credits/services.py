"""Writes of the credit-hour ledger: postings in bulk, idempotent by `source_ref`.

Every process that earns hours — closing a class, completing an online course, recognising
hours from another platform — hands its postings to `credit_post_many`. A posting whose
`source_ref` is already in the ledger is skipped, so a retried or repeated call (a class
closed twice, an import run again) writes nothing new. Callers hold their own lock on
what they post from (the class row, the course enrolment) so two concurrent calls for the
same source are decided one after the other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from ganxun.audit.services import audit_record
from ganxun.core.errors import DomainError
from ganxun.credits.models import CreditMode, CreditRecord

HOURS_STEP = Decimal("0.01")


@dataclass(frozen=True)
class Posting:
    """One ledger entry to append. `source_ref` identifies what earned it (its idempotency key)."""

    cadre_id: int
    hours: Decimal
    earned_on: dt.date
    mode: str
    source_ref: str
    training_type: str = ""
    off_job: bool = False
    topic_ids: tuple[int, ...] = ()
    source_class_id: int | None = None
    source_session_id: int | None = None
    source_name: str = ""
    note: str = ""


def _check(posting: Posting) -> Decimal:
    if posting.mode not in CreditMode.values:
        raise DomainError(f"未知的学时类别“{posting.mode}”。", field="mode")
    if not posting.source_ref or len(posting.source_ref) > 120:
        raise DomainError("学时记录缺少来源标识。", field="source_ref")
    hours = Decimal(posting.hours).quantize(HOURS_STEP)
    if hours <= 0:
        raise DomainError("登记的学时必须大于 0。", field="hours")
    return hours


@transaction.atomic
def credit_post_many(*, actor, postings: list[Posting], action: str = "credits.post", audit_target=None,
                     request=None) -> list[CreditRecord]:
    """Append the postings not yet in the ledger; returns the records written (possibly none).

    All or nothing: one invalid posting refuses the whole call. One audit entry records the
    batch (what it came from, how many were written and skipped), on `audit_target` when given.
    """
    hours = [_check(p) for p in postings]
    refs = [p.source_ref for p in postings]
    if len(set(refs)) != len(refs):
        raise DomainError("同一批学时记录中有重复的来源标识。", field="source_ref")
    existing: set[str] = set()
    for start in range(0, len(refs), 500):
        existing.update(CreditRecord.objects.filter(source_ref__in=refs[start:start + 500])
                        .values_list("source_ref", flat=True))
    fresh = [(p, h) for p, h in zip(postings, hours) if p.source_ref not in existing]
    records = CreditRecord.objects.bulk_create([
        CreditRecord(cadre_id=p.cadre_id, hours=h, earned_on=p.earned_on, mode=p.mode,
                     training_type=p.training_type, off_job=p.off_job, source_class_id=p.source_class_id,
                     source_session_id=p.source_session_id, source_name=p.source_name[:200],
                     source_ref=p.source_ref, note=p.note[:300], created_by=actor if getattr(actor, "pk", None)
                     else None)
        for p, h in fresh
    ], batch_size=500)
    if records and records[0].pk is None:  # backends that do not return ids (not SQLite 3.35+/PostgreSQL)
        by_ref = dict(CreditRecord.objects.filter(source_ref__in=[r.source_ref for r in records])
                      .values_list("source_ref", "pk"))
        for record in records:
            record.pk = record.id = by_ref[record.source_ref]
    through = CreditRecord.topics.through
    through.objects.bulk_create([
        through(creditrecord_id=record.pk, topic_id=topic_id)
        for record, (posting, _) in zip(records, fresh) for topic_id in dict.fromkeys(posting.topic_ids)
    ], batch_size=1000)
    if postings:
        audit_record(action=action, actor=actor, request=request, target=audit_target,
                     detail={"written": len(records), "skipped": len(postings) - len(records),
                             "hours": str(sum((h for _, h in fresh), Decimal("0")))})
    return records
