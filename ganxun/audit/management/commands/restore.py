"""`python -m ganxun restore ARCHIVE --yes`: put a backup made by `backup` back in place.

Order: verify every member against the manifest (a corrupt archive is refused
and nothing changes); refuse a different database vendor, a newer schema, or
other keys; without --yes stop there (a dry run that shows the archive); else
replace the database and the media folder, then write `system.restore` into the
*restored* database (entries written after the backup was made are gone with
the replaced database; the entry names the replaced chain head so an auditor
sees the gap).

Stop the web server and the job worker first: the database file is replaced
under them. Refused attempts are recorded in the current trail.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

from ganxun.audit.management.commands._cli import cli_actor_name, manifest_summary
from ganxun.audit.models import AuditEntry, AuditHead
from ganxun.audit.services import audit_record
from ganxun.core.backup import BackupError, archive_verify, backup_restore, restore_problems


class Command(BaseCommand):
    help = "Restore the database and media files from a backup archive (stop the app and worker first)."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="path of a ganxun-*.tar.gz made by the backup command")
        parser.add_argument("--yes", action="store_true", help="really replace the current database and media")
        parser.add_argument("--allow-key-mismatch", action="store_true",
                            help="restore even though this machine's keys differ from the archive's "
                                 "(encrypted personal data will be unreadable)")

    def handle(self, *args, archive: str, yes: bool = False, allow_key_mismatch: bool = False, **options):
        actor_username = cli_actor_name()
        try:
            verified = archive_verify(archive)
        except BackupError as exc:
            self._record_refusal(actor_username, archive, exc.message)
            raise CommandError(f"restore refused, nothing was changed: {exc.message}") from None
        self.stdout.write(f"archive: {verified.path} (sha256 {verified.sha256}) — checksums OK")
        problems = restore_problems(verified.manifest, allow_key_mismatch=allow_key_mismatch)
        if problems:
            self._record_refusal(actor_username, archive, problems[0])
            raise CommandError("restore refused, nothing was changed: " + " ".join(problems))
        if not yes:
            for line in manifest_summary(verified.manifest):
                self.stdout.write(line)
            raise CommandError("restore replaces the current database and media files: "
                               "stop the web server and the job worker, then run again with --yes")
        replaced_head = self._current_head()
        try:
            manifest = backup_restore(verified, allow_key_mismatch=allow_key_mismatch)
        except (BackupError, OSError) as exc:
            message = getattr(exc, "message", None) or str(exc)
            raise CommandError(f"restore failed: {message}") from None
        self.stdout.write("restored:")
        for line in manifest_summary(manifest):
            self.stdout.write(f"  {line}")
        try:
            audit_record(
                action="system.restore", actor_username=actor_username, target_type="system",
                target_repr=verified.path.name,
                detail={"archive": verified.path.name, "sha256": verified.sha256,
                        "archive_created_at": manifest["created_at"], "replaced_head": replaced_head,
                        "keys_mismatch_allowed": allow_key_mismatch},
            )
        except DatabaseError as exc:
            self.stderr.write(f"warning: the restore could not be recorded in the audit trail: {exc}")
        if self._pending_migrations():
            self.stdout.write("the restored database is older than this program: run `python -m ganxun migrate`")

    @staticmethod
    def _current_head() -> dict | None:
        """The live chain's head before it is replaced (None on a fresh machine without tables)."""
        try:
            head = AuditHead.objects.filter(id=1).first()
        except DatabaseError:
            return None
        return {"last_id": head.last_id, "last_hash": head.last_hash} if head else None

    def _record_refusal(self, actor_username: str, archive: str, reason: str) -> None:
        try:
            audit_record(action="system.restore", actor_username=actor_username, result=AuditEntry.Result.FAILURE,
                         target_type="system", target_repr=str(archive)[-200:], detail={"error": reason[:500]})
        except DatabaseError:
            pass  # a machine being rebuilt may have no tables yet; the refusal is still printed

    @staticmethod
    def _pending_migrations() -> bool:
        executor = MigrationExecutor(connections["default"])
        return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
