import pytest

from ganxun.audit.models import AuditEntry, AuditHead
from ganxun.audit.services import GENESIS, audit_record, audit_verify
from ganxun.testing import lift_audit_triggers

pytestmark = pytest.mark.django_db


def _record(n: int) -> list[AuditEntry]:
    return [audit_record(action="test.action", target_type="thing", target_id=i, detail={"i": i}) for i in range(n)]


def test_each_entry_carries_the_previous_hash():
    first, second, third = _record(3)
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert AuditHead.objects.get().last_hash == third.hash
    assert audit_verify().ok
    assert audit_verify().checked == 3


def test_it_records_who_from_where_what_and_result(cast, actor, rf):
    request = rf.get("/", REMOTE_ADDR="10.1.2.3")
    request.user = actor(cast.alice)
    entry = audit_record(action="cadre.update", request=request, target=cast.carol_cadre, result="success",
                         detail={"fields": ["phone"]})
    entry.refresh_from_db()
    assert (entry.actor_username, entry.actor_name, entry.actor_role) == ("alice", "艾丽", "org_dept_admin")
    assert entry.ip == "10.1.2.3"
    assert entry.target_type == "people.cadre"
    assert entry.target_id == str(cast.carol_cadre.pk)
    assert entry.detail == {"fields": ["phone"]}


def test_verify_reports_the_first_altered_entry():
    entries = _record(5)
    lift_audit_triggers()
    AuditEntry.objects.filter(pk=entries[2].pk).update(target_repr="forged")
    result = audit_verify()
    assert not result.ok
    assert result.first_broken_id == entries[2].pk
    assert result.checked == 2
    assert "改动" in result.reason


def test_verify_reports_a_deleted_entry_in_the_middle():
    entries = _record(4)
    lift_audit_triggers()
    AuditEntry.objects.filter(pk=entries[1].pk).delete()
    result = audit_verify()
    assert not result.ok
    assert result.first_broken_id == entries[2].pk


def test_verify_reports_deleted_entries_at_the_end():
    entries = _record(4)
    lift_audit_triggers()
    AuditEntry.objects.filter(pk=entries[-1].pk).delete()
    result = audit_verify()
    assert not result.ok
    assert "链尾" in result.reason


def test_a_recomputed_plain_hash_does_not_pass_without_the_key():
    import hashlib
    import json

    entries = _record(2)
    lift_audit_triggers()
    victim = entries[1]
    fields = {"forged": True}
    fake = hashlib.sha256((victim.prev_hash + json.dumps(fields)).encode()).hexdigest()
    AuditEntry.objects.filter(pk=victim.pk).update(actor_username="mallory", hash=fake)
    AuditHead.objects.filter(id=1).update(last_hash=fake)
    assert audit_verify().first_broken_id == victim.pk
