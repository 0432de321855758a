"""The system administrator's pages of LRS clients: list, create, disable/enable, rotate.

Thin views: parse a form, call one service, show its refusal. A new secret is
rendered once in the POST response itself (never put in the session, a message
or a redirect) with no-store caching, as the account pages do with passwords.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from ganxun.access.policies import requires
from ganxun.core.errors import DomainError, NotFound
from ganxun.lrs import clients
from ganxun.lrs.forms import ActiveForm, ClientCreateForm

PAGE_SIZE = 50


def _client_or_404(request, pk):
    try:
        return clients.lrs_client_get_for(request.user, pk)
    except NotFound:
        raise Http404 from None


def _secret_once(request, client, secret, *, title):
    response = render(request, "lrs/client_secret_once.html", {
        "client": client, "secret": secret, "title": title, "endpoint": request.build_absolute_uri("/xapi/"),
    })
    add_never_cache_headers(response)
    return response


@requires(clients.PERMISSION)
def client_list_view(request):
    page = Paginator(clients.lrs_client_list_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "lrs/client_list.html", {"page_obj": page, "query_without_page": ""})


@requires(clients.PERMISSION)
def client_create_view(request):
    form = ClientCreateForm(request.POST or None, scope_choices=clients.lrs_scope_choices_for(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            client, secret = clients.lrs_client_open(
                actor=request.user, name=data["name"], can_write=data["can_write"],
                can_read_own=data["can_read_own"], can_read_all=data["can_read_all"],
                can_documents=data["can_documents"], scope_org=data["scope"], request=request,
            )
        except NotFound:
            form.add_error("scope", "该地区不在您的管理范围内。")
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return _secret_once(request, client, secret, title="客户端已创建")
    return render(request, "lrs/client_form.html", {"form": form})


@require_POST
@requires(clients.PERMISSION)
def client_set_active_view(request, pk):
    client = _client_or_404(request, pk)
    form = ActiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请求无效。")
        return redirect("lrs_manage:client_list")
    active = form.cleaned_data["active"]
    try:
        clients.lrs_client_set_active(actor=request.user, client=client, active=active, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"客户端“{client.name}”已{'启用' if active else '停用，其请求将被拒绝（401）'}。")
    return redirect("lrs_manage:client_list")


@require_POST
@requires(clients.PERMISSION)
def client_rotate_view(request, pk):
    client = _client_or_404(request, pk)
    try:
        client, secret = clients.lrs_client_rotate_secret(actor=request.user, client=client, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("lrs_manage:client_list")
    return _secret_once(request, client, secret, title="密钥已更换")
