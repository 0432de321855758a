"""开班: the head teacher starts the class on its day; the daily job starts the ones nobody did."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ganxun.audit.models import AuditEntry
from ganxun.classes import services
from ganxun.classes.models import ClassStatus
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.testing import make_account, make_class

TODAY = dt.date(2031, 3, 3)


def _class(cast, **options):
    options.setdefault("head_teacher", cast.hannah)
    options.setdefault("status", ClassStatus.ENROLLING)
    return make_class(cast.party_school, start=TODAY, **options)


def test_the_head_teacher_starts_her_class_on_its_day(cast, actor):
    training_class = _class(cast)
    services.class_start(actor=actor(cast.hannah), training_class=training_class, today=TODAY)
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.RUNNING
    entry = AuditEntry.objects.get(action="class.start")
    assert entry.actor_username == "hannah" and entry.detail == {"from": "enrolling", "to": "running"}


def test_starting_twice_changes_nothing(cast, actor):
    training_class = _class(cast)
    for _ in range(2):
        services.class_start(actor=actor(cast.hannah), training_class=training_class, today=TODAY)
    assert AuditEntry.objects.filter(action="class.start").count() == 1


def test_it_refuses_before_the_start_date_and_from_other_statuses(cast, actor):
    training_class = _class(cast)
    with pytest.raises(DomainError) as early:
        services.class_start(actor=actor(cast.hannah), training_class=training_class, today=TODAY - dt.timedelta(1))
    assert early.value.code == "too_early" and "2031-03-03" in early.value.message
    draft = _class(cast, title="草稿班", status=ClassStatus.DRAFT)
    with pytest.raises(DomainError) as illegal:
        services.class_start(actor=actor(cast.hannah), training_class=draft, today=TODAY)
    assert illegal.value.code == "illegal_transition"


def test_only_the_class_own_head_teacher_or_the_institution_admin_starts_it(cast, actor):
    other_head = make_account("hank", "head_teacher", cast.party_school)
    training_class = _class(cast)
    with pytest.raises(NotFound):
        services.class_start(actor=actor(other_head), training_class=training_class, today=TODAY)
    with pytest.raises(Forbidden):
        services.class_start(actor=actor(cast.tom), training_class=training_class, today=TODAY)
    with pytest.raises(Forbidden):
        services.class_start(actor=actor(cast.alice), training_class=training_class, today=TODAY)
    services.class_start(actor=actor(cast.ivan), training_class=training_class, today=TODAY)
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.RUNNING


def test_the_daily_job_starts_the_classes_whose_day_has_come(cast):
    due = _class(cast, title="今天开班")
    notice = _class(cast, title="只发了通知", status=ClassStatus.NOTICE_ISSUED)
    later = make_class(cast.party_school, title="明天开班", start=TODAY + dt.timedelta(1), status=ClassStatus.ENROLLING)
    draft = _class(cast, title="草稿", status=ClassStatus.DRAFT)
    assert services.classes_start_due(today=TODAY) == 2
    assert services.classes_start_due(today=TODAY) == 0
    statuses = {c.title: c.status for c in (due, notice, later, draft) if not c.refresh_from_db()}
    assert statuses == {"今天开班": "running", "只发了通知": "running", "明天开班": "enrolling", "草稿": "draft"}
    entries = AuditEntry.objects.filter(action="class.start")
    assert entries.count() == 2 and all(e.actor_username == "system" and e.detail["automatic"] for e in entries)


def test_the_start_button_shows_for_the_head_teacher_on_the_day(cast, login):
    training_class = _class(cast)
    training_class.start_date = timezone.localdate()
    training_class.end_date = training_class.start_date
    training_class.save()
    page = login(cast.hannah).get(f"/manage/classes/{training_class.pk}/").content.decode()
    assert 'id="start-class"' in page
    response = login(cast.hannah).post(f"/manage/classes/{training_class.pk}/start/")
    assert response.status_code == 302
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.RUNNING
    assert 'id="start-class"' not in login(cast.hannah).get(f"/manage/classes/{training_class.pk}/").content.decode()


def test_the_outsider_cannot_start_a_class(cast, login):
    training_class = _class(cast)
    assert login(cast.charlie).post(f"/manage/classes/{training_class.pk}/start/").status_code in (403, 404)
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.ENROLLING
