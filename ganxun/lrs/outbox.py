"""The outbox of our own xAPI statements: what the LRS refused or failed to store when one of our
pages emitted it (learning.statements.emit), kept and re-sent until it is stored.

* `outbox_enqueue` — called by `emit` after the failed savepoint rolled back, inside the caller's
  transaction, so the learner's credit and the outbox row commit (or roll back) together. One row
  per statement id: ids are deterministic (uuid5 over what a statement records), so an emission
  retried while the LRS still fails adds nothing, and a re-send stores at most one copy.
* `outbox_resend_due` — the job `lrs_outbox_resend` (every 10 minutes, lrs.jobs): the pending rows
  whose next attempt is due, in batches of `BATCH` (one `statements_store` call each; when the
  LRS refuses a batch because of one statement, each is tried alone). A row the LRS accepts —
  also as "already stored with equal content" — is marked sent. A failed row waits
  `backoff(attempts)`: 10 min, 30 min, 2 h, 6 h, then a day. It is given up (kept with its last
  error, no more automatic tries) when a try fails `GIVE_UP_AFTER` (7 days) or more after the
  emission, or at once when the LRS refuses the statement itself (400 invalid, 409 stored with
  other content): sending the same JSON again cannot change that answer.
* `outbox_resend_now` — the system administrator's "立即重发" of one row or of every row not sent
  (pending and given up), audited. A given-up row that fails again stays given up.
* `outbox_purge_sent` — rows sent more than `KEEP_SENT` (30 days) ago are deleted by the job.

Rows are locked while they are sent (`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL), so the
job, the command and the page never send the same row twice at once; were they to, the LRS
would store it once anyway.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ganxun.access import scope
from ganxun.audit.services import audit_record
from ganxun.core.errors import NotFound
from ganxun.lrs.http import XapiError
from ganxun.lrs.models import StatementOutbox

logger = logging.getLogger(__name__)

PERMISSION = "lrs.manage"  # the same as the client pages (lrs.clients.PERMISSION)
BACKOFF = (dt.timedelta(minutes=10), dt.timedelta(minutes=30), dt.timedelta(hours=2), dt.timedelta(hours=6))
BACKOFF_AFTER = dt.timedelta(days=1)
GIVE_UP_AFTER = dt.timedelta(days=7)
KEEP_SENT = dt.timedelta(days=30)
BATCH = 500  # statements per statements_store call
RUN_LIMIT = 5000  # rows per job run or per click of "resend all"; the rest waits for the next one
ERROR_CHARS = 2000
# Refusals about the statement itself: the same JSON gets the same answer however often it is sent.
PERMANENT_STATUSES = frozenset({400, 409})
# Statement ids of invalid or missing ids (the LRS refuses those; the row still needs a key).
_FALLBACK_NAMESPACE = uuid.UUID("2b7d1f5e-8c0a-5d3e-9f61-6f7574626f78")

STATUS_PENDING = "pending"
STATUS_GIVEN_UP = "given_up"
STATUSES = (STATUS_PENDING, STATUS_GIVEN_UP)


@dataclass(frozen=True)
class OutboxRun:
    """What one run did: rows stored now, rows that failed and wait for another try, rows that
    failed and are (or stay) given up."""

    sent: int = 0
    retrying: int = 0
    given_up: int = 0

    @property
    def tried(self) -> int:
        return self.sent + self.retrying + self.given_up

    def __add__(self, other: OutboxRun) -> OutboxRun:
        return OutboxRun(self.sent + other.sent, self.retrying + other.retrying, self.given_up + other.given_up)


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed try (the failed emission is the first)."""
    return BACKOFF[attempts - 1] if 1 <= attempts <= len(BACKOFF) else BACKOFF_AFTER


def error_text(exc: BaseException) -> str:
    if isinstance(exc, XapiError):
        text = f"LRS {exc.status}: {exc.message}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text[:ERROR_CHARS]


def _is_permanent(exc: BaseException) -> bool:
    return isinstance(exc, XapiError) and exc.status in PERMANENT_STATUSES


