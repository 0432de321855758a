"""`python -m ganxun api_token_create --user U`: issue an API token for an integration.

stdout carries ONLY the raw token (and a newline), so a script can capture it:
`TOKEN=$(python -m ganxun api_token_create --user etl --name "人事系统同步")`.
The token is shown this once; only its SHA-256 is stored. Errors go to stderr
with a non-zero exit. The token acts as one of the account's current roles
(`--role`, needed when it holds several); the service refuses the three
separated admin roles.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ganxun.access.models import Account, RoleAssignment
from ganxun.access.roles import Role
from ganxun.access.services import token_create
from ganxun.core.errors import DomainError


class Command(BaseCommand):
    help = "Create an API token for an account; prints only the raw token on stdout."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username of the account the token acts as")
        parser.add_argument("--role", choices=Role.values, help="which of the account's roles the token uses")
        parser.add_argument("--scope-code", help="code of the role's scope node, when the account holds the role "
                                                 "over several nodes")
        parser.add_argument("--name", default="integration", help="what the token is for (shown in the account page)")
        parser.add_argument("--days", type=int, help="expires after N days (default: no expiry)")

    def handle(self, *args, user: str, role: str | None = None, scope_code: str | None = None,
               name: str = "integration", days: int | None = None, **options):
        if days is not None and days <= 0:
            raise CommandError("--days must be a positive number of days")
        account = Account.objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"no account with username {user!r}")
        if not account.is_active:
            raise CommandError(f"account {user!r} is deactivated")
        assignment = None
        if role or scope_code:
            current = RoleAssignment.objects.current().filter(account=account).select_related("scope")
            if role:
                current = current.filter(role=role)
            if scope_code:
                current = current.filter(scope__code=scope_code)
            matches = list(current)
            if not matches:
                raise CommandError(f"{user!r} holds no current role matching --role {role or '*'}"
                                   + (f" --scope-code {scope_code}" if scope_code else ""))
            if len(matches) > 1:
                scopes = ", ".join(f"{m.scope.name} ({m.scope.code or m.scope.pk})" for m in matches)
                raise CommandError(f"{user!r} holds {role} over several scopes ({scopes}); add --scope-code")
            assignment = matches[0]
        try:
            _token, raw = token_create(actor=None, account=account, name=name, assignment=assignment,
                                       expires_days=days)
        except DomainError as exc:
            roles = ", ".join(sorted({a.role for a in RoleAssignment.objects.current().filter(account=account)}))
            raise CommandError(f"{exc.message} (roles of {user!r}: {roles or 'none'})") from None
        self.stdout.write(raw)
