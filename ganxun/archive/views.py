"""The training archive (培训档案): a cadre's page and PDF for staff with archive.view (cadres
in their scope; 404 otherwise), and the cadre's own on the phone."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from ganxun.access.policies import requires
from ganxun.archive.selectors import archive_cadre_get_for, archive_of, archive_own_cadre
from ganxun.assessment.models import ClassClosing
from ganxun.audit.services import audit_record
from ganxun.core.pdf import pdf_response, render_pdf
from ganxun.core.views import or_404


def _staff_cadre(request, pk):
    return or_404(archive_cadre_get_for, request.user, pk)


def _pdf(request, archive):
    data = render_pdf("archive/pdf/archive.html", {
        "archive": archive, "cadre": archive.cadre, "person": archive.cadre.person,
        "generated_at": timezone.localtime(),
    })
    return pdf_response(data, f"培训档案-{archive.cadre.person.name}.pdf")


@requires("archive.view")
def cadre_archive_view(request, pk):
    cadre = _staff_cadre(request, pk)
    return render(request, "archive/cadre.html", {"archive": archive_of(request.user, cadre), "cadre": cadre})


@requires("archive.view")
def cadre_archive_pdf_view(request, pk):
    cadre = _staff_cadre(request, pk)
    archive = archive_of(request.user, cadre)
    response = _pdf(request, archive)
    audit_record(action="export.archive", actor=request.user, request=request, target=cadre,
                 detail={"classes": len(archive.classes), "records": len(archive.records)})
    return response


@requires("self.view")
def learn_archive_view(request):
    cadre = archive_own_cadre(request.user)
    return render(request, "archive/learn.html", {
        "cadre": cadre, "archive": archive_of(request.user, cadre) if cadre else None})


@requires("self.view")
def learn_archive_pdf_view(request):
    cadre = archive_own_cadre(request.user)
    if cadre is None:
        raise Http404()
    return _pdf(request, archive_of(request.user, cadre))


@requires("archive.view")
def cadre_certificate_view(request, pk, result_pk):
    """A completed class's certificate from the cadre's archive (the class itself may lie outside
    the reader's scope: a liaison sees their cadres' certificates, not the institution's class)."""
    cadre = _staff_cadre(request, pk)
    entry = next((e for e in archive_of(request.user, cadre).classes
                  if e.result is not None and e.result.pk == result_pk and e.result.completed), None)
    if entry is None:
        raise Http404()
    result = entry.result
    closing = ClassClosing.objects.filter(training_class=entry.training_class).first()
    data = render_pdf("assessment/pdf/certificates.html", {
        "training_class": entry.training_class, "results": [result],
        "issued_on": timezone.localtime(closing.closed_at).date() if closing else entry.training_class.end_date,
    })
    return pdf_response(data, f"结业证书-{cadre.person.name}.pdf")
