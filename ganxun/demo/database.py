"""Bringing the database to the state the generator needs: migrated, and empty on request.

Why "reset" wipes the whole database instead of deleting the demo rows: the
audit trail is append-only, enforced by database triggers (audit migration
0002), so no DELETE, `flush` included, can clear it; and a demo database holds
nothing but demo data. Reset therefore removes the SQLite file, or on
PostgreSQL drops the platform's tables, and migrates afresh. It refuses a
database that has data but no DemoRun record, so it cannot wipe a real
installation by mistake.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ganxun.demo.models import DemoRun


class ResetRefused(Exception):
    """The database holds data that was not generated as a demo."""


def migrate_if_needed() -> bool:
    """Apply pending migrations quietly; True when something was applied."""
    executor = MigrationExecutor(connection)
    if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return False
    call_command("migrate", interactive=False, verbosity=0)
    return True


def demo_run() -> DemoRun | None:
    """The latest generation record, or None (also when the table does not exist yet)."""
    if DemoRun._meta.db_table not in connection.introspection.table_names():
        return None
    return DemoRun.objects.order_by("-id").first()


def describe() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite {settings['NAME']}"
    return f"{connection.vendor} {settings.get('HOST') or 'localhost'}:{settings.get('PORT') or ''}/{settings['NAME']}"


def wipe_demo_database(*, has_data: bool) -> None:
    """Empty the database completely and migrate it again (see the module docstring)."""
    if has_data and demo_run() is None:
        raise ResetRefused(
            f"数据库（{describe()}）中有数据，但没有演示数据生成记录：为防止误删真实数据，拒绝清空。"
        )
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        if name == ":memory:" or name.startswith("file:"):
            raise ResetRefused("内存数据库无需清空。")
        connection.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(name + suffix).unlink(missing_ok=True)
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            existing = set(connection.introspection.table_names(cursor))
            ours = set(connection.introspection.django_table_names(only_existing=True)) | {"django_migrations"}
            tables = sorted(existing & ours)
            if tables:
                cursor.execute("DROP TABLE " + ", ".join(connection.ops.quote_name(t) for t in tables) + " CASCADE")
    else:
        raise ResetRefused(f"不支持清空 {connection.vendor} 数据库。")
    call_command("migrate", interactive=False, verbosity=0)
