"""The life of an import job: upload → validate (background) → commit (background) or discard.

State moves that must happen once are conditional UPDATEs on `status`
(VALIDATED → IMPORTING, … → DISCARDED): a double POST finds the row already
moved and gets a Conflict. The import runs in batches, each batch one
transaction that also advances the job's counters and resume point, so a
crash leaves whole batches only and a resumed job continues after the last
committed one (and would be right from the start too: the upsert is idempotent).

`import_run_validation` and `import_run_commit` are what the huey tasks (jobs.py)
and the benchmark call; they never raise: any failure ends as status "failed".
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ganxun.access import scope
from ganxun.access.models import RoleAssignment
from ganxun.access.roles import role_has
from ganxun.audit.services import audit_record
from ganxun.core.errors import Conflict, DomainError
from ganxun.core.text import clean
from ganxun.imports import cadres, units
from ganxun.imports.columns import LAYOUTS, HeaderError
from ganxun.imports.models import ImportJob, ImportProblem
from ganxun.imports.resolve import OrgIndex
from ganxun.imports.selectors import KIND_PERMISSION
from ganxun.imports.storage import XLSX_SIGNATURE, UnreadableFile, open_sheet, read_plain, sealed_content

logger = logging.getLogger(__name__)

Status = ImportJob.Status
VALIDATE_CHUNK = 1000
BATCH_SIZE = 1000
# Beyond this a workbook is refused as a whole: split it (memory stays bounded per job).
MAX_ROWS = 200_000
# A running job whose heartbeat is older than this lost its worker and may be resumed.
STALE_AFTER = dt.timedelta(minutes=15)


class JobError(DomainError):
    """A problem of the whole file (no header, no rows, role revoked): the job fails with this message."""


def _permission(kind: str) -> str:
    try:
        return KIND_PERMISSION[kind]
    except KeyError:
        raise DomainError("未知的导入类型。", field="kind") from None


# --- upload ------------------------------------------------------------------------------

@transaction.atomic
def import_upload(*, actor, kind: str, upload, request=None) -> ImportJob:
    """Store an uploaded workbook (encrypted) as a new job waiting for validation."""
    scope.require(actor, _permission(kind))
    name = clean(getattr(upload, "name", ""))[:255]
    if not name.lower().endswith(".xlsx"):
        raise DomainError("请上传 Excel .xlsx 文件（旧版 .xls 请在 Excel 中另存为 .xlsx）。", field="file")
    limit = settings.GANXUN_IMPORT_MAX_BYTES
    if upload.size > limit:
        raise DomainError(f"文件超过 {limit // (1024 * 1024)} MB 的上限，请拆分后分批导入。", field="file")
    if upload.size == 0:
        raise DomainError("文件是空的。", field="file")
    data = upload.read()
    if not data.startswith(XLSX_SIGNATURE):
        raise DomainError("文件内容不是 Excel .xlsx 格式。", field="file")
    now = timezone.now()
    job = ImportJob.objects.create(
        kind=kind, file=sealed_content(data), original_name=name, size=len(data), created_by=actor,
        role=actor.active_role, status=Status.PENDING, heartbeat_at=now,
    )
    audit_record(action="import.upload", request=request, actor=actor, target=job, target_repr=name,
                 detail={"kind": kind, "size": len(data)})
    return job


def _actor_of(job: ImportJob):
    """The uploader acting with the role used to upload, if it still holds it."""
    role = RoleAssignment.objects.select_related("scope", "account").get(pk=job.role_id)
    account = role.account
    if (role.revoked_at is not None or not account.is_active or account.pk != job.created_by_id
            or not role_has(role.role, _permission(job.kind))):
        raise JobError("上传人的角色已被撤销或账号已停用，任务终止。")
    account.active_role = role
    return account


def _fail(job_id: int, message: str) -> None:
    """A running job ends as failed (a job discarded meanwhile stays discarded)."""
    ImportJob.objects.filter(pk=job_id, status__in=[Status.VALIDATING, Status.IMPORTING]).update(
        status=Status.FAILED, error=message[:2000], finished_at=timezone.now())


def _chunks(rows: Iterator, size: int) -> Iterator[list]:
    chunk = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _save_problems(job_id: int, problems, stage: str) -> None:
    ImportProblem.objects.bulk_create(
        [ImportProblem(job_id=job_id, row=p.row, column=p.column, value=p.value, reason=p.reason, stage=stage)
         for p in problems],
        batch_size=1000,
    )


# --- validation ----------------------------------------------------------------------------

def import_run_validation(*, job_id: int) -> None:
    """Validate every row of a pending job and record the problems (background)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=Status.PENDING).update(
        status=Status.VALIDATING, heartbeat_at=timezone.now(), error="")
    if not claimed:
        return
    try:
        _validate(ImportJob.objects.get(pk=job_id))
    except (JobError, HeaderError, UnreadableFile) as exc:
        _fail(job_id, getattr(exc, "message", None) or str(exc))
    except Exception as exc:  # a crash must leave a failed job with its reason, never a job stuck "running"
        logger.exception("import job %s: validation crashed", job_id)
        _fail(job_id, f"校验时发生系统错误（{exc.__class__.__name__}），请重试；若仍失败请联系系统管理员。")


