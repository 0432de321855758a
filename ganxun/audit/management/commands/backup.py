"""`python -m ganxun backup [--output DIR]`: one archive of the database and the media files.

The logic is in ganxun.core.backup; this command lives in the audit app (not in
core) because it writes the `system.backup` entry, and core sits below audit.

stdout, one `key: value` per line (`archive:` first); with `-v 0` only the
archive's path, so a script can do `ARCHIVE=$(python -m ganxun backup -v 0)`.
The reminder about the keys goes to stderr.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from ganxun.audit.management.commands._cli import cli_actor_name, manifest_summary
from ganxun.audit.models import AuditEntry
from ganxun.audit.services import audit_record
from ganxun.core.backup import BackupError, backup_create

KEYS_REMINDER = (
    "提醒 / reminder: the keys are NOT in the archive. Keep var/keys.json (or the GANXUN_SECRET_KEY, "
    "GANXUN_DATA_KEY, GANXUN_HASH_KEY, GANXUN_AUDIT_KEY values) in a separate safe place: without them the "
    "encrypted personal data (ID numbers, phones) in this backup cannot be read and the audit chain cannot be "
    "verified. 密钥不在备份中，请另行妥善保管，丢失后加密的个人信息将无法恢复。"
)


class Command(BaseCommand):
    help = "Back up the database and media files into one .tar.gz archive (default: GANXUN_BACKUP_DIR)."

    def add_arguments(self, parser):
        parser.add_argument("--output", metavar="DIR",
                            help="folder for the archive (default: settings.GANXUN_BACKUP_DIR)")

    def handle(self, *args, output: str | None = None, verbosity: int = 1, **options):
        actor_username = cli_actor_name()
        try:
            result = backup_create(output_dir=output)
        except (BackupError, OSError) as exc:
            message = getattr(exc, "message", None) or str(exc)
            self._record(actor_username, AuditEntry.Result.FAILURE, {"error": message[:500]})
            raise CommandError(f"backup failed: {message}") from None
        self._record(actor_username, AuditEntry.Result.SUCCESS, {
            "archive": result.path.name, "sha256": result.sha256, "size": result.size,
            "database": result.manifest["database"]["vendor"], "files": len(result.manifest["files"]),
        }, target_repr=result.path.name)
        if verbosity == 0:
            self.stdout.write(str(result.path))
        else:
            self.stdout.write(f"archive: {result.path}")
            self.stdout.write(f"size: {result.size} bytes")
            self.stdout.write(f"sha256: {result.sha256}")
            for line in manifest_summary(result.manifest):
                self.stdout.write(line)
        self.stderr.write(KEYS_REMINDER)

    def _record(self, actor_username: str, result: str, detail: dict, target_repr: str = "") -> None:
        # The entry comes after the dump, so it is not inside this archive; it records that the archive exists.
        try:
            audit_record(action="system.backup", actor_username=actor_username, result=result,
                         target_type="system", target_repr=target_repr, detail=detail)
        except DatabaseError as exc:
            self.stderr.write(f"warning: the backup could not be recorded in the audit trail: {exc}")
