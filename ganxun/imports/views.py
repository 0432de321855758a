"""Import and export pages: upload, the validation report with its progress, commit/discard, downloads."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ganxun.access import scope
from ganxun.access.policies import login_required, requires
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.imports import jobs
from ganxun.imports.exports import cadre_export, import_problems_download, import_template, unit_export
from ganxun.imports.forms import UnitExportForm, UploadForm
from ganxun.imports.models import ImportJob
from ganxun.imports.selectors import KIND_PERMISSION, import_job_get_for, import_job_list_for, import_problems_for
from ganxun.imports.services import import_commit, import_discard, import_revalidate, import_upload
from ganxun.people.forms import CadreFilterForm


def _forbidden(request, exc: Forbidden | None = None):
    return render(request, "errors/403.html", {"message": getattr(exc, "message", "")}, status=403)


def _importable_kinds(user) -> list[tuple[str, str]]:
    return [(kind, label) for kind, label in ImportJob.Kind.choices if scope.can(user, KIND_PERMISSION[kind])]


def _job(request, pk) -> ImportJob:
    try:
        return import_job_get_for(request.user, pk)
    except NotFound:
        raise Http404 from None


def _download(download) -> FileResponse:
    return FileResponse(download.file, as_attachment=True, filename=download.filename,
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@login_required
def index_view(request):
    return _index(request, None)


def _index(request, form: UploadForm | None, status: int = 200):
    kinds = _importable_kinds(request.user)
    can_export_cadres = scope.can(request.user, "cadres.export")
    can_export_units = scope.can(request.user, "units.export")
    if not (kinds or can_export_cadres or can_export_units):
        return _forbidden(request)
    page = Paginator(import_job_list_for(request.user), 20).get_page(request.GET.get("page"))
    form = form or UploadForm(initial={"kind": kinds[0][0] if kinds else ""})
    form.fields["kind"].choices = kinds
    return render(request, "imports/index.html", {
        "form": form, "kinds": kinds, "page_obj": page, "query_without_page": "",
        "can_export_cadres": can_export_cadres, "can_export_units": can_export_units,
    }, status=status)


@require_POST
@login_required
def upload_view(request):
    form = UploadForm(request.POST, request.FILES)
    form.fields["kind"].choices = _importable_kinds(request.user)
    if not form.is_valid():
        return _index(request, form, status=400)
    try:
        job = import_upload(actor=request.user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"],
                            request=request)
    except Forbidden as exc:
        return _forbidden(request, exc)
    except DomainError as exc:
        form.add_error("file" if exc.field == "file" else None, exc.message)
        return _index(request, form, status=400)
    jobs.validate_job(job.pk)
    return redirect("imports:detail", pk=job.pk)


@login_required
def detail_view(request, pk):
    job = _job(request, pk)
    problems = import_problems_for(request.user, job)
    page = Paginator(problems, 50).get_page(request.GET.get("page"))
    return render(request, "imports/detail.html", {
        "job": job, "page_obj": page, "query_without_page": "",
        "problem_count": page.paginator.count, "can_discard": _can_discard(job),
    })


def _can_discard(job: ImportJob) -> bool:
    return not job.import_started and job.status in (
        ImportJob.Status.PENDING, ImportJob.Status.VALIDATING, ImportJob.Status.VALIDATED, ImportJob.Status.FAILED)


@login_required
def progress_view(request, pk):
    job = _job(request, pk)
    response = render(request, "imports/_progress.html", {"job": job})
    if request.htmx and not job.is_running:
        # Finished: reload the page once to show the full report (and stop polling).
        response["HX-Refresh"] = "true"
    return response


@login_required
def problems_xlsx_view(request, pk):
    job = _job(request, pk)
    return _download(import_problems_download(actor=request.user, job=job, request=request))


def _job_action(request, pk, service, *, done_message: str, then=None):
    job = _job(request, pk)
    try:
        job = service(actor=request.user, job=job, request=request)
    except Forbidden as exc:
        return _forbidden(request, exc)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("imports:detail", pk=job.pk)
    if then is not None:
        then(job.pk)
    messages.success(request, done_message)
    return redirect("imports:detail", pk=job.pk)


@require_POST
@login_required
def commit_view(request, pk):
    return _job_action(request, pk, import_commit, done_message="已开始导入。", then=jobs.commit_job)


@require_POST
@login_required
def discard_view(request, pk):
    return _job_action(request, pk, import_discard, done_message="已放弃该导入，没有导入任何数据。")


@require_POST
@login_required
def revalidate_view(request, pk):
    return _job_action(request, pk, import_revalidate, done_message="已重新开始校验。", then=jobs.validate_job)


@login_required
def template_view(request, kind):
    try:
        return _download(import_template(actor=request.user, kind=kind))
    except Forbidden as exc:
        return _forbidden(request, exc)


@requires("cadres.export")
def cadre_export_view(request):
    form = CadreFilterForm(request.GET)
    try:
        download = cadre_export(actor=request.user, form=form, full=request.GET.get("full") == "1", request=request)
    except Forbidden as exc:
        return _forbidden(request, exc)
    return _download(download)


@requires("units.export")
def unit_export_view(request):
    form = UnitExportForm(request.GET)
    include_inactive = form.is_valid() and form.cleaned_data["inactive"]
    return _download(unit_export(actor=request.user, include_inactive=include_inactive, request=request))