def _validate(job: ImportJob) -> None:
    actor = _actor_of(job)
    layout = LAYOUTS[job.kind]
    sheet = open_sheet(read_plain(job), layout)
    try:
        ImportProblem.objects.filter(job=job).delete()  # a re-run starts clean
        estimate = max(0, sheet.last_row - sheet.header.row)
        if estimate > MAX_ROWS:
            raise JobError(f"表格有 {estimate:,} 行，超过单次导入 {MAX_ROWS:,} 行的上限，请拆分为多个文件。")
        ImportJob.objects.filter(pk=job.pk).update(header_row=sheet.header.row, progress_total=estimate,
                                                   progress_done=0)
        index = OrgIndex(scope.scope_path(actor))
        if job.kind == ImportJob.Kind.CADRES:
            seen, bad = _validate_cadres(job, sheet, index)
        else:
            seen, bad = _validate_units(job, sheet, index)
    finally:
        sheet.close()
    if seen == 0:
        raise JobError("表格中没有数据行：请在表头下方逐行填写。")
    ImportJob.objects.filter(pk=job.pk, status=Status.VALIDATING).update(
        status=Status.VALIDATED, data_rows=seen, problem_rows=len(bad), valid_rows=seen - len(bad),
        progress_total=seen, progress_done=seen, validated_at=timezone.now(), heartbeat_at=timezone.now(),
    )


def _progress(job: ImportJob, done: int, estimate_floor: int) -> bool:
    """Record progress; False when the job was discarded meanwhile (stop working on it)."""
    return bool(ImportJob.objects.filter(pk=job.pk, status=Status.VALIDATING).update(
        progress_done=done, progress_total=max(done, estimate_floor), heartbeat_at=timezone.now()))


def _validate_cadres(job: ImportJob, sheet, index: OrgIndex) -> tuple[int, set[int]]:
    validator = cadres.FileValidator(index)
    seen, bad = 0, set()
    estimate = max(0, sheet.last_row - sheet.header.row)
    for chunk in _chunks(sheet.data_rows(), VALIDATE_CHUNK):
        problems = validator.check_chunk(chunk)
        _save_problems(job.pk, problems, ImportProblem.Stage.VALIDATE)
        bad.update(p.row for p in problems)
        seen += len(chunk)
        if not _progress(job, seen, estimate):
            break
    return seen, bad


def _validate_units(job: ImportJob, sheet, index: OrgIndex) -> tuple[int, set[int]]:
    rows = list(sheet.data_rows())
    results = units.UnitFile(index).check(rows)
    problems = [p for r in results for p in r.problems]
    _save_problems(job.pk, problems, ImportProblem.Stage.VALIDATE)
    return len(rows), {p.row for p in problems}


# --- commit -------------------------------------------------------------------------------

