"""Importing validated rows: exactly the valid rows, idempotent re-imports, career events, once only, resumable."""

import datetime as dt
from pathlib import Path

import pytest

from ganxun.audit.models import AuditEntry
from ganxun.core.crypto import keyed_hash
from ganxun.core.errors import Conflict
from ganxun.imports import cadres, services
from ganxun.imports.tests.helpers import CADRE_HEADERS, cadre_row, commit, problems_of, run_job
from ganxun.people.models import Cadre, CareerEvent, Person
from ganxun.testing import new_id_number

pytestmark = pytest.mark.django_db
CADRE_INDEX = {h: i for i, h in enumerate(CADRE_HEADERS)}


def _ids(n):
    return [new_id_number(gender="M", birth=dt.date(1970 + i % 20, 1 + i % 12, 1 + i % 27)) for i in range(n)]


def _rows(unit, ids, **over):
    return [cadre_row(unit, name=f"干部{i}", id_number=number, birth=_birth(number), **over)
            for i, number in enumerate(ids)]


def _birth(number):
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def test_commit_imports_exactly_the_valid_rows(coded, actor):
    alice = actor(coded.alice)
    ids = _ids(3)
    rows = _rows(coded.unit_a1, ids) + [cadre_row(coded.unit_a1, **{"职级": "特级"})]
    job = commit(alice, run_job(alice, rows))
    assert job.status == "done"
    assert (job.created_count, job.updated_count, job.unchanged_count, job.skipped_count) == (3, 0, 0, 1)
    imported = Person.objects.filter(id_number_hash__in=[keyed_hash(n) for n in ids])
    assert imported.count() == 3
    person = imported.get(id_number_hash=keyed_hash(ids[0]))
    assert person.id_number == ids[0] and person.phone == "13900001111"
    assert person.phone_hash == keyed_hash("13900001111")
    cadre = person.cadre
    assert (cadre.unit, cadre.rank, cadre.category, cadre.position_since) == (
        coded.unit_a1, "section", "party_gov", dt.date(2020, 1, 1))
    events = CareerEvent.objects.filter(cadre__person__in=imported)
    assert events.count() == 3 and set(events.values_list("kind", "source")) == {("appointment", "import")}
    assert Person.objects.count() == 7 + 3
    entries = AuditEntry.objects.filter(action="import.commit")
    assert entries.count() == 1 and entries.get().detail["created"] == 3


def test_reimporting_the_same_file_changes_nothing(coded, actor):
    alice = actor(coded.alice)
    rows = _rows(coded.unit_a1, _ids(4))
    commit(alice, run_job(alice, rows))
    events_before = CareerEvent.objects.count()
    audit_before = AuditEntry.objects.exclude(action__startswith="import.").count()
    updated_at = dict(Cadre.objects.values_list("id", "updated_at"))
    again = commit(alice, run_job(alice, rows))
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 4)
    assert CareerEvent.objects.count() == events_before
    assert AuditEntry.objects.exclude(action__startswith="import.").count() == audit_before
    assert dict(Cadre.objects.values_list("id", "updated_at")) == updated_at


def test_a_changed_rank_is_one_update_and_a_promotion(coded, actor):
    alice = actor(coded.alice)
    ids = _ids(2)
    commit(alice, run_job(alice, _rows(coded.unit_a1, ids)))
    changed = _rows(coded.unit_a1, ids)
    changed[1][CADRE_INDEX["职级"]] = "县处级"
    changed[1][CADRE_INDEX["任现职时间"]] = "2023.07"
    job = commit(alice, run_job(alice, changed))
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 1)
    cadre = Cadre.objects.get(person__id_number_hash=keyed_hash(ids[1]))
    assert cadre.rank == "county"
    promotion = cadre.career_events.get(kind="promotion")
    assert (promotion.date, promotion.rank, promotion.source) == (dt.date(2023, 7, 1), "county", "import")


def test_blank_optional_cells_keep_registered_values(coded, actor):
    alice = actor(coded.alice)
    zhang = coded.cadres_a[1]  # 张伟: leader, county rank, phone 13800138000
    row = cadre_row(coded.unit_a1, name=zhang.person.name, id_number=zhang.person.id_number,
                    birth=zhang.person.birth_date, rank="县处级", position="科员",
                    **{"手机号": "", "是否领导职务": "", "任现职时间": "", "任现职级时间": ""})
    job = commit(alice, run_job(alice, [row]))
    assert (job.updated_count, job.unchanged_count) == (0, 1)
    zhang.refresh_from_db()
    assert zhang.is_leader is True and zhang.person.phone == "13800138000"


def test_moving_a_cadre_between_units_in_scope_records_a_transfer(coded, actor):
    alice = actor(coded.alice)
    wang = coded.cadres_a[3]  # 王强 in A2, general rank
    row = cadre_row(coded.unit_a1, name=wang.person.name, id_number=wang.person.id_number,
                    birth=wang.person.birth_date, rank="一般干部")
    job = commit(alice, run_job(alice, [row]))
    assert job.updated_count == 1
    wang.refresh_from_db()
    assert wang.unit == coded.unit_a1
    transfer = wang.career_events.get(kind="transfer")
    assert transfer.note == "由东城区教育局调入" and transfer.date == dt.date(2020, 1, 1)


