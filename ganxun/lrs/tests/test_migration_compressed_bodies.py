"""Migration 0004 turns stored JSON text into zstd bytes and back, row by row."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
import zstandard
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("lrs", "0003_leaner_indexes")]
AFTER = [("lrs", "0004_compressed_bodies")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_stored_bodies_survive_the_migration_both_ways():
    old_apps = _migrate(BEFORE)
    client = old_apps.get_model("lrs", "LrsClient").objects.create(
        name="迁移测试", key="migration-test", secret_hash="x" * 64,
        authority={"objectType": "Agent", "account": {"homePage": "http://127.0.0.1:8000", "name": "m"}})
    statement = old_apps.get_model("lrs", "XapiStatement")
    now = dt.datetime(2026, 12, 5, tzinfo=dt.timezone.utc)
    bodies = {}
    for n in range(3):
        statement_id = uuid.uuid4()
        bodies[statement_id] = json.dumps({"id": str(statement_id), "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
                                           "result": {"response": "学习心得" * (n + 1)}}, ensure_ascii=False)
        statement.objects.create(statement_id=statement_id, body=bodies[statement_id], version="1.0.0",
                                 actor_key="a" * 32, verb_key="v" * 32, timestamp=now, stored=now, client=client)
    try:
        new_apps = _migrate(AFTER)
        rows = dict(new_apps.get_model("lrs", "XapiStatement").objects.values_list("statement_id", "data"))
        assert {sid: zstandard.ZstdDecompressor().decompress(bytes(data)).decode()
                for sid, data in rows.items()} == bodies

        back_apps = _migrate(BEFORE)
        assert dict(back_apps.get_model("lrs", "XapiStatement").objects.values_list("statement_id", "body")) == bodies
    finally:
        _migrate(_leaf_nodes())  # every app back at its newest migration for the tests that follow


def _leaf_nodes():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