def _key(statement) -> uuid.UUID:
    """The row's statement id: the statement's own, else one derived from its JSON."""
    from ganxun.lrs.services import dumps

    raw = statement.get("id") if isinstance(statement, dict) else None
    try:
        return uuid.UUID(str(raw)) if raw else uuid.uuid5(_FALLBACK_NAMESPACE, dumps(statement))
    except ValueError:
        return uuid.uuid5(_FALLBACK_NAMESPACE, dumps(statement))


# --- selectors ---------------------------------------------------------------------------------

def outbox_list_for(actor, *, status: str = STATUS_PENDING) -> QuerySet[StatementOutbox]:
    """Rows not sent: pending ones in the order they are due, given-up ones newest first."""
    scope.require(actor, PERMISSION)
    if status == STATUS_GIVEN_UP:
        return StatementOutbox.objects.filter(sent_at__isnull=True, given_up_at__isnull=False) \
            .order_by("-given_up_at", "-id")
    return StatementOutbox.objects.filter(sent_at__isnull=True, given_up_at__isnull=True) \
        .order_by("next_attempt_at", "id")


def outbox_counts_for(actor) -> dict[str, int]:
    scope.require(actor, PERMISSION)
    rows = StatementOutbox.objects.filter(sent_at__isnull=True)
    given_up = rows.filter(given_up_at__isnull=False).count()
    return {STATUS_PENDING: rows.count() - given_up, STATUS_GIVEN_UP: given_up}


