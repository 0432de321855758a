"""Fixtures shared by every test module: the persona cast and logged-in clients."""

from __future__ import annotations

import pytest
from django.test import Client

from ganxun.testing import build_cast, with_role


@pytest.fixture
def cast(db):
    return build_cast()


@pytest.fixture
def login(cast):
    """login(account) → a Django test client logged in as that account (its first role active)."""

    def make(account) -> Client:
        client = Client()
        client.force_login(account)
        return client

    return make


@pytest.fixture
def actor(cast):
    """actor(account) → the account with its first role active, for calling services directly."""
    return with_role
