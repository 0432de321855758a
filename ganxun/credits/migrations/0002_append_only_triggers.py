"""Database triggers that make the credit ledger append-only.

A posting is never edited or deleted: a correction is a reversal entry (negative hours,
`reverses` → the original) and, where needed, a new posting. The topics of a posting
(the M2M table) are fixed with it. These triggers make that true for every code path
that writes through the application's connection.
"""

from django.db import migrations

TABLES = ("credits_creditrecord", "credits_creditrecord_topics")

SQLITE_UP = [
    f"""CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table}
        BEGIN SELECT RAISE(ABORT, 'the credit ledger is append-only'); END"""
    for table in TABLES for verb in ("update", "delete")
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {table}_no_{verb}" for table in TABLES for verb in ("update", "delete")]

POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION credit_ledger_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the credit ledger is append-only'; END $$ LANGUAGE plpgsql""",
    *[f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
          FOR EACH ROW EXECUTE FUNCTION credit_ledger_append_only()""" for table in TABLES],
]
POSTGRES_DOWN = [
    *[f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}" for table in TABLES],
    "DROP FUNCTION IF EXISTS credit_ledger_append_only()",
]


def forwards(apps, schema_editor):
    statements = POSTGRES_UP if schema_editor.connection.vendor == "postgresql" else SQLITE_UP
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = POSTGRES_DOWN if schema_editor.connection.vendor == "postgresql" else SQLITE_DOWN
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("credits", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
