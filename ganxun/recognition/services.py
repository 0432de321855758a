"""Writes of credit recognition: sources and their rules, claims, and the decisions on them.

Conversion: hours = amount ÷ the rule's `amount_per_hour`, rounded half-up to 0.01 h, with the
rule in force on the claim's `earned_on` (kept on the claim, so a later rule changes nothing).

Yearly cap (per cadre, per source, per calendar year of `earned_on`): when a claim is recognised,
the hours already recognised for the same cadre, source and year are summed; the claim gets at
most what is left under the cap of its rule. A claim cut by the cap keeps its converted hours and
records the recognised hours with a note; a claim with nothing left is rejected with the reason.
Decisions on a source are taken one after another (the source row is locked), so two approvals
cannot both use the last hours under a cap.

Recognised hours go to the ledger (credits.services.credit_post_many, mode RECOGNISED,
source_ref "recognition:<claim id>"): posting the same claim twice writes nothing. A decision is
a conditional UPDATE from "pending", so a double click decides once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from ganxun.access import scope
from ganxun.audit.services import audit_record
from ganxun.core.errors import Conflict, DomainError, NotFound
from ganxun.credits.models import CreditMode, CreditRecord
from ganxun.credits.services import Posting, credit_post_many
from ganxun.recognition.models import (
    AmountUnit,
    ClaimOrigin,
    ClaimStatus,
    RecognitionClaim,
    RecognitionRule,
    RecognitionSource,
)

HOURS_STEP = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")
MAX_FACTOR = Decimal("99999999.99")
MAX_CAP = Decimal("9999.99")
ZERO = Decimal("0")


def convert(amount: Decimal, rule: RecognitionRule) -> Decimal:
    """Credit hours of `amount` (in the source's unit) under `rule`: amount ÷ amount_per_hour, 0.01 h half-up."""
    return (Decimal(amount) / rule.amount_per_hour).quantize(HOURS_STEP, rounding=ROUND_HALF_UP)


def rule_in_force(source: RecognitionSource, on: dt.date) -> RecognitionRule | None:
    return (RecognitionRule.objects.filter(source=source, effective_from__lte=on)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on)).order_by("-effective_from").first())


def ledger_ref(claim: RecognitionClaim) -> str:
    return f"recognition:{claim.pk}"


# --- sources and rules ----------------------------------------------------------------------

