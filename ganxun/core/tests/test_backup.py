"""backup / restore on a real installation: each command runs in a subprocess against its own var/ folder.

The in-memory test database cannot be backed up, so these tests build a small
installation with `python -m ganxun migrate` under a temporary GANXUN_VAR_DIR
(SQLite there), and, when GANXUN_DATABASE_URL points at PostgreSQL, a
throwaway PostgreSQL database for the round trip there.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from ganxun.core.backup import BackupError, archive_verify

SETUP = """
from ganxun.testing import make_cadre, make_org
province = make_org("江东省", "region", level="province", code="339000")
unit = make_org("东城区发展和改革局", "unit", province, category="party_gov")
make_cadre("张伟", unit, rank="county")
make_cadre("李娜", unit, gender="F")
"""
ADD_CADRE = """
from ganxun.org.models import Organisation
from ganxun.testing import make_cadre
make_cadre("王强", Organisation.objects.get(kind="unit"))
"""
# Cadres with their decrypted ID numbers (proves the rows are back and still readable with the keys),
# and the audit trail's actions.
FACTS = """
import json
from ganxun.audit.models import AuditEntry
from ganxun.people.models import Cadre
print(json.dumps({
    "cadres": sorted([c.person.name, c.person.id_number] for c in Cadre.objects.select_related("person")),
    "trail": [[e.action, e.result] for e in AuditEntry.objects.order_by("id")],
}))
"""
TRIGGERS_HOLD = """
from django.db import DatabaseError, transaction
from ganxun.audit.models import AuditEntry
try:
    with transaction.atomic():
        AuditEntry.objects.update(target_repr="x")
except DatabaseError:
    print("refused")
"""


def ganxun(var_dir: Path, *args: str, database_url: str | None = None) -> subprocess.CompletedProcess:
    """`python -m ganxun ...` as an operator would run it, against var_dir (and SQLite unless database_url)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GANXUN_", "PYTEST_"))}
    env.update(GANXUN_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="ganxun.settings")
    if database_url:
        env["GANXUN_DATABASE_URL"] = database_url
    return subprocess.run([sys.executable, "-m", "ganxun", *args], cwd=settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=120)


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def shell(var_dir: Path, code: str, **kw) -> str:
    return ok(ganxun(var_dir, "shell", "-v", "0", "-c", code, **kw))


def facts(var_dir: Path, before: str = "", **kw) -> dict:
    return json.loads(shell(var_dir, before + FACTS, **kw))


def media_snapshot(var_dir: Path) -> dict[str, bytes]:
    root = var_dir / "media"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def rewrite_archive(source: Path, target: Path, change) -> None:
    """Copy an archive member by member; change(name, data) returns the member's new (name, bytes)."""
    with tarfile.open(source, "r:gz") as tin, tarfile.open(target, "w:gz") as tout:
        for member in tin:
            member.name, data = change(member.name, tin.extractfile(member).read())
            member.size = len(data)
            tout.addfile(member, io.BytesIO(data))


@pytest.fixture(scope="module")
def installation(tmp_path_factory) -> tuple[Path, str, list]:
    """A migrated installation with two cadres and two media files, and one backup of it (made once).

    Returns the var folder, the archive's name and the cadres at backup time.
    """
    var = tmp_path_factory.mktemp("template") / "var"
    var.mkdir()
    ok(ganxun(var, "migrate", "-v", "0"))
    shell(var, SETUP)
    (var / "media" / "imports").mkdir(parents=True)
    (var / "media" / "imports" / "干部名册.xlsx").write_bytes(b"PK\x03\x04 roster v1")
    (var / "media" / "notes.txt").write_text("第一版\n")
    cadres = facts(var)["cadres"]
    assert [name for name, _ in cadres] == ["张伟", "李娜"]
    archive = Path(ok(ganxun(var, "backup", "-v", "0")).strip())
    assert archive.parent == var / "backups"
    return var, archive.name, cadres


@pytest.fixture
def var(installation, tmp_path) -> Path:
    """A private copy of the installation (same keys, same archive) for one test to change."""
    template = installation[0]
    copy = tmp_path / "var"
    shutil.copytree(template, copy)
    return copy


@pytest.fixture
def archive(installation, var) -> Path:
    return var / "backups" / installation[1]


def change_everything(var: Path) -> dict:
    """Add a cadre and a media file, change another file; returns the facts afterwards."""
    (var / "media" / "imports" / "新上传.xlsx").write_bytes(b"PK new upload")
    (var / "media" / "notes.txt").write_text("第二版\n")
    return facts(var, ADD_CADRE)


# --- SQLite ------------------------------------------------------------------------------------

