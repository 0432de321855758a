"""The system administrator's page of the statement outbox (/manage/lrs/outbox/)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from ganxun.audit.models import AuditEntry
from ganxun.lrs import services
from ganxun.lrs.models import StatementOutbox, XapiStatement
from ganxun.lrs.outbox import outbox_enqueue
from ganxun.lrs.tests.factories import SITE, make_statement

pytestmark = pytest.mark.django_db

PAGE = reverse("lrs_manage:outbox")
RESEND_ALL = reverse("lrs_manage:outbox_resend_all")
AGO = dt.timedelta(hours=1)


def _row(*, username: str = "carol", name: str = "卡萝", verb: str = "http://adlnet.gov/expapi/verbs/completed",
         label: str = "完成", error: str = "LRS 503: 维护中", given_up: bool = False) -> StatementOutbox:
    statement = make_statement(actor={"objectType": "Agent", "name": name,
                                      "account": {"homePage": SITE, "name": username}},
                               verb=verb)
    statement["verb"]["display"] = {"zh-CN": label, "en-US": verb.rsplit("/", 1)[1]}
    outbox_enqueue(statements=[statement], source="learning.statements.completed", error=error,
                   now=timezone.now() - AGO)
    row = StatementOutbox.objects.get(statement_id=statement["id"])
    if given_up:
        StatementOutbox.objects.filter(pk=row.pk).update(given_up_at=timezone.now(), next_attempt_at=None)
        row.refresh_from_db()
    return row


def _lrs_down(monkeypatch, message: str = "connection refused"):
    def refuse(**kwargs):
        raise OperationalError(message)

    monkeypatch.setattr(services, "statements_store", refuse)


def test_it_lists_pending_statements_with_the_actor_masked_where_it_looks_personal(cast, login):
    _row(username="13812345678", name="卡萝", error="LRS 503: 学习记录库维护中")
    _row(username="330102198005171234", name="张伟", label="学习进度")
    _row(username="bob", name="包波", label="启动", given_up=True)
    page = login(cast.sam).get(PAGE).content.decode()
    assert "卡萝（138****5678）" in page and "13812345678" not in page
    assert "张伟（330***********1234）" in page and "330102198005171234" not in page
    assert "完成" in page and "学习进度" in page and "LRS 503: 学习记录库维护中" in page
    assert "包波" not in page  # given up: on the other tab
    given_up = login(cast.sam).get(PAGE, {"status": "given_up"}).content.decode()
    assert "包波（bob）" in given_up and "卡萝" not in given_up


def test_the_client_list_links_to_the_outbox_with_its_count(cast, login):
    _row()
    _row(given_up=True)
    page = login(cast.sam).get(reverse("lrs_manage:client_list")).content.decode()
    assert PAGE in page and ">2</span>" in page


@pytest.mark.parametrize("persona", ["charlie", "alice", "sec", "aud", "carol"])
def test_it_refuses_the_page_and_its_actions_to_other_roles(cast, login, persona):
    row = _row()
    browser = login(getattr(cast, persona))
    assert browser.get(PAGE).status_code == 403
    assert browser.post(reverse("lrs_manage:outbox_resend", args=[row.pk])).status_code == 403
    assert browser.post(RESEND_ALL).status_code == 403
    row.refresh_from_db()
    assert row.sent_at is None and row.attempts == 1 and not XapiStatement.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="lrs_outbox.").exists()


def test_it_sends_an_anonymous_visitor_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_it_answers_404_for_an_unknown_or_already_sent_row(cast, login):
    row = _row()
    StatementOutbox.objects.filter(pk=row.pk).update(sent_at=timezone.now(), next_attempt_at=None)
    browser = login(cast.sam)
    assert browser.post(reverse("lrs_manage:outbox_resend", args=[999999])).status_code == 404
    assert browser.post(reverse("lrs_manage:outbox_resend", args=[row.pk])).status_code == 404
    assert browser.get(reverse("lrs_manage:outbox_resend", args=[row.pk])).status_code == 405


def test_resending_one_now_stores_it_marks_it_sent_and_audits_it(cast, login):
    row, other = _row(), _row(given_up=True)
    response = login(cast.sam).post(reverse("lrs_manage:outbox_resend", args=[row.pk]), {"status": "pending"},
                                    follow=True)
    assert "已重发，学习记录库已保存" in response.content.decode()
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 2
    assert [str(s) for s in XapiStatement.objects.values_list("statement_id", flat=True)] == [str(row.statement_id)]
    other.refresh_from_db()
    assert other.sent_at is None  # only the one asked for
    entry = AuditEntry.objects.get(action="lrs_outbox.resend")
    assert entry.actor_username == "sam" and entry.target_id == str(row.pk)
    assert entry.detail["statement_id"] == str(row.statement_id) and entry.detail["sent"] == 1


def test_a_failed_resend_now_says_why_and_when_it_is_tried_again(cast, login, monkeypatch):
    row = _row()
    _lrs_down(monkeypatch, "database is locked")
    response = login(cast.sam).post(reverse("lrs_manage:outbox_resend", args=[row.pk]), follow=True)
    page = response.content.decode()
    assert "重发失败：OperationalError: database is locked" in page and "自动再试" in page
    row.refresh_from_db()
    assert row.sent_at is None and row.given_up_at is None and row.attempts == 2
    assert row.next_attempt_at > timezone.now() + dt.timedelta(minutes=29)  # the second failure waits 30 min
    assert AuditEntry.objects.get(action="lrs_outbox.resend").detail["retrying"] == 1


def test_a_given_up_row_that_fails_again_stays_given_up(cast, login, monkeypatch):
    row = _row(given_up=True)
    _lrs_down(monkeypatch)
    response = login(cast.sam).post(reverse("lrs_manage:outbox_resend", args=[row.pk]), {"status": "given_up"})
    assert response.status_code == 302 and response["Location"].endswith("?status=given_up")
    row.refresh_from_db()
    assert row.given_up_at is not None and row.next_attempt_at is None and row.attempts == 2
    assert row.last_error == "OperationalError: connection refused"


def test_resending_all_now_sends_pending_and_given_up_rows_and_audits_the_run(cast, login):
    rows = [_row(), _row(), _row(given_up=True)]
    StatementOutbox.objects.filter(pk=rows[1].pk).update(next_attempt_at=timezone.now() + dt.timedelta(hours=5))
    response = login(cast.sam).post(RESEND_ALL, follow=True)
    assert "已重发 3 条：成功 3 条。" in response.content.decode()
    assert not StatementOutbox.objects.filter(sent_at__isnull=True).exists()
    assert XapiStatement.objects.count() == 3
    entry = AuditEntry.objects.get(action="lrs_outbox.resend_all")
    assert entry.actor_username == "sam" and entry.detail == {"sent": 3, "retrying": 0, "given_up": 0}
    again = login(cast.sam).post(RESEND_ALL, follow=True)
    assert "没有待重发的语句" in again.content.decode()


def test_resending_all_reports_the_failures(cast, login, monkeypatch):
    _row(), _row(given_up=True)
    _lrs_down(monkeypatch)
    page = login(cast.sam).post(RESEND_ALL, follow=True).content.decode()
    assert "已重发 2 条：成功 0 条，1 条失败、将按计划自动再试，1 条失败、已停止自动重发。" in page
    assert StatementOutbox.objects.filter(sent_at__isnull=True).count() == 2
