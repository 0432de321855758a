"""Writes of the access context: log-in checks, passwords, TOTP, roles, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import string

import pyotp
from django.conf import settings
from django.contrib.auth import login as django_login
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ganxun.access.models import Account, ApiToken, LoginThrottle, RoleAssignment
from ganxun.access.roles import ROLE_SCOPE_KINDS, SEPARATED_ADMIN_ROLES, Role
from ganxun.access.scope import require, require_within
from ganxun.audit.models import AuditEntry
from ganxun.audit.services import audit_record, client_ip
from ganxun.core.errors import DomainError, Forbidden

SESSION_ROLE_KEY = "ganxun_role"
SESSION_PENDING_KEY = "ganxun_pending_account"
SESSION_LAST_SEEN_KEY = "ganxun_last_seen"


# --- log-in and lockout ------------------------------------------------------------

class LoginRefused(DomainError):
    pass


def _throttle_keys(username: str, ip: str) -> list[str]:
    keys = [f"account:{username.lower()}"]
    if ip:
        keys.append(f"ip:{ip}")
    return keys


def login_locked_until(*, username: str, ip: str) -> dt.datetime | None:
    now = timezone.now()
    until = None
    for row in LoginThrottle.objects.filter(key__in=_throttle_keys(username, ip), locked_until__gt=now):
        until = max(until, row.locked_until) if until else row.locked_until
    return until


@transaction.atomic
def _register_failure(*, username: str, ip: str) -> None:
    now = timezone.now()
    window = dt.timedelta(minutes=settings.GANXUN_LOCKOUT_MINUTES)
    for key in _throttle_keys(username, ip):
        row, _ = LoginThrottle.objects.select_for_update().get_or_create(key=key)
        if now - row.window_started_at > window:
            row.failures = 0
            row.window_started_at = now
        row.failures += 1
        if row.failures >= settings.GANXUN_LOCKOUT_ATTEMPTS:
            row.locked_until = now + window
            row.failures = 0
            row.window_started_at = now
        row.save()


def login_check(*, request, username: str, password: str) -> Account:
    """Check a password log-in; raise LoginRefused (audited) or return the account.

    Locked keys refuse before the password is even looked at, so a locked
    account cannot be brute-forced further; the reply never says whether the
    username exists.
    """
    username = (username or "").strip()
    ip = client_ip(request)
    locked = login_locked_until(username=username, ip=ip)
    if locked:
        audit_record(
            action="auth.login", request=request, actor_username=username,
            result=AuditEntry.Result.DENIED, detail={"reason": "locked"},
        )
        local = timezone.localtime(locked)
        raise LoginRefused(f"登录失败次数过多，已锁定至 {local:%H:%M}，请稍后再试或联系安全管理员。", code="locked")
    from django.contrib.auth import authenticate

    account = authenticate(request, username=username, password=password)
    if account is None:
        _register_failure(username=username, ip=ip)
        audit_record(
            action="auth.login", request=request, actor_username=username,
            result=AuditEntry.Result.FAILURE, detail={"reason": "bad_credentials"},
        )
        raise LoginRefused("用户名或密码错误。", code="bad_credentials")
    return account


def login_complete(*, request, account: Account, second_factor: bool = False) -> None:
    """Bind the session, choose the active role, clear the account's failures, audit."""
    request.session.pop(SESSION_PENDING_KEY, None)
    django_login(request, account, backend="ganxun.access.auth.AccountBackend")
    LoginThrottle.objects.filter(key=f"account:{account.username.lower()}").delete()
    assignment = _default_assignment(account)
    if assignment is not None:
        request.session[SESSION_ROLE_KEY] = assignment.pk
        account.active_role = assignment
    request.session[SESSION_LAST_SEEN_KEY] = timezone.now().timestamp()
    audit_record(action="auth.login", request=request, actor=account, detail={"second_factor": second_factor})


def _default_assignment(account: Account) -> RoleAssignment | None:
    current = RoleAssignment.objects.current().filter(account=account).select_related("scope")
    if account.last_assignment_id:
        chosen = current.filter(pk=account.last_assignment_id).first()
        if chosen:
            return chosen
    return current.order_by("id").first()


