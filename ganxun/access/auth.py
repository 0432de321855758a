"""Django authentication backend: plain username/password check.

Lockout, TOTP and auditing are done by services.login_check, which views call
before django.contrib.auth.login; this backend only binds sessions to accounts.
"""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend

from ganxun.access.models import Account


class AccountBackend(BaseBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        try:
            account = Account.objects.get(username=username)
        except Account.DoesNotExist:
            Account().set_password(password)  # same work as a real check: no timing oracle
            return None
        if account.is_active and account.check_password(password):
            return account
        return None

    def get_user(self, user_id):
        try:
            account = Account.objects.get(pk=user_id)
        except Account.DoesNotExist:
            return None
        return account if account.is_active else None
