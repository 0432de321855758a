"""Pages of credit recognition.

Back office (/manage/recognition/…): the claims with the approval queue (bulk approve, reject with
a reason), the sources and their rules, uploads of platforms' exports with their reports, and a
cadre's ledger as xAPI statements. Learner (/learn/recognition/): the cadre's own claims with
status and reason, and their own ledger as xAPI statements.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ganxun.access import scope
from ganxun.access.policies import requires
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.core.forms import add_domain_error
from ganxun.core.views import forbidden, or_404, run_action
from ganxun.credits import selectors as credit_selectors
from ganxun.lrs.models import LrsClient
from ganxun.org.models import Organisation
from ganxun.people.models import Cadre
from ganxun.recognition import selectors, services, uploads
from ganxun.recognition.export import ledger_statements
from ganxun.recognition.forms import ClaimFilterForm, RejectForm, RuleFields, SourceEditForm, SourceForm, UploadForm
from ganxun.recognition.models import ClaimStatus
from ganxun.recognition.pull import SKIP_REASONS, recognition_pull


def _clients():
    return LrsClient.objects.filter(is_active=True, is_system=False).order_by("name", "pk")


def _owners(actor):
    root = scope.scope_path(actor) or "/none/"
    return Organisation.objects.filter(kind="region", path__startswith=root, is_active=True).order_by("path")


# --- claims ---------------------------------------------------------------------------------

@requires("recognition.view")
def claim_list_view(request):
    form = ClaimFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    flt = selectors.ClaimFilter(status=data.get("status") or "", source_id=data.get("source"), q=data.get("q") or "")
    page = Paginator(selectors.claims_for(request.user, flt), 50).get_page(request.GET.get("page"))
    counts = selectors.claim_counts(request.user)
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "recognition/claims.html", {
        "page": page, "flt": flt,
        "statuses": [(value, text, counts.get(value, 0)) for value, text in ClaimStatus.choices],
        "sources": selectors.sources_usable_by(request.user, "recognition.view"), "querystring": params.urlencode(),
        "can_decide": scope.can(request.user, "recognition.decide"),
        "can_upload": scope.can(request.user, "recognition.upload"),
        "can_manage": scope.can(request.user, "recognition.manage"),
    })


@requires("recognition.decide")
@require_POST
def approve_view(request):
    ids = [int(i) for i in request.POST.getlist("claim") if i.isdigit()]

    def action():
        decided = services.claims_approve(actor=request.user, claim_ids=ids, request=request)
        recognised = sum(1 for c in decided if c.status == ClaimStatus.RECOGNISED)
        capped = len(decided) - recognised
        return f"已认定 {recognised} 条" + (f"；{capped} 条因已达年度上限未予认定" if capped else "") + "。"

    return run_action(request, action, back=request.POST.get("next") or "recognition:claims")


@requires("recognition.decide")
def reject_view(request, pk):
    claim = or_404(selectors.claim_get_for, request.user, pk, permission="recognition.decide")
    form = RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_reject(actor=request.user, claim=claim, reason=form.cleaned_data["reason"], request=request)
        except NotFound:
            raise Http404() from None
        except Forbidden:
            return forbidden(request)
        except DomainError as exc:
            if exc.status == 409:
                messages.info(request, exc.message)
                return redirect("recognition:claims")
            add_domain_error(form, exc)
        else:
            messages.success(request, "已不予认定，原因已记录。")
            return redirect("recognition:claims")
    return render(request, "recognition/reject.html", {"claim": claim, "form": form},
                  status=400 if form.errors else 200)


# --- sources --------------------------------------------------------------------------------

@requires("recognition.manage")
def source_list_view(request):
    return render(request, "recognition/sources.html", {"sources": selectors.sources_for(request.user)})


@requires("recognition.manage")
def source_create_view(request):
    form = SourceForm(request.POST or None, owners=_owners(request.user), clients=_clients(),
                      initial={"needs_approval": True, "effective_from": timezone.localdate().replace(month=1, day=1)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            source = services.source_create(
                actor=request.user, name=data["name"], unit=data["unit"], owner=data["owner"], client=data["client"],
                effective_from=data["effective_from"], amount_per_hour=data["amount_per_hour"],
                yearly_cap_hours=data["yearly_cap_hours"], needs_approval=data["needs_approval"], request=request)
        except NotFound:
            raise Http404() from None
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已添加互认平台“{source.name}”。")
            return redirect("recognition:source_detail", pk=source.pk)
    return render(request, "recognition/source_form.html", {"form": form}, status=400 if form.errors else 200)


@requires("recognition.manage")
def source_detail_view(request, pk):
    source = or_404(selectors.source_get_for, request.user, pk)
    edit = SourceEditForm(request.POST if request.POST.get("form") == "edit" else None, clients=_clients(),
                          initial={"name": source.name, "client": source.client, "is_active": source.is_active})
    rule_form = RuleFields(request.POST if request.POST.get("form") == "rule" else None,
                           initial={"needs_approval": True})
    if request.method == "POST":
        target = edit if request.POST.get("form") == "edit" else rule_form
        if target.is_valid():
            data = target.cleaned_data
            try:
                if target is edit:
                    services.source_update(actor=request.user, source=source, name=data["name"],
                                           client=data["client"], is_active=data["is_active"], request=request)
                    messages.success(request, "已保存。")
                else:
                    services.rule_add(actor=request.user, source=source, effective_from=data["effective_from"],
                                      amount_per_hour=data["amount_per_hour"],
                                      yearly_cap_hours=data["yearly_cap_hours"],
                                      needs_approval=data["needs_approval"], request=request)
                    messages.success(request, "已添加新规则；此前的认定不受影响。")
            except NotFound:
                raise Http404() from None
            except DomainError as exc:
                add_domain_error(target, exc)
            else:
                return redirect("recognition:source_detail", pk=source.pk)
    source.refresh_from_db()
    return render(request, "recognition/source_detail.html", {
        "source": source, "rules": source.rules.order_by("-effective_from"), "edit": edit, "rule_form": rule_form,
        "skipped": [(SKIP_REASONS.get(k, k), n) for k, n in sorted((source.pull_stats or {}).get("skipped", {}).items())],
    }, status=400 if (edit.errors or rule_form.errors) else 200)


@requires("recognition.manage")
@require_POST
def source_pull_view(request, pk):
    source = or_404(selectors.source_get_for, request.user, pk)

    def action():
        if source.client_id is None or not source.is_active:
            raise DomainError("该平台未启用或没有绑定推送客户端。")
        stats = recognition_pull(source=source).get(source.pk, {"claims": 0, "duplicates": 0})
        return f"已处理：新增申请 {stats['claims']} 条，重复 {stats['duplicates']} 条。"

    return run_action(request, action, back=reverse("recognition:source_detail", args=[source.pk]))


# --- uploads --------------------------------------------------------------------------------

@requires("recognition.upload")
def upload_list_view(request):
    form = UploadForm(request.POST or None, request.FILES or None,
                      sources=selectors.sources_usable_by(request.user, "recognition.upload"))
    if request.method == "POST" and form.is_valid():
        try:
            record = uploads.upload_create(actor=request.user, source=form.cleaned_data["source"],
                                           upload=form.cleaned_data["file"], request=request)
        except NotFound:
            raise Http404() from None
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("recognition:upload_detail", pk=record.pk)
    page = Paginator(selectors.uploads_for(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "recognition/uploads.html", {"form": form, "page": page, "layout": uploads.LAYOUT},
                  status=400 if form.errors else 200)


@requires("recognition.upload")
def upload_detail_view(request, pk):
    record = or_404(selectors.upload_get_for, request.user, pk)
    return render(request, "recognition/upload_detail.html", {
        "upload": record, "problems": sorted(record.problems, key=lambda p: p["row"])[:500],
        "claims": record.claims.select_related("cadre__person").order_by("pk")[:500],
    })


@requires("recognition.upload")
@require_POST
def upload_commit_view(request, pk):
    record = or_404(selectors.upload_get_for, request.user, pk)

    def action():
        done = uploads.upload_commit(actor=request.user, upload=record, request=request)
        return f"已导入 {done.claims_created} 条认定申请。"

    return run_action(request, action, back=reverse("recognition:upload_detail", args=[record.pk]))


@requires("recognition.upload")
@require_POST
def upload_discard_view(request, pk):
    record = or_404(selectors.upload_get_for, request.user, pk)
    return run_action(request, lambda: uploads.upload_discard(actor=request.user, upload=record, request=request)
                      and "已放弃，未导入任何数据。", back=reverse("recognition:upload_detail", args=[record.pk]))


@requires("recognition.upload")
def upload_problems_view(request, pk):
    record = or_404(selectors.upload_get_for, request.user, pk)
    return FileResponse(uploads.problem_workbook(record), as_attachment=True,
                        filename=f"问题清单-{record.pk}.xlsx")


# --- export ---------------------------------------------------------------------------------

def _statements_response(cadre, records) -> HttpResponse:
    body = json.dumps(ledger_statements(cadre, records), ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ledger-xapi-{cadre.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@requires("recognition.export")
def cadre_export_view(request, cadre_pk):
    cadre = or_404(credit_selectors.ledger_cadre_get_for, request.user, cadre_pk, permission="recognition.export")
    return _statements_response(cadre, list(credit_selectors.ledger_of(request.user, cadre,
                                                                       permission="recognition.export")))


@requires("self.view")
def my_export_view(request):
    cadre = or_404(credit_selectors.own_cadre, request.user)
    return _statements_response(cadre, list(credit_selectors.ledger_of(request.user, cadre)))


@requires("self.view")
def my_claims_view(request):
    claims = list(selectors.my_claims(request.user))
    has_cadre = Cadre.objects.filter(person__account=request.user.pk).exists()
    recognised = sum((c.recognised_hours for c in claims if c.status == ClaimStatus.RECOGNISED), 0)
    return render(request, "recognition/mine.html", {"claims": claims, "recognised": recognised,
                                                     "has_cadre": has_cadre})
