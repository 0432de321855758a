"""Reads of import jobs: a job is its uploader's own, seen through the role that may import its kind."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ganxun.access import scope
from ganxun.core.errors import NotFound
from ganxun.imports.models import ImportJob, ImportProblem

KIND_PERMISSION = {ImportJob.Kind.CADRES: "cadres.import", ImportJob.Kind.UNITS: "units.import"}


def import_job_list_for(actor) -> QuerySet[ImportJob]:
    """The actor's own jobs of the kinds the active role may import, inside the role's scope."""
    condition = Q(pk__in=[])
    for kind, permission in KIND_PERMISSION.items():
        if scope.can(actor, permission):
            visible = scope.scoped(actor, ImportJob, permission=permission).filter(kind=kind)
            condition |= Q(pk__in=visible.values("pk"))
    return ImportJob.objects.filter(condition, created_by=actor).select_related("role__scope").order_by(
        "-created_at", "-id")


def import_job_get_for(actor, pk) -> ImportJob:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    job = import_job_list_for(actor).filter(pk=pk).first()
    if job is None:
        raise NotFound()
    return job


def import_problems_for(actor, job: ImportJob) -> QuerySet[ImportProblem]:
    """Problems of a job the actor may see (the job comes from import_job_get_for)."""
    import_job_get_for(actor, job.pk)
    return ImportProblem.objects.filter(job=job).order_by("row", "id")
