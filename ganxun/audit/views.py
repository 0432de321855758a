"""The audit admin's pages: browse and filter the trail, verify the chain."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_POST

from ganxun.access.policies import requires
from ganxun.audit.models import AuditEntry
from ganxun.audit.selectors import ACTION_LABELS, audit_list_for
from ganxun.audit.services import audit_record, audit_verify


class AuditFilterForm(forms.Form):
    q = forms.CharField(required=False, label="关键词")
    action = forms.ChoiceField(required=False, label="操作", choices=[("", "全部")] + list(ACTION_LABELS.items()))
    result = forms.ChoiceField(required=False, label="结果", choices=[("", "全部")] + list(AuditEntry.Result.choices))
    date_from = forms.DateField(required=False, label="起始日期")
    date_to = forms.DateField(required=False, label="截止日期")


@requires("audit.view")
def audit_list_view(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = audit_list_for(request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/list.html", {
        "form": form, "page_obj": page, "query_without_page": query.urlencode() + "&" if query else "",
        "action_labels": ACTION_LABELS,
    })


@require_POST
@requires("audit.verify")
def audit_verify_view(request):
    result = audit_verify()
    audit_record(action="audit.verify", request=request, result="success" if result.ok else "failure",
                 detail={"checked": result.checked, "first_broken_id": result.first_broken_id})
    return render(request, "audit/verify_result.html", {"result": result})
