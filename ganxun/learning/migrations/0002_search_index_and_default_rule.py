"""The catalogue's full-text index, and the default credit-hour conversion rule.

SQLite: an FTS5 table `learning_course_fts` (rowid = course id) over the jieba-segmented
`search_text`, kept in sync by learning.search. PostgreSQL: a GIN index on
to_tsvector('simple', search_text) — 'simple' because the words are already segmented.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS learning_course_fts USING fts5(search_text, tokenize='unicode61')")
    elif connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS learning_course_search_gin "
            "ON learning_course USING GIN (to_tsvector('simple', search_text))")


def drop_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS learning_course_fts")
    elif connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS learning_course_search_gin")


def default_rule(apps, schema_editor):
    ConversionRule = apps.get_model("learning", "ConversionRule")
    if not ConversionRule.objects.filter(platform="ganxun").exists():
        ConversionRule.objects.create(
            platform="ganxun", effective_from=dt.date(2000, 1, 1), long_minutes=30, long_hours=Decimal("1"),
            medium_minutes=15, medium_hours=Decimal("0.5"), short_hours=Decimal("0.25"),
            test_bonus_hours=Decimal("0.5"), note="默认规则：30 分钟及以上 1 学时，15–30 分钟 0.5 学时，不足 15 分钟 0.25 学时；通过课程测试加 0.5 学时。")


class Migration(migrations.Migration):
    dependencies = [("learning", "0001_initial")]

    operations = [
        migrations.RunPython(create_index, drop_index),
        migrations.RunPython(default_rule, migrations.RunPython.noop),
    ]
