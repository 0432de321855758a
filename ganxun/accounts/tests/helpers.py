"""Small helpers shared by the account page tests."""

from __future__ import annotations

import re

from django.urls import reverse

from ganxun.access.models import Account

_PASSWORD = re.compile(r'data-testid="one-time-password">([^<]+)</code>')


def shown_password(response) -> str:
    match = _PASSWORD.search(response.content.decode())
    assert match, "the page does not show a one-time password"
    return match.group(1)


def shown_token(response) -> str:
    match = re.search(r'value="(gx_[^"]+)"', response.content.decode())
    assert match, "the page does not show a raw token"
    return match.group(1)


def detail_url(account: Account) -> str:
    return reverse("accounts:detail", args=[account.pk])


def action_url(name: str, account: Account, *extra) -> str:
    return reverse(f"accounts:{name}", args=[account.pk, *extra])