def _decimal(value, *, field_name: str, label: str, maximum: Decimal, allow_zero: bool = False) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(HOURS_STEP, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(f"{label}应为数字。", field=field_name) from None
    if not number.is_finite() or number < 0 or (number == 0 and not allow_zero) or number > maximum:
        raise DomainError(f"{label}应大于 0 且不超过 {maximum}。" if not allow_zero
                          else f"{label}不能为负数，且不超过 {maximum}。", field=field_name)
    return number


def _check_client(client, *, source: RecognitionSource | None = None) -> None:
    if client is None:
        return
    if client.is_system:
        raise DomainError("不能使用平台自身的客户端。", field="client")
    taken = RecognitionSource.objects.filter(client=client)
    if source is not None:
        taken = taken.exclude(pk=source.pk)
    if taken.exists():
        raise DomainError("该客户端已绑定其他互认平台。", field="client")


@transaction.atomic
def source_create(*, actor, name: str, unit: str, owner, client=None, effective_from: dt.date,
                  amount_per_hour, yearly_cap_hours=None, needs_approval: bool = True,
                  request=None) -> RecognitionSource:
    """A new source with its first rule (org department, `recognition.manage`, owner in scope)."""
    scope.require(actor, "recognition.manage")
    scope.require_within(actor, owner)
    if owner.kind != "region":
        raise DomainError("互认平台须归属于一个行政区域（由其组织部门管理）。", field="owner")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise DomainError("请填写平台名称（不超过 100 字）。", field="name")
    if unit not in AmountUnit.values:
        raise DomainError("请选择计量单位。", field="unit")
    if RecognitionSource.objects.filter(owner=owner, name=name).exists():
        raise Conflict("该区域已有同名的互认平台。", field="name")
    _check_client(client)
    source = RecognitionSource.objects.create(name=name, unit=unit, owner=owner, client=client, created_by=actor)
    if client is not None:
        # Statements the client stored before it was bound are not this source's records.
        _start_cursor_at_now(source)
    rule_add(actor=actor, source=source, effective_from=effective_from, amount_per_hour=amount_per_hour,
             yearly_cap_hours=yearly_cap_hours, needs_approval=needs_approval, request=request)
    audit_record(action="recognition.source_create", actor=actor, request=request, target=source,
                 detail={"name": name, "unit": unit, "owner": owner.pk, "client": client.pk if client else None})
    return source


def _start_cursor_at_now(source: RecognitionSource) -> None:
    from ganxun.lrs.models import XapiStatement

    last = XapiStatement.objects.filter(client=source.client).order_by("-id").values_list("id", flat=True).first()
    source.pull_cursor = last or 0
    source.save(update_fields=["pull_cursor"])


@transaction.atomic
def source_update(*, actor, source: RecognitionSource, name: str, client, is_active: bool,
                  request=None) -> RecognitionSource:
    """Rename, (un)bind the push client, enable/disable. The unit of measure never changes (the
    claims' amounts are in it): a platform that changes its unit is a new source."""
    scope.require(actor, "recognition.manage")
    source = RecognitionSource.objects.select_for_update().select_related("owner").get(pk=source.pk)
    scope.require_within(actor, source.owner)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise DomainError("请填写平台名称（不超过 100 字）。", field="name")
    if RecognitionSource.objects.filter(owner=source.owner, name=name).exclude(pk=source.pk).exists():
        raise Conflict("该区域已有同名的互认平台。", field="name")
    _check_client(client, source=source)
    rebound = (client.pk if client else None) != source.client_id
    source.name, source.client, source.is_active = name, client, is_active
    source.save(update_fields=["name", "client", "is_active"])
    if rebound and client is not None:
        _start_cursor_at_now(source)
    audit_record(action="recognition.source_update", actor=actor, request=request, target=source,
                 detail={"name": name, "client": client.pk if client else None, "is_active": is_active})
    return source


@transaction.atomic
def rule_add(*, actor, source: RecognitionSource, effective_from: dt.date, amount_per_hour,
             yearly_cap_hours=None, needs_approval: bool = True, request=None) -> RecognitionRule:
    """A new rule from `effective_from` on. The rule in force that day ends the day before; a rule
    cannot start on or before the start of an existing one (past periods are not rewritten)."""
    scope.require(actor, "recognition.manage")
    source = RecognitionSource.objects.select_for_update().select_related("owner").get(pk=source.pk)
    scope.require_within(actor, source.owner)
    if not isinstance(effective_from, dt.date):
        raise DomainError("请填写生效日期。", field="effective_from")
    factor = _decimal(amount_per_hour, field_name="amount_per_hour", label="折合 1 学时所需数量", maximum=MAX_FACTOR)
    cap = None
    if yearly_cap_hours not in (None, ""):
        cap = _decimal(yearly_cap_hours, field_name="yearly_cap_hours", label="每年认定上限", maximum=MAX_CAP,
                       allow_zero=True)
    if RecognitionRule.objects.filter(source=source, effective_from__gte=effective_from).exists():
        raise DomainError("新规则的生效日期须晚于现有规则的生效日期（已生效的规则不改写）。", field="effective_from")
    current = rule_in_force(source, effective_from)
    if current is not None:
        current.effective_to = effective_from - dt.timedelta(days=1)
        current.save(update_fields=["effective_to"])
    rule = RecognitionRule.objects.create(source=source, effective_from=effective_from, amount_per_hour=factor,
                                          yearly_cap_hours=cap, needs_approval=bool(needs_approval),
                                          created_by=actor)
    audit_record(action="recognition.rule_add", actor=actor, request=request, target=source,
                 detail={"rule": rule.pk, "from": effective_from.isoformat(), "amount_per_hour": str(factor),
                         "cap": str(cap) if cap is not None else None, "needs_approval": rule.needs_approval})
    return rule


# --- claims ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClaimInput:
    cadre_id: int
    external_ref: str
    amount: Decimal
    earned_on: dt.date
    title: str = ""
    statement_pk: int | None = None


@dataclass
class ClaimBatch:
    created: list[RecognitionClaim] = field(default_factory=list)
    duplicates: int = 0


def claims_create(*, actor, source: RecognitionSource, items: list[ClaimInput], origin: str, upload=None,
                  request=None) -> ClaimBatch:
    """Claims for the items not yet claimed from this source (same external_ref: skipped as duplicate).

    Each claim is converted with the rule in force on its date; a date without a rule is
    rejected at once with that reason. Claims of a rule that needs no approval are recognised
    at once. Runs in the caller's transaction, which must hold the source row locked."""
    batch = ClaimBatch()
    refs = [item.external_ref for item in items]
    existing: set[str] = set()
    for start in range(0, len(refs), 500):
        existing.update(RecognitionClaim.objects.filter(source=source, external_ref__in=refs[start:start + 500])
                        .values_list("external_ref", flat=True))
    rules = list(RecognitionRule.objects.filter(source=source))
    now = timezone.now()
    fresh: list[RecognitionClaim] = []
    for item in items:
        if item.external_ref in existing:
            batch.duplicates += 1
            continue
        existing.add(item.external_ref)
        rule = next((r for r in rules if r.effective_from <= item.earned_on
                     and (r.effective_to is None or item.earned_on <= r.effective_to)), None)
        claim = RecognitionClaim(cadre_id=item.cadre_id, source=source, external_ref=item.external_ref,
                                 amount=item.amount, earned_on=item.earned_on, title=item.title[:200],
                                 origin=origin, statement_id=item.statement_pk, upload=upload, rule=rule,
                                 created_by=actor if getattr(actor, "pk", None) else None)
        if rule is None:
            claim.status, claim.decided_at = ClaimStatus.REJECTED, now
            claim.reason = f"取得日期 {item.earned_on:%Y-%m-%d} 不在该平台任何认定规则的有效期内。"
        else:
            claim.converted_hours = convert(item.amount, rule)
            if claim.converted_hours <= 0:
                claim.status, claim.decided_at = ClaimStatus.REJECTED, now
                claim.reason = "折算后不足 0.01 学时。"
        fresh.append(claim)
    created = RecognitionClaim.objects.bulk_create(fresh, batch_size=500)
    if created and created[0].pk is None:
        by_ref = dict(RecognitionClaim.objects.filter(source=source, external_ref__in=[c.external_ref for c in created])
                      .values_list("external_ref", "pk"))
        for claim in created:
            claim.pk = claim.id = by_ref[claim.external_ref]
    batch.created = created
    automatic = [c for c in created if c.status == ClaimStatus.PENDING and not c.rule.needs_approval]
    if automatic:
        _recognise(actor=None, source=source, claims=automatic, note="按规则自动认定", request=request)
    return batch


def _used_hours(source: RecognitionSource, cadre_ids: set[int], years: set[int]) -> dict[tuple[int, int], Decimal]:
    """(cadre, year) → hours already recognised from the source."""
    used: dict[tuple[int, int], Decimal] = {}
    if not cadre_ids:
        return used
    rows = (RecognitionClaim.objects.filter(source=source, status=ClaimStatus.RECOGNISED, cadre_id__in=cadre_ids,
                                            earned_on__year__in=years)
            .values_list("cadre_id", "earned_on__year").annotate(total=Sum("recognised_hours")))
    for cadre_id, year, total in rows:
        used[(cadre_id, year)] = total or ZERO
    return used


def _recognise(*, actor, source: RecognitionSource, claims: list[RecognitionClaim], note: str, request=None
               ) -> list[RecognitionClaim]:
    """Recognise pending claims of one source (source row locked by the caller): cap, ledger, claim rows."""
    claims = sorted(claims, key=lambda c: (c.earned_on, c.pk))
    used = _used_hours(source, {c.cadre_id for c in claims}, {c.earned_on.year for c in claims})
    now = timezone.now()
    decided_by = actor if getattr(actor, "pk", None) else None
    postings: list[Posting] = []
    for claim in claims:
        key = (claim.cadre_id, claim.earned_on.year)
        cap = claim.rule.yearly_cap_hours
        hours = claim.converted_hours
        claim.decided_by, claim.decided_at = decided_by, now
        if cap is not None:
            left = max(ZERO, cap - used.get(key, ZERO))
            if left <= 0:
                claim.status = ClaimStatus.REJECTED
                claim.reason = f"已达到该平台本年度认定上限（{cap} 学时）。"
                claim.recognised_hours = None
                continue
            if hours > left:
                claim.note = f"{note}；超出本年度上限（{cap} 学时），折算 {hours} 学时，认定 {left} 学时"
                hours = left
            else:
                claim.note = note
        else:
            claim.note = note
        claim.status, claim.recognised_hours, claim.reason = ClaimStatus.RECOGNISED, hours, ""
        used[key] = used.get(key, ZERO) + hours
        postings.append(Posting(cadre_id=claim.cadre_id, hours=hours, earned_on=claim.earned_on,
                                mode=CreditMode.RECOGNISED, source_ref=ledger_ref(claim), source_name=source.name,
                                note=(claim.title or claim.external_ref)[:300]))
    if postings:
        credit_post_many(actor=actor, postings=postings, action="recognition.credit_post", audit_target=source,
                         request=request)
        records = dict(CreditRecord.objects.filter(source_ref__in=[p.source_ref for p in postings])
                       .values_list("source_ref", "pk"))
        for claim in claims:
            if claim.status == ClaimStatus.RECOGNISED:
                claim.credit_record_id = records[ledger_ref(claim)]
    RecognitionClaim.objects.bulk_update(claims, ["status", "recognised_hours", "reason", "note", "decided_by",
                                                  "decided_at", "credit_record"], batch_size=500)
    return claims


def _lock_pending(actor, claim_ids: list[int]) -> dict[int, list[RecognitionClaim]]:
    """The pending claims among `claim_ids` that the actor may decide, by source, locked."""
    visible = scope.scoped(actor, RecognitionClaim, permission="recognition.decide")
    ids = list(visible.filter(pk__in=claim_ids).values_list("pk", flat=True))
    if len(ids) != len(set(claim_ids)):
        raise NotFound()
    sources = sorted(set(RecognitionClaim.objects.filter(pk__in=ids).values_list("source_id", flat=True)))
    list(RecognitionSource.objects.select_for_update().filter(pk__in=sources).order_by("pk"))  # decide one at a time
    by_source: dict[int, list[RecognitionClaim]] = {}
    for claim in (RecognitionClaim.objects.select_for_update(of=("self",)).filter(pk__in=ids, status=ClaimStatus.PENDING)
                  .select_related("rule").order_by("pk")):
        by_source.setdefault(claim.source_id, []).append(claim)
    return by_source


@transaction.atomic
def claims_approve(*, actor, claim_ids: list[int], request=None) -> list[RecognitionClaim]:
    """Approve pending claims (org department, `recognition.decide`, cadres in scope), in bulk.

    Claims already decided are left as they are (a repeated approval changes nothing); an id
    that is missing or out of scope refuses the whole call. Returns the claims decided now
    (recognised, or rejected because the yearly cap was reached)."""
    scope.require(actor, "recognition.decide")
    claim_ids = list(dict.fromkeys(int(i) for i in claim_ids))
    if not claim_ids:
        raise DomainError("请选择要认定的申请。", field="claim_ids")
    decided: list[RecognitionClaim] = []
    for source_id, claims in _lock_pending(actor, claim_ids).items():
        source = RecognitionSource.objects.get(pk=source_id)
        decided += _recognise(actor=actor, source=source, claims=claims, note="组织部门审核认定", request=request)
    if not decided:
        raise Conflict("所选申请都已审核过。", code="already_decided")
    audit_record(action="recognition.approve", actor=actor, request=request, target_type="recognition.claim",
                 detail={"claims": [c.pk for c in decided],
                         "recognised": sum(1 for c in decided if c.status == ClaimStatus.RECOGNISED),
                         "capped_out": sum(1 for c in decided if c.status == ClaimStatus.REJECTED)})
    return decided


@transaction.atomic
def claim_reject(*, actor, claim: RecognitionClaim, reason: str, request=None) -> RecognitionClaim:
    """Reject a pending claim with its reason (org department, `recognition.decide`)."""
    scope.require(actor, "recognition.decide")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写不予认定的原因。", field="reason")
    if len(reason) > 300:
        raise DomainError("原因不能超过 300 字。", field="reason")
    locked = _lock_pending(actor, [claim.pk])
    if not locked:
        raise Conflict("该申请已审核过。", code="already_decided")
    claim = next(iter(locked.values()))[0]
    claim.status, claim.reason, claim.decided_by, claim.decided_at = (ClaimStatus.REJECTED, reason, actor,
                                                                      timezone.now())
    claim.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    audit_record(action="recognition.reject", actor=actor, request=request, target=claim,
                 detail={"cadre": claim.cadre_id, "source": claim.source_id, "reason": reason})
    return claim


__all__ = ["ClaimInput", "ClaimOrigin", "claim_reject", "claims_approve", "claims_create", "convert",
           "rule_add", "rule_in_force", "source_create", "source_update"]