def throttle_clear(*, actor: Account, request, account: Account) -> int:
    """Security admin unlocks an account (its per-account counter)."""
    require(actor, "accounts.manage")
    deleted, _ = LoginThrottle.objects.filter(key=f"account:{account.username.lower()}").delete()
    audit_record(action="account.unlock", request=request, actor=actor, target=account)
    return deleted


def requires_second_factor(account: Account) -> bool:
    """The three separated admins must use TOTP; others may opt in."""
    if account.totp_enabled:
        return True
    return RoleAssignment.objects.current().filter(account=account, role__in=SEPARATED_ADMIN_ROLES).exists()


# --- roles ---------------------------------------------------------------------------

def role_switch(*, request, assignment_id) -> RoleAssignment:
    account = request.user
    try:
        assignment = RoleAssignment.objects.current().select_related("scope").get(pk=int(assignment_id), account=account)
    except (RoleAssignment.DoesNotExist, TypeError, ValueError):
        raise DomainError("没有这个角色。", code="no_such_role") from None
    request.session[SESSION_ROLE_KEY] = assignment.pk
    Account.objects.filter(pk=account.pk).update(last_assignment_id=assignment.pk)
    account.active_role = assignment
    audit_record(action="auth.role_switch", request=request, actor=account, target=assignment)
    return assignment


@transaction.atomic
def role_assign(
    *, actor: Account | None, account: Account, role: str, scope, note: str = "", request=None
) -> RoleAssignment:
    """Grant `role` over `scope`. `actor` None means a bootstrap command on the server.

    Rules: only a security admin grants roles, within their own scope and never
    to themselves; the scope node must be of the kind the role works on; a
    person holds at most one of the three separated admin roles.
    """
    if role not in Role.values:
        raise DomainError("未知的角色。", field="role")
    if actor is not None:
        require(actor, "roles.assign")
        require_within(actor, scope)
        if actor.pk == account.pk:
            raise Forbidden("不能给自己分配角色。")
    if scope.kind not in ROLE_SCOPE_KINDS[role]:
        raise DomainError(f"“{Role(role).label}”的范围不能是“{scope.get_kind_display()}”。", field="scope")
    if not account.is_active:
        raise DomainError("账号已停用。", field="account")
    Account.objects.select_for_update().get(pk=account.pk)  # serialise grants to one account
    current = RoleAssignment.objects.current().filter(account=account)
    if role in SEPARATED_ADMIN_ROLES:
        other = current.filter(role__in=SEPARATED_ADMIN_ROLES).exclude(role=role).first()
        if other:
            raise DomainError(
                f"三员分立：该账号已是“{other.get_role_display()}”，不能再担任“{Role(role).label}”。",
                code="separation_of_duties", field="role",
            )
    existing = current.filter(role=role, scope=scope).first()
    if existing:
        return existing  # idempotent: a repeated grant changes nothing
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(
                account=account, role=role, scope=scope, granted_by=actor, note=note
            )
    except IntegrityError:
        return current.get(role=role, scope=scope)
    audit_record(
        action="role.assign", request=request, actor=actor, target=account,
        detail={"role": role, "scope_id": scope.pk, "scope": str(scope), "note": note},
    )
    return assignment


@transaction.atomic
def role_revoke(*, actor: Account | None, assignment: RoleAssignment, reason: str = "", request=None) -> RoleAssignment:
    if actor is not None:
        require(actor, "roles.assign")
        require_within(actor, assignment.scope)
        if actor.pk == assignment.account_id:
            raise Forbidden("不能撤销自己的角色。")
    if assignment.revoked_at is not None:
        return assignment
    assignment.revoked_at = timezone.now()
    assignment.revoked_by = actor
    assignment.revoke_reason = (reason or "").strip()[:200]
    assignment.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    ApiToken.objects.filter(assignment=assignment, revoked_at__isnull=True).update(revoked_at=assignment.revoked_at)
    audit_record(
        action="role.revoke", request=request, actor=actor, target=assignment.account,
        detail={"role": assignment.role, "scope_id": assignment.scope_id, "reason": reason},
    )
    return assignment