@transaction.atomic
def import_commit(*, actor, job: ImportJob, request=None) -> ImportJob:
    """Start importing the valid rows of a validated job, or resume an import that stopped.

    Exactly one caller wins the conditional UPDATE; a second click gets a Conflict.
    """
    scope.require(actor, _permission(job.kind))
    now = timezone.now()
    started = ImportJob.objects.filter(pk=job.pk, status=Status.VALIDATED, valid_rows__gt=0).update(
        status=Status.IMPORTING, commit_requested_at=now, heartbeat_at=now, progress_done=0,
        progress_total=F("data_rows"), error="")
    if not started:
        resumable = Q(status=Status.FAILED, commit_requested_at__isnull=False) | Q(
            status=Status.IMPORTING, heartbeat_at__lt=now - STALE_AFTER)
        started = ImportJob.objects.filter(resumable, pk=job.pk).update(
            status=Status.IMPORTING, heartbeat_at=now, error="", finished_at=None)
    job.refresh_from_db()
    if not started:
        if job.status == Status.VALIDATED:
            raise Conflict("没有可导入的有效行。")
        raise Conflict(f"该任务当前状态为“{job.get_status_display()}”，不能再次导入。")
    return job


def import_run_commit(*, job_id: int) -> None:
    """Import the valid rows of a job in batches (background); failures leave whole batches only."""
    job = ImportJob.objects.filter(pk=job_id, status=Status.IMPORTING).first()
    if job is None:
        return
    try:
        _commit(job)
    except (JobError, HeaderError, UnreadableFile) as exc:
        _fail(job_id, getattr(exc, "message", None) or str(exc))
    except Exception as exc:
        logger.exception("import job %s: import crashed", job_id)
        done = ImportJob.objects.filter(pk=job_id).values_list("committed_through_row", flat=True).first()
        _fail(job_id, f"导入时发生系统错误（{exc.__class__.__name__}）。已完成的批次（至第 {done} 行）已保存，"
                      "未完成的批次没有写入任何数据；可点击“继续导入”从中断处继续。")


def _commit(job: ImportJob) -> None:
    actor = _actor_of(job)
    scope_path = scope.scope_path(actor)
    bad_rows = set(ImportProblem.objects.filter(job=job, stage=ImportProblem.Stage.VALIDATE)
                   .values_list("row", flat=True))
    sheet = open_sheet(read_plain(job), LAYOUTS[job.kind])
    try:
        index = OrgIndex(scope_path)
        rows = sheet.data_rows(after_row=job.committed_through_row)
        if job.kind == ImportJob.Kind.CADRES:
            for batch in _chunks(rows, BATCH_SIZE):
                _commit_cadre_batch(job, batch, bad_rows, index, scope_path)
        else:
            results = units.UnitFile(index).check(list(rows), skip=bad_rows)
            for batch in _chunks(iter(results), BATCH_SIZE):
                _commit_unit_batch(job, batch, bad_rows, index, actor)
    finally:
        sheet.close()
    with transaction.atomic():
        finished = ImportJob.objects.filter(pk=job.pk, status=Status.IMPORTING).update(
            status=Status.DONE, finished_at=timezone.now(), heartbeat_at=timezone.now(),
            progress_done=F("progress_total"))
        if finished:
            job.refresh_from_db()
            audit_record(action="import.commit", actor=actor, target=job, target_repr=job.original_name, detail={
                "kind": job.kind, "rows": job.data_rows, "created": job.created_count, "updated": job.updated_count,
                "unchanged": job.unchanged_count, "skipped": job.skipped_count,
            })
    if job.created_count + job.updated_count >= ANALYZE_AFTER_ROWS:
        _refresh_statistics(job.kind)


# After a large load the planner's statistics describe the tables before it: lists then
# get nested-loop plans many times slower until (PostgreSQL) autovacuum or (SQLite) nobody
# analyzes them. Refreshing a few tables takes well under a second.
ANALYZE_AFTER_ROWS = 1000
_ANALYZED_TABLES = {
    ImportJob.Kind.CADRES: ("people_person", "people_cadre", "people_careerevent"),
    ImportJob.Kind.UNITS: ("org_organisation",),
}


