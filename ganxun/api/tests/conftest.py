"""Fixtures of the API tests: API clients acting by token or by session."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from ganxun.access.services import token_create


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Rate-limit counters live in the cache; ids repeat between tests on SQLite.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def token_client(cast):
    """token_client(account) → a test client sending `Authorization: Bearer <new token>`."""

    def make(account, **token_options) -> Client:
        _, raw = token_create(actor=None, account=account, name="t", **token_options)
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make
