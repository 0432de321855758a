"""The tiny demo generated once per test module (read-only tests share it).

Generation runs inside a transaction that is rolled back after the module; each test runs
in its own savepoint within it (pytest-django's per-test atomic), so a test's own writes
vanish too. Tests that generate themselves (determinism, refusals, commands) do not use it.
"""

from __future__ import annotations

import tempfile

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from ganxun.demo.generator import generate


@pytest.fixture(scope="session", autouse=True)
def demo_media_root():
    """The demo's course handouts are written to a temporary folder, never into var/."""
    with tempfile.TemporaryDirectory() as folder, override_settings(MEDIA_ROOT=folder):
        yield folder


@pytest.fixture(scope="module")
def tiny_demo(django_db_setup, django_db_blocker, demo_media_root):
    with django_db_blocker.unblock():
        with transaction.atomic():
            summary = generate(scale="tiny", seed=2026, today=timezone.localdate())
            yield summary
            transaction.set_rollback(True)
