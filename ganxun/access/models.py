"""Accounts (one per real person), role assignments with a scope, API tokens, lockouts."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ganxun.access.roles import Role
from ganxun.core.fields import EncryptedTextField

username_validator = RegexValidator(
    r"^[A-Za-z0-9_.@-]{3,150}$", "用户名只能包含字母、数字和 _ . @ -，长度 3–150。"
)


class AccountManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **fields) -> "Account":
        account = self.model(username=username, **fields)
        if password:
            account.set_password(password)
        else:
            account.set_unusable_password()
        account.save()
        return account


class Account(AbstractBaseUser):
    """A log-in. Real-name: people.Person links to at most one account, and one account to one person."""

    username = models.CharField("用户名", max_length=150, unique=True, validators=[username_validator])
    full_name = models.CharField("姓名", max_length=100)
    is_active = models.BooleanField("启用", default=True)
    must_change_password = models.BooleanField("首次登录须改密", default=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    totp_secret = EncryptedTextField(blank=True, default="")
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)
    # Last accepted TOTP time step: a code is accepted once (no replay).
    totp_last_step = models.BigIntegerField(null=True, blank=True)
    date_joined = models.DateTimeField(default=timezone.now)
    last_assignment_id = models.BigIntegerField(null=True, blank=True)

    objects = AccountManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = "账号"
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.full_name}（{self.username}）" if self.full_name else self.username

    @property
    def totp_enabled(self) -> bool:
        return bool(self.totp_secret and self.totp_confirmed_at)

    # The scope gate reads the active role from here; AccessMiddleware and
    # API authentication set it for each request.
    active_role: "RoleAssignment | None" = None


class RoleAssignmentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(revoked_at__isnull=True)


class RoleAssignment(models.Model):
    """A role held over an organisation subtree (its scope)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField("角色", max_length=40, choices=Role.choices)
    # By string: the org app sits above access and is never imported here.
    scope = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name="范围")
    granted_by = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_by = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField("撤销原因", max_length=200, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = "角色分配"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "role", "scope"],
                condition=Q(revoked_at__isnull=True),
                name="one_current_assignment_per_role_scope",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.scope}"

    @property
    def is_current(self) -> bool:
        return self.revoked_at is None


class ApiToken(models.Model):
    """A bearer token for integrations. Only a SHA-256 of the token is stored."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="api_tokens")
    assignment = models.ForeignKey(RoleAssignment, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField("名称", max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginThrottle(models.Model):
    """Failed log-ins counted per key ("account:<username>" or "ip:<address>")."""

    key = models.CharField(max_length=200, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)