def test_the_archive_holds_the_database_media_and_a_manifest(archive):
    verified = archive_verify(archive)
    manifest = verified.manifest
    assert archive.name.startswith("ganxun-") and archive.name.endswith(".tar.gz")
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    assert manifest["database"]["vendor"] == "sqlite"
    assert {f["path"] for f in manifest["files"]} == {
        "database/ganxun.sqlite3", "media/imports/干部名册.xlsx", "media/notes.txt"}
    assert manifest["migrations"]["audit"] == "0002_append_only_triggers"
    assert manifest["ganxun_version"] and manifest["created_at"]
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "keys.json" not in " ".join(names)  # the keys never travel with the data


def test_backup_reminds_that_the_keys_are_kept_separately(var):
    result = ganxun(var, "backup")
    assert "archive: " in ok(result)
    assert "keys.json" in result.stderr


MEDIA_AT_BACKUP = {"imports/干部名册.xlsx": b"PK\x03\x04 roster v1", "notes.txt": "第一版\n".encode()}


def test_restore_brings_back_the_data_and_media_of_the_backup(installation, var, archive):
    changed = change_everything(var)
    assert len(changed["cadres"]) == 3 and media_snapshot(var) != MEDIA_AT_BACKUP

    output = ok(ganxun(var, "restore", str(archive), "--yes"))

    assert "restored:" in output and "media: 2 files" in output
    restored = facts(var)
    assert restored["cadres"] == installation[2]
    assert media_snapshot(var) == MEDIA_AT_BACKUP
    assert restored["trail"][-1] == ["system.restore", "success"]  # written into the restored database
    assert ["system.backup", "success"] not in restored["trail"]  # that entry came after the dump
    assert ok(ganxun(var, "audit_verify")).startswith("intact: ")
    assert shell(var, TRIGGERS_HOLD).strip() == "refused"


def test_without_yes_it_only_shows_the_archive(var, archive):
    changed = change_everything(var)
    media = media_snapshot(var)
    result = ganxun(var, "restore", str(archive))
    assert result.returncode == 1
    assert "checksums OK" in result.stdout and "--yes" in result.stderr
    assert facts(var) == changed and media_snapshot(var) == media


def _flip_db_byte(name: str, data: bytes) -> tuple[str, bytes]:
    if name.startswith("database/"):
        return name, data[:5000] + bytes([data[5000] ^ 0xFF]) + data[5001:]
    return name, data


def _edit_manifest(edit):
    def change(name: str, data: bytes) -> tuple[str, bytes]:
        if name != "manifest.json":
            return name, data
        manifest = json.loads(data)
        edit(manifest)
        return name, json.dumps(manifest).encode()
    return change


def _wrong_media_checksum(manifest):
    next(f for f in manifest["files"] if f["path"] == "media/notes.txt")["sha256"] = "0" * 64


def _list_a_missing_file(manifest):
    manifest["files"].append({"path": "media/gone.txt", "size": 1, "sha256": "0" * 64})


def _from_postgresql(name: str, data: bytes) -> tuple[str, bytes]:
    """A well-formed archive claiming to come from PostgreSQL."""
    if name == "database/ganxun.sqlite3":
        return "database/ganxun.pgdump", data
    if name == "manifest.json":
        manifest = json.loads(data)
        manifest["database"].update(vendor="postgresql", member="database/ganxun.pgdump")
        next(f for f in manifest["files"] if f["path"].startswith("database/"))["path"] = "database/ganxun.pgdump"
        return name, json.dumps(manifest).encode()
    return name, data


@pytest.mark.parametrize(("damage", "reason"), [
    (_flip_db_byte, "SHA-256"),
    (_edit_manifest(_wrong_media_checksum), "media/notes.txt"),
    (_edit_manifest(_list_a_missing_file), "缺少"),
    (_from_postgresql, "postgresql"),
], ids=["flipped-byte-in-db", "manifest-checksum-edited", "manifest-lists-missing-file", "other-vendor"])
def test_a_damaged_or_foreign_archive_is_refused_and_changes_nothing(var, archive, damage, reason):
    changed = change_everything(var)
    media = media_snapshot(var)
    bad = var / "backups" / "ganxun-damaged.tar.gz"
    rewrite_archive(archive, bad, damage)

    result = ganxun(var, "restore", str(bad), "--yes")

    assert result.returncode == 1
    assert "nothing was changed" in result.stderr and reason in result.stderr
    after = facts(var)
    assert after["cadres"] == changed["cadres"]
    assert media_snapshot(var) == media
    # The refusal itself is put on the record; nothing else is written.
    assert after["trail"] == changed["trail"] + [["system.restore", "failure"]]


def test_a_truncated_archive_is_refused(var, archive):
    bad = var / "backups" / "ganxun-truncated.tar.gz"
    bad.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    result = ganxun(var, "restore", str(bad), "--yes")
    assert result.returncode == 1 and "损坏" in result.stderr


