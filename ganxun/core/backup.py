"""Backup and restore of one installation: the database and the media files in one archive.

An archive is `ganxun-YYYYmmdd-HHMMSS.tar.gz` holding

* `database/ganxun.sqlite3` (a consistent copy made with SQLite's online
  backup API, so the platform may keep running) or `database/ganxun.pgdump`
  (`pg_dump --format=custom`);
* `media/...`, the files under MEDIA_ROOT (uploaded import files and the like);
* `manifest.json`, written last: when it was made, the database vendor, the
  latest applied migration of each app, the ganxun version, fingerprints of the
  keys in use, and every other member with its size and SHA-256.

The keys are never put in the archive: whoever holds a backup must not be able
to read the encrypted personal data with it alone. The fingerprints only let
`restore` say "these are not the keys this data was written with" before it
replaces anything.

Restoring checks every member against the manifest first, then stages the new
database and media beside the live ones and swaps them in (an atomic rename for
SQLite and the media folder, one transaction of `pg_restore` for PostgreSQL), so
a refused or failed restore leaves the installation as it was.

This module knows nothing of the audit trail (core sits below audit): the
`backup` and `restore` commands, which live in the audit app for that reason,
write the audit entries.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import tomllib
import zlib
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from ganxun.core.errors import DomainError

FORMAT = 1
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database/ganxun.sqlite3", "postgresql": "database/ganxun.pgdump"}
MEDIA_PREFIX = "media/"
# Staging folders of an interrupted restore must never end up in the next backup.
STAGING_PREFIX = ".ganxun-restore-"
CHUNK = 1024 * 1024
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
KEY_SETTINGS = {"DATA_KEY": "GANXUN_DATA_KEY", "HASH_KEY": "GANXUN_HASH_KEY", "AUDIT_KEY": "GANXUN_AUDIT_KEY"}


class BackupError(DomainError):
    """A backup could not be made, or an archive was refused; nothing was changed."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    sha256: str
    manifest: dict[str, Any]


@dataclass(frozen=True)
class VerifiedArchive:
    path: Path
    size: int
    sha256: str
    manifest: dict[str, Any]


# --- facts about this installation ----------------------------------------------------

