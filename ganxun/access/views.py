"""Log-in (password, then TOTP when required), log-out, password change, own security page, role switch."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ganxun.access import services
from ganxun.access.forms import LoginForm, PasswordChangeForm, TotpForm
from ganxun.access.models import Account, ApiToken
from ganxun.access.policies import login_required, public
from ganxun.audit.services import audit_record, client_ip
from ganxun.core.errors import DomainError

PENDING_MAX_SECONDS = 300
SETUP_SECRET_KEY = "ganxun_totp_setup_secret"


def _safe_next(request, fallback: str = "portal:home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    from django.urls import reverse

    return reverse(fallback)


def _pending_account(request) -> Account | None:
    pending = request.session.get(services.SESSION_PENDING_KEY)
    if not pending or timezone.now().timestamp() - pending.get("at", 0) > PENDING_MAX_SECONDS:
        request.session.pop(services.SESSION_PENDING_KEY, None)
        return None
    return Account.objects.filter(pk=pending["id"], is_active=True).first()


@public
def login_view(request):
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.login_check(request=request, username=form.cleaned_data["username"],
                                           password=form.cleaned_data["password"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if services.requires_second_factor(account):
                request.session.cycle_key()
                request.session[services.SESSION_PENDING_KEY] = {"id": account.pk, "at": timezone.now().timestamp(),
                                                                 "next": _safe_next(request)}
                return redirect("access:login_totp" if account.totp_enabled else "access:login_totp_setup")
            services.login_complete(request=request, account=account)
            return redirect(_safe_next(request))
    return render(request, "access/login.html", {"form": form, "next": request.GET.get("next", "")})


@public
def login_totp_view(request):
    account = _pending_account(request)
    if account is None or not account.totp_enabled:
        messages.info(request, "请重新登录。")
        return redirect("access:login")
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.login_locked_until(username=account.username, ip=client_ip(request)):
            request.session.pop(services.SESSION_PENDING_KEY, None)
            messages.error(request, "验证失败次数过多，账号已临时锁定。")
            return redirect("access:login")
        if services.totp_verify(account=account, code=form.cleaned_data["code"], request=request):
            target = request.session[services.SESSION_PENDING_KEY].get("next") or "/"
            services.login_complete(request=request, account=account, second_factor=True)
            return redirect(target)
        form.add_error("code", "动态口令不正确或已使用。")
    return render(request, "access/login_totp.html", {"form": form, "account": account})


def _qr_svg(uri: str) -> str:
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#182433")


@public
def login_totp_setup_view(request):
    """First log-in of an account that must use TOTP: enrol an authenticator app, then finish."""
    account = _pending_account(request)
    if account is None or account.totp_enabled:
        return redirect("access:login")
    secret = request.session.get(SETUP_SECRET_KEY) or services.totp_new_secret()
    request.session[SETUP_SECRET_KEY] = secret
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_enable(account=account, secret=secret, code=form.cleaned_data["code"], request=request)
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            request.session.pop(SETUP_SECRET_KEY, None)
            target = request.session[services.SESSION_PENDING_KEY].get("next") or "/"
            services.login_complete(request=request, account=account, second_factor=True)
            messages.success(request, "动态口令已启用。")
            return redirect(target)
    uri = services.totp_uri(account, secret)
    return render(request, "access/totp_setup.html", {
        "form": form, "account": account, "secret": secret, "qr": _qr_svg(uri), "during_login": True,
    })


@require_POST
@login_required
def logout_view(request):
    audit_record(action="auth.logout", request=request)
    logout(request)
    messages.info(request, "已退出登录。")
    return redirect("access:login")


@login_required
def password_change_view(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_change_password(
                account=request.user, old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"], request=request,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else "new_password", exc.message)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改。")
            return redirect("portal:home")
    return render(request, "access/password_change.html", {
        "form": form, "forced": request.user.must_change_password,
        "help": ["至少 8 位", "至少包含大写字母、小写字母、数字、符号中的 3 类", "不能与用户名或身份证号相同"],
    })


@login_required
def security_view(request):
    """The account's own security page: second factor, API tokens in use."""
    account = request.user
    must_use_totp = services.requires_second_factor(account) and not account.totp_enabled
    mandatory = services.RoleAssignment.objects.current().filter(
        account=account, role__in=services.SEPARATED_ADMIN_ROLES).exists()
    context = {"account": account, "mandatory_totp": mandatory or must_use_totp,
               "tokens": ApiToken.objects.filter(account=account, revoked_at__isnull=True).select_related("assignment")}
    if not account.totp_enabled:
        secret = request.session.get(SETUP_SECRET_KEY) or services.totp_new_secret()
        request.session[SETUP_SECRET_KEY] = secret
        form = TotpForm(request.POST or None)
        if request.method == "POST" and request.POST.get("action") == "enable" and form.is_valid():
            try:
                services.totp_enable(account=account, secret=secret, code=form.cleaned_data["code"], request=request)
            except DomainError as exc:
                form.add_error("code", exc.message)
            else:
                request.session.pop(SETUP_SECRET_KEY, None)
                messages.success(request, "动态口令已启用，下次登录时需要输入。")
                return redirect("access:security")
        context.update(form=form, secret=secret, qr=_qr_svg(services.totp_uri(account, secret)))
    elif request.method == "POST" and request.POST.get("action") == "disable":
        try:
            services.totp_disable(actor=account, account=account, request=request)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "动态口令已关闭。")
        return redirect("access:security")
    return render(request, "access/security.html", context)


@require_POST
@login_required
def role_switch_view(request):
    try:
        assignment = services.role_switch(request=request, assignment_id=request.POST.get("assignment"))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal:home")
    messages.success(request, f"已切换为：{assignment.get_role_display()} · {assignment.scope.name}")
    return redirect("portal:home")
