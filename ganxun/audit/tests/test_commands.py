"""`audit_verify` for cron: exit status and message, and the append-only triggers it relies on."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from ganxun.audit.models import AuditEntry
from ganxun.audit.services import audit_record
from ganxun.testing import lift_audit_triggers

pytestmark = pytest.mark.django_db


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def record(n: int) -> list[AuditEntry]:
    return [audit_record(action="test.action", target_type="thing", target_id=i) for i in range(n)]


def test_an_intact_chain_exits_zero_and_says_how_many_entries():
    record(4)
    assert run("audit_verify").strip() == "intact: 4 entries"


def test_the_check_is_recorded_after_the_walk():
    record(2)
    run("audit_verify")
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.action, entry.result, entry.actor_username[:4]) == ("audit.verify", "success", "cli:")
    assert entry.detail["checked"] == 2
    # The new entry is itself chained: the next check counts it and still passes.
    assert run("audit_verify").strip() == "intact: 3 entries"


def test_no_record_leaves_the_trail_untouched():
    record(2)
    run("audit_verify", no_record=True)
    assert AuditEntry.objects.count() == 2


def test_a_tampered_entry_exits_one_and_names_the_entry():
    entries = record(5)
    lift_audit_triggers()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET target_repr = 'x' WHERE id = %s", [entries[3].pk])

    with pytest.raises(CommandError) as refused:
        run("audit_verify")

    assert refused.value.returncode == 1
    assert f"id={entries[3].pk}" in str(refused.value)
    assert "改动" in str(refused.value)
    failure = AuditEntry.objects.filter(action="audit.verify").get()
    assert failure.result == "failure"
    assert failure.detail["first_broken_id"] == entries[3].pk


def test_the_triggers_refuse_orm_updates_and_deletes():
    entry = record(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(target_repr="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.target_repr == ""
    assert run("audit_verify", no_record=True).strip() == "intact: 1 entries"
