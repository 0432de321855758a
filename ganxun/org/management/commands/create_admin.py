"""`python -m ganxun create_admin`: bootstrap one of the three separated administrators.

On a fresh install there is no organisation tree yet: `--root-name/--root-code`
create the province root region first. The account gets a generated password
(printed once) that must be changed at first log-in, where TOTP enrolment is
forced for these roles. Everything happens in one transaction, through the same
services the web pages use (so the audit trail is written and three-admin
separation is enforced by the service, not here); any refusal changes nothing.

Layering note: this bootstrap entry point composes access and org (the root
region), so it imports ganxun.org, which sits above access; it is imported
inside handle() and nothing in access imports this module.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ganxun.access.models import Account, RoleAssignment
from ganxun.access.roles import SEPARATED_ADMIN_ROLES, Role
from ganxun.access.services import account_create, role_assign
from ganxun.core.errors import DomainError

ADMIN_ROLES = sorted(str(role) for role in SEPARATED_ADMIN_ROLES)


class _DryRun(Exception):
    """Raised to roll back a savepoint used only to ask a service whether it would refuse."""


class Command(BaseCommand):
    help = "Create a system, security or audit administrator (三员). Prints the initial password once."

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, choices=ADMIN_ROLES)
        parser.add_argument("--username", required=True)
        parser.add_argument("--name", required=True, help="the person's real name (姓名)")
        parser.add_argument("--scope-code", help="code of the region the role covers (default: the root region)")
        parser.add_argument("--root-name", help="fresh install: name of the province root region to create, e.g. 江东省")
        parser.add_argument("--root-code", help="fresh install: code of the root region (GB/T 2260), e.g. 339000")
        parser.add_argument("--password", help="initial password (default: a generated one, printed once)")

    def handle(self, *args, role: str, username: str, name: str, scope_code: str | None = None,
               root_name: str | None = None, root_code: str | None = None, password: str | None = None, **options):
        self.created_root = False
        if bool(root_name) != bool(root_code):
            raise CommandError("--root-name and --root-code go together")
        if password == "":
            raise CommandError("--password is empty (leave it out to have a password generated)")
        try:
            with transaction.atomic():
                scope = self._scope(scope_code=scope_code, root_name=root_name, root_code=root_code)
                existing = Account.objects.filter(username__iexact=(username or "").strip()).first()
                if existing is not None:
                    self._refuse_existing(existing, role=role, scope=scope)
                account, initial = account_create(actor=None, username=username, full_name=name, password=password,
                                                  must_change_password=True)
                role_assign(actor=None, account=account, role=role, scope=scope, note="create_admin")
        except DomainError as exc:
            raise CommandError(f"{exc.message} 未做任何更改（nothing was changed）。") from None
        label = Role(role).label
        if self.created_root:
            self.stdout.write(f"created root region: {scope.name} ({scope.code})")
        self.stdout.write(f"created: {account.username} ({account.full_name}), {role} {label}, scope "
                          f"{scope.name} ({scope.code or scope.pk})")
        self.stdout.write(f"username: {account.username}")
        if password is None:
            self.stdout.write(f"password: {initial}")
        self.stdout.write("首次登录须修改密码并绑定动态口令（TOTP）。"
                          "At first log-in the password must be changed and TOTP enrolled.")

    def _scope(self, *, scope_code: str | None, root_name: str | None, root_code: str | None):
        from ganxun.org.models import Organisation
        from ganxun.org.services import organisation_create

        roots = list(Organisation.objects.filter(parent__isnull=True, is_active=True).order_by("id"))
        if not roots and not root_name:
            raise DomainError("还没有组织机构树：首次部署请用 --root-name 和 --root-code 创建省级根区域。")
        if not roots:
            root = organisation_create(actor=None, parent=None, kind=Organisation.Kind.REGION,
                                       region_level=Organisation.RegionLevel.PROVINCE, name=root_name, code=root_code)
            self.created_root = True
            if scope_code and scope_code != root.code:
                raise DomainError(f"找不到代码为 {scope_code} 的组织。")
            return root
        if root_code and not any(r.code == root_code for r in roots):
            raise DomainError(f"已有根区域 {roots[0].name}（{roots[0].code}），不能再建根区域；"
                              "请去掉 --root-name/--root-code，或用 --scope-code 指定范围。")
        code = scope_code or root_code
        if code:
            node = Organisation.objects.filter(code=code, is_active=True).first()
            if node is None:
                raise DomainError(f"找不到代码为 {code} 的组织。")
            return node
        if len(roots) > 1:
            raise DomainError("有多个根区域，请用 --scope-code 指定范围。")
        return roots[0]

    @staticmethod
    def _refuse_existing(existing: Account, *, role: str, scope) -> None:
        """Refuse, with the service's own reason when it has one (e.g. three-admin separation)."""
        holds = RoleAssignment.objects.current().filter(account=existing, role__in=SEPARATED_ADMIN_ROLES)
        if holds.exists() and not holds.filter(role=role).exists():
            try:
                with transaction.atomic():
                    role_assign(actor=None, account=existing, role=role, scope=scope)
                    raise _DryRun
            except _DryRun:
                pass
        raise DomainError(f"账号 {existing.username} 已存在（account exists）。", code="account_exists")
