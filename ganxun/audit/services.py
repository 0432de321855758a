"""Writing and verifying the audit trail."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ganxun.audit.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def client_ip(request) -> str:
    if request is None:
        return ""
    if settings.GANXUN_TRUST_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # The last entry is the one our own proxy appended; earlier ones are client-supplied.
            return forwarded.split(",")[-1].strip()[:45]
    return request.META.get("REMOTE_ADDR", "")[:45]


def entry_digest(prev_hash: str, fields: dict[str, Any]) -> str:
    """HMAC-SHA256 over the previous hash and the entry's canonical JSON."""
    payload = prev_hash + json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hmac.new(settings.GANXUN_AUDIT_KEY, payload.encode(), hashlib.sha256).hexdigest()


def _chained_fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_username": entry.actor_username,
        "actor_name": entry.actor_name,
        "actor_role": entry.actor_role,
        "ip": entry.ip,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "target_repr": entry.target_repr,
        "result": entry.result,
        "detail": entry.detail,
    }


@transaction.atomic
def audit_record(
    *,
    action: str,
    actor=None,
    request=None,
    target=None,
    target_type: str = "",
    target_id: str | int = "",
    target_repr: str = "",
    result: str = AuditEntry.Result.SUCCESS,
    detail: dict[str, Any] | None = None,
    actor_username: str = "",
) -> AuditEntry:
    """Append one entry. `actor` is an account (duck-typed: pk, username, full_name, active_role).

    Called inside the caller's transaction, so an action that rolls back leaves
    no entry claiming it happened.
    """
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        if request.user.is_authenticated:
            actor = request.user
    role = getattr(actor, "active_role", None) if actor is not None else None
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
        target_repr = target_repr or str(target)
    # Taking the head row's write lock first makes concurrent writers queue (row
    # lock on PostgreSQL, database write lock on SQLite) so the chain never forks.
    # Ids are assigned here, under that lock, so an entry is written exactly once
    # (UPDATE and DELETE on the table are refused by database triggers).
    AuditHead.objects.get_or_create(id=1)
    AuditHead.objects.filter(id=1).update(count=F("count") + 1)
    head = AuditHead.objects.get(id=1)
    entry = AuditEntry(
        id=head.last_id + 1,
        at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        actor_username=getattr(actor, "username", "") or actor_username,
        actor_name=getattr(actor, "full_name", "") or "",
        actor_role=getattr(role, "role", "") or "",
        ip=client_ip(request),
        action=action,
        target_type=str(target_type)[:60],
        target_id=str(target_id)[:64],
        target_repr=str(target_repr)[:200],
        result=result,
        detail=json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str)),
        prev_hash=head.last_hash,
    )
    entry.hash = entry_digest(head.last_hash, _chained_fields(entry))
    entry.save(force_insert=True)
    AuditHead.objects.filter(id=1).update(last_id=entry.pk, last_hash=entry.hash)
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str = ""


def audit_verify(*, chunk_size: int = 2000) -> VerifyResult:
    """Walk the chain in id order; report the first entry whose link or content was altered."""
    prev = GENESIS
    checked = 0
    last_id = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=chunk_size):
        if entry.prev_hash != prev:
            return VerifyResult(False, checked, entry.pk, "前一条记录的哈希不匹配（记录被删除、插入或改动）")
        if entry.hash != entry_digest(prev, _chained_fields(entry)):
            return VerifyResult(False, checked, entry.pk, "记录内容与其哈希不符（记录被改动）")
        prev = entry.hash
        last_id = entry.pk
        checked += 1
    head = AuditHead.objects.filter(id=1).first()
    if head is not None and (head.last_id != last_id or head.last_hash != prev):
        return VerifyResult(False, checked, head.last_id or None, "链尾与记录不符（最近的记录被删除）")
    return VerifyResult(True, checked)
