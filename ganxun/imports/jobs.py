"""Background entry points (huey). They only call the services, which record any failure on the job."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from ganxun.imports.services import import_run_commit, import_run_validation


@db_task()
def validate_job(job_id: int) -> None:
    import_run_validation(job_id=job_id)


@db_task()
def commit_job(job_id: int) -> None:
    import_run_commit(job_id=job_id)
