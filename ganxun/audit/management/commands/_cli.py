"""Helpers of the operations commands: who ran them (for the audit trail), how an archive is shown."""

from __future__ import annotations

import getpass
import os
from typing import Any

from ganxun.core.backup import MEDIA_PREFIX


def cli_actor_name() -> str:
    """Returns "cli:<operating-system user>", the best identity a server-side command has."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry for the uid (some containers)
        user = f"uid{os.getuid()}"
    return f"cli:{user}"[:150]


def manifest_summary(manifest: dict[str, Any]) -> list[str]:
    """`key: value` lines describing an archive, for the backup and restore output."""
    files = manifest["files"]
    media = [f for f in files if f["path"].startswith(MEDIA_PREFIX)]
    database = manifest["database"]
    db_size = next(f["size"] for f in files if f["path"] == database["member"])
    return [
        f"created_at: {manifest['created_at']}",
        f"ganxun_version: {manifest['ganxun_version']}",
        f"database: {database['vendor']} ({db_size} bytes)",
        f"media: {len(media)} files ({sum(f['size'] for f in media)} bytes)",
        "migrations: " + ", ".join(f"{app}.{name}" for app, name in manifest.get("migrations", {}).items()),
    ]