def outbox_entry_get_for(actor, pk) -> StatementOutbox:
    """One row not sent yet (a sent row is no longer on the page: 404 like a missing one)."""
    scope.require(actor, PERMISSION)
    try:
        return StatementOutbox.objects.get(pk=int(pk), sent_at__isnull=True)
    except (StatementOutbox.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


# --- services ----------------------------------------------------------------------------------

def outbox_enqueue(*, statements: list, source: str, error: BaseException | str,
                   now: dt.datetime | None = None) -> int:
    """Keep statements the LRS did not store, to be re-sent from `now + backoff(1)`; returns how
    many rows were added. Call it in the caller's transaction after the failed savepoint rolled
    back. A statement id already in the outbox and not sent gets the newer error; one already
    sent is left alone (the LRS holds that id). Never raises: a failure here is logged, and the
    caller's work stands."""
    now = now or timezone.now()
    text = error if isinstance(error, str) else error_text(error)
    try:
        with transaction.atomic():
            keyed: dict[uuid.UUID, dict] = {}
            for statement in statements:
                key = _key(statement)
                if isinstance(statement, dict) and not statement.get("id"):
                    # Pin the id a re-send will use, so the LRS stores it once however often sent.
                    statement = {**statement, "id": str(key)}
                keyed[key] = statement
            known = set(StatementOutbox.objects.filter(statement_id__in=list(keyed))
                        .values_list("statement_id", flat=True))
            StatementOutbox.objects.bulk_create([
                StatementOutbox(statement_id=key, statement=statement, source=source[:120], attempts=1,
                                last_error=text[:ERROR_CHARS], created_at=now, next_attempt_at=now + backoff(1))
                for key, statement in keyed.items() if key not in known
            ], ignore_conflicts=True)  # a row another worker added meanwhile stays as it is
            if known:
                StatementOutbox.objects.filter(statement_id__in=known, sent_at__isnull=True) \
                    .update(last_error=text[:ERROR_CHARS])
    except Exception:
        logger.error("xAPI statements of %s could not be kept in the outbox either: they are lost",
                     source, exc_info=True)
        return 0
    return len(keyed) - len(known)


def _store(rows: list[StatementOutbox]) -> tuple[list[StatementOutbox], list[tuple[StatementOutbox, BaseException]]]:
    """Send the rows' statements: (rows stored, rows failed with their error). Each call to the
    LRS runs in a savepoint, so a failure leaves the transaction usable."""
    from ganxun.lrs.services import lrs_system_client, statements_store

    client = lrs_system_client()
    try:
        with transaction.atomic():
            statements_store(client=client, statements=[row.statement for row in rows])
        return rows, []
    except Exception as exc:
        if len(rows) == 1 or not _is_permanent(exc):
            # Not about one statement (the LRS or the database failed): it fails them all alike.
            return [], [(row, exc) for row in rows]
    sent, failed = [], []
    for row in rows:  # one statement refused the batch: find it, send the others
        try:
            with transaction.atomic():
                statements_store(client=client, statements=[row.statement])
        except Exception as exc:
            failed.append((row, exc))
        else:
            sent.append(row)
    return sent, failed


def _record(sent: list[StatementOutbox], failed: list[tuple[StatementOutbox, BaseException]],
            now: dt.datetime) -> OutboxRun:
    for row in sent:
        row.attempts += 1
        row.sent_at, row.next_attempt_at, row.given_up_at = now, None, None
    retrying = given_up = 0
    for row, exc in failed:
        row.attempts += 1
        row.last_error = error_text(exc)
        if row.given_up_at is not None:
            given_up += 1  # an operator's try of a given-up row: it stays given up
        elif _is_permanent(exc) or now - row.created_at >= GIVE_UP_AFTER:
            row.given_up_at, row.next_attempt_at = now, None
            given_up += 1
            logger.warning("xAPI statement %s (%s) given up after %s tries: %s", row.statement_id, row.source,
                           row.attempts, row.last_error)
        else:
            row.next_attempt_at = now + backoff(row.attempts)
            retrying += 1
    rows = sent + [row for row, _ in failed]
    if rows:
        StatementOutbox.objects.bulk_update(
            rows, ["attempts", "last_error", "next_attempt_at", "sent_at", "given_up_at"], batch_size=BATCH)
    return OutboxRun(sent=len(sent), retrying=retrying, given_up=given_up)


def _resend_where(condition: Q, *, now: dt.datetime, limit: int) -> OutboxRun:
    """Send the rows matching `condition` in id order, one transaction per batch, at most `limit`."""
    total = OutboxRun()
    after = 0
    while total.tried < limit:
        with transaction.atomic():
            rows = list(StatementOutbox.objects.select_for_update(skip_locked=True)
                        .filter(condition, sent_at__isnull=True, pk__gt=after)
                        .order_by("pk")[:min(BATCH, limit - total.tried)])
            if not rows:
                break
            after = rows[-1].pk
            total += _record(*_store(rows), now)
    return total


def outbox_resend_due(*, now: dt.datetime | None = None, limit: int = RUN_LIMIT) -> OutboxRun:
    """The job's work: send the pending rows whose next attempt is due."""
    now = now or timezone.now()
    run = _resend_where(Q(given_up_at__isnull=True, next_attempt_at__lte=now), now=now, limit=limit)
    if run.tried:
        logger.info("xAPI outbox: %s sent, %s to retry, %s given up", run.sent, run.retrying, run.given_up)
    return run


def outbox_resend_all(*, now: dt.datetime | None = None, limit: int = RUN_LIMIT,
                      include_given_up: bool = True) -> OutboxRun:
    """Send every row not sent yet, due or not (the operator's command and page)."""
    now = now or timezone.now()
    condition = Q() if include_given_up else Q(given_up_at__isnull=True)
    return _resend_where(condition, now=now, limit=limit)


@transaction.atomic
def outbox_resend_now(*, actor, entry: StatementOutbox | None = None, request=None,
                      now: dt.datetime | None = None) -> OutboxRun:
    """The system administrator's "立即重发": one row (`entry`), or every row not sent (at most
    `RUN_LIMIT` per call). Audited with what it did. A row sent meanwhile is left alone."""
    scope.require(actor, PERMISSION)
    now = now or timezone.now()
    if entry is not None:
        run = _resend_where(Q(pk=entry.pk), now=now, limit=1)
        audit_record(action="lrs_outbox.resend", request=request, actor=actor, target=entry, detail={
            "statement_id": str(entry.statement_id), "source": entry.source, "sent": run.sent,
            "retrying": run.retrying, "given_up": run.given_up,
        })
    else:
        run = outbox_resend_all(now=now)
        audit_record(action="lrs_outbox.resend_all", request=request, actor=actor,
                     target_type=StatementOutbox._meta.label_lower, target_repr="全部未发送的语句", detail={
                         "sent": run.sent, "retrying": run.retrying, "given_up": run.given_up,
                     })
    return run


def outbox_purge_sent(*, now: dt.datetime | None = None) -> int:
    """Delete rows sent more than `KEEP_SENT` ago; returns how many."""
    now = now or timezone.now()
    deleted, _ = StatementOutbox.objects.filter(sent_at__lt=now - KEEP_SENT).delete()
    return deleted
