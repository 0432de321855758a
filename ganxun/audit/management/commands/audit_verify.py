"""`python -m ganxun audit_verify`: check the audit chain, for cron and monitoring.

Exit codes: 0 the chain is intact; 1 an entry was altered, inserted or removed
(the first broken entry's id and the reason are printed); 2 the check could
not run (database unreachable, tables missing).

The check itself is recorded as an `audit.verify` entry (as the audit admin's
"verify" button does), written only after the walk so it cannot influence the
result; `--no-record` leaves the trail untouched (e.g. on a read-only replica).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from ganxun.audit.management.commands._cli import cli_actor_name
from ganxun.audit.models import AuditEntry
from ganxun.audit.services import audit_record, audit_verify


class Command(BaseCommand):
    help = "Verify the tamper-evident audit chain. Exit 0 intact, 1 broken, 2 could not verify."

    def add_arguments(self, parser):
        parser.add_argument("--no-record", action="store_true",
                            help="do not append an audit.verify entry for this check")

    def handle(self, *args, no_record: bool = False, **options):
        try:
            result = audit_verify()
        except DatabaseError as exc:
            raise CommandError(f"could not verify the audit chain: {exc}", returncode=2) from None
        if not no_record:
            try:
                audit_record(
                    action="audit.verify", actor_username=cli_actor_name(),
                    result=AuditEntry.Result.SUCCESS if result.ok else AuditEntry.Result.FAILURE,
                    detail={"checked": result.checked, "first_broken_id": result.first_broken_id,
                            "reason": result.reason, "via": "command"},
                )
            except DatabaseError as exc:
                self.stderr.write(f"warning: the check could not be recorded in the audit trail: {exc}")
        if result.ok:
            self.stdout.write(f"intact: {result.checked} entries")
            return
        raise CommandError(
            f"broken: first broken entry id={result.first_broken_id}: {result.reason} "
            f"({result.checked} entries before it are intact)",
            returncode=1,
        )