def _refresh_statistics(kind: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in _ANALYZED_TABLES.get(kind, ()):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def _advance(job: ImportJob, *, last_row: int, rows: int, created: int, updated: int, unchanged: int,
             skipped: int) -> None:
    """Counters and the resume point move in the batch's own transaction."""
    ImportJob.objects.filter(pk=job.pk).update(
        created_count=F("created_count") + created, updated_count=F("updated_count") + updated,
        unchanged_count=F("unchanged_count") + unchanged, skipped_count=F("skipped_count") + skipped,
        committed_through_row=last_row, progress_done=F("progress_done") + rows, heartbeat_at=timezone.now(),
    )


def _commit_cadre_batch(job, batch, bad_rows: set[int], index: OrgIndex, scope_path: str) -> None:
    with transaction.atomic():
        # Re-check every row: the database may have changed since validation.
        checked = [cadres.check_row(number, raw, index) for number, raw in batch if number not in bad_rows]
        problems = [p for row in checked for p in row.problems]
        outcome = cadres.apply_batch([row for row in checked if row.ok], scope_path=scope_path)
        problems += outcome.problems
        _save_problems(job.pk, problems, ImportProblem.Stage.COMMIT)
        skipped = (len(batch) - len(checked)) + len({p.row for p in problems})
        _advance(job, last_row=batch[-1][0], rows=len(batch), created=outcome.created, updated=outcome.updated,
                 unchanged=outcome.unchanged, skipped=skipped)


def _commit_unit_batch(job, batch, bad_rows: set[int], index: OrgIndex, actor) -> None:
    with transaction.atomic():
        outcome = units.UnitOutcome()
        skipped = 0
        for row in batch:
            if row.row in bad_rows:
                skipped += 1
            elif row.problems:
                outcome.problems.extend(row.problems)
                skipped += 1
            else:
                before = len(outcome.problems)
                units.apply_row(row, actor=actor, index=index, outcome=outcome)
                skipped += len(outcome.problems) > before
        _save_problems(job.pk, outcome.problems, ImportProblem.Stage.COMMIT)
        _advance(job, last_row=batch[-1].row, rows=len(batch), created=outcome.created, updated=outcome.updated,
                 unchanged=outcome.unchanged, skipped=skipped)


# --- discard, re-validation ---------------------------------------------------------------

@transaction.atomic
def import_discard(*, actor, job: ImportJob, request=None) -> ImportJob:
    """Drop a job that imported nothing; its stored file (personal data) is deleted."""
    scope.require(actor, _permission(job.kind))
    discardable = Q(status__in=[Status.PENDING, Status.VALIDATING, Status.VALIDATED, Status.FAILED],
                    commit_requested_at__isnull=True)
    moved = ImportJob.objects.filter(discardable, pk=job.pk).update(status=Status.DISCARDED,
                                                                    finished_at=timezone.now())
    job.refresh_from_db()
    if not moved:
        if job.import_started:
            raise Conflict("该任务已开始导入，不能放弃；如导入中断，请继续导入。")
        raise Conflict(f"该任务当前状态为“{job.get_status_display()}”，不能放弃。")
    if job.file:
        stored = job.file.name
        transaction.on_commit(lambda: job.file.storage.delete(stored))
        ImportJob.objects.filter(pk=job.pk).update(file="")
        job.file = ""
    audit_record(action="import.discard", request=request, actor=actor, target=job, target_repr=job.original_name,
                 detail={"kind": job.kind, "rows": job.data_rows})
    return job


@transaction.atomic
def import_revalidate(*, actor, job: ImportJob, request=None) -> ImportJob:
    """Run validation again after it failed (or its worker died): same file, fresh report."""
    scope.require(actor, _permission(job.kind))
    now = timezone.now()
    retry = Q(status=Status.FAILED, commit_requested_at__isnull=True) | Q(
        status__in=[Status.PENDING, Status.VALIDATING], heartbeat_at__lt=now - STALE_AFTER)
    moved = ImportJob.objects.filter(retry, pk=job.pk).exclude(file="").update(
        status=Status.PENDING, heartbeat_at=now, error="", finished_at=None)
    job.refresh_from_db()
    if not moved:
        raise Conflict(f"该任务当前状态为“{job.get_status_display()}”，不能重新校验。")
    return job