def ganxun_version() -> str:
    try:
        with open(settings.BASE_DIR / "pyproject.toml", "rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def key_fingerprints() -> dict[str, str]:
    """A short HMAC of a fixed label under each key: tells keys apart, reveals nothing of them."""
    return {
        name: hmac.new(getattr(settings, attr), b"ganxun key fingerprint", hashlib.sha256).hexdigest()[:16]
        for name, attr in KEY_SETTINGS.items()
    }


def migration_state(alias: str = "default") -> dict[str, str]:
    """The latest applied migration of each app (names are numbered, so the largest is the latest)."""
    applied = MigrationRecorder(connections[alias]).applied_migrations()
    latest: dict[str, str] = {}
    for app, name in applied:
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def database_vendor(alias: str = "default") -> str:
    return connections[alias].vendor


def _sqlite_path() -> Path:
    name = str(settings.DATABASES["default"]["NAME"])
    if name == ":memory:" or "mode=memory" in name or name.startswith("file:"):
        raise BackupError("内存数据库不能备份或恢复。")
    return Path(name).resolve()


def _pg_client(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise BackupError(f"找不到 PostgreSQL 客户端程序 {tool}：请安装与数据库服务器同版本的 postgresql-client。")
    return path


def _pg_connection() -> tuple[list[str], dict[str, str]]:
    """Connection flags for pg_dump/pg_restore; the password goes in PGPASSWORD, never on the command line."""
    db = settings.DATABASES["default"]
    args: list[str] = ["--no-password"]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    args += ["--dbname", str(db["NAME"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    options = db.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("sslcert", "PGSSLCERT"),
                             ("sslkey", "PGSSLKEY"), ("connect_timeout", "PGCONNECT_TIMEOUT")):
        if options.get(option):
            env[variable] = str(options[option])
    return args, env


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    completed = subprocess.run(command, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip()[-2000:]
        raise BackupError(f"{what}失败（退出码 {completed.returncode}）：{detail}")
    return completed.stdout


# --- small file helpers ---------------------------------------------------------------

class _HashingReader:
    """Wraps a binary file: whatever is read through it is counted and hashed."""

    def __init__(self, raw: BinaryIO):
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def _media_files(root: Path, exclude: Path | None) -> Iterator[tuple[str, Path]]:
    """Regular files under MEDIA_ROOT as (posix relative path, path), in a stable order; links are skipped."""
    if not root.is_dir():
        return
    for directory, dirnames, filenames in os.walk(root):
        here = Path(directory)
        dirnames[:] = sorted(
            d for d in dirnames
            if not d.startswith(STAGING_PREFIX) and not (here / d).is_symlink()
            and (exclude is None or (here / d).resolve() != exclude)
        )
        for filename in sorted(filenames):
            path = here / filename
            if filename.startswith(STAGING_PREFIX) or path.is_symlink() or not path.is_file():
                continue
            yield path.relative_to(root).as_posix(), path


def _safe_member_name(name: str) -> bool:
    pure = PurePosixPath(name)
    return (
        bool(name) and not pure.is_absolute() and "\\" not in name
        and all(part not in ("", ".", "..") for part in name.split("/"))
        and (name == MANIFEST or name in DB_MEMBER.values() or name.startswith(MEDIA_PREFIX))
    )


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> dict[str, Any]:
    with open(path, "rb") as raw:
        stat = os.fstat(raw.fileno())
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
        reader = _HashingReader(raw)
        tar.addfile(info, reader)
    return {"path": name, "size": reader.size, "sha256": reader.digest.hexdigest()}


# --- backup ---------------------------------------------------------------------------

def _dump_database(stage: Path) -> tuple[Path, dict[str, Any]]:
    vendor = database_vendor()
    if vendor == "sqlite":
        source = _sqlite_path()
        if not source.exists():
            raise BackupError(f"数据库文件不存在：{source}")
        target = stage / "ganxun.sqlite3"
        # The online backup API copies a consistent snapshot while the platform keeps writing (WAL).
        with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
            # A self-contained file (no -wal beside it); the platform turns WAL on again when it opens it.
            dst.execute("PRAGMA journal_mode=DELETE")
        return target, {"vendor": vendor, "member": DB_MEMBER[vendor], "sqlite_version": sqlite3.sqlite_version}
    if vendor == "postgresql":
        pg_dump = _pg_client("pg_dump")
        target = stage / "ganxun.pgdump"
        args, env = _pg_connection()
        _run([pg_dump, "--format=custom", "--file", str(target), *args], env, "pg_dump ")
        tool_version = _run([pg_dump, "--version"], env, "pg_dump --version ").strip()
        return target, {"vendor": vendor, "member": DB_MEMBER[vendor], "pg_dump": tool_version,
                        "server_version": connections["default"].pg_version}
    raise BackupError(f"不支持备份 {vendor} 数据库。")


def _archive_name(directory: Path) -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    path = directory / f"ganxun-{stamp}.tar.gz"
    counter = 2
    while path.exists():  # two backups within one second keep both
        path = directory / f"ganxun-{stamp}-{counter}.tar.gz"
        counter += 1
    return path


def backup_create(*, output_dir: Path | str | None = None) -> BackupResult:
    """Write one archive of the database and media into `output_dir` (default GANXUN_BACKUP_DIR).

    The archive is written under a `.part` name, read back and checked against
    its manifest, and only then renamed to its final name, so a file named
    `ganxun-*.tar.gz` is always complete. It is readable by its owner only.
    """
    directory = Path(output_dir or settings.GANXUN_BACKUP_DIR).resolve()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    media_root = Path(settings.MEDIA_ROOT).resolve()
    final = _archive_name(directory)
    part = final.with_name(final.name + ".part")
    with tempfile.TemporaryDirectory(dir=directory, prefix=".ganxun-backup-") as stage:
        db_file, db_facts = _dump_database(Path(stage))
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": timezone.localtime().isoformat(timespec="seconds"),
            "ganxun_version": ganxun_version(),
            "database": db_facts,
            "migrations": migration_state(),
            "keys": key_fingerprints(),
            "media_root": str(media_root),
            "files": [],
        }
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out, tarfile.open(fileobj=out, mode="w:gz", compresslevel=6) as tar:
                manifest["files"].append(_add_file(tar, db_facts["member"], db_file))
                for relative, path in _media_files(media_root, exclude=directory):
                    manifest["files"].append(_add_file(tar, MEDIA_PREFIX + relative, path))
                body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(body), int(timezone.now().timestamp()), 0o600
                tar.addfile(info, io.BytesIO(body))
            checked = archive_verify(part)
            os.replace(part, final)
        except BaseException:
            Path(part).unlink(missing_ok=True)
            raise
    return BackupResult(path=final, size=checked.size, sha256=checked.sha256, manifest=checked.manifest)


# --- verify ---------------------------------------------------------------------------

_BROKEN = (tarfile.TarError, OSError, EOFError, zlib.error, UnicodeDecodeError)


def _stream_members(path: Path) -> Iterator[tuple[tarfile.TarInfo, tarfile.ExFileObject | None]]:
    """Members of the archive in order, each refused unless it is a regular file with a safe name."""
    with tarfile.open(path, mode="r|gz") as tar:
        for member in tar:
            if not member.isfile() or not _safe_member_name(member.name):
                raise BackupError(f"备份文件含有不允许的成员：{member.name!r}，已拒绝。")
            yield member, tar.extractfile(member)


def _check_against_manifest(manifest: dict[str, Any], seen: dict[str, tuple[int, str]]) -> None:
    expected = {entry["path"]: entry for entry in manifest["files"]}
    missing = sorted(set(expected) - set(seen))
    extra = sorted(set(seen) - set(expected))
    if missing:
        raise BackupError(f"备份文件不完整，缺少：{'、'.join(missing[:5])}")
    if extra:
        raise BackupError(f"备份文件含有清单之外的文件：{'、'.join(extra[:5])}")
    for name, (size, digest) in seen.items():
        entry = expected[name]
        if size != entry["size"] or digest != entry["sha256"]:
            raise BackupError(f"校验失败：{name} 的大小或 SHA-256 与清单不符（文件已损坏或被改动）。")


def _parse_manifest(body: bytes | None) -> dict[str, Any]:
    if body is None:
        raise BackupError("备份文件中没有 manifest.json，不是完整的 ganxun 备份。")
    try:
        manifest = json.loads(body.decode())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"不认识的备份格式版本：{manifest.get('format')!r}。")
        files = manifest["files"]
        vendor = manifest["database"]["vendor"]
        if not all(isinstance(f["path"], str) and isinstance(f["size"], int) and isinstance(f["sha256"], str)
                   for f in files):
            raise ValueError("file list")
        if DB_MEMBER.get(vendor) not in {f["path"] for f in files}:
            raise BackupError("备份清单中没有数据库文件。")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BackupError(f"manifest.json 格式错误：{exc}") from None
    return manifest


def archive_verify(path: Path | str) -> VerifiedArchive:
    """Read the whole archive once: every member must match the manifest's size and SHA-256."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"找不到备份文件：{path}")
    seen: dict[str, tuple[int, str]] = {}
    manifest_body = None
    try:
        for member, handle in _stream_members(path):
            if member.name in seen or (member.name == MANIFEST and manifest_body is not None):
                raise BackupError(f"备份文件中 {member.name} 出现了两次，已拒绝。")
            if member.name == MANIFEST:
                if member.size > MANIFEST_MAX_BYTES:
                    raise BackupError("manifest.json 过大，已拒绝。")
                manifest_body = handle.read()
                continue
            reader = _HashingReader(handle)
            while reader.read(CHUNK):
                pass
            seen[member.name] = (reader.size, reader.digest.hexdigest())
        digest = hashlib.sha256()
        with open(path, "rb") as raw:
            for block in iter(lambda: raw.read(CHUNK), b""):
                digest.update(block)
    except _BROKEN as exc:
        raise BackupError(f"备份文件已损坏或不是 ganxun 备份（{exc}）。") from None
    manifest = _parse_manifest(manifest_body)
    _check_against_manifest(manifest, seen)
    return VerifiedArchive(path=path, size=path.stat().st_size, sha256=digest.hexdigest(), manifest=manifest)


# --- restore --------------------------------------------------------------------------

def restore_problems(manifest: dict[str, Any], *, allow_key_mismatch: bool = False) -> list[str]:
    """Reasons this installation cannot take the archive (empty when it can)."""
    problems = []
    vendor, here = manifest["database"]["vendor"], database_vendor()
    if vendor != here:
        problems.append(f"备份来自 {vendor} 数据库，本机使用 {here}，不能恢复（请在同类数据库上恢复）。")
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [f"{app}.{name}" for app, name in manifest.get("migrations", {}).items() if (app, name) not in known]
    if unknown:
        problems.append(f"备份来自较新的 ganxun 版本 {manifest.get('ganxun_version')}（本机没有迁移 "
                        f"{'、'.join(unknown[:5])}），请先升级程序再恢复。")
    theirs, ours = manifest.get("keys", {}), key_fingerprints()
    differing = [name for name in KEY_SETTINGS if name in theirs and theirs[name] != ours[name]]
    if differing and not allow_key_mismatch:
        problems.append(
            f"本机密钥与备份时不同（{'、'.join(differing)}）：恢复后加密的个人信息无法读取，审计链校验也会失败。"
            "请先放回原来的 var/keys.json 或 GANXUN_*_KEY 环境变量；确需继续请加 --allow-key-mismatch。"
        )
    return problems


def _extract(verified: VerifiedArchive, db_target: Path, media_stage: Path) -> None:
    """Write the database member to `db_target` and media under `media_stage`, checking each again.

    The archive is read a second time, so a file swapped on disk since it was
    verified cannot slip through.
    """
    expected = {entry["path"]: entry for entry in verified.manifest["files"]}
    db_member = verified.manifest["database"]["member"]
    seen: dict[str, tuple[int, str]] = {}
    try:
        for member, handle in _stream_members(verified.path):
            if member.name == MANIFEST:
                continue
            if member.name not in expected or member.name in seen:
                raise BackupError(f"备份文件在校验后被改动：{member.name}")
            if member.name == db_member:
                target = db_target
            else:
                target = media_stage / member.name[len(MEDIA_PREFIX):]
                target.parent.mkdir(parents=True, exist_ok=True)
            reader = _HashingReader(handle)
            with open(target, "wb") as out:
                while block := reader.read(CHUNK):
                    out.write(block)
            seen[member.name] = (reader.size, reader.digest.hexdigest())
    except _BROKEN as exc:
        raise BackupError(f"读取备份文件失败（{exc}）。") from None
    _check_against_manifest(verified.manifest, seen)


def _media_stage_dir(media_root: Path) -> Path:
    # A mount point cannot be renamed: then the new files are staged inside it and swapped entry by entry.
    parent = media_root if os.path.ismount(media_root) else media_root.parent
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=parent, prefix=STAGING_PREFIX + "media-"))


def _swap_media(stage: Path, media_root: Path) -> None:
    if os.path.ismount(media_root):
        old = Path(tempfile.mkdtemp(dir=media_root, prefix=STAGING_PREFIX + "old-"))
        for entry in media_root.iterdir():
            if entry not in (stage, old):
                os.rename(entry, old / entry.name)
        for entry in stage.iterdir():
            os.rename(entry, media_root / entry.name)
        shutil.rmtree(stage, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
        return
    mode = media_root.stat().st_mode & 0o777 if media_root.exists() else 0o755
    stage.chmod(mode)  # mkdtemp made it 0700; keep the folder's usual mode
    if media_root.exists():
        old = media_root.with_name(f"{STAGING_PREFIX}old-{os.getpid()}")
        os.rename(media_root, old)
        try:
            os.rename(stage, media_root)
        except OSError:
            os.rename(old, media_root)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(stage, media_root)


def _sqlite_swap(staged: Path, target: Path) -> None:
    with closing(sqlite3.connect(staged)) as check:
        verdict = check.execute("PRAGMA integrity_check").fetchone()[0]
    if verdict != "ok":
        raise BackupError(f"备份中的数据库未通过完整性检查：{verdict}")
    connections.close_all()
    if target.exists():
        # Empty the live WAL first: a stale -wal beside the new file would be replayed onto it.
        try:
            with closing(sqlite3.connect(target, timeout=30)) as live:
                live.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass  # a broken live file is a reason to restore, not a reason to stop; its -wal goes below
    os.replace(staged, target)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)


def _pg_restore(dump: Path) -> None:
    pg_restore = _pg_client("pg_restore")
    args, env = _pg_connection()
    # Fail instead of waiting forever when a running app or worker still holds a table.
    env["PGOPTIONS"] = (env.get("PGOPTIONS", "") + " -c lock_timeout=60000").strip()
    connections.close_all()
    # --clean drops the tables (the audit triggers refuse UPDATE/DELETE of rows, not DROP TABLE);
    # one transaction: either the whole dump is in, or the database is as it was.
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
          *args, str(dump)], env, "pg_restore ")


def backup_restore(verified: VerifiedArchive, *, allow_key_mismatch: bool = False) -> dict[str, Any]:
    """Replace the database and the media folder with the archive's. Returns the manifest.

    `verified` comes from archive_verify(). Nothing live is touched until both
    the database and the media are staged and checked; the swaps come last.
    The platform (web and job worker) must be stopped while this runs.
    """
    problems = restore_problems(verified.manifest, allow_key_mismatch=allow_key_mismatch)
    if problems:
        raise BackupError(problems[0])
    vendor = verified.manifest["database"]["vendor"]
    media_root = Path(settings.MEDIA_ROOT).resolve()
    media_stage = _media_stage_dir(media_root)
    try:
        if vendor == "sqlite":
            target = _sqlite_path()
            target.parent.mkdir(parents=True, exist_ok=True)
            staged = target.with_name(f"{STAGING_PREFIX}{target.name}-{os.getpid()}")
            try:
                _extract(verified, staged, media_stage)
                _sqlite_swap(staged, target)
            finally:
                staged.unlink(missing_ok=True)
        else:
            with tempfile.TemporaryDirectory(prefix="ganxun-restore-") as scratch:
                dump = Path(scratch) / "ganxun.pgdump"
                _extract(verified, dump, media_stage)
                _pg_restore(dump)
        try:
            _swap_media(media_stage, media_root)
        except OSError as exc:
            raise BackupError(f"数据库已恢复，但替换附件目录失败（{exc}）；新附件在 {media_stage}，"
                              f"请手工移到 {media_root}。") from None
    finally:
        if media_stage.exists() and media_stage != media_root:
            shutil.rmtree(media_stage, ignore_errors=True)
    return verified.manifest
