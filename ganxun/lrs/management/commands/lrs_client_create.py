"""`python -m ganxun lrs_client_create --name NAME`: credentials for an xAPI client.

stdout carries ONLY `key:secret` (and a newline), so a script can capture it:
`CREDS=$(python -m ganxun lrs_client_create --name "省平台同步" --read-all)` and use
it as HTTP Basic credentials against /xapi/. The secret is shown this once; only its
SHA-256 is stored. Errors go to stderr with a non-zero exit.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ganxun.lrs.services import lrs_client_create
from ganxun.org.models import Organisation


class Command(BaseCommand):
    help = "Create an LRS (xAPI) client; prints only key:secret on stdout."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="what the client is (shown in the back office)")
        parser.add_argument("--scope-code", help="code of the org node whose cadres' statements it may read")
        parser.add_argument("--read-all", action="store_true",
                            help="may read all statements (within --scope-code when given)")
        parser.add_argument("--no-write", action="store_true", help="may not store statements")
        parser.add_argument("--no-documents", action="store_true",
                            help="may not use the state / activity profile / agent profile resources")

    def handle(self, *args, name: str, scope_code: str | None = None, read_all: bool = False,
               no_write: bool = False, no_documents: bool = False, **options):
        if not name.strip():
            raise CommandError("--name must not be empty")
        scope = None
        if scope_code:
            scope = Organisation.objects.filter(code=scope_code).first()
            if scope is None:
                raise CommandError(f"no organisation with code {scope_code!r}")
            if not read_all:
                raise CommandError("--scope-code limits what --read-all reads; give --read-all too")
        client, secret = lrs_client_create(name=name, scope=scope, can_write=not no_write, can_read_all=read_all,
                                           can_documents=not no_documents)
        self.stdout.write(f"{client.key}:{secret}")