def test_restore_refuses_other_keys_unless_told(var, archive):
    changed = change_everything(var)
    media = media_snapshot(var)
    original = (var / "keys.json").read_text()
    other = {**json.loads(original), "DATA_KEY": "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="}  # 32 bytes of "A"
    (var / "keys.json").write_text(json.dumps(other))

    result = ganxun(var, "restore", str(archive), "--yes")

    assert result.returncode == 1 and "DATA_KEY" in result.stderr and "--allow-key-mismatch" in result.stderr
    (var / "keys.json").write_text(original)
    assert facts(var)["cadres"] == changed["cadres"] and media_snapshot(var) == media


# --- archive checks without a database -------------------------------------------------------------

def _with_extra_member(archive: Path, target: Path, info: tarfile.TarInfo, data: bytes = b"") -> Path:
    with tarfile.open(archive, "r:gz") as tin, tarfile.open(target, "w:gz") as tout:
        for member in tin:
            tout.addfile(member, tin.extractfile(member))
        info.size = len(data)
        tout.addfile(info, io.BytesIO(data))
    return target


@pytest.mark.parametrize("name", ["media/../../etc/cron.d/x", "/etc/passwd", "keys.json", "media/a/./b"])
def test_it_refuses_members_that_could_escape_or_do_not_belong(archive, tmp_path, name):
    bad = _with_extra_member(archive, tmp_path / "bad.tar.gz", tarfile.TarInfo(name), b"x")
    with pytest.raises(BackupError, match="不允许"):
        archive_verify(bad)


def test_it_refuses_links(archive, tmp_path):
    link = tarfile.TarInfo("media/link")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    bad = _with_extra_member(archive, tmp_path / "bad.tar.gz", link)
    with pytest.raises(BackupError, match="不允许"):
        archive_verify(bad)


def test_it_refuses_a_file_not_listed_in_the_manifest(archive, tmp_path):
    bad = _with_extra_member(archive, tmp_path / "bad.tar.gz", tarfile.TarInfo("media/smuggled.txt"), b"x")
    with pytest.raises(BackupError, match="清单之外"):
        archive_verify(bad)


def test_it_refuses_an_archive_without_manifest(tmp_path):
    bad = tmp_path / "ganxun-x.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        tar.addfile(tarfile.TarInfo("media/a.txt"), io.BytesIO(b""))
    with pytest.raises(BackupError, match="manifest"):
        archive_verify(bad)


def test_it_refuses_something_that_is_not_an_archive(tmp_path):
    bad = tmp_path / "ganxun-x.tar.gz"
    bad.write_bytes(gzip.compress(b"not a tar file at all" * 40))
    with pytest.raises(BackupError, match="损坏"):
        archive_verify(bad)


# --- PostgreSQL ------------------------------------------------------------------------------------

PG_URL = os.environ.get("GANXUN_DATABASE_URL", "")


@pytest.fixture
def pg_database():
    """A throwaway database next to the test database, dropped at the end whatever happens."""
    import psycopg

    parts = urlsplit(PG_URL)
    name = f"ganxun_ops_rt_{os.getpid()}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.skipif(not PG_URL.startswith(("postgres://", "postgresql://")),
                    reason="GANXUN_DATABASE_URL is not a PostgreSQL URL")
def test_postgresql_round_trip(pg_database, tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    pg = {"database_url": pg_database}
    ok(ganxun(var, "migrate", "-v", "0", **pg))
    shell(var, SETUP, **pg)
    (var / "media").mkdir()
    (var / "media" / "notes.txt").write_text("第一版\n")
    cadres, media = facts(var, **pg)["cadres"], media_snapshot(var)
    archive = Path(ok(ganxun(var, "backup", "-v", "0", **pg)).strip())
    assert archive_verify(archive).manifest["database"]["vendor"] == "postgresql"
    (var / "media" / "notes.txt").write_text("第二版\n")
    assert len(facts(var, ADD_CADRE, **pg)["cadres"]) == 3

    # pg_restore --clean drops the audit table with its triggers (DROP is not an UPDATE or DELETE).
    ok(ganxun(var, "restore", str(archive), "--yes", **pg))

    restored = facts(var, **pg)
    assert restored["cadres"] == cadres
    assert media_snapshot(var) == media
    assert restored["trail"][-1] == ["system.restore", "success"]
    assert ok(ganxun(var, "audit_verify", **pg)).startswith("intact: ")
    assert shell(var, TRIGGERS_HOLD, **pg).strip() == "refused"

    # The same archive on SQLite is refused before anything is touched.
    sqlite_var = tmp_path / "sqlite"
    sqlite_var.mkdir()
    shutil.copy(var / "keys.json", sqlite_var / "keys.json")
    ok(ganxun(sqlite_var, "migrate", "-v", "0"))
    refused = ganxun(sqlite_var, "restore", str(archive), "--yes")
    assert refused.returncode == 1 and "postgresql" in refused.stderr
