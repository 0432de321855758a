"""The system administrator's pages of the LRS: clients (list, create, disable/enable, rotate)
and the outbox of our own statements (list pending / given up, re-send one or all).

Thin views: parse a form, call one service, show its refusal. A new secret is
rendered once in the POST response itself (never put in the session, a message
or a redirect) with no-store caching, as the account pages do with passwords.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from ganxun.access.policies import requires
from ganxun.core.errors import DomainError, NotFound
from ganxun.lrs import clients, outbox
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
    counts = outbox.outbox_counts_for(request.user)
    return render(request, "lrs/client_list.html", {"page_obj": page, "query_without_page": "",
                                                    "outbox_unsent": sum(counts.values())})


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


# --- the outbox of our own statements ---------------------------------------------------------

def _outbox_status(value) -> str:
    return value if value in outbox.STATUSES else outbox.STATUS_PENDING


def _back_to_outbox(status: str):
    return redirect(f"{reverse('lrs_manage:outbox')}?status={_outbox_status(status)}")


@requires(outbox.PERMISSION)
def outbox_view(request):
    status = _outbox_status(request.GET.get("status"))
    page = Paginator(outbox.outbox_list_for(request.user, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "lrs/outbox.html", {
        "page_obj": page, "query_without_page": f"status={status}&", "status": status,
        "counts": outbox.outbox_counts_for(request.user), "run_limit": outbox.RUN_LIMIT,
    })


@require_POST
@requires(outbox.PERMISSION)
def outbox_resend_view(request, pk):
    try:
        entry = outbox.outbox_entry_get_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    run = outbox.outbox_resend_now(actor=request.user, entry=entry, request=request)
    entry.refresh_from_db()
    if run.sent:
        messages.success(request, f"语句“{entry.verb_label}”已重发，学习记录库已保存。")
    elif not run.tried:
        messages.info(request, "该语句已由后台任务发送，无需重发。")
    elif entry.given_up_at is not None:
        messages.error(request, f"重发失败：{entry.last_error[:200]}。该语句已停止自动重发，请排除原因后再试。")
    else:
        next_at = timezone.localtime(entry.next_attempt_at).strftime("%Y-%m-%d %H:%M")
        messages.warning(request, f"重发失败：{entry.last_error[:200]}。系统将于 {next_at} 自动再试。")
    return _back_to_outbox(request.POST.get("status"))


@require_POST
@requires(outbox.PERMISSION)
def outbox_resend_all_view(request):
    run = outbox.outbox_resend_now(actor=request.user, request=request)
    if not run.tried:
        messages.info(request, "没有待重发的语句。")
        return _back_to_outbox(request.POST.get("status"))
    text = f"已重发 {run.tried} 条：成功 {run.sent} 条"
    if run.retrying:
        text += f"，{run.retrying} 条失败、将按计划自动再试"
    if run.given_up:
        text += f"，{run.given_up} 条失败、已停止自动重发"
    text += "。"
    left = sum(outbox.outbox_counts_for(request.user).values()) - run.retrying - run.given_up
    if left > 0:
        text += f"另有 {left} 条未处理（每次最多 {outbox.RUN_LIMIT} 条），请再次点击“全部立即重发”。"
    (messages.success if run.sent == run.tried else messages.warning)(request, text)
    return _back_to_outbox(request.POST.get("status"))
