"""Writes of the credit-hour ledger: postings in bulk, idempotent by `source_ref`, and
corrections (a reversal entry, optionally followed by a corrected posting — never an edit).

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

from ganxun.access import scope
from ganxun.audit.services import audit_record
from ganxun.core.errors import Conflict, DomainError
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


@dataclass(frozen=True)
class Correction:
    reversal: CreditRecord
    replacement: CreditRecord | None


MAX_HOURS = Decimal("9999.99")


@transaction.atomic
def credit_correct(*, actor, record: CreditRecord, reason: str, new_hours: Decimal | None = None,
                   new_earned_on: dt.date | None = None, request=None) -> Correction:
    """Correct a ledger entry (org department, `credits.correct`, cadre in scope): never an edit.

    Appends a reversal (negative hours, `reverses` → the original, same date, type, topics and
    source) and, when `new_hours` is given, a corrected posting (the original's attributes with
    the new hours and date). An entry is reversed at most once (a second attempt is refused;
    the database's one-to-one `reverses` refuses it too), and a reversal itself cannot be
    reversed — correct the replacement instead. Audited.
    """
    scope.require(actor, "credits.correct")
    original = (CreditRecord.objects.select_for_update().select_related("cadre__unit")
                .get(pk=record.pk))
    scope.require_within(actor, original.cadre.unit, message="该干部不在您的管理范围内。")
    if original.reverses_id is not None:
        raise DomainError("这是一条冲销记录，不能再冲销；如需调整，请更正相应的记录。", code="is_reversal")
    if CreditRecord.objects.filter(reverses=original).exists():
        raise Conflict("该记录已冲销过，不能重复冲销。", code="already_reversed")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写更正原因。", field="reason")
    if len(reason) > 300:
        raise DomainError("更正原因不能超过 300 字。", field="reason")
    hours = None
    if new_hours is not None:
        hours = Decimal(new_hours).quantize(HOURS_STEP)
        if hours <= 0 or hours > MAX_HOURS:
            raise DomainError("更正后的学时应大于 0（不超过 9999.99）；如应全部取消，只冲销即可。", field="new_hours")
        if hours == original.hours and (new_earned_on is None or new_earned_on == original.earned_on):
            raise DomainError("更正后的学时和日期与原记录相同，无需更正。", field="new_hours")
    elif new_earned_on is not None:
        raise DomainError("更改日期时请同时填写更正后的学时。", field="new_hours")
    topic_ids = list(original.topics.values_list("pk", flat=True))
    common = {"cadre_id": original.cadre_id, "mode": original.mode, "training_type": original.training_type,
              "off_job": original.off_job, "source_class_id": original.source_class_id,
              "source_session_id": original.source_session_id, "source_name": original.source_name,
              "note": reason, "created_by": actor if getattr(actor, "pk", None) else None}
    reversal = CreditRecord.objects.create(hours=-original.hours, earned_on=original.earned_on,
                                           source_ref=f"reversal:{original.pk}", reverses=original, **common)
    reversal.topics.set(topic_ids)
    replacement = None
    if hours is not None:
        replacement = CreditRecord.objects.create(hours=hours, earned_on=new_earned_on or original.earned_on,
                                                  source_ref=f"correction:{original.pk}", **common)
        replacement.topics.set(topic_ids)
    audit_record(action="credits.correct", actor=actor, request=request, target=original,
                 detail={"cadre": original.cadre_id, "original_hours": str(original.hours),
                         "reversal": reversal.pk, "replacement": replacement.pk if replacement else None,
                         "new_hours": str(hours) if hours is not None else None, "reason": reason})
    return Correction(reversal, replacement)
