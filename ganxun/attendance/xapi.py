"""Attendance in the Learning Record Store: every attended session is an xAPI
`attended` statement, so the LRS holds the cadre's offline classes beside online study.

Statements go through `lrs.services.statements_store` with the platform's own client —
the same code path as any external client — inside the transaction that writes the
attendance record, so the two agree: a check-in that rolls back leaves no statement.

* a QR check-in, or a head teacher's record of present/late, stores one statement;
* a correction away from attendance (absent, leave) voids it; a correction between
  present and late voids it and stores the new one;
* ids are uuid5 over the record and its state, so a retried write stores nothing twice.

Cadres without an account have no agent identity on the platform: their records get
no statement (they cannot study online either).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from ganxun.attendance.models import AttendanceRecord
from ganxun.attendance.rules import session_start
from ganxun.attendance.selectors import ATTENDED
from ganxun.lrs.services import agent_for_account, lrs_system_client, statements_store

VERB_ATTENDED = {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"zh-CN": "出席", "en-US": "attended"}}
VERB_VOIDED = {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"zh-CN": "作废", "en-US": "voided"}}
ACTIVITY_MEETING = "http://adlnet.gov/expapi/activities/meeting"
ACTIVITY_COURSE = "http://adlnet.gov/expapi/activities/course"
NAMESPACE = uuid.UUID("6f1c0d52-3a43-5b7e-9d55-0e5f6b1a7c11")
BATCH = 1000


def _site() -> str:
    return settings.GANXUN_SITE_URL.rstrip("/")


def session_activity_id(session_id: int) -> str:
    return f"{_site()}/xapi/activities/class-session/{session_id}"


def class_activity_id(class_id: int) -> str:
    return f"{_site()}/xapi/activities/class/{class_id}"


def extension(name: str) -> str:
    return f"{_site()}/xapi/extensions/{name}"


def _statement_id(record: AttendanceRecord) -> str:
    stamp = record.updated_at.isoformat() if record.updated_at else ""
    return str(uuid.uuid5(NAMESPACE, f"attendance/{record.pk}/{record.status}/{record.method}/{stamp}"))


def attended_statement(record: AttendanceRecord, *, account=None) -> dict | None:
    """The statement of an attended record (present or late), or None when the record is
    not an attendance or the cadre has no account. `account` is the cadre's account when
    the caller has it at hand (a scan); otherwise it is read through the enrollment."""
    if record.status not in ATTENDED:
        return None
    if account is None:
        account = record.enrollment.cadre.person.account
    if account is None:
        return None
    session = record.session
    training_class = session.training_class
    when = record.checked_in_at or session_start(session)
    return {
        "id": _statement_id(record),
        "actor": agent_for_account(account),
        "verb": VERB_ATTENDED,
        "object": {"objectType": "Activity", "id": session_activity_id(session.pk),
                   "definition": {"type": ACTIVITY_MEETING, "name": {"zh-CN": session.title}}},
        "result": {"extensions": {extension("attendance-status"): record.status,
                                  extension("attendance-method"): record.method}},
        "context": {
            "platform": "干训平台",
            "language": "zh-CN",
            "contextActivities": {"parent": [{
                "objectType": "Activity", "id": class_activity_id(training_class.pk),
                "definition": {"type": ACTIVITY_COURSE, "name": {"zh-CN": training_class.title}}}]},
        },
        "timestamp": when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
    }


def _voiding_statement(statement_id: str, actor_account) -> dict:
    client = lrs_system_client()
    actor = agent_for_account(actor_account) if actor_account is not None else client.authority
    return {
        "id": str(uuid.uuid5(NAMESPACE, f"void/{statement_id}")),
        "actor": actor,
        "verb": VERB_VOIDED,
        "object": {"objectType": "StatementRef", "id": statement_id},
        "timestamp": timezone.now().astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
    }


def attendance_xapi_record(*, record: AttendanceRecord, actor=None, account=None) -> None:
    """Bring the LRS in line with one record after it was written (call inside the same
    transaction): void the old statement if the record no longer says what it said, and
    store the statement of its current state. `actor` is who changed it (for the voiding);
    `account` the cadre's account when known."""
    statement = attended_statement(record, account=account)
    old = str(record.xapi_statement_id) if record.xapi_statement_id else None
    new = statement["id"] if statement else None
    if old == new:
        return
    client = lrs_system_client()
    batch = []
    if old is not None:
        batch.append(_voiding_statement(old, actor))
    if statement is not None:
        batch.append(statement)
    statements_store(client=client, statements=batch)
    record.xapi_statement_id = new
    AttendanceRecord.objects.filter(pk=record.pk).update(xapi_statement_id=new)


def _chunked(records: QuerySet) -> Iterable[list[AttendanceRecord]]:
    chunk: list[AttendanceRecord] = []
    for record in records.iterator(chunk_size=BATCH):
        chunk.append(record)
        if len(chunk) == BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def attendance_xapi_sync(*, records: QuerySet | None = None) -> int:
    """Store the statements of attended records that have none yet (records written
    before the LRS existed, the demo city's history). Idempotent; returns how many
    statements were stored. Batches of 1,000, each one transaction."""
    from django.db import transaction

    records = (records if records is not None else AttendanceRecord.objects.all()).filter(
        status__in=ATTENDED, xapi_statement_id__isnull=True,
        enrollment__cadre__person__account__isnull=False,
    ).select_related("session__training_class", "enrollment__cadre__person__account").order_by("pk")
    client = lrs_system_client()
    stored = 0
    for chunk in _chunked(records):
        statements = [(record, attended_statement(record)) for record in chunk]
        statements = [(record, s) for record, s in statements if s is not None]
        if not statements:
            continue
        with transaction.atomic():
            statements_store(client=client, statements=[s for _, s in statements])
            for record, statement in statements:
                record.xapi_statement_id = statement["id"]
            AttendanceRecord.objects.bulk_update([record for record, _ in statements], ["xapi_statement_id"],
                                                 batch_size=500)
        stored += len(statements)
    return stored