# --- accounts and passwords ---------------------------------------------------------

def generate_password(length: int = 14) -> str:
    """A random password that passes the policy (all four classes present)."""
    alphabet = string.ascii_letters + string.digits + "@#%+=?"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if (any(c.islower() for c in candidate) and any(c.isupper() for c in candidate)
                and any(c.isdigit() for c in candidate) and any(c in "@#%+=?" for c in candidate)):
            return candidate


def validate_password(password: str, account: Account | None = None) -> None:
    try:
        password_validation.validate_password(password, account)
    except ValidationError as exc:
        raise DomainError("；".join(m.rstrip("。") for m in exc.messages) + "。", code="weak_password",
                          field="password") from None


@transaction.atomic
def account_create(
    *, actor: Account | None, username: str, full_name: str, password: str | None = None,
    must_change_password: bool = True, request=None,
) -> tuple[Account, str]:
    """Create an account; returns it with its initial password (generated when not given)."""
    if actor is not None:
        require(actor, "accounts.manage")
    username = (username or "").strip()
    account = Account(username=username, full_name=(full_name or "").strip(), must_change_password=must_change_password)
    try:
        account.full_clean(exclude=["password"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        if "unique" in " ".join(messages) or "已存在" in " ".join(messages):
            raise DomainError("用户名已被使用。", code="username_taken", field="username") from None
        raise DomainError("；".join(messages), field=field) from None
    password = password or generate_password()
    validate_password(password, account)
    account.set_password(password)
    account.password_changed_at = timezone.now()
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        raise DomainError("用户名已被使用。", code="username_taken", field="username") from None
    audit_record(action="account.create", request=request, actor=actor, target=account)
    return account, password


def account_change_password(*, account: Account, old_password: str, new_password: str, request=None) -> None:
    if not account.check_password(old_password):
        audit_record(action="account.password_change", request=request, actor=account,
                     result=AuditEntry.Result.FAILURE, target=account)
        raise DomainError("原密码不正确。", code="bad_old_password", field="old_password")
    if old_password == new_password:
        raise DomainError("新密码不能与原密码相同。", field="new_password")
    validate_password(new_password, account)
    account.set_password(new_password)
    account.must_change_password = False
    account.password_changed_at = timezone.now()
    account.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit_record(action="account.password_change", request=request, actor=account, target=account)


def account_reset_password(*, actor: Account, account: Account, request=None) -> str:
    """Security admin sets a one-time password; the person must change it at next log-in."""
    require(actor, "accounts.manage")
    if actor.pk == account.pk:
        raise Forbidden("请在“修改密码”中修改自己的密码。")
    password = generate_password()
    account.set_password(password)
    account.must_change_password = True
    account.password_changed_at = timezone.now()
    account.save(update_fields=["password", "must_change_password", "password_changed_at"])
    LoginThrottle.objects.filter(key=f"account:{account.username.lower()}").delete()
    audit_record(action="account.password_reset", request=request, actor=actor, target=account)
    return password


def account_set_active(*, actor: Account, account: Account, active: bool, request=None) -> Account:
    require(actor, "accounts.manage")
    if actor.pk == account.pk:
        raise Forbidden("不能停用自己的账号。")
    if account.is_active != active:
        account.is_active = active
        account.save(update_fields=["is_active"])
        if not active:
            ApiToken.objects.filter(account=account, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit_record(action="account.activate" if active else "account.deactivate",
                     request=request, actor=actor, target=account)
    return account


# --- TOTP ------------------------------------------------------------------------------

def totp_new_secret() -> str:
    return pyotp.random_base32()


def totp_uri(account: Account, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account.username, issuer_name=settings.GANXUN_TOTP_ISSUER)


def _totp_match(secret: str, code: str, *, last_step: int | None) -> int | None:
    """Time step of a valid code (±1 step for clock drift) not used before, else None."""
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = timezone.now()
    step_now = int(now.timestamp()) // totp.interval
    for step in (step_now, step_now - 1, step_now + 1):
        if last_step is not None and step <= last_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def totp_verify(*, account: Account, code: str, request=None) -> bool:
    step = _totp_match(account.totp_secret, code, last_step=account.totp_last_step) if account.totp_enabled else None
    if step is None:
        _register_failure(username=account.username, ip=client_ip(request))
        audit_record(action="auth.totp", request=request, actor=account, result=AuditEntry.Result.FAILURE)
        return False
    Account.objects.filter(pk=account.pk).update(totp_last_step=step)
    account.totp_last_step = step
    return True


def totp_enable(*, account: Account, secret: str, code: str, request=None) -> None:
    step = _totp_match(secret, code, last_step=None)
    if step is None:
        raise DomainError("验证码不正确，请核对手机时间后重试。", code="bad_code", field="code")
    account.totp_secret = secret
    account.totp_confirmed_at = timezone.now()
    account.totp_last_step = step
    account.save(update_fields=["totp_secret", "totp_confirmed_at", "totp_last_step"])
    audit_record(action="account.totp_enable", request=request, actor=account, target=account)


def totp_disable(*, actor: Account, account: Account, request=None) -> None:
    """The owner turns off an optional second factor, or a security admin resets a lost one."""
    if actor.pk != account.pk:
        require(actor, "accounts.manage")
    elif RoleAssignment.objects.current().filter(account=account, role__in=SEPARATED_ADMIN_ROLES).exists():
        raise Forbidden("系统、安全、审计管理员必须使用动态口令。")
    account.totp_secret = ""
    account.totp_confirmed_at = None
    account.totp_last_step = None
    account.save(update_fields=["totp_secret", "totp_confirmed_at", "totp_last_step"])
    audit_record(action="account.totp_disable", request=request, actor=actor, target=account)


# --- API tokens ----------------------------------------------------------------------

TOKEN_PREFIX = "gx_"


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(
    *, actor: Account | None, account: Account, name: str, assignment: RoleAssignment | None = None,
    expires_days: int | None = None, request=None,
) -> tuple[ApiToken, str]:
    """Issue a token acting as one of the account's current roles; the raw token is returned once."""
    if actor is not None and actor.pk != account.pk:
        require(actor, "accounts.manage")
    current = RoleAssignment.objects.current().filter(account=account)
    if assignment is None:
        if current.count() != 1:
            raise DomainError("该账号有多个角色（或没有角色），请指定令牌使用的角色。", field="role")
        assignment = current.get()
    elif not current.filter(pk=assignment.pk).exists():
        raise DomainError("令牌的角色必须是该账号当前持有的角色。", field="role")
    if assignment.role in SEPARATED_ADMIN_ROLES:
        raise DomainError("系统、安全、审计管理员角色不能签发 API 令牌。", field="role")
    secret = secrets.token_urlsafe(32)
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secret}"
    token = ApiToken.objects.create(
        account=account, assignment=assignment, name=(name or "").strip()[:100] or "integration",
        prefix=prefix, key_hash=_token_hash(raw),
        expires_at=timezone.now() + dt.timedelta(days=expires_days) if expires_days else None,
    )
    audit_record(action="token.create", request=request, actor=actor or account, target=account,
                 detail={"token": token.prefix, "role": assignment.role, "name": token.name})
    return token, raw


def token_authenticate(raw: str) -> ApiToken | None:
    """The live token for a raw bearer string (account active, role current, not expired)."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("account", "assignment__scope")
        .filter(key_hash=_token_hash(raw), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if (token is None or not token.account.is_active or token.assignment.revoked_at is not None
            or (token.expires_at and token.expires_at <= now)):
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # coarse, to spare writes
    token.account.active_role = token.assignment
    return token


def token_revoke(*, actor: Account, token: ApiToken, request=None) -> None:
    if actor.pk != token.account_id:
        require(actor, "accounts.manage")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(action="token.revoke", request=request, actor=actor, target=token.account,
                     detail={"token": token.prefix})


