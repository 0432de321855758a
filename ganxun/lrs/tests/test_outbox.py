"""The outbox of our own statements: what the LRS did not store when emitted is kept in the
caller's transaction and re-sent (job, command) with backoff until stored or given up."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from ganxun.audit.models import AuditEntry
from ganxun.coursework import services as coursework
from ganxun.coursework.tests.helpers import answer_all, complete, make_test
from ganxun.credits.models import CreditRecord
from ganxun.learning import statements
from ganxun.learning.models import StudyProgress
from ganxun.learning.statements import statement_id
from ganxun.learning.tests.helpers import Player, make_course
from ganxun.lrs import outbox, services
from ganxun.lrs.jobs import lrs_outbox_resend
from ganxun.lrs.models import StatementOutbox, XapiStatement
from ganxun.lrs.outbox import outbox_enqueue, outbox_purge_sent, outbox_resend_due
from ganxun.lrs.services import lrs_system_client, statements_store
from ganxun.lrs.tests.factories import make_statement
from ganxun.testing import with_role

pytestmark = pytest.mark.django_db

T = timezone.make_aware(dt.datetime(2026, 6, 1, 9, 0))
MIN = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Course media of the builders go to a temporary folder, never into var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def committed(transactional_db):
    """Real commits (no test transaction around the test). On SQLite the flush after the test
    would DELETE rows that the append-only triggers (audit trail, credit ledger) refuse, and it
    does not know the course search table: empty the database here with the triggers lifted and
    put them back, all in one transaction. PostgreSQL's flush (TRUNCATE) needs none of it.

    The data that migrations write (the default conversion rule, the topic taxonomy) is written
    again first: an earlier transactional test of the same worker may have flushed it away.
    (serialized_rollback would restore it too, but collides with the content types that a
    flush by any other transactional test recreates.)"""
    from importlib import import_module

    from django.apps import apps

    import_module("ganxun.learning.migrations.0002_search_index_and_default_rule").default_rule(apps, None)
    import_module("ganxun.topics.migrations.0002_seed_topics").seed(apps, None)
    yield
    if connection.vendor != "sqlite":
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        triggers = cursor.fetchall()
        for name, _ in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'learning_course_fts'")
        if cursor.fetchone():
            cursor.execute("DELETE FROM learning_course_fts")
        for _, sql in triggers:
            cursor.execute(sql)


class BrokenLrs:
    """`statements_store` that fails while `down`: by default after a real failed query, which
    leaves the transaction as a lost table or a deadlock would (PostgreSQL refuses every further
    query until a rollback); with `error`, by raising it. Behaves as the real one when up."""

    def __init__(self, monkeypatch, error: Exception | None = None):
        self.real = services.statements_store
        self.error = error
        self.down = True
        self.calls = 0
        monkeypatch.setattr(services, "statements_store", self)

    def __call__(self, **kwargs):
        self.calls += 1
        if self.down:
            if self.error is not None:
                raise self.error
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM lrs_table_that_is_gone")
        return self.real(**kwargs)


def _stored_ids() -> set[str]:
    return {str(sid) for sid in XapiStatement.objects.values_list("statement_id", flat=True)}


def _outbox_ids() -> set[str]:
    return {str(sid) for sid in StatementOutbox.objects.values_list("statement_id", flat=True)}


def _enqueue(*statements_, now=T, error="LRS 503: 维护中") -> list[StatementOutbox]:
    outbox_enqueue(statements=list(statements_), source="tests.outbox", error=error, now=now)
    return list(StatementOutbox.objects.filter(statement_id__in=[s["id"] for s in statements_]).order_by("id"))


# --- emit: the credit stands, the statement waits in the outbox --------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_failed_store_in_a_heartbeat_commits_the_credit_and_the_outbox_rows(committed, cast, settings, monkeypatch):
    settings.GANXUN_STUDY_PROGRESS_STATEMENT_MINUTES = 1
    course = make_course(cast, minutes=10, video_seconds=200)
    lrs = BrokenLrs(monkeypatch)
    player = Player(cast.carol, course)  # launched: fails
    credited = player.play(2)  # progressed at the first heartbeat: fails
    assert not connection.in_atomic_block  # the heartbeat's transaction is over: committed
    progress = StudyProgress.objects.get(account=cast.carol)
    assert credited == 60 and progress.credited_seconds == 60
    launched, progressed = (statement_id("launched", player.session.token),
                            statement_id("progressed", player.session.token, 1))
    assert _outbox_ids() == {launched, progressed}
    row = StatementOutbox.objects.get(statement_id=progressed)
    assert row.source == "learning.statements.progressed" and row.attempts == 1
    assert row.statement["result"]["extensions"][statements.credited_extension()] == 30
    assert "lrs_table_that_is_gone" in row.last_error and row.next_attempt_at == row.created_at + 10 * MIN
    assert not XapiStatement.objects.exists() and lrs.calls == 2

    lrs.down = False
    run = outbox_resend_due(now=timezone.now() + 11 * MIN)
    assert (run.sent, run.retrying, run.given_up) == (2, 0, 0)
    assert _stored_ids() == {launched, progressed}
    assert not StatementOutbox.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_failed_store_in_a_test_submission_commits_the_score_the_bonus_and_the_outbox_rows(committed, cast,
                                                                                            monkeypatch):
    course = make_course(cast, minutes=1)
    make_test(cast, course, draw=5, pass_mark=60)
    complete(cast.carol, course)
    carol = with_role(cast.carol)
    attempt, _ = coursework.attempt_start(actor=carol, course=course, now=timezone.now())
    BrokenLrs(monkeypatch)
    coursework.attempt_submit(actor=carol, attempt=attempt, answers=answer_all(attempt), now=timezone.now())
    assert not connection.in_atomic_block
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and attempt.passed
    assert CreditRecord.objects.filter(cadre=cast.carol_cadre, source_ref__startswith="course-test:").count() == 1
    rows = list(StatementOutbox.objects.all())
    assert len(rows) == 6  # one answered per question and passed, kept as one row each
    assert {r.source for r in rows} == {"coursework.statements.attempt_result"}
    assert statement_id("passed", attempt.pk) in _outbox_ids()
    assert {r.statement["verb"]["id"].rsplit("/", 1)[1] for r in rows} == {"answered", "passed"}


def test_an_emission_retried_while_the_lrs_fails_keeps_one_row_with_the_newer_error(cast, monkeypatch):
    course = make_course(cast)
    player = Player(cast.carol, course)  # launched is stored
    progress = StudyProgress.objects.get(account=cast.carol)
    BrokenLrs(monkeypatch, error=OperationalError("database is locked"))
    assert statements.emit(statements.launched, session=player.session, progress=progress) is False
    BrokenLrs(monkeypatch, error=OperationalError("could not serialize access"))
    assert statements.emit(statements.launched, session=player.session, progress=progress) is False
    [row] = StatementOutbox.objects.all()
    assert str(row.statement_id) == statement_id("launched", player.session.token)
    assert row.last_error == "OperationalError: could not serialize access" and row.attempts == 1


def test_a_builder_that_fails_is_logged_and_nothing_is_kept(cast, caplog):
    def broken_builder(**kwargs):
        raise KeyError("course")

    assert statements.emit(broken_builder) is False
    assert not StatementOutbox.objects.exists() and not XapiStatement.objects.exists()
    assert "broken_builder could not be built" in caplog.text


def test_a_statement_without_an_id_gets_one_so_that_re_sending_stores_it_once(cast):
    statement = make_statement()
    del statement["id"]
    outbox_enqueue(statements=[statement], source="tests.outbox", error="boom", now=T)
    [row] = StatementOutbox.objects.all()
    assert row.statement["id"] == str(row.statement_id)
    assert outbox_resend_due(now=T + 10 * MIN).sent == 1
    assert _stored_ids() == {str(row.statement_id)}


# --- the job: re-send, backoff, give up -------------------------------------------------------

def test_the_job_waits_until_a_row_is_due_then_stores_it_and_marks_it_sent(cast):
    [row] = _enqueue(make_statement())
    assert outbox_resend_due(now=T + 9 * MIN).tried == 0
    run = outbox_resend_due(now=T + 10 * MIN)
    assert (run.sent, run.retrying, run.given_up) == (1, 0, 0)
    row.refresh_from_db()
    assert row.sent_at == T + 10 * MIN and row.next_attempt_at is None and row.attempts == 2
    assert _stored_ids() == {str(row.statement_id)}
    assert outbox_resend_due(now=T + 20 * MIN).tried == 0  # sent rows are not sent again


def test_the_periodic_task_sends_due_rows(cast):
    [row] = _enqueue(make_statement(), now=timezone.now() - dt.timedelta(hours=1))
    run = lrs_outbox_resend.call_local()
    assert run.sent == 1
    row.refresh_from_db()
    assert row.sent_at is not None and _stored_ids() == {str(row.statement_id)}


def test_a_failing_row_backs_off_10_min_30_min_2_h_6_h_then_daily_and_is_given_up_after_7_days(cast, monkeypatch):
    [row] = _enqueue(make_statement())
    lrs = BrokenLrs(monkeypatch, error=OperationalError("connection refused"))
    gaps = [row.next_attempt_at - row.created_at]
    while True:
        now = row.next_attempt_at
        assert outbox_resend_due(now=now - MIN).tried == 0  # not before it is due
        run = outbox_resend_due(now=now)
        row.refresh_from_db()
        if row.given_up_at is not None:
            break
        assert run.retrying == 1
        gaps.append(row.next_attempt_at - now)
    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)
    assert gaps == [10 * MIN, 30 * MIN, 2 * hour, 6 * hour] + [day] * 7
    # given up at the first failure 7 days or more after the emission, with its error kept
    assert run.given_up == 1 and row.given_up_at - row.created_at == 7 * day + 8 * hour + 40 * MIN
    assert row.attempts == 12 and lrs.calls == 11
    assert row.last_error == "OperationalError: connection refused" and row.next_attempt_at is None
    assert outbox_resend_due(now=row.given_up_at + 30 * day).tried == 0  # no more automatic tries
    assert StatementOutbox.objects.filter(pk=row.pk, sent_at__isnull=True).exists()  # the row is kept


def test_a_statement_the_lrs_refuses_is_given_up_at_once_and_the_rest_of_the_batch_is_sent(cast):
    good = [make_statement(), make_statement()]
    bad = make_statement(verb="not an iri")
    _enqueue(good[0], bad, good[1])
    run = outbox_resend_due(now=T + 10 * MIN)
    assert (run.sent, run.retrying, run.given_up) == (2, 0, 1)
    assert _stored_ids() == {good[0]["id"], good[1]["id"]}
    row = StatementOutbox.objects.get(statement_id=bad["id"])
    assert row.given_up_at == T + 10 * MIN and row.last_error.startswith("LRS 400: ") and "verb.id" in row.last_error


def test_a_statement_stored_meanwhile_is_marked_sent_and_stored_once(cast):
    statement = make_statement()
    [row] = _enqueue(statement)
    statements_store(client=lrs_system_client(), statements=[json.loads(json.dumps(statement))])
    assert outbox_resend_due(now=T + 10 * MIN).sent == 1
    row.refresh_from_db()
    assert row.sent_at is not None
    assert XapiStatement.objects.filter(statement_id=statement["id"]).count() == 1


def test_a_statement_stored_meanwhile_with_other_content_is_given_up_with_the_409(cast):
    statement = make_statement()
    [row] = _enqueue(statement)
    statements_store(client=lrs_system_client(), statements=[{**statement, "object": {"id": "http://example.com/x"}}])
    assert outbox_resend_due(now=T + 10 * MIN).given_up == 1
    row.refresh_from_db()
    assert row.given_up_at is not None and row.last_error.startswith("LRS 409: ")


def test_sent_rows_are_deleted_after_30_days_and_the_others_kept(cast):
    sent, pending = _enqueue(make_statement(), make_statement())
    StatementOutbox.objects.filter(pk=sent.pk).update(sent_at=T, next_attempt_at=None)
    assert outbox_purge_sent(now=T + dt.timedelta(days=30) - MIN) == 0
    assert outbox_purge_sent(now=T + dt.timedelta(days=30, minutes=1)) == 1
    assert list(StatementOutbox.objects.values_list("pk", flat=True)) == [pending.pk]


def test_the_backoff_schedule():
    assert [outbox.backoff(n) for n in range(1, 8)] == [
        dt.timedelta(minutes=10), dt.timedelta(minutes=30), dt.timedelta(hours=2), dt.timedelta(hours=6),
        dt.timedelta(days=1), dt.timedelta(days=1), dt.timedelta(days=1)]


# --- the operator's command ---------------------------------------------------------------------

def _run_command(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("lrs_outbox_send", *args, stdout=out)
    return out.getvalue()


def test_the_command_sends_due_rows_or_all_and_given_up_ones_on_request(cast):
    due, later, given_up = _enqueue(make_statement(), make_statement(), make_statement(),
                                    now=timezone.now() - 11 * MIN)
    StatementOutbox.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + dt.timedelta(hours=1))
    StatementOutbox.objects.filter(pk=given_up.pk).update(next_attempt_at=None, given_up_at=timezone.now())
    assert _run_command().startswith("tried 1: sent 1,")
    assert _stored_ids() == {str(due.statement_id)}
    assert _run_command("--all").startswith("tried 1: sent 1,")
    assert _stored_ids() == {str(due.statement_id), str(later.statement_id)}
    assert "; 0 pending" in _run_command("--given-up")
    assert len(_stored_ids()) == 3 and not StatementOutbox.objects.filter(sent_at__isnull=True).exists()
    entries = AuditEntry.objects.filter(action="lrs_outbox.resend_all").order_by("id")
    assert [e.detail["mode"] for e in entries] == ["due", "all", "given_up"]
    assert entries[0].actor_username.startswith("cli:") and entries[0].detail["sent"] == 1


def test_the_command_fails_when_a_row_fails_and_refuses_a_bad_limit(cast, monkeypatch):
    _enqueue(make_statement(), now=timezone.now() - 11 * MIN)
    BrokenLrs(monkeypatch, error=OperationalError("connection refused"))
    with pytest.raises(CommandError, match="1 statement"):
        _run_command()
    with pytest.raises(CommandError, match="--limit"):
        _run_command("--limit", "0")
    assert StatementOutbox.objects.get().attempts == 2


def test_an_outbox_row_that_cannot_be_written_is_logged_and_never_raises(cast, caplog):
    broken = {"id": str(uuid.uuid4()), "verb": {"id": "http://example.com/v"}, "bad": {1, 2}}  # a set: no JSON
    assert outbox_enqueue(statements=[broken], source="tests.outbox", error="boom", now=T) == 0
    assert not StatementOutbox.objects.exists()
    assert "lost" in caplog.text
