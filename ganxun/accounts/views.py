"""The security admin's pages: accounts, the people they belong to, roles and API tokens.

Thin views: parse a form, call one selector or service, show its refusal.
Passwords and raw tokens are rendered once in the POST response itself (never
put in the session, a message or a redirect) with no-store caching.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from ganxun.access import services as access
from ganxun.access.policies import requires
from ganxun.access.roles import Role
from ganxun.accounts import selectors, services
from ganxun.accounts.forms import (
    AccountFilterForm,
    ActiveForm,
    ExternalAccountForm,
    OpenAccountForm,
    PersonSearchForm,
    RoleAssignForm,
    RoleRevokeForm,
    TokenCreateForm,
)
from ganxun.core.errors import DomainError, NotFound
from ganxun.people.search import search_redirect

PAGE_SIZE = 50


def _account_or_404(request, pk):
    try:
        return selectors.account_get_for(request.user, pk)
    except NotFound:
        raise Http404 from None


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode() + "&" if query else ""


def _once(response):
    """Pages that show a secret once must not be kept by the browser or a proxy."""
    add_never_cache_headers(response)
    return response


# --- list and detail -------------------------------------------------------------------------

@requires("accounts.view")
def account_list_view(request):
    if (response := search_redirect(request)) is not None:
        return response
    form = AccountFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    accounts = selectors.account_list_for(request.user, q=filters.get("q", ""), role=filters.get("role", ""),
                                          status=filters.get("status", ""), identity=filters.get("qh", ""))
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.mark_in_scope(request.user, [a for account in page for a in account.current_roles])
    return render(request, "accounts/list.html", {
        "form": form, "page_obj": page, "query_without_page": _query_without_page(request),
    })


def _scope_picker(actor, form) -> dict:
    """Context of accounts/_role_scope_fields.html for a (possibly bound) role + scope form."""
    chosen_role = form["role"].value() or ""
    return {
        "chosen_role": chosen_role,
        "chosen_scope": str(form["scope"].value() or ""),
        "scope_options": selectors.scope_choices_for(actor, role=chosen_role) if chosen_role else [],
        "scope_limit": selectors.SCOPE_CHOICES_LIMIT,
    }


def _render_detail(request, account, *, role_form=None, token_form=None):
    actor = request.user
    role_form = role_form or RoleAssignForm()
    return render(request, "accounts/detail.html", {
        "account": account,
        "person_link": selectors.account_person_link(account),
        "history": selectors.account_role_history(actor, account),
        "tokens": selectors.account_tokens(account),
        "wholly_within": selectors.account_is_wholly_within(actor, account),
        "outside_message": services.OUTSIDE_MESSAGE,
        "is_self": account.pk == actor.pk,
        "role_form": role_form,
        **_scope_picker(actor, role_form),
        "token_form": token_form or TokenCreateForm(roles=selectors.token_role_choices(account)),
        "now": timezone.now(),
    })


@requires("accounts.view")
def account_detail_view(request, pk):
    return _render_detail(request, _account_or_404(request, pk))


@requires("roles.assign")
def scope_options_view(request):
    """htmx: the <option>s of organisations a role may be held over, in the actor's scope."""
    role = request.GET.get("role", "")
    options = selectors.scope_choices_for(request.user, role=role, q=request.GET.get("scope_q", ""))
    return render(request, "accounts/_scope_options.html", {
        "options": options, "role": role, "limit": selectors.SCOPE_CHOICES_LIMIT, "chosen_scope": "",
    })


# --- opening accounts -------------------------------------------------------------------------

@requires("accounts.manage")
def account_open_view(request):
    """Find the person to open an account for (name, or exact ID number / phone)."""
    if (response := search_redirect(request)) is not None:
        return response
    form = PersonSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    people = selectors.person_search_for(request.user, q=filters.get("q", ""), identity=filters.get("qh", ""),
                                         without_account=filters.get("without_account", False))
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/open.html", {
        "form": form, "page_obj": page, "query_without_page": _query_without_page(request),
        "searched": bool(filters.get("q") or filters.get("qh")),
    })


@requires("accounts.manage")
def account_open_person_view(request, person_id):
    try:
        person = selectors.person_get_for(request.user, person_id)
    except NotFound:
        raise Http404 from None
    form = OpenAccountForm(request.POST or None, initial={"username": selectors.username_suggestion(person)})
    if request.method == "POST" and form.is_valid():
        try:
            account, password = services.account_open_for_person(
                actor=request.user, person=person, username=form.cleaned_data["username"], request=request,
            )
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            form.add_error("username" if exc.field == "username" else None, exc.message)
        else:
            return _once(render(request, "accounts/password_once.html", {
                "account": account, "password": password, "title": "账号已开通", "first_time": True,
            }))
    return render(request, "accounts/open_person.html", {
        "form": form, "person": person, "link": selectors.person_placement(person),
    })