def test_discard_imports_nothing_and_deletes_the_file(coded, actor, django_capture_on_commit_callbacks):
    alice = actor(coded.alice)
    job = run_job(alice, _rows(coded.unit_a1, _ids(2)))
    stored = Path(job.file.path)
    assert stored.exists() and not stored.read_bytes().startswith(b"PK")  # sealed, not a readable workbook
    with django_capture_on_commit_callbacks(execute=True):
        services.import_discard(actor=alice, job=job)
    job.refresh_from_db()
    assert not stored.exists()
    assert job.status == "discarded" and not job.file
    assert Person.objects.count() == 7
    assert AuditEntry.objects.filter(action="import.discard", target_id=str(job.pk)).exists()
    with pytest.raises(Conflict):
        services.import_commit(actor=alice, job=job)


def test_a_double_commit_imports_once(coded, actor):
    alice = actor(coded.alice)
    job = run_job(alice, _rows(coded.unit_a1, _ids(3)))
    services.import_commit(actor=alice, job=job)
    with pytest.raises(Conflict):
        services.import_commit(actor=alice, job=job)
    services.import_run_commit(job_id=job.pk)
    services.import_run_commit(job_id=job.pk)  # a duplicated task finds the job done and does nothing
    job.refresh_from_db()
    assert job.created_count == 3 and Person.objects.count() == 7 + 3
    assert AuditEntry.objects.filter(action="import.commit").count() == 1
    with pytest.raises(Conflict):
        services.import_commit(actor=alice, job=job)


def test_a_crash_in_batch_two_keeps_batch_one_and_resumes_correctly(coded, actor, monkeypatch):
    alice = actor(coded.alice)
    monkeypatch.setattr(services, "BATCH_SIZE", 3)
    ids = _ids(8)
    rows = _rows(coded.unit_a1, ids)
    rows.insert(4, cadre_row(coded.unit_a1, **{"职级": "特级"}))  # a bad row (row 6) inside batch 2
    job = run_job(alice, rows)
    assert job.valid_rows == 8

    real_apply = cadres.apply_batch
    calls = {"n": 0}

    def crash_in_batch_two(batch, **kw):
        calls["n"] += 1
        result = real_apply(batch, **kw)  # batch 2 writes its rows …
        if calls["n"] == 2:
            raise RuntimeError("disk full")  # … then dies before its transaction commits
        return result

    monkeypatch.setattr(cadres, "apply_batch", crash_in_batch_two)
    services.import_commit(actor=alice, job=job)
    services.import_run_commit(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "RuntimeError" in job.error
    assert job.committed_through_row == 4 and job.created_count == 3
    imported = Person.objects.filter(id_number_hash__in=[keyed_hash(n) for n in ids])
    assert imported.count() == 3  # batch 1 (rows 2–4) only, nothing of batch 2
    assert CareerEvent.objects.filter(cadre__person__in=imported).count() == 3

    monkeypatch.setattr(cadres, "apply_batch", real_apply)
    services.import_commit(actor=alice, job=job)  # "继续导入"
    services.import_run_commit(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "done"
    assert (job.created_count, job.updated_count, job.unchanged_count, job.skipped_count) == (8, 0, 0, 1)
    assert imported.count() == 8
    assert CareerEvent.objects.filter(cadre__person__in=imported).count() == 8


def test_rows_are_checked_again_at_import_time(coded, actor):
    alice = actor(coded.alice)
    ids = _ids(2)
    job = run_job(alice, _rows(coded.unit_a1, ids[:1]) + _rows(coded.unit_a2, ids[1:]))
    coded.unit_a2.is_active = False  # the unit was deactivated between validation and import
    coded.unit_a2.save(update_fields=["is_active"])
    job = commit(alice, job)
    assert (job.created_count, job.skipped_count) == (1, 1)
    assert (3, "单位代码", "单位已停用") in problems_of(job)
    assert job.problems.get(row=3).stage == "commit"


def test_an_id_registered_elsewhere_after_validation_is_refused_at_import(coded, actor):
    alice, charlie = actor(coded.alice), actor(coded.charlie)
    number = _ids(1)[0]
    job = run_job(alice, _rows(coded.unit_a1, [number]))
    commit(charlie, run_job(charlie, _rows(coded.unit_b1, [number])))
    job = commit(alice, job)
    assert (job.created_count, job.skipped_count) == (0, 1)
    assert Cadre.objects.get(person__id_number_hash=keyed_hash(number)).unit == coded.unit_b1
    assert any("其他单位" in reason for _, _, reason in problems_of(job))


def test_a_revoked_role_stops_the_job(coded, actor):
    from django.utils import timezone

    alice = actor(coded.alice)
    job = run_job(alice, _rows(coded.unit_a1, _ids(1)))
    services.import_commit(actor=alice, job=job)
    alice.active_role.revoked_at = timezone.now()
    alice.active_role.save(update_fields=["revoked_at"])
    services.import_run_commit(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "角色已被撤销" in job.error
    assert job.created_count == 0 and Person.objects.count() == 7



def test_a_known_person_without_a_cadre_record_becomes_a_cadre(coded, actor):
    alice = actor(coded.alice)
    tom = coded.tom_teacher.person  # a teacher of the city party school
    row = cadre_row(coded.unit_a1, name=tom.name, id_number=tom.id_number, birth=tom.birth_date)
    job = commit(alice, run_job(alice, [row]))
    assert job.created_count == 1 and Person.objects.count() == 7
    assert Cadre.objects.get(person=tom).unit == coded.unit_a1
