"""The API tests of this app use the API test fixtures (token clients, fresh rate limits)."""

from ganxun.api.tests.conftest import _fresh_rate_limits, token_client  # noqa: F401