@requires("accounts.manage")
def account_create_external_view(request):
    """An account without a person record (another system's operator), opened with its first role."""
    form = ExternalAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            scope_org = selectors.scope_get_for(request.user, data["scope"])
            account, password = services.account_create_external(
                actor=request.user, username=data["username"], full_name=data["full_name"], role=data["role"],
                scope_org=scope_org, note=data["note"], request=request,
            )
        except NotFound:
            form.add_error("scope", "该组织不在您的管理范围内。")
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return _once(render(request, "accounts/password_once.html", {
                "account": account, "password": password, "title": "账号已开通", "first_time": True,
            }))
    return render(request, "accounts/external.html", {"form": form, **_scope_picker(request.user, form)})


# --- roles ---------------------------------------------------------------------------------------

@require_POST
@requires("roles.assign")
def role_assign_view(request, pk):
    account = _account_or_404(request, pk)
    form = RoleAssignForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            scope_org = selectors.scope_get_for(request.user, data["scope"])
            access.role_assign(actor=request.user, account=account, role=data["role"], scope=scope_org,
                               note=data["note"], request=request)
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            form.add_error(exc.field if exc.field in ("role", "scope") else None, exc.message)
        else:
            messages.success(request, f"已分配角色：{Role(data['role']).label} · {scope_org.name}。")
            return redirect("accounts:detail", pk=account.pk)
    return _render_detail(request, account, role_form=form)


@require_POST
@requires("roles.assign")
def role_revoke_view(request, pk, assignment_id):
    account = _account_or_404(request, pk)
    try:
        assignment = selectors.account_assignment_get(request.user, account, assignment_id)
    except NotFound:
        raise Http404 from None
    form = RoleRevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写撤销原因。")
        return redirect("accounts:detail", pk=account.pk)
    try:
        access.role_revoke(actor=request.user, assignment=assignment, reason=form.cleaned_data["reason"],
                           request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已撤销角色：{assignment}，该角色的 API 令牌同时失效。")
    return redirect("accounts:detail", pk=account.pk)


# --- account-wide actions --------------------------------------------------------------------

@require_POST
@requires("accounts.manage")
def reset_password_view(request, pk):
    account = _account_or_404(request, pk)
    try:
        password = services.account_password_reset(actor=request.user, account=account, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:detail", pk=account.pk)
    return _once(render(request, "accounts/password_once.html", {
        "account": account, "password": password, "title": "密码已重置", "first_time": False,
    }))


@require_POST
@requires("accounts.manage")
def unlock_view(request, pk):
    account = _account_or_404(request, pk)
    try:
        was_locked = services.account_unlock(actor=request.user, account=account, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已解除锁定。" if was_locked else "该账号没有被锁定。")
    return redirect("accounts:detail", pk=account.pk)


@require_POST
@requires("accounts.manage")
def set_active_view(request, pk):
    account = _account_or_404(request, pk)
    form = ActiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请求无效。")
        return redirect("accounts:detail", pk=account.pk)
    active = form.cleaned_data["active"]
    try:
        services.account_activation_set(actor=request.user, account=account, active=active, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "账号已启用。" if active else "账号已停用，其 API 令牌同时失效。")
    return redirect("accounts:detail", pk=account.pk)


@require_POST
@requires("accounts.manage")
def totp_reset_view(request, pk):
    account = _account_or_404(request, pk)
    try:
        services.account_totp_reset(actor=request.user, account=account, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "动态口令已重置：该账号下次登录时（如角色要求）须重新绑定。")
    return redirect("accounts:detail", pk=account.pk)


# --- API tokens ------------------------------------------------------------------------------

@require_POST
@requires("accounts.manage")
def token_create_view(request, pk):
    account = _account_or_404(request, pk)
    form = TokenCreateForm(request.POST, roles=selectors.token_role_choices(account))
    if form.is_valid():
        data = form.cleaned_data
        try:
            token, raw = services.account_token_issue(
                actor=request.user, account=account, assignment=data["assignment"], name=data["name"],
                expires_days=data["expires_days"], request=request,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in ("name", "expires_days") else None, exc.message)
        else:
            return _once(render(request, "accounts/token_once.html", {"account": account, "token": token, "raw": raw}))
    return _render_detail(request, account, token_form=form)


@require_POST
@requires("accounts.manage")
def token_revoke_view(request, pk, token_id):
    account = _account_or_404(request, pk)
    try:
        token = selectors.account_token_get(account, token_id)
        services.account_token_revoke(actor=request.user, token=token, request=request)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"令牌 {token.prefix}… 已吊销。")
    return redirect("accounts:detail", pk=account.pk)
