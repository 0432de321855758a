"""Model fields for personal data."""

from __future__ import annotations

from django.db import models

from ganxun.core import crypto


class EncryptedTextField(models.TextField):
    """A text column whose value is encrypted at rest (see core.crypto).

    Python code sees plain text; the database holds ciphertext. Filtering on it
    is meaningless (each write uses a fresh nonce): look up by the companion
    keyed-hash column instead.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)
